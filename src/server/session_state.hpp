// The protocol state of one control connection, as the handlers see it. No
// sockets here: the data connection is reached through data_link.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "protocol/listing.hpp"
#include "server/accounts/authenticator.hpp"
#include "server/storage/storage.hpp"

namespace portico::server {

enum class transfer_type { ascii, binary };

// Progress of the running transfer, for STAT and logs.
struct transfer_progress {
  std::string verb;
  std::string path;
  std::uint64_t bytes = 0;
  std::optional<std::uint64_t> total;
  std::chrono::steady_clock::time_point started;
};

struct session_state {
  // Login
  std::optional<std::string> pending_user;  // after USER, until PASS
  std::optional<account> logged_in;
  unsigned login_failures = 0;
  std::unique_ptr<storage> fs;  // the account's storage, after login

  // Navigation and representation
  std::string cwd = "/";
  transfer_type type = transfer_type::ascii;  // RFC 959's default
  unsigned mlst_facts = protocol::all_facts;
  bool epsv_all = false;  // after EPSV ALL, PORT/EPRT/PASV are refused
  std::string host;       // HOST (RFC 7151), for logs

  // One-shot state: consumed by the command that uses it, cleared by any
  // failure (and REST/RNFR by any command but their follower).
  std::uint64_t rest_offset = 0;
  std::optional<std::string> rename_from;

  // Set while a transfer runs.
  std::optional<transfer_progress> transfer;

  bool is_logged_in() const noexcept { return logged_in.has_value(); }
};

}  // namespace portico::server
