#include "server/data/socket_data_link.hpp"

#include <fmt/format.h>

#include <asio/experimental/awaitable_operators.hpp>
#include <chrono>

#include "net/address.hpp"
#include "protocol/limits.hpp"
#include "server/nat/passive_address.hpp"
#include "server/nat/proxy_handshake.hpp"

namespace portico::server {

using namespace asio::experimental::awaitable_operators;
using protocol::ip_address;

namespace {

constexpr std::uint16_t rfc959_data_port = 20;

std::string seconds_text(std::chrono::milliseconds d) {
  return fmt::format("{:g} s", static_cast<double>(d.count()) / 1000.0);
}

}  // namespace

expected<ip_address, std::string> socket_data_link::advertised_address(ip_address::family family) {
  const ip_address local = info_.local.address.unmapped();
  const std::string_view chosen =
      choose_passive_address(config_.passive, info_.peer.address, local);
  if (chosen.empty()) return local;
  const std::string text(chosen);
  if (auto literal = ip_address::parse(text)) {
    if (literal->unmapped().af() == family) return literal->unmapped();
    // An IPv4 public address means nothing to an IPv6 session (and the other
    // way round): its own address is the best answer.
    return local;
  }
  auto resolved = names_.lookup(text, family);
  if (!resolved) {
    return unexpected(fmt::format(
        "Cannot tell you where to connect: the server's public address {}. Use EPSV, which "
        "needs no address, or ask the administrator to fix passive.public_address.",
        resolved.error()));
  }
  return *resolved;
}

net::awaitable<expected<protocol::endpoint, passive_failure>> socket_data_link::open_passive(
    ip_address::family family, bool with_address) {
  reset();
  ip_address advertised = info_.local.address.unmapped();
  if (with_address) {
    auto chosen = advertised_address(family);
    if (!chosen) {
      events_.data_connection_failed(info_, chosen.error());
      co_return unexpected(passive_failure{chosen.error()});
    }
    advertised = *chosen;
  }
  // Listen on the address the client reached us on (through any NAT or
  // proxy): the one interface known to be reachable.
  const ip_address bind_to = info_.server_address.unmapped();
  auto lease = ports_.open(ex_, net::to_asio(bind_to), info_.peer.address);
  if (!lease) {
    events_.data_connection_failed(info_, lease.error());
    co_return unexpected(passive_failure{lease.error()});
  }
  const std::uint16_t port = lease->port();
  passive_ = std::make_unique<passive_lease>(std::move(*lease));
  co_return protocol::endpoint{advertised, port};
}

void socket_data_link::set_active(const protocol::endpoint& target) {
  reset();
  active_ = target;
}

void socket_data_link::reset() noexcept {
  passive_.reset();  // closes the listener and frees its port
  active_.reset();
}

void socket_data_link::cancel() noexcept {
  std::error_code ignored;
  if (waiting_acceptor_ != nullptr) waiting_acceptor_->close(ignored);
  if (waiting_timer_ != nullptr) waiting_timer_->cancel();
  if (connecting_socket_ != nullptr) connecting_socket_->close(ignored);
  reset();
}

net::awaitable<expected<std::unique_ptr<net::stream>, std::string>> socket_data_link::establish() {
  if (passive_) {
    passive_lease lease = std::move(*passive_);
    passive_.reset();
    if (lease.shared()) co_return co_await wait_on_shared_port(std::move(lease));
    co_return co_await accept_passive(std::move(lease));
  }
  if (active_) {
    const protocol::endpoint target = *active_;
    active_.reset();
    co_return co_await connect_active(target);
  }
  co_return unexpected(std::string("No data connection prepared: send PASV, EPSV, PORT or EPRT."));
}

std::string socket_data_link::accept_timeout_message(std::uint16_t port) const {
  return fmt::format(
      "No data connection: nothing connected to passive port {} within {}. A firewall or NAT "
      "between you and the server probably blocks the passive ports ({}-{}): try active mode "
      "(PORT/EPRT), or ask the administrator to open that range.",
      port, seconds_text(config_.timeouts.data_accept), ports_.min_port(), ports_.max_port());
}

net::awaitable<expected<ip_address, std::string>> socket_data_link::data_peer(
    tcp::socket& socket, const tcp::endpoint& peer) {
  const ip_address source = net::from_asio(peer.address()).unmapped();
  if (!is_trusted_proxy(config_.proxy_protocol.trusted, source)) co_return source;
  const auto deadline = std::chrono::steady_clock::now() + limits::proxy_header_timeout;
  auto header = co_await read_proxy_header(socket, deadline);
  if (!header) {
    co_return unexpected(fmt::format("{} (proxy: {})", source.to_string(), header.error()));
  }
  if (header->what == protocol::proxy_header::kind::proxied) {
    co_return header->source.address.unmapped();
  }
  co_return source;
}

net::awaitable<expected<std::unique_ptr<net::stream>, std::string>>
socket_data_link::accept_passive(passive_lease lease) {
  const auto deadline = std::chrono::steady_clock::now() + config_.timeouts.data_accept;
  const ip_address client = info_.peer.address.unmapped();
  auto& acceptor = lease.acceptor();
  waiting_acceptor_ = &acceptor;
  struct clear_on_exit {
    tcp::acceptor*& ref;
    ~clear_on_exit() { ref = nullptr; }
  } clear{waiting_acceptor_};

  // The client usually connects before it sends the command: take a queued
  // connection without a reactor round trip, and race the deadline only
  // when there is none yet.
  std::error_code ec;
  acceptor.non_blocking(true, ec);
  for (;;) {
    tcp::socket socket(ex_);
    tcp::endpoint peer;
    if (!ec) acceptor.accept(socket, peer, ec);
    if (ec == asio::error::would_block || ec == asio::error::try_again) {
      asio::steady_timer timer(ex_, deadline);
      auto which = co_await (acceptor.async_accept(socket, peer, net::use_tuple) ||
                             timer.async_wait(net::use_tuple));
      if (which.index() == 1) {
        const std::string why = accept_timeout_message(lease.port());
        events_.data_connection_failed(info_, why);
        co_return unexpected(why);
      }
      ec = std::get<0>(std::get<0>(which));
    }
    if (ec) {
      if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) {
        co_return unexpected(std::string("Data connection cancelled."));
      }
      co_return unexpected(fmt::format("Accepting the data connection failed: {}.", ec.message()));
    }
    auto from = co_await data_peer(socket, peer);
    // SECURITY: only the client itself may use its passive port (RFC 2577
    // §8, port stealing). A thief is closed and the listener keeps waiting for
    // the real client until the deadline, so a race cannot deny service.
    if (from && protocol::same_host(*from, client)) {
      co_return std::make_unique<net::tcp_stream>(std::move(socket));
    }
    events_.data_connection_failed(
        info_,
        fmt::format("rejected a data connection to passive port {} from {} (the client is "
                    "{}): possible port stealing",
                    lease.port(), from ? from->to_string() : from.error(), client.to_string()));
    std::error_code ignored;
    socket.close(ignored);
  }
}

