// Everything `portico serve` can be told, as one immutable value. Built from
// the defaults in protocol/limits.hpp, then a TOML file (--config), then the
// command-line flags; a reload (SIGHUP) builds a new one for new sessions.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/limits.hpp"
#include "server/accounts/permissions.hpp"

namespace portico::server {

struct listener_config {
  std::string address;  // "0.0.0.0", "::", "127.0.0.1", "::1"
  std::uint16_t port = 2121;
  friend bool operator==(const listener_config&, const listener_config&) = default;
};

struct passive_config {
  std::uint16_t min_port = limits::default_passive_min;
  std::uint16_t max_port = limits::default_passive_max;
};

struct limits_config {
  std::size_t max_sessions = limits::default_max_sessions;
  std::size_t max_sessions_per_address = limits::default_max_sessions_per_address;
  unsigned max_login_failures = limits::default_max_login_failures;
  std::chrono::milliseconds login_failure_delay = limits::default_login_failure_delay;
};

struct timeouts_config {
  std::chrono::milliseconds login = limits::default_login_timeout;
  std::chrono::milliseconds idle = limits::default_idle_timeout;
  std::chrono::milliseconds data_connect = limits::default_data_connect_timeout;
  std::chrono::milliseconds data_accept = limits::default_data_accept_timeout;
  std::chrono::milliseconds stall = limits::default_stall_timeout;
  std::chrono::milliseconds shutdown_grace = limits::default_shutdown_grace;
};

enum class log_format { text, json };

struct logging_config {
  log_format format = log_format::text;
  std::string level = "info";  // trace debug info warn error off
  std::string file;            // empty: standard error
  std::string xferlog;         // empty: no xferlog
};

struct anonymous_config {
  bool enabled = false;
  std::string root;  // directory served to anonymous users
  permission_set permissions = permission_set::read_only();
};

struct server_config {
  std::vector<listener_config> listeners;  // default: 0.0.0.0:2121 and [::]:2121
  anonymous_config anonymous;
  std::string users_file;  // TOML users file; empty: no virtual users
  passive_config passive;
  limits_config limits;
  timeouts_config timeouts;
  logging_config logging;
  bool atomic_uploads = false;    // upload to a hidden file, rename on success
  unsigned threads = 0;           // I/O threads; 0: one per core
  unsigned blocking_threads = 0;  // filesystem and crypt pool; 0: 2 per core, at least 4
  std::string run_as;             // user to switch to after binding when started as root
  std::string banner = "portico FTP server ready.";
  std::string config_file;  // where this came from, for messages ("" if none)
};

}  // namespace portico::server
