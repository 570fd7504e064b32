#include "server/dispatcher.hpp"

#include <fmt/format.h>

#include "protocol/reply_code.hpp"

namespace portico::server {
namespace {

namespace code = protocol::code;

bool is_blank(std::string_view s) {
  return s.find_first_not_of(' ') == std::string_view::npos;
}

// Why a command may not run, or nothing if it may.
std::optional<outcome> check_rules(const context& ctx, const command_spec& spec,
                                   std::string_view argument) {
  // SECURITY: before login only the few commands flagged before_login run
  // (the CVE-2015-3306 pattern: a command usable without login).
  if (spec.needs_login() && !ctx.state.is_logged_in()) {
    return outcome{code::not_logged_in, "Please log in with USER and PASS first."};
  }
  if (spec.arg == arg_rule::none && !is_blank(argument)) {
    return outcome{code::syntax_error_args, fmt::format("{} takes no argument.", spec.verb)};
  }
  if (spec.arg == arg_rule::required && argument.empty()) {
    return outcome{code::syntax_error_args, fmt::format("Syntax: {}", spec.help)};
  }
  if (ctx.state.is_logged_in() && !ctx.state.logged_in->permissions.has(spec.perm)) {
    return outcome{code::file_unavailable,
                   fmt::format("Permission denied: this account may not {} (it needs the '{}' "
                               "permission).",
                               spec.verb, permission_name(spec.perm))};
  }
  if (spec.has(command_flag::opens_transfer) && !ctx.data.prepared()) {
    return outcome{code::cannot_open_data,
                   "No data connection prepared: send PASV or EPSV (passive) or PORT or EPRT "
                   "(active) first."};
  }
  return std::nullopt;
}

void clear_one_shot(context& ctx) {
  ctx.state.rest_offset = 0;
  ctx.state.rename_from.reset();
  ctx.data.reset();
}

}  // namespace

net::awaitable<outcome> dispatch(context& ctx, const protocol::command_line& cmd) {
  const command_spec* spec = find_command(cmd.verb);
  if (spec == nullptr) {
    clear_one_shot(ctx);
    co_return outcome{code::syntax_error, fmt::format("Unknown command '{}'.", cmd.verb)};
  }

  // RNFR must be followed directly by RNTO, and REST by the transfer it
  // restarts; the setup commands (PASV, TYPE...) may come between REST and it.
  if (spec->verb != "RNTO") ctx.state.rename_from.reset();
  const bool uses_rest = spec->has(command_flag::opens_transfer);
  if (!uses_rest && !spec->has(command_flag::keeps_one_shot)) ctx.state.rest_offset = 0;

  if (auto refused = check_rules(ctx, *spec, cmd.argument)) {
    clear_one_shot(ctx);
    co_return std::move(*refused);
  }

  outcome result = co_await spec->handler(ctx, cmd.argument);
  if (!result.transfer &&
      (result.reply.is_transient_negative() || result.reply.is_permanent_negative())) {
    // Any failure clears the one-shot state, so that a stale REST offset or
    // data connection can never apply to a later command.
    clear_one_shot(ctx);
  }
  co_return result;
}

}  // namespace portico::server
