// The benchmark's FTP client: one control connection and at most one data
// connection, driven by coroutines on a single-threaded io_context. It does
// only what the workloads need (login, PASV/EPSV, RETR, STOR, NOOP, QUIT) and
// is written to cost as little CPU per byte and per command as possible:
// replies are parsed by portico_protocol's reply_parser, data is read into a
// caller's buffer and discarded, uploads are written from a buffer in memory.
//
// Every operation has a deadline: a watchdog closes the sockets of a session
// whose deadline passed, so that a lost SYN or a silent server shows up as a
// timed-out session instead of a hung benchmark.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_set>

#include "net/asio.hpp"
#include "protocol/reply.hpp"

namespace portico::bench {

using clock = std::chrono::steady_clock;
using net::awaitable;
using net::tcp;

// Errors of the benchmark client that are not socket errors: an unexpected
// reply (the value is its code, 1..999) or a malformed one.
const std::error_category& ftp_category() noexcept;
inline std::error_code unexpected_reply(int code) {
  return {code, ftp_category()};
}
inline constexpr int bad_reply_error = 1000;       // reply text that could not be parsed
inline constexpr int short_transfer_error = 1001;  // fewer bytes than expected

enum class passive_mode { pasv, epsv };

struct credentials {
  std::string user;
  std::string password;
};

class ftp_session;

// Closes the sockets of every session whose deadline has passed. One per
// io_context; run() until stop().
class watchdog {
 public:
  explicit watchdog(asio::any_io_executor ex) : timer_(ex) {}
  void add(ftp_session* s) { sessions_.insert(s); }
  void remove(ftp_session* s) { sessions_.erase(s); }
  awaitable<void> run();
  void stop();

 private:
  asio::steady_timer timer_;
  std::unordered_set<ftp_session*> sessions_;
  bool stopped_ = false;
};

class ftp_session {
 public:
  ftp_session(asio::any_io_executor ex, watchdog& dog, std::chrono::milliseconds op_timeout);
  ~ftp_session();
  ftp_session(const ftp_session&) = delete;
  ftp_session& operator=(const ftp_session&) = delete;

  // Connects and reads the 220 greeting.
  awaitable<std::error_code> connect(tcp::endpoint server);
  // USER and PASS; success is 230.
  awaitable<std::error_code> login(const credentials& c);
  // Sends one command and expects a reply of the given first digit (2 or 3).
  awaitable<std::error_code> simple(std::string_view line, int expected_class);
  // RETR of one file into buffer (the bytes are discarded); bytes receives the
  // count. The time covers PASV/EPSV to the final reply.
  awaitable<std::error_code> retrieve(std::string_view path, passive_mode mode,
                                      std::span<char> buffer, std::uint64_t& bytes);
  // STOR of `bytes` bytes, written from pattern over and over.
  awaitable<std::error_code> store(std::string_view path, passive_mode mode,
                                   std::span<const char> pattern, std::uint64_t bytes);
  // QUIT and close; errors are ignored.
  awaitable<void> quit();
  void close() noexcept;

  // No deadline until the next operation (for idle sessions).
  void hold() noexcept { deadline_ = clock::time_point::max(); }
  void expire_if_due(clock::time_point now) noexcept;
  const std::string& last_reply() const noexcept { return last_reply_; }

 private:
  void arm() noexcept { deadline_ = clock::now() + op_timeout_; }
  std::error_code map(std::error_code ec) const;
  awaitable<result<protocol::reply>> read_reply();
  awaitable<std::error_code> send(std::string_view line);
  awaitable<std::error_code> open_data(passive_mode mode);

  asio::any_io_executor ex_;
  watchdog& dog_;
  std::chrono::milliseconds op_timeout_;
  clock::time_point deadline_ = clock::time_point::max();
  bool expired_ = false;
  tcp::socket control_;
  tcp::socket data_;
  protocol::reply_parser parser_;
  std::string last_reply_;
  std::string out_;
  std::array<char, 4096> in_{};
};

// "host:port" error text for reports: the message of ec, and for an
// unexpected reply the reply itself.
std::string describe(std::error_code ec, const ftp_session* s);

}  // namespace portico::bench
