// Data connection setup: RFC 959 PORT and PASV, RFC 2428 EPRT and EPSV, and
// ABOR when no transfer runs (the session handles ABOR during a transfer).
//
// SECURITY: active mode connects only to the client's own address and to
// ports of 1024 and above (FTP bounce, RFC 2577 §3; CVE-1999-0017).
#include <fmt/format.h>

#include "protocol/address_class.hpp"
#include "protocol/error.hpp"
#include "protocol/host_port.hpp"
#include "protocol/reply_code.hpp"
#include "server/handlers/handlers.hpp"

namespace portico::server::handlers {

namespace code = protocol::code;
using protocol::ip_address;

namespace {

constexpr std::uint16_t lowest_active_port = 1024;

std::optional<outcome> refuse_after_epsv_all(const context& ctx, std::string_view verb) {
  if (!ctx.state.epsv_all) return std::nullopt;
  // RFC 2428 §4: after EPSV ALL only EPSV may set up data connections.
  return outcome{code::bad_sequence,
                 fmt::format("{} refused: EPSV ALL was sent, so only EPSV may be used.", verb)};
}

// The one check behind PORT and EPRT.
outcome accept_active_target(context& ctx, std::string_view verb, protocol::endpoint target) {
  const ip_address peer = ctx.peer().address.unmapped();
  if (protocol::classify(target.address.unmapped()) == protocol::address_class::unspecified) {
    // lftp 4.9 sends "EPRT |2|::|port|" on IPv6 loopback: an unspecified
    // address can only mean the client's own one (no bounce is possible).
    target.address = ctx.peer().address;
  }
  const ip_address wanted = target.address.unmapped();
  if (!protocol::same_host(wanted, peer)) {
    if (protocol::is_private_for_nat(wanted) && !protocol::is_private_for_nat(peer)) {
      // The source documents' case: a client behind NAT tells the server its
      // private address, which the server cannot reach.
      if (ctx.config.active.connect_to_peer_behind_nat && target.port >= lowest_active_port) {
        // Safe: the control connection's address is the client's own (its
        // router); only a port mapped there can answer.
        const protocol::endpoint instead{peer, target.port};
        ctx.data.set_active(instead);
        return outcome{code::ok,
                       fmt::format("{} command successful. {} is a private address (you look to "
                                   "be behind NAT), so the server will connect to {}, the address "
                                   "your connection comes from. Passive mode (EPSV) avoids this.",
                                   verb, target.address.to_string(), instead.to_string())};
      }
      return outcome{
          code::syntax_error,
          fmt::format("{} refused: {} is a private address, but your connection comes from {}: "
                      "you look to be behind NAT. Use passive mode (PASV or EPSV), or map a "
                      "port on your router and send its public address, e.g. PORT {}.",
                      verb, target.to_string(), peer.to_string(),
                      protocol::format_host_port({peer, target.port}).value_or("<h1,..,p2>"))};
    }
    return outcome{code::syntax_error,
                   fmt::format("{} refused: the data connection can only go to your own address "
                               "{}, not to {} (bounce protection).",
                               verb, peer.to_string(), wanted.to_string())};
  }
  if (target.port < lowest_active_port) {
    return outcome{
        code::syntax_error,
        fmt::format("{} refused: port {} is below 1024 (bounce protection).", verb, target.port)};
  }
  ctx.data.set_active(target);
  return outcome{code::ok, fmt::format("{} command successful. Consider using EPSV.", verb)};
}

ip_address::family control_family(const context& ctx) {
  return ctx.local().address.unmapped().af();
}

}  // namespace

awaitable<outcome> port(context& ctx, std::string_view arg) {
  if (auto refused = refuse_after_epsv_all(ctx, "PORT")) co_return std::move(*refused);
  auto target = protocol::parse_host_port(arg);
  if (!target) {
    co_return outcome{code::syntax_error_args,
                      fmt::format("Bad PORT argument ({}): expected h1,h2,h3,h4,p1,p2.",
                                  target.error().message())};
  }
  if (control_family(ctx) != ip_address::family::v4) {
    co_return outcome{code::network_protocol_not_supported,
                      "PORT carries only IPv4 addresses; use EPRT on this IPv6 connection."};
  }
  co_return accept_active_target(ctx, "PORT", *target);
}

awaitable<outcome> eprt(context& ctx, std::string_view arg) {
  if (auto refused = refuse_after_epsv_all(ctx, "EPRT")) co_return std::move(*refused);
  auto target = protocol::parse_eprt(arg);
  if (!target) {
    if (target.error() == protocol::errc::unsupported_address_family) {
      co_return outcome{code::network_protocol_not_supported,
                        "Network protocol not supported, use (1,2)"};
    }
    co_return outcome{code::syntax_error_args,
                      fmt::format("Bad EPRT argument ({}): expected |1|address|port| or "
                                  "|2|address|port|.",
                                  target.error().message())};
  }
  co_return accept_active_target(ctx, "EPRT", *target);
}

awaitable<outcome> pasv(context& ctx, std::string_view) {
  if (auto refused = refuse_after_epsv_all(ctx, "PASV")) co_return std::move(*refused);
  if (control_family(ctx) != ip_address::family::v4) {
    co_return outcome{code::network_protocol_not_supported,
                      "PASV carries only IPv4 addresses; use EPSV on this IPv6 connection."};
  }
  auto opened = co_await ctx.data.open_passive(ip_address::family::v4, true);
  if (!opened) co_return outcome{code::cannot_open_data, opened.error().reason};
  auto text = protocol::format_host_port(*opened);
  if (!text) {
    ctx.data.reset();
    co_return outcome{code::cannot_open_data,
                      "Cannot express the passive address for PASV; use EPSV."};
  }
  co_return outcome{code::entering_passive, fmt::format("Entering Passive Mode ({}).", *text)};
}

awaitable<outcome> epsv(context& ctx, std::string_view arg) {
  auto what = protocol::parse_epsv_argument(arg);
  if (!what && what.error() != protocol::errc::unsupported_address_family) {
    co_return outcome{code::syntax_error_args, "Syntax: EPSV [1 | 2 | ALL]"};
  }
  if (!what) {
    co_return outcome{code::network_protocol_not_supported,
                      fmt::format("Network protocol not supported, use ({})",
                                  control_family(ctx) == ip_address::family::v4 ? "1" : "2")};
  }
  using kind = protocol::epsv_argument::kind;
  if (what->what == kind::all) {
    ctx.state.epsv_all = true;
    co_return outcome{code::ok, "EPSV ALL ok: only EPSV will be accepted from now on."};
  }
  const auto family = control_family(ctx);
  if ((what->what == kind::v4 && family != ip_address::family::v4) ||
      (what->what == kind::v6 && family != ip_address::family::v6)) {
    co_return outcome{code::network_protocol_not_supported,
                      fmt::format("Network protocol not supported, use ({})",
                                  family == ip_address::family::v4 ? "1" : "2")};
  }
  auto opened = co_await ctx.data.open_passive(family, false);
  if (!opened) co_return outcome{code::cannot_open_data, opened.error().reason};
  co_return outcome{
      code::entering_extended_passive,
      fmt::format("Entering Extended Passive Mode {}", protocol::format_epsv_port(opened->port))};
}

awaitable<outcome> abor(context& ctx, std::string_view) {
  const bool had_connection = ctx.data.prepared();
  ctx.data.reset();
  co_return outcome{
      code::data_open_no_transfer,
      had_connection ? "No transfer to abort; data connection closed." : "No transfer to abort."};
}

}  // namespace portico::server::handlers
