#include "server/nat/proxy_handshake.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <asio/experimental/awaitable_operators.hpp>

#include "protocol/limits.hpp"

namespace portico::server {

using namespace asio::experimental::awaitable_operators;

bool is_trusted_proxy(const std::vector<protocol::cidr>& trusted,
                      const protocol::ip_address& peer) {
  const auto a = peer.unmapped();
  return std::any_of(trusted.begin(), trusted.end(),
                     [&](const protocol::cidr& n) { return n.contains(a); });
}

net::awaitable<expected<protocol::proxy_header, std::string>> read_proxy_header(
    tcp::socket& socket, std::chrono::steady_clock::time_point deadline) {
  std::array<std::uint8_t, limits::max_proxy_header> buffer{};
  asio::steady_timer timer(socket.get_executor());
  std::size_t seen = 0;
  for (;;) {
    timer.expires_at(deadline);
    // Peek: the bytes stay in the socket until the header's length is known.
    auto which = co_await (
        socket.async_receive(asio::buffer(buffer), tcp::socket::message_peek, net::use_tuple) ||
        timer.async_wait(net::use_tuple));
    if (which.index() == 1) {
      co_return unexpected(fmt::format("no complete PROXY header within {} s (got {} bytes)",
                                       limits::proxy_header_timeout.count(), seen));
    }
    auto [ec, n] = std::get<0>(which);
    if (ec || n == 0) {
      co_return unexpected(std::string("the connection closed before its PROXY header"));
    }
    seen = n;
    const auto measured =
        protocol::measure_proxy_header(std::span<const std::uint8_t>(buffer.data(), n));
    using status = protocol::proxy_header_length::status;
    if (measured.state == status::invalid) {
      co_return unexpected(fmt::format("bad PROXY header: {}", measured.error));
    }
    if (measured.state == status::known && measured.length <= n) {
      auto [read_ec, read_n] = co_await asio::async_read(
          socket, asio::buffer(buffer.data(), measured.length), net::use_tuple);
      if (read_ec || read_n != measured.length) {
        co_return unexpected(std::string("the connection closed inside its PROXY header"));
      }
      auto parsed = protocol::parse_proxy_header(
          std::span<const std::uint8_t>(buffer.data(), measured.length));
      if (!parsed) {
        co_return unexpected(fmt::format("bad PROXY header: {}", parsed.error().message()));
      }
      co_return *parsed;
    }
    // Part of the header is still on its way (it rarely is: proxies send it in
    // one segment). Peeking again at once would spin, so wait a moment.
    timer.expires_after(std::chrono::milliseconds(5));
    co_await timer.async_wait(net::use_tuple);
    if (std::chrono::steady_clock::now() >= deadline) {
      co_return unexpected(fmt::format("no complete PROXY header within {} s (got {} bytes)",
                                       limits::proxy_header_timeout.count(), seen));
    }
  }
}

}  // namespace portico::server
