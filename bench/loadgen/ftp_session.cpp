#include "loadgen/ftp_session.hpp"

#include <algorithm>
#include <utility>

#include "protocol/host_port.hpp"

namespace portico::bench {

namespace {

class ftp_error_category : public std::error_category {
 public:
  const char* name() const noexcept override { return "ftp"; }
  std::string message(int value) const override {
    if (value == bad_reply_error) return "malformed reply";
    if (value == short_transfer_error) return "short transfer";
    return "unexpected reply " + std::to_string(value);
  }
};

}  // namespace

const std::error_category& ftp_category() noexcept {
  static const ftp_error_category category;
  return category;
}

awaitable<void> watchdog::run() {
  while (!stopped_) {
    timer_.expires_after(std::chrono::milliseconds(100));
    auto [ec] = co_await timer_.async_wait(net::use_tuple);
    (void)ec;
    const auto now = clock::now();
    for (ftp_session* s : sessions_) s->expire_if_due(now);
  }
}

void watchdog::stop() {
  stopped_ = true;
  timer_.cancel();
}

ftp_session::ftp_session(asio::any_io_executor ex, watchdog& dog,
                         std::chrono::milliseconds op_timeout)
    : ex_(ex), dog_(dog), op_timeout_(op_timeout), control_(ex), data_(ex) {
  dog_.add(this);
}

ftp_session::~ftp_session() {
  dog_.remove(this);
  close();
}

void ftp_session::expire_if_due(clock::time_point now) noexcept {
  if (now < deadline_) return;
  expired_ = true;
  deadline_ = clock::time_point::max();
  close();
}

void ftp_session::close() noexcept {
  std::error_code ignored;
  data_.close(ignored);
  control_.close(ignored);
}

std::error_code ftp_session::map(std::error_code ec) const {
  if (expired_) return std::make_error_code(std::errc::timed_out);
  return ec;
}

awaitable<result<protocol::reply>> ftp_session::read_reply() {
  for (;;) {
    if (auto ready = parser_.next()) {
      if (!*ready) co_return unexpected(std::error_code(bad_reply_error, ftp_category()));
      co_return std::move(**ready);
    }
    auto buffer = asio::buffer(in_);
    auto [ec, n] = co_await control_.async_read_some(buffer, net::use_tuple);
    if (ec) co_return unexpected(map(ec));
    parser_.feed(std::string_view(in_.data(), n));
  }
}

awaitable<std::error_code> ftp_session::send(std::string_view line) {
  out_.assign(line);
  out_ += "\r\n";
  auto buffer = asio::buffer(out_);
  auto [ec, n] = co_await asio::async_write(control_, buffer, net::use_tuple);
  (void)n;
  co_return map(ec);
}

awaitable<std::error_code> ftp_session::connect(tcp::endpoint server) {
  arm();
  auto [ec] = co_await control_.async_connect(server, net::use_tuple);
  if (ec) co_return map(ec);
  std::error_code ignored;
  control_.set_option(tcp::no_delay(true), ignored);
  auto greeting = co_await read_reply();
  if (!greeting) co_return greeting.error();
  last_reply_ = greeting->text();
  if (greeting->code != 220) co_return unexpected_reply(greeting->code);
  co_return std::error_code{};
}

awaitable<std::error_code> ftp_session::simple(std::string_view line, int expected_class) {
  arm();
  auto sent = co_await send(line);
  if (sent) co_return sent;
  auto r = co_await read_reply();
  if (!r) co_return r.error();
  if (r->code / 100 != expected_class) {
    last_reply_ = r->text();
    co_return unexpected_reply(r->code);
  }
  co_return std::error_code{};
}

awaitable<std::error_code> ftp_session::login(const credentials& c) {
  arm();
  std::string user = "USER " + c.user;
  auto sent = co_await send(user);
  if (sent) co_return sent;
  auto r = co_await read_reply();
  if (!r) co_return r.error();
  if (r->code == 230) co_return std::error_code{};
  if (r->code != 331) {
    last_reply_ = r->text();
    co_return unexpected_reply(r->code);
  }
  arm();
  std::string pass = "PASS " + c.password;
  sent = co_await send(pass);
  if (sent) co_return sent;
  r = co_await read_reply();
  if (!r) co_return r.error();
  if (r->code != 230) {
    last_reply_ = r->text();
    co_return unexpected_reply(r->code);
  }
  co_return std::error_code{};
}

// PASV or EPSV, then a connection to the announced port on the control
// connection's peer address (as curl does: the address in a 227 reply is
// not trusted).
awaitable<std::error_code> ftp_session::open_data(passive_mode mode) {
  const bool epsv = mode == passive_mode::epsv;
  std::string_view verb = "PASV";
  if (epsv) verb = "EPSV";
  auto sent = co_await send(verb);
  if (sent) co_return sent;
  auto r = co_await read_reply();
  if (!r) co_return r.error();
  const int wanted = epsv ? 229 : 227;
  if (r->code != wanted) {
    last_reply_ = r->text();
    co_return unexpected_reply(r->code);
  }
  const std::string text = r->text();
  std::uint16_t port = 0;
  if (epsv) {
    auto parsed = protocol::parse_epsv_reply(text);
    if (!parsed) co_return std::error_code(bad_reply_error, ftp_category());
    port = *parsed;
  } else {
    auto parsed = protocol::parse_pasv_reply(text);
    if (!parsed) co_return std::error_code(bad_reply_error, ftp_category());
    port = parsed->port;
  }
  std::error_code ec;
  const tcp::endpoint peer = control_.remote_endpoint(ec);
  if (ec) co_return map(ec);
  const tcp::endpoint target(peer.address(), port);
  data_ = tcp::socket(ex_);
  auto [cec] = co_await data_.async_connect(target, net::use_tuple);
  co_return map(cec);
}

awaitable<std::error_code> ftp_session::retrieve(std::string_view path, passive_mode mode,
                                                 std::span<char> buffer, std::uint64_t& bytes) {
  bytes = 0;
  arm();
  auto opened = co_await open_data(mode);
  if (opened) co_return opened;
  std::string retr = "RETR ";
  retr += path;
  auto sent = co_await send(retr);
  if (sent) co_return sent;
  auto r = co_await read_reply();
  if (!r) co_return r.error();
  if (r->code / 100 != 1) {
    last_reply_ = r->text();
    std::error_code ignored;
    data_.close(ignored);
    co_return unexpected_reply(r->code);
  }
  for (;;) {
    arm();
    auto chunk = asio::buffer(buffer.data(), buffer.size());
    auto [ec, n] = co_await data_.async_read_some(chunk, net::use_tuple);
    bytes += n;
    if (ec == asio::error::eof) break;
    if (ec) co_return map(ec);
  }
  std::error_code ignored;
  data_.close(ignored);
  arm();
  r = co_await read_reply();
  if (!r) co_return r.error();
  if (r->code / 100 != 2) {
    last_reply_ = r->text();
    co_return unexpected_reply(r->code);
  }
  co_return std::error_code{};
}

awaitable<std::error_code> ftp_session::store(std::string_view path, passive_mode mode,
                                              std::span<const char> pattern, std::uint64_t bytes) {
  arm();
  auto opened = co_await open_data(mode);
  if (opened) co_return opened;
  std::string stor = "STOR ";
  stor += path;
  auto sent = co_await send(stor);
  if (sent) co_return sent;
  auto r = co_await read_reply();
  if (!r) co_return r.error();
  if (r->code / 100 != 1) {
    last_reply_ = r->text();
    std::error_code ignored;
    data_.close(ignored);
    co_return unexpected_reply(r->code);
  }
  std::uint64_t left = bytes;
  while (left > 0) {
    arm();
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, pattern.size()));
    auto chunk = asio::buffer(pattern.data(), n);
    auto [ec, written] = co_await asio::async_write(data_, chunk, net::use_tuple);
    if (ec) co_return map(ec);
    left -= written;
  }
  std::error_code ignored;
  data_.shutdown(tcp::socket::shutdown_send, ignored);
  data_.close(ignored);
  arm();
  r = co_await read_reply();
  if (!r) co_return r.error();
  if (r->code / 100 != 2) {
    last_reply_ = r->text();
    co_return unexpected_reply(r->code);
  }
  co_return std::error_code{};
}

awaitable<void> ftp_session::quit() {
  arm();
  auto sent = co_await send("QUIT");
  if (!sent) {
    auto r = co_await read_reply();
    (void)r;
  }
  hold();
  close();
}

std::string describe(std::error_code ec, const ftp_session* s) {
  std::string text = ec.message();
  if (s != nullptr && ec.category() == ftp_category() && ec.value() < bad_reply_error &&
      !s->last_reply().empty()) {
    text += ": " + s->last_reply();
  }
  return text;
}

}  // namespace portico::bench
