// Listings: RFC 959 LIST and NLST, RFC 3659 §7 MLSD and MLST, and STAT with
// a path. No globbing: a path names one file or directory (CVE-2011-0762 and
// the other glob DoS bugs cannot happen).
#include <fmt/format.h>

#include "protocol/listing.hpp"
#include "protocol/reply_code.hpp"
#include "protocol/vpath.hpp"
#include "server/handlers/common.hpp"
#include "server/handlers/handlers.hpp"

namespace portico::server::handlers {

namespace code = protocol::code;

namespace {

// What a path names: the entries of a directory, or one entry for a file.
struct listed {
  std::string path;
  bool is_directory = false;
  std::vector<protocol::entry_info> entries;
  bool truncated = false;
};

// LIST and NLST arguments may start with ls options ("-la", "-a dir"), which
// many clients send; they are skipped (the listing always shows everything).
std::string_view strip_ls_options(std::string_view arg) {
  while (arg.size() >= 2 && arg[0] == '-' && arg[1] != ' ') {
    const auto space = arg.find(' ');
    if (space == std::string_view::npos) return {};
    arg.remove_prefix(space + 1);
    while (!arg.empty() && arg.front() == ' ') arg.remove_prefix(1);
  }
  return arg;
}

awaitable<expected<listed, protocol::reply>> gather(context& ctx, std::string_view arg) {
  auto path = resolve_path(ctx, arg);
  if (!path) co_return unexpected(path.error());
  auto found = co_await ctx.blocking([&]() -> result<listed> {
    listed out;
    out.path = *path;
    auto st = ctx.fs().stat(*path);
    if (!st) return unexpected(st.error());
    if (st->type == protocol::entry_type::directory) {
      auto l = ctx.fs().list(*path);
      if (!l) return unexpected(l.error());
      out.is_directory = true;
      out.entries = std::move(l->entries);
      out.truncated = l->truncated;
    } else {
      auto own = ctx.fs().lstat(*path);
      out.entries.push_back(
          to_entry_info(std::string(protocol::vpath_basename(*path)), own ? *own : *st));
    }
    return out;
  });
  if (!found) co_return unexpected(storage_failure(found.error(), *path));
  co_return std::move(*found);
}

outcome listing_transfer(context& ctx, std::string verb, const listed& l, std::string bytes) {
  transfer_request t;
  t.what = transfer_request::kind::send_bytes;
  t.verb = std::move(verb);
  t.path = l.path;
  t.bytes = std::move(bytes);
  t.size = t.bytes.size();
  t.opening_text = fmt::format("Here comes the listing of {}.", l.path);
  t.done_text = l.truncated ? fmt::format("Listing truncated after {} entries.", l.entries.size())
                            : "Directory send OK.";
  (void)ctx;
  return outcome::start(std::move(t));
}

}  // namespace

awaitable<outcome> list(context& ctx, std::string_view arg) {
  auto l = co_await gather(ctx, strip_ls_options(arg));
  if (!l) co_return outcome{l.error()};
  const auto now = ctx.now();
  std::string bytes;
  for (const auto& e : l->entries) {
    bytes += protocol::format_list_line(e, now);
    bytes += "\r\n";
  }
  co_return listing_transfer(ctx, "LIST", *l, std::move(bytes));
}

awaitable<outcome> nlst(context& ctx, std::string_view arg) {
  auto l = co_await gather(ctx, strip_ls_options(arg));
  if (!l) co_return outcome{l.error()};
  std::string bytes;
  for (const auto& e : l->entries) {
    bytes += protocol::safe_name(e.name);
    bytes += "\r\n";
  }
  co_return listing_transfer(ctx, "NLST", *l, std::move(bytes));
}

awaitable<outcome> mlsd(context& ctx, std::string_view arg) {
  auto l = co_await gather(ctx, arg);
  if (!l) co_return outcome{l.error()};
  if (!l->is_directory) {
    // RFC 3659 §7.2.1: MLSD of a file is an error; MLST describes one entry.
    co_return outcome{code::syntax_error_args,
                      fmt::format("{} is not a directory; use MLST.", l->path)};
  }
  std::string bytes;
  for (const auto& e : l->entries) {
    bytes += protocol::format_mlsx_line(e, ctx.state.mlst_facts, mlsx_perm(ctx, e.type));
    bytes += "\r\n";
  }
  co_return listing_transfer(ctx, "MLSD", *l, std::move(bytes));
}

awaitable<outcome> mlst(context& ctx, std::string_view arg) {
  auto path = resolve_path(ctx, arg);
  if (!path) co_return outcome{path.error()};
  auto st = co_await ctx.blocking([&] { return ctx.fs().stat(*path); });
  if (!st) co_return outcome{storage_failure(st.error(), *path)};
  auto e = to_entry_info(*path, *st);
  // RFC 3659 §7.2: the facts line starts with a space, and names the path.
  std::vector<std::string> lines{
      fmt::format("Listing {}", *path),
      " " + protocol::format_mlsx_line(e, ctx.state.mlst_facts, mlsx_perm(ctx, e.type)), "End"};
  co_return outcome{protocol::reply{code::file_action_ok, std::move(lines)}};
}

awaitable<outcome> stat_listing(context& ctx, std::string_view arg) {
  if (!ctx.state.logged_in->permissions.has(permission::list)) {
    co_return outcome{code::file_unavailable,
                      "Permission denied: listing needs the 'list' permission."};
  }
  auto l = co_await gather(ctx, strip_ls_options(arg));
  if (!l) co_return outcome{l.error()};
  const auto now = ctx.now();
  std::vector<std::string> lines{fmt::format("Status of {}:", l->path)};
  for (const auto& e : l->entries) lines.push_back(protocol::format_list_line(e, now));
  lines.emplace_back("End of status");
  co_return outcome{protocol::reply{code::file_status, std::move(lines)}};
}

}  // namespace portico::server::handlers