net::awaitable<expected<std::unique_ptr<net::stream>, std::string>>
socket_data_link::wait_on_shared_port(passive_lease lease) {
  // The shared listener checks the source address (and any PROXY header) and
  // hands over only this client's connection; see passive_ports.hpp.
  auto& waiter = lease.waiter();
  if (!waiter.delivered) {
    waiter.wake.expires_after(config_.timeouts.data_accept);
    waiting_timer_ = &waiter.wake;
    auto [ec] = co_await waiter.wake.async_wait(net::use_tuple);
    waiting_timer_ = nullptr;
    if (!waiter.delivered) {
      if (ec == asio::error::operation_aborted) {
        co_return unexpected(std::string("Data connection cancelled."));
      }
      const std::string why = accept_timeout_message(lease.port());
      events_.data_connection_failed(info_, why);
      co_return unexpected(why);
    }
  }
  tcp::socket socket = std::move(*waiter.delivered);
  waiter.delivered.reset();
  co_return std::make_unique<net::tcp_stream>(std::move(socket));
}

net::awaitable<expected<std::unique_ptr<net::stream>, std::string>>
socket_data_link::connect_active(protocol::endpoint target) {
  const tcp::endpoint remote =
      net::to_asio(protocol::endpoint{target.address.unmapped(), target.port});
  tcp::socket socket(ex_);
  std::error_code ec;
  socket.open(remote.protocol(), ec);
  // Connect from the address the client reached us on, so that its firewall
  // sees the data connection come from the server it talks to; from port 20
  // when configured (RFC 959's default, which some client firewalls expect)
  // and allowed.
  const ip_address local = info_.server_address.unmapped();
  if (!ec && local.af() == target.address.unmapped().af()) {
    std::uint16_t source_port = 0;
    if (config_.active.from_port_20) {
      // Several transfers may start from port 20 at once (to different
      // clients), which SO_REUSEADDR allows.
      socket.set_option(asio::socket_base::reuse_address(true), ec);
      source_port = rfc959_data_port;
    }
    socket.bind(tcp::endpoint(net::to_asio(local), source_port), ec);
    if (ec && source_port != 0) {
      // No privilege for port 20 (or it is busy towards this very client):
      // an ephemeral port still works for nearly every client.
      events_.data_connection_failed(
          info_,
          fmt::format("cannot connect from port 20 ({}); using an ephemeral port", ec.message()));
      socket.close(ec);
      socket.open(remote.protocol(), ec);
      if (!ec) socket.bind(tcp::endpoint(net::to_asio(local), 0), ec);
    }
  }
  if (ec)
    co_return unexpected(
        fmt::format("Cannot open a socket for the data connection: {}.", ec.message()));

  connecting_socket_ = &socket;
  asio::steady_timer timer(ex_, config_.timeouts.data_connect);
  auto which =
      co_await (socket.async_connect(remote, net::use_tuple) || timer.async_wait(net::use_tuple));
  connecting_socket_ = nullptr;
  const std::string where = protocol::endpoint{target.address.unmapped(), target.port}.to_string();
  std::string why;
  if (which.index() == 1) {
    why = fmt::format(
        "Cannot open data connection to {}: no answer within {}. A firewall or NAT on your side "
        "probably drops incoming connections: use passive mode (PASV/EPSV), or map the port on "
        "your router and send its public address.",
        where, seconds_text(config_.timeouts.data_connect));
  } else if (auto [cec] = std::get<0>(which); cec) {
    if (cec == asio::error::connection_refused) {
      why = fmt::format(
          "Cannot open data connection to {}: connection refused. Nothing listens there, or a "
          "firewall on your side rejects it: use passive mode (PASV/EPSV).",
          where);
    } else if (cec == asio::error::operation_aborted || cec == asio::error::bad_descriptor) {
      co_return unexpected(std::string("Data connection cancelled."));
    } else {
      why = fmt::format("Cannot open data connection to {}: {}.", where, cec.message());
    }
  } else {
    co_return std::make_unique<net::tcp_stream>(std::move(socket));
  }
  events_.data_connection_failed(info_, why);
  co_return unexpected(why);
}

}  // namespace portico::server
