// File and directory management: RFC 959 MKD RMD DELE RNFR RNTO, RFC 3659
// SIZE MDTM, the MFMT draft (draft-somers-ftp-mfxx) and SITE CHMOD.
#include <fmt/format.h>

#include <charconv>

#include "protocol/reply_code.hpp"
#include "protocol/timestamp.hpp"
#include "protocol/vpath.hpp"
#include "server/handlers/common.hpp"
#include "server/handlers/handlers.hpp"

namespace portico::server::handlers {

namespace code = protocol::code;

namespace {

// Runs a storage call that returns result<void> on `path` and answers `ok`.
template <class F>
awaitable<outcome> simple_change(context& ctx, std::string_view arg, int ok_code,
                                 std::string_view ok_text, F call) {
  auto path = resolve_path(ctx, arg);
  if (!path) co_return outcome{path.error()};
  if (*path == "/") co_return outcome{code::file_unavailable, "/: the root cannot be changed."};
  auto done = co_await ctx.blocking([&] { return call(ctx.fs(), *path); });
  if (!done) co_return outcome{storage_failure(done.error(), *path)};
  co_return outcome{ok_code, fmt::format(fmt::runtime(ok_text), protocol::quote_path(*path))};
}

}  // namespace

awaitable<outcome> mkd(context& ctx, std::string_view arg) {
  co_return co_await simple_change(
      ctx, arg, code::path_created, "\"{}\" created.",
      [](storage& fs, const std::string& p) { return fs.make_directory(p); });
}

awaitable<outcome> rmd(context& ctx, std::string_view arg) {
  co_return co_await simple_change(
      ctx, arg, code::file_action_ok, "Directory \"{}\" removed.",
      [](storage& fs, const std::string& p) { return fs.remove_directory(p); });
}

awaitable<outcome> dele(context& ctx, std::string_view arg) {
  co_return co_await simple_change(
      ctx, arg, code::file_action_ok, "File \"{}\" deleted.",
      [](storage& fs, const std::string& p) { return fs.remove_file(p); });
}

awaitable<outcome> rnfr(context& ctx, std::string_view arg) {
  auto path = resolve_path(ctx, arg);
  if (!path) co_return outcome{path.error()};
  auto st = co_await ctx.blocking([&] { return ctx.fs().lstat(*path); });
  if (!st) co_return outcome{storage_failure(st.error(), *path)};
  ctx.state.rename_from = *path;
  co_return outcome{code::pending_further_info, "Ready for RNTO."};
}

awaitable<outcome> rnto(context& ctx, std::string_view arg) {
  if (!ctx.state.rename_from) co_return outcome{code::bad_sequence, "Send RNFR first."};
  const std::string from = std::move(*ctx.state.rename_from);
  ctx.state.rename_from.reset();
  auto to = resolve_path(ctx, arg);
  if (!to) co_return outcome{to.error()};
  auto done = co_await ctx.blocking([&] { return ctx.fs().rename(from, *to); });
  if (!done) co_return outcome{storage_failure(done.error(), *to)};
  co_return outcome{code::file_action_ok, "Rename successful."};
}

awaitable<outcome> size(context& ctx, std::string_view arg) {
  auto path = resolve_path(ctx, arg);
  if (!path) co_return outcome{path.error()};
  auto st = co_await ctx.blocking([&] { return ctx.fs().stat(*path); });
  if (!st) co_return outcome{storage_failure(st.error(), *path)};
  if (st->type != protocol::entry_type::file) {
    co_return outcome{code::file_unavailable, fmt::format("{}: not a regular file.", *path)};
  }
  // The stored size even in TYPE A: computing the converted size would mean
  // reading the whole file for one command (vsftpd makes the same choice).
  co_return outcome{code::file_status, std::to_string(st->size)};
}

awaitable<outcome> mdtm(context& ctx, std::string_view arg) {
  auto path = resolve_path(ctx, arg);
  if (!path) co_return outcome{path.error()};
  auto st = co_await ctx.blocking([&] { return ctx.fs().stat(*path); });
  if (!st) co_return outcome{storage_failure(st.error(), *path)};
  co_return outcome{code::file_status, protocol::format_mdtm(st->mtime)};
}

awaitable<outcome> mfmt(context& ctx, std::string_view arg) {
  const auto space = arg.find(' ');
  if (space == std::string_view::npos) {
    co_return outcome{code::syntax_error_args, "Syntax: MFMT YYYYMMDDHHMMSS path"};
  }
  auto when = protocol::parse_mdtm(arg.substr(0, space));
  if (!when) {
    co_return outcome{
        code::syntax_error_args,
        fmt::format("Bad time '{}': expected YYYYMMDDHHMMSS (UTC).", arg.substr(0, space))};
  }
  auto path = resolve_path(ctx, arg.substr(space + 1));
  if (!path) co_return outcome{path.error()};
  auto done = co_await ctx.blocking([&] { return ctx.fs().set_mtime(*path, *when); });
  if (!done) co_return outcome{storage_failure(done.error(), *path)};
  co_return outcome{code::file_status,
                    fmt::format("Modify={}; {}", protocol::format_mdtm(*when), *path)};
}

awaitable<outcome> site_chmod(context& ctx, std::string_view arg) {
  const auto space = arg.find(' ');
  std::uint32_t mode = 0;
  const std::string_view digits = arg.substr(0, space);
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), mode, 8);
  if (space == std::string_view::npos || digits.empty() || ec != std::errc{} ||
      ptr != digits.data() + digits.size() || mode > 07777) {
    co_return outcome{code::syntax_error_args, "Syntax: SITE CHMOD <octal mode> <path>"};
  }
  auto path = resolve_path(ctx, arg.substr(space + 1));
  if (!path) co_return outcome{path.error()};
  auto done = co_await ctx.blocking([&] { return ctx.fs().set_mode(*path, mode); });
  if (!done) co_return outcome{storage_failure(done.error(), *path)};
  co_return outcome{code::ok, "SITE CHMOD command ok."};
}

}  // namespace portico::server::handlers
