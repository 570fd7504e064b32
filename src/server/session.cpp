#include "server/session.hpp"

#include <fmt/format.h>

#include "protocol/reply_code.hpp"
#include "server/data/transfer.hpp"
#include "server/dispatcher.hpp"

namespace portico::server {

namespace code = protocol::code;

namespace {

tcp::socket prepared(tcp::socket s) {
  std::error_code ignored;
  // Telnet Synch (RFC 959 §4.1.3, before ABOR) is sent as urgent data; keep it
  // in the stream so the line assembler sees and drops it, instead of the
  // kernel taking one byte out of the command.
  s.set_option(asio::socket_base::out_of_band_inline(true), ignored);
  s.set_option(asio::socket_base::keep_alive(true), ignored);
  s.set_option(tcp::no_delay(true), ignored);
  return s;
}

}  // namespace

session::session(tcp::socket socket, session_info info, std::shared_ptr<const server_config> config,
                 services svc, passive_port_pool& ports, name_resolver& names,
                 std::shared_ptr<void> admission)
    : config_(std::move(config)),
      svc_(std::move(svc)),
      control_(prepared(std::move(socket))),
      info_(std::move(info)),
      data_(control_.socket().get_executor(), ports, names, *config_, info_, svc_.events),
      ctx_{*config_, svc_, state_, data_, info_},
      admission_(std::move(admission)) {}

void session::bump_deadline() {
  const auto limit = state_.is_logged_in() ? config_->timeouts.idle : config_->timeouts.login;
  deadline_ = std::chrono::steady_clock::now() + limit;
}

void session::close_control() noexcept {
  closed_ = true;
  control_.close();
}

void session::start(std::shared_ptr<session> self,
                    std::function<void(std::exception_ptr)> on_error) {
  auto ex = self->executor();
  session* raw = self.get();
  asio::co_spawn(ex, raw->serve(),
                 [keep = std::move(self), done = std::move(on_error)](std::exception_ptr e) {
                   if (e) done(e);
                 });
}

// The reader loop, inline rather than split into helper coroutines: every
// coroutine level is a frame that an idle session keeps allocated.
net::awaitable<void> session::serve() {
  svc_.events.session_opened(info_);
  bump_deadline();
  co_await send({code::service_ready, config_->banner});
  while (!closed_) {
    auto next = lines_.next_line();
    if (!next) {
      // Read what is there into this thread's buffer, and otherwise wait
      // without one: an idle session holds no read buffer at all. A command
      // that is already queued (pipelined, or sent while the last reply was
      // being written) costs no trip through the reactor.
      thread_local std::array<char, 4096> buffer;
      auto n = control_.read_available(buffer);
      if (!n && n.error() == asio::error::would_block) {
        auto ready = co_await control_.wait_readable();
        if (!ready) break;
        continue;
      }
      if (!n || *n == 0) break;
      lines_.feed({buffer.data(), *n});
      continue;
    }
    if (!*next) {
      co_await send(
          {code::syntax_error, fmt::format("Line too long (the limit is {} bytes); closing.",
                                           limits::max_command_line)});
      close_reason_ = "line too long";
      break;
    }
    bump_deadline();
    std::string line = std::move(**next);
    const bool go_on = co_await handle_line(std::move(line));
    if (!go_on) break;
  }
  if (transfer_running_) co_await abort_transfer();
  data_.reset();
  close_control();
  svc_.events.session_closed(info_, close_reason_);
}

net::awaitable<void> session::send(const protocol::reply& r) {
  if (closed_ || write_failed_) co_return;
  out_queue_ += protocol::format_reply(r);
  if (writing_) co_return;  // the coroutine already writing will send it, in order
  writing_ = true;
  while (!out_queue_.empty() && !write_failed_) {
    std::string out;
    out.swap(out_queue_);
    auto written = co_await control_.write_all({out.data(), out.size()});
    if (!written) write_failed_ = true;
  }
  writing_ = false;
}

// A coroutine of its own, so that the command's state (parsed line, outcome)
// lives only while it is handled: an idle session keeps just the frame of
// serve().
net::awaitable<bool> session::handle_line(std::string line) {
  auto cmd = protocol::parse_command(line);
  if (!cmd) {
    co_await send(
        {code::syntax_error, fmt::format("Malformed command: {}.", cmd.error().message())});
    co_return true;
  }
  if (transfer_running_) {
    const auto handled = co_await handle_during_transfer(*cmd);
    if (handled == during_transfer::quit || closed_) co_return false;
    if (handled == during_transfer::answered) co_return true;
  }
  if (shutting_down_) {
    co_await send({code::service_unavailable, "Server shutting down; closing."});
    close_reason_ = "server shutdown";
    co_return false;
  }
  outcome result = co_await dispatch(ctx_, *cmd);
  svc_.events.command(info_, cmd->verb, cmd->verb == "PASS" ? "****" : cmd->argument,
                      result.transfer ? code::opening_data : result.reply.code);
  if (result.transfer) {
    transfer_running_ = true;
    transfer_done_.emplace(control_.socket().get_executor());
    asio::co_spawn(control_.socket().get_executor(), run_transfer_task(std::move(*result.transfer)),
                   [self = shared_from_this()](std::exception_ptr e) {
                     if (!e) return;
                     try {
                       std::rethrow_exception(e);
                     } catch (const std::exception& ex) {
                       self->svc_.events.server_message(
                           log_level::error, fmt::format("session {}: transfer failed: {}",
                                                         self->info_.id, ex.what()));
                     }
                     self->close_control();
                   });
    co_return true;
  }
  co_await send(result.reply);
  if (result.close_session) {
    close_reason_ = result.reply.code == code::closing_control ? "QUIT" : "closed by server";
    co_return false;
  }
  co_return true;
}

// While a transfer runs: ABOR ends it, STAT and NOOP are answered, and any
// other command (QUIT included) waits for the transfer to end, in order.
net::awaitable<session::during_transfer> session::handle_during_transfer(
    const protocol::command_line& cmd) {
  if (cmd.verb == "ABOR") {
    co_await abort_transfer();
    co_await send({code::closing_data, "ABOR successful."});
    co_return during_transfer::answered;
  }
  const command_spec* spec = find_command(cmd.verb);
  if (spec != nullptr && spec->has(command_flag::during_transfer) && cmd.verb != "QUIT") {
    outcome result = co_await dispatch(ctx_, cmd);
    co_await send(result.reply);
    co_return during_transfer::answered;
  }
  co_await wait_for_transfer();
  if (cmd.verb == "QUIT") {
    co_await send({code::closing_control, "Goodbye."});
    close_reason_ = "QUIT";
    co_return during_transfer::quit;
  }
  co_return during_transfer::run_now;
}

net::awaitable<void> session::wait_for_transfer() {
  while (transfer_running_ && transfer_done_) co_await transfer_done_->wait();
}

net::awaitable<void> session::abort_transfer() {
  if (!transfer_running_) co_return;
  abort_requested_ = true;
  if (transfer_stream_ != nullptr) {
    transfer_stream_->close();
  } else {
    data_.cancel();
  }
  co_await wait_for_transfer();
  abort_requested_ = false;
}

// Sends the transfer's final reply and lets the control connection go on.
net::awaitable<void> session::finish_transfer(const protocol::reply& r) {
  state_.rest_offset = 0;
  co_await send(r);
  state_.transfer.reset();
  transfer_running_ = false;
  transfer_stream_ = nullptr;
  if (transfer_done_) transfer_done_->set();
  if (shutting_down_) {
    co_await send({code::service_unavailable, "Server shutting down; closing."});
    close_reason_ = "server shutdown";
    close_control();
  }
}

net::awaitable<void> session::run_transfer_task(transfer_request req) {
  state_.transfer =
      transfer_progress{req.verb, req.path, 0, req.size, std::chrono::steady_clock::now()};
  const bool upload = req.what == transfer_request::kind::receive_file;
  transfer_record record;
  record.dir = upload ? transfer_record::direction::upload
               : req.what == transfer_request::kind::send_bytes
                   ? transfer_record::direction::listing
                   : transfer_record::direction::download;
  record.path = req.path;
  record.ascii = req.ascii;

  auto connection = co_await data_.establish();
  if (!connection) {
    if (upload) co_await svc_.blocking.run([&] { state_.fs->abort_upload(req.up); });
    record.error = connection.error();
    record.reply_code = abort_requested_ ? code::transfer_aborted : code::cannot_open_data;
    svc_.events.transfer(info_, record);
    // A named reply, not a ?: of two temporaries inside the co_await: GCC 12
    // destroys the temporary of the branch not taken as well (a crash on the
    // data_accept timeout).
    protocol::reply failed{code::cannot_open_data, connection.error()};
    if (abort_requested_) failed = protocol::reply{code::transfer_aborted, "Transfer aborted."};
    co_await finish_transfer(failed);
    co_return;
  }
  std::unique_ptr<net::stream> stream = std::move(*connection);
  // The stall clock starts with the stream: check_stall looks at the
  // progress as soon as transfer_stream_ is set.
  stalled_ = false;
  stall_seen_bytes_ = state_.transfer->bytes;
  stall_since_ = std::chrono::steady_clock::now();
  transfer_stream_ = stream.get();
  co_await send({code::opening_data, req.opening_text});

  transfer_env env{svc_.blocking,           *state_.fs,       *state_.transfer,
                   config_->timeouts.stall, abort_requested_, stalled_};
  const auto started = std::chrono::steady_clock::now();
  transfer_outcome out = co_await run_transfer(req, *stream, env);
  transfer_stream_ = nullptr;
  stream.reset();

  record.bytes = out.bytes;
  record.elapsed = std::chrono::steady_clock::now() - started;
  record.complete = out.complete;
  record.reply_code = out.reply.code;
  record.error = out.error;
  svc_.events.transfer(info_, record);
  co_await finish_transfer(out.reply);
}

// The login and idle deadlines are checked by the thread's session_watch
// (no timer per session). bump_deadline() only moves deadline_.
bool session::check_deadline(std::chrono::steady_clock::time_point now) {
  if (closed_ || closing_) return false;
  if (transfer_running_) {
    // A transfer has its own stall timeout; idleness counts from its end.
    bump_deadline();
    check_stall(now);
    return true;
  }
  if (shutting_down_) {
    say_and_close({code::service_unavailable, "Server shutting down; closing."}, "server shutdown");
    return false;
  }
  if (now < deadline_) return true;
  const bool login = !state_.is_logged_in();
  const auto limit = login ? config_->timeouts.login : config_->timeouts.idle;
  say_and_close({code::service_unavailable,
                 fmt::format("{} timeout: no command for {} s; closing.", login ? "Login" : "Idle",
                             std::chrono::duration_cast<std::chrono::seconds>(limit).count())},
                login ? "login timeout" : "idle timeout");
  return false;
}

// Ends a transfer that moved no byte for the stall timeout: closing its data
// stream fails the pending operation, and run_transfer answers 426.
void session::check_stall(std::chrono::steady_clock::time_point now) {
  if (transfer_stream_ == nullptr || !state_.transfer || stalled_) return;
  if (state_.transfer->bytes != stall_seen_bytes_) {
    stall_seen_bytes_ = state_.transfer->bytes;
    stall_since_ = now;
    return;
  }
  if (now - stall_since_ < config_->timeouts.stall) return;
  stalled_ = true;
  transfer_stream_->close();
}

void session::say_and_close(protocol::reply last, std::string reason) {
  closing_ = true;
  close_reason_ = std::move(reason);
  asio::co_spawn(executor(), send_and_close(std::move(last)),
                 [self = shared_from_this()](std::exception_ptr) {});
}

net::awaitable<void> session::send_and_close(protocol::reply last) {
  co_await send(last);
  close_control();
}

void session::request_shutdown() {
  asio::post(control_.socket().get_executor(), [self = shared_from_this()] {
    self->shutting_down_ = true;
    self->check_deadline(std::chrono::steady_clock::now());
  });
}

void session::force_close() {
  asio::post(control_.socket().get_executor(), [self = shared_from_this()] {
    self->close_reason_ = "server shutdown (grace period over)";
    if (self->transfer_stream_ != nullptr) self->transfer_stream_->close();
    self->data_.cancel();
    self->close_control();
  });
}

}  // namespace portico::server
