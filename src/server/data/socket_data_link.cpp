#include "server/data/socket_data_link.hpp"

#include <fmt/format.h>

#include <asio/experimental/awaitable_operators.hpp>
#include <chrono>

#include "net/address.hpp"

namespace portico::server {

using namespace asio::experimental::awaitable_operators;
using protocol::ip_address;

namespace {

std::string seconds_text(std::chrono::milliseconds d) {
  return fmt::format("{:g} s", static_cast<double>(d.count()) / 1000.0);
}

}  // namespace

net::awaitable<expected<protocol::endpoint, passive_failure>> socket_data_link::open_passive(
    ip_address::family family) {
  reset();
  // Listen on the address the client reached us on: the one interface it is
  // known to be able to reach. (The advertised address may differ behind NAT.)
  ip_address local = info_.local.address.unmapped();
  if (local.af() != family) {
    co_return unexpected(
        passive_failure{"The control connection's address family does not match."});
  }
  auto lease = ports_.open(ex_, net::to_asio(local));
  if (!lease) {
    events_.data_connection_failed(info_, lease.error());
    co_return unexpected(passive_failure{lease.error()});
  }
  const std::uint16_t port = lease->port();
  passive_.emplace(std::move(*lease));
  co_return protocol::endpoint{local, port};
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
  if (connecting_socket_ != nullptr) connecting_socket_->close(ignored);
  reset();
}

net::awaitable<expected<std::unique_ptr<net::stream>, std::string>> socket_data_link::establish() {
  if (passive_) {
    passive_lease lease = std::move(*passive_);
    passive_.reset();
    co_return co_await accept_passive(std::move(lease));
  }
  if (active_) {
    const protocol::endpoint target = *active_;
    active_.reset();
    co_return co_await connect_active(target);
  }
  co_return unexpected(std::string("No data connection prepared: send PASV, EPSV, PORT or EPRT."));
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

  for (;;) {
    asio::steady_timer timer(ex_, deadline);
    auto which =
        co_await (acceptor.async_accept(net::use_tuple) || timer.async_wait(net::use_tuple));
    if (which.index() == 1) {
      const std::string why = fmt::format(
          "No data connection: nothing connected to passive port {} within {}. A firewall or NAT "
          "between you and the server probably blocks the passive ports ({}-{}): try active mode "
          "(PORT/EPRT), or ask the administrator to open that range.",
          lease.port(), seconds_text(config_.timeouts.data_accept), ports_.min_port(),
          ports_.max_port());
      events_.data_connection_failed(info_, why);
      co_return unexpected(why);
    }
    auto& [ec, socket] = std::get<0>(which);
    if (ec) {
      if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) {
        co_return unexpected(std::string("Data connection cancelled."));
      }
      co_return unexpected(fmt::format("Accepting the data connection failed: {}.", ec.message()));
    }
    std::error_code peer_ec;
    const auto peer = socket.remote_endpoint(peer_ec);
    // SECURITY: only the client itself may use its passive port (RFC 2577
    // §8, port stealing). A thief is closed and the listener keeps waiting for
    // the real client until the deadline, so a race cannot deny service.
    if (!peer_ec && protocol::same_host(net::from_asio(peer.address()), client)) {
      co_return std::make_unique<net::tcp_stream>(std::move(socket));
    }
    events_.data_connection_failed(
        info_,
        fmt::format("rejected a data connection to passive port {} from {} (the client is "
                    "{}): possible port stealing",
                    lease.port(), peer_ec ? "?" : peer.address().to_string(), client.to_string()));
    std::error_code ignored;
    socket.close(ignored);
  }
}

net::awaitable<expected<std::unique_ptr<net::stream>, std::string>>
socket_data_link::connect_active(protocol::endpoint target) {
  const tcp::endpoint remote =
      net::to_asio(protocol::endpoint{target.address.unmapped(), target.port});
  tcp::socket socket(ex_);
  std::error_code ec;
  socket.open(remote.protocol(), ec);
  // Connect from the address the client reached us on, so that its firewall
  // sees the data connection come from the server it talks to.
  const ip_address local = info_.local.address.unmapped();
  if (!ec && local.af() == target.address.unmapped().af()) {
    socket.bind(tcp::endpoint(net::to_asio(local), 0), ec);
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
