// Moves the bytes of one transfer over an established data connection:
// sendfile(2) for plain binary downloads, buffered reads and writes otherwise,
// TYPE A conversion while streaming, and the final reply. File I/O that may
// block runs on the blocking pool.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "net/blocking_pool.hpp"
#include "net/stream.hpp"
#include "protocol/reply.hpp"
#include "server/outcome.hpp"
#include "server/session_state.hpp"
#include "server/storage/storage.hpp"

namespace portico::server {

struct transfer_env {
  net::blocking_pool& blocking;
  storage& fs;
  transfer_progress& progress;
  std::chrono::milliseconds stall_timeout;
  // Set by the session when ABOR arrives (it also closes the data stream).
  const bool& abort_requested;
  // Set by the session when no byte moved for stall_timeout (it also closes
  // the data stream). The thread's session_watch checks the progress a few
  // times a second: no timer, and no coroutine racing it, per transfer.
  const bool& stalled;
};

struct transfer_outcome {
  bool complete = false;
  std::uint64_t bytes = 0;
  protocol::reply reply;  // 226 on success; 426, 451, 452, 552 otherwise
  std::string error;      // for logs
};

// Runs `req` on `data` and closes the data connection before returning, so
// that the client has seen the end of the data when the reply arrives. A 226
// means every byte was sent, or stored under its final name.
net::awaitable<transfer_outcome> run_transfer(transfer_request& req, net::stream& data,
                                              transfer_env env);

}  // namespace portico::server
