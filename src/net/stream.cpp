#include "net/stream.hpp"

namespace portico::net {

awaitable<result<std::size_t>> tcp_stream::read_some(std::span<char> into) {
  auto [ec, n] =
      co_await socket_.async_read_some(asio::buffer(into.data(), into.size()), use_tuple);
  if (ec) co_return unexpected(ec);
  co_return n;
}

awaitable<result<void>> tcp_stream::wait_readable() {
  auto [ec] = co_await socket_.async_wait(tcp::socket::wait_read, use_tuple);
  if (ec) co_return unexpected(ec);
  co_return result<void>{};
}

result<std::size_t> tcp_stream::read_available(std::span<char> into) {
  std::error_code ec;
  if (!socket_.non_blocking()) socket_.non_blocking(true, ec);
  if (ec) return unexpected(ec);
  const std::size_t n = socket_.read_some(asio::buffer(into.data(), into.size()), ec);
  if (ec) return unexpected(ec);
  return n;
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
