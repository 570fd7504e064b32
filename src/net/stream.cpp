#include "net/stream.hpp"

namespace portico::net {

awaitable<result<std::size_t>> tcp_stream::read_some(std::span<char> into) {
  auto [ec, n] =
      co_await socket_.async_read_some(asio::buffer(into.data(), into.size()), use_tuple);
  if (ec) co_return unexpected(ec);
  co_return n;
}

awaitable<result<void>> tcp_stream::write_all(std::span<const char> bytes) {
  auto [ec, n] =
      co_await asio::async_write(socket_, asio::buffer(bytes.data(), bytes.size()), use_tuple);
  (void)n;
  if (ec) co_return unexpected(ec);
  co_return result<void>{};
}

awaitable<result<void>> tcp_stream::shutdown_send() {
  std::error_code ec;
  socket_.shutdown(tcp::socket::shutdown_send, ec);
  if (ec) co_return unexpected(ec);
  co_return result<void>{};
}

void tcp_stream::close() noexcept {
  std::error_code ignored;
  socket_.close(ignored);
}

}  // namespace portico::net
