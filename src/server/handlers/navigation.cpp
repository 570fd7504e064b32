// Directory navigation: RFC 959 PWD CWD CDUP (and the RFC 775 X-forms, which
// the command table maps here). 257 replies quote the path with embedded
// quotes doubled.
#include <fmt/format.h>

#include "protocol/reply_code.hpp"
#include "protocol/vpath.hpp"
#include "server/handlers/common.hpp"
#include "server/handlers/handlers.hpp"

namespace portico::server::handlers {

namespace code = protocol::code;

awaitable<outcome> pwd(context& ctx, std::string_view) {
  co_return outcome{code::path_created, fmt::format("\"{}\" is the current directory.",
                                                    protocol::quote_path(ctx.state.cwd))};
}

namespace {

awaitable<outcome> change_to(context& ctx, std::string target) {
  auto st = co_await ctx.blocking([&ctx, &target] { return ctx.fs().stat(target); });
  if (!st) co_return outcome{storage_failure(st.error(), target)};
  if (st->type != protocol::entry_type::directory) {
    co_return outcome{code::file_unavailable, fmt::format("{}: Not a directory.", target)};
  }
  ctx.state.cwd = std::move(target);
  co_return outcome{code::file_action_ok, fmt::format("Directory changed to \"{}\".",
                                                      protocol::quote_path(ctx.state.cwd))};
}

}  // namespace

awaitable<outcome> cwd(context& ctx, std::string_view arg) {
  auto target = resolve_path(ctx, arg);
  if (!target) co_return outcome{target.error()};
  co_return co_await change_to(ctx, std::move(*target));
}

awaitable<outcome> cdup(context& ctx, std::string_view) {
  co_return co_await change_to(ctx, protocol::vpath_parent(ctx.state.cwd));
}

}  // namespace portico::server::handlers
