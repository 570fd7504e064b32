// One control connection: reads commands (also while a transfer runs, so that
// ABOR, STAT and NOOP are answered), dispatches them through the command
// table, writes the replies through a single writer, and runs transfers on
// the data connection. Lives on one io_context for its whole life.
#pragma once

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "net/asio.hpp"
#include "net/event.hpp"
#include "net/stream.hpp"
#include "protocol/command.hpp"
#include "protocol/reply.hpp"
#include "server/command_table.hpp"
#include "server/context.hpp"
#include "server/data/passive_ports.hpp"
#include "server/data/socket_data_link.hpp"
#include "server/session_state.hpp"

namespace portico::server {

class session : public std::enable_shared_from_this<session> {
 public:
  // `admission` is released (and the per-address count decremented) when the
  // session ends.
  // `info` carries the id and addresses (from the socket, or from a PROXY
  // header).
  session(tcp::socket socket, session_info info, std::shared_ptr<const server_config> config,
          services svc, passive_port_pool& ports, name_resolver& names,
          std::shared_ptr<void> admission);

  asio::any_io_executor executor() { return control_.socket().get_executor(); }

  // Runs the session on its executor to its end; the completion handler owns
  // the session meanwhile (no coroutine frame just to hold it). `on_error`
  // gets any exception that ended it.
  static void start(std::shared_ptr<session> self,
                    std::function<void(std::exception_ptr)> on_error);

  // Server shutdown: idle sessions are told 421 and closed at once; a session
  // in a transfer closes when the transfer ends. Thread-safe (posts).
  void request_shutdown();
  // Called by the thread's session_watch: closes the session (421) when its
  // login or idle deadline has passed, or the server is shutting down and no
  // transfer runs; ends a transfer that stalled. False once the session is
  // closing or closed.
  bool check_deadline(std::chrono::steady_clock::time_point now);
  // After the grace period: closes everything now. Thread-safe (posts).
  void force_close();

 private:
  net::awaitable<void> serve();
  // Handles one command line; false when the session should end.
  net::awaitable<bool> handle_line(std::string line);
  // Sends a last reply (421) from outside the reader, then closes.
  void say_and_close(protocol::reply last, std::string reason);
  net::awaitable<void> send_and_close(protocol::reply last);
  net::awaitable<void> send(const protocol::reply& r);
  // What became of a command that arrived while a transfer ran.
  enum class during_transfer { answered, quit, run_now };
  net::awaitable<during_transfer> handle_during_transfer(const protocol::command_line& cmd);
  net::awaitable<void> run_transfer_task(transfer_request req);
  net::awaitable<void> finish_transfer(const protocol::reply& r);
  net::awaitable<void> abort_transfer();
  net::awaitable<void> wait_for_transfer();
  void close_control() noexcept;
  void bump_deadline();
  void check_stall(std::chrono::steady_clock::time_point now);

  std::shared_ptr<const server_config> config_;
  services svc_;  // this session's snapshot (accounts as of its start)
  net::tcp_stream control_;
  session_info info_;
  session_state state_;
  socket_data_link data_;
  context ctx_;
  std::shared_ptr<void> admission_;

  protocol::line_assembler lines_;

  // Single writer: replies queue here while a write is in flight.
  std::string out_queue_;
  bool writing_ = false;
  bool write_failed_ = false;

  bool closing_ = false;  // a last 421 is on its way
  bool transfer_running_ = false;
  bool abort_requested_ = false;
  std::optional<net::event> transfer_done_;
  net::stream* transfer_stream_ = nullptr;
  // Stall detection of the running transfer (check_stall).
  bool stalled_ = false;
  std::uint64_t stall_seen_bytes_ = 0;
  std::chrono::steady_clock::time_point stall_since_;

  std::chrono::steady_clock::time_point deadline_;
  bool shutting_down_ = false;
  bool closed_ = false;
  std::string close_reason_ = "client closed the connection";
};

}  // namespace portico::server
