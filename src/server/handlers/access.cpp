// Access control commands: RFC 959 §4.1.1 (USER, PASS, QUIT) and RFC 7151
// (HOST). RFC 2577 §5: failed logins are delayed, and the session closes after
// a few; §7: every USER gets the same reply, so that user names cannot be
// probed.
#include <fmt/format.h>

#include "protocol/reply_code.hpp"
#include "server/handlers/handlers.hpp"

namespace portico::server::handlers {

namespace code = protocol::code;

awaitable<outcome> user(context& ctx, std::string_view arg) {
  if (ctx.state.is_logged_in()) {
    co_return outcome{code::bad_sequence, "Already logged in; open a new connection to switch."};
  }
  ctx.state.pending_user = std::string(arg);
  co_return outcome{code::need_password, "Please specify the password."};
}

awaitable<outcome> pass(context& ctx, std::string_view arg) {
  if (ctx.state.is_logged_in()) co_return outcome{code::superfluous, "Already logged in."};
  if (!ctx.state.pending_user) co_return outcome{code::bad_sequence, "Send USER first."};
  const std::string name = std::move(*ctx.state.pending_user);
  ctx.state.pending_user.reset();

  const authenticator& auth = *ctx.svc.auth;
  std::optional<account> acct =
      co_await ctx.blocking([&auth, &name, arg] { return auth.authenticate(name, arg); });

  if (acct) {
    auto opened =
        co_await ctx.blocking([&ctx, &acct] { return ctx.svc.open_storage(*acct, ctx.config); });
    if (!opened) {
      ctx.svc.events.server_message(
          log_level::error, fmt::format("session {}: cannot open home {} of {}: {}", ctx.info.id,
                                        acct->home, acct->name, opened.error().message()));
      if (opened.error() == storage_errc::out_of_descriptors) {
        // The server's own limit: no fault of this client's, and every other
        // command would fail alike, so say so and close (RFC 959's 421).
        co_return outcome::closing(code::service_unavailable,
                                   "Server busy: it has run out of file descriptors; try again "
                                   "later.");
      }
      co_return outcome{code::not_logged_in,
                        "Login failed: the home directory is not available (ask the "
                        "administrator to check the server's log)."};
    }
    ctx.state.fs = std::move(*opened);
    ctx.state.cwd = "/";
    ctx.state.login_failures = 0;
    ctx.info.user = acct->name;
    ctx.info.anonymous = acct->anonymous;
    ctx.svc.events.login(ctx.info, name, true);
    const bool anonymous = acct->anonymous;
    ctx.state.logged_in = std::move(acct);
    co_return outcome{code::logged_in, anonymous ? "Anonymous access granted, restrictions apply."
                                                 : "Login successful."};
  }

  ctx.svc.events.login(ctx.info, name, false);
  ++ctx.state.login_failures;
  // Slow down guessing: every failure costs the client this delay.
  asio::steady_timer delay(co_await asio::this_coro::executor,
                           ctx.config.limits.login_failure_delay);
  co_await delay.async_wait(net::use_tuple);
  if (ctx.state.login_failures >= ctx.config.limits.max_login_failures) {
    co_return outcome::closing(code::not_logged_in, "Login incorrect; too many failures, closing.");
  }
  co_return outcome{code::not_logged_in, "Login incorrect."};
}

awaitable<outcome> quit(context&, std::string_view) {
  co_return outcome::closing(code::closing_control, "Goodbye.");
}

awaitable<outcome> host(context& ctx, std::string_view arg) {
  // RFC 7151 §3: HOST comes before USER; a change of host later would need a
  // new login.
  if (ctx.state.is_logged_in() || ctx.state.pending_user) {
    co_return outcome{code::bad_sequence, "HOST must be sent before USER."};
  }
  ctx.state.host = std::string(arg);
  co_return outcome{code::service_ready, fmt::format("Host {} accepted.", ctx.state.host)};
}

}  // namespace portico::server::handlers
