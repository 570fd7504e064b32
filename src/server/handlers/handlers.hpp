// Every command handler, one function per verb, grouped by family in the
// handlers/*.cpp files. Each receives the context and the argument and
// returns an outcome; the command table maps verbs to them.
#pragma once

#include <string_view>

#include "net/asio.hpp"
#include "server/context.hpp"
#include "server/outcome.hpp"

namespace portico::server::handlers {

using net::awaitable;

// access.cpp: RFC 959 §4.1.1, RFC 7151
awaitable<outcome> user(context& ctx, std::string_view arg);
awaitable<outcome> pass(context& ctx, std::string_view arg);
awaitable<outcome> quit(context& ctx, std::string_view arg);
awaitable<outcome> host(context& ctx, std::string_view arg);

// info.cpp: RFC 959 §4.1.3, RFC 2389
awaitable<outcome> noop(context& ctx, std::string_view arg);
awaitable<outcome> syst(context& ctx, std::string_view arg);
awaitable<outcome> feat(context& ctx, std::string_view arg);
awaitable<outcome> opts(context& ctx, std::string_view arg);
awaitable<outcome> help(context& ctx, std::string_view arg);
awaitable<outcome> stat(context& ctx, std::string_view arg);
awaitable<outcome> site(context& ctx, std::string_view arg);

// parameters.cpp: RFC 959 §4.1.2
awaitable<outcome> type(context& ctx, std::string_view arg);
awaitable<outcome> mode(context& ctx, std::string_view arg);
awaitable<outcome> stru(context& ctx, std::string_view arg);
awaitable<outcome> allo(context& ctx, std::string_view arg);
awaitable<outcome> rest(context& ctx, std::string_view arg);

// navigation.cpp
awaitable<outcome> pwd(context& ctx, std::string_view arg);
awaitable<outcome> cwd(context& ctx, std::string_view arg);
awaitable<outcome> cdup(context& ctx, std::string_view arg);

// files.cpp: RFC 959, RFC 3659 §3-4, MFMT draft
awaitable<outcome> mkd(context& ctx, std::string_view arg);
awaitable<outcome> rmd(context& ctx, std::string_view arg);
awaitable<outcome> dele(context& ctx, std::string_view arg);
awaitable<outcome> rnfr(context& ctx, std::string_view arg);
awaitable<outcome> rnto(context& ctx, std::string_view arg);
awaitable<outcome> size(context& ctx, std::string_view arg);
awaitable<outcome> mdtm(context& ctx, std::string_view arg);
awaitable<outcome> mfmt(context& ctx, std::string_view arg);
awaitable<outcome> site_chmod(context& ctx, std::string_view arg);

// transfer.cpp
awaitable<outcome> retr(context& ctx, std::string_view arg);
awaitable<outcome> stor(context& ctx, std::string_view arg);
awaitable<outcome> stou(context& ctx, std::string_view arg);
awaitable<outcome> appe(context& ctx, std::string_view arg);

// listing.cpp: RFC 959 LIST/NLST, RFC 3659 §7 MLSD/MLST
awaitable<outcome> list(context& ctx, std::string_view arg);
awaitable<outcome> nlst(context& ctx, std::string_view arg);
awaitable<outcome> mlsd(context& ctx, std::string_view arg);
awaitable<outcome> mlst(context& ctx, std::string_view arg);
// STAT <path>: the listing on the control connection (213).
awaitable<outcome> stat_listing(context& ctx, std::string_view arg);

// data.cpp: RFC 959 PORT/PASV, RFC 2428 EPRT/EPSV
awaitable<outcome> port(context& ctx, std::string_view arg);
awaitable<outcome> pasv(context& ctx, std::string_view arg);
awaitable<outcome> eprt(context& ctx, std::string_view arg);
awaitable<outcome> epsv(context& ctx, std::string_view arg);
awaitable<outcome> abor(context& ctx, std::string_view arg);

}  // namespace portico::server::handlers
