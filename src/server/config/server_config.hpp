// Everything `portico serve` can be told, as one immutable value. Built from
// the defaults in protocol/limits.hpp, then a TOML file (--config), then the
// command-line flags; a reload (SIGHUP) builds a new one for new sessions.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "protocol/address_class.hpp"
#include "protocol/limits.hpp"
#include "server/accounts/permissions.hpp"

namespace portico::server {

struct listener_config {
  std::string address;  // "0.0.0.0", "::", "127.0.0.1", "::1"
  std::uint16_t port = 2121;
  friend bool operator==(const listener_config&, const listener_config&) = default;
};

struct port_range {
  std::uint16_t min_port = limits::default_passive_min;
  std::uint16_t max_port = limits::default_passive_max;
};

// A rule for the address that PASV advertises: clients in `clients` (any
// client when empty) connected to a server address in `server` (any when
// empty) are told `address`. An empty address means the local address of the
// control connection.
struct passive_override {
  std::vector<protocol::cidr> clients;
  std::vector<protocol::cidr> server;
  std::string address;  // IP literal or host name; "" = local address
};

struct passive_config {
  std::uint16_t min_port = limits::default_passive_min;
  std::uint16_t max_port = limits::default_passive_max;
  // The address PASV advertises to clients from public networks (masquerade):
  // an IP, or a host name re-resolved every `public_address_refresh` (dynamic
  // DNS). Empty: the local address of the control connection.
  std::string public_address;
  std::chrono::milliseconds public_address_refresh = limits::default_public_address_refresh;
  // Clients from private, loopback and link-local networks get the local
  // address instead of the public one (LAN clients of a server behind NAT).
  bool local_address_for_private_clients = true;
  std::vector<passive_override> overrides;  // first match wins, before the rules above
  // Let sessions of different client addresses wait on the same port; the
  // incoming connection is matched by its source address.
  bool share_ports = false;
};

struct active_config {
  // A PORT/EPRT carrying a private address from a client whose control
  // connection comes from a public one: connect to the control connection's
  // address (the client's NAT router) instead of refusing.
  bool connect_to_peer_behind_nat = false;
  // Connect from port 20 (RFC 959's L-1) when the server may bind it.
  bool from_port_20 = false;
};

struct proxy_protocol_config {
  // Load balancers allowed to send a PROXY protocol header (v1 or v2); a
  // connection from them must start with one. Empty: off.
  std::vector<protocol::cidr> trusted;
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
  active_config active;
  proxy_protocol_config proxy_protocol;
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
