// A byte stream over a TCP connection. Control and data connections are used
// through this interface so that a TLS stream (FTPS) can stand in for the
// plain one without touching the session code. Zero-copy paths (sendfile,
// splice) are taken only when native_socket() says the bytes go straight to
// the kernel.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>
#include <system_error>

#include "net/asio.hpp"
#include "protocol/expected.hpp"

namespace portico::net {

class stream {
 public:
  virtual ~stream() = default;

  // Reads at least one byte; end of stream is asio::error::eof.
  virtual awaitable<result<std::size_t>> read_some(std::span<char> into) = 0;
  // Waits until read_available() has bytes (or end of stream) to give, so
  // that an idle reader holds no buffer of its own. (TLS: until a record
  // may be read.)
  virtual awaitable<result<void>> wait_readable() = 0;
  // Reads what is there without waiting; 0 bytes with asio::error::eof at the
  // end of the stream, would_block when nothing is there yet.
  virtual result<std::size_t> read_available(std::span<char> into) = 0;
  // Writes every byte.
  virtual awaitable<result<void>> write_all(std::span<const char> bytes) = 0;
  // Ends the sending direction cleanly (TCP FIN; for TLS, close_notify first).
  virtual awaitable<result<void>> shutdown_send() = 0;
  // Closes at once (cancels pending operations).
  virtual void close() noexcept = 0;

  virtual tcp::socket& socket() noexcept = 0;
  // True when bytes written to socket() reach the peer as they are, so that
  // sendfile(2) may be used.
  virtual bool is_plain() const noexcept = 0;
};

class tcp_stream final : public stream {
 public:
  explicit tcp_stream(tcp::socket s) : socket_(std::move(s)) {}

  awaitable<result<std::size_t>> read_some(std::span<char> into) override;
  awaitable<result<void>> wait_readable() override;
  result<std::size_t> read_available(std::span<char> into) override;
  awaitable<result<void>> write_all(std::span<const char> bytes) override;
  awaitable<result<void>> shutdown_send() override;
  void close() noexcept override;
  tcp::socket& socket() noexcept override { return socket_; }
  bool is_plain() const noexcept override { return true; }

 private:
  tcp::socket socket_;
};

}  // namespace portico::net
