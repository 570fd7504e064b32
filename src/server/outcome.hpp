// What a handler returns: the reply to send, and what the session must do
// next (run a transfer, close). Handlers never write to a socket.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "protocol/reply.hpp"
#include "server/storage/storage.hpp"

namespace portico::server {

// A transfer the session runs on the prepared data connection. The handler
// has already checked permissions and opened the file; the session connects,
// sends 150 with `opening_text`, moves the bytes and sends the final reply.
struct transfer_request {
  enum class kind { send_file, send_bytes, receive_file } what = kind::send_file;
  std::string verb;  // RETR, LIST, STOR...
  std::string path;  // virtual path, for logs and STAT
  bool ascii = false;
  std::string opening_text;  // 150 text

  // send_file: `file` from `offset`, `size` bytes in all (for progress).
  file_handle file;
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
  // send_bytes: a rendered listing.
  std::string bytes;
  // receive_file: the upload to write and finish.
  upload up;
  // The 226 text on success.
  std::string done_text = "Transfer complete.";
};

struct outcome {
  protocol::reply reply;
  std::optional<transfer_request> transfer;  // reply is ignored when set
  bool close_session = false;                // after sending reply

  outcome() = default;
  outcome(protocol::reply r) : reply(std::move(r)) {}  // NOLINT: a reply is an outcome
  outcome(int code, std::string text) : reply(code, std::move(text)) {}
  static outcome closing(int code, std::string text) {
    outcome o{code, std::move(text)};
    o.close_session = true;
    return o;
  }
  static outcome start(transfer_request t) {
    outcome o;
    o.transfer = std::move(t);
    return o;
  }
};

}  // namespace portico::server
