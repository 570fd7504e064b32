// Reading server_config from a TOML file, and the small parsers the command
// line shares with it (--listen, --passive-ports, durations). The schema is
// documented, key by key with defaults, in etc/portico.example.toml.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/expected.hpp"
#include "server/config/server_config.hpp"

namespace portico::server {

// A value, or a message for the operator.
template <class T>
using config_result = expected<T, std::string>;

// Overlays the file at `path` on `base`: keys the file does not set keep their
// value in `base`. Relative paths in the file (root, users_file, logging.file,
// logging.xferlog) count from the file's directory and come back absolute.
// Every problem is reported as "FILE:LINE: dotted.key: what is wrong", several
// separated by newlines; any problem fails the whole load.
config_result<server_config> load_config_file(const std::string& path, server_config base);

// "0.0.0.0:21", "127.0.0.1:2121", "[::1]:2121", "[::]:21". The address must be
// an IP literal (no host names, no zone index); IPv6 goes in brackets. There
// is no "all families" shorthand such as ":21": list 0.0.0.0 and [::] both.
// Port 0 lets the system choose (for tests). The address comes back without
// brackets, in canonical form ("::1").
config_result<listener_config> parse_listen(std::string_view text);

// "MIN-MAX" with 1024 <= MIN <= MAX <= 65535 ("50000-50000" is one port).
config_result<port_range> parse_port_range(std::string_view text);

// The masquerade address: an IP literal (canonical form comes back) or a
// host name; "" stays "" (no masquerade).
config_result<std::string> parse_public_address(std::string_view text);

// "10.0.0.0/8", "fd00::/8", or a bare address (a /32 or /128).
config_result<protocol::cidr> parse_network(std::string_view text);

// "500ms", "30s", "5m", "1h", or a plain number of seconds ("30"), between
// min_duration and max_duration.
config_result<std::chrono::milliseconds> parse_duration(std::string_view text);
inline constexpr std::chrono::milliseconds min_duration{1};
inline constexpr std::chrono::milliseconds max_duration = std::chrono::hours{24};

// 0.0.0.0:2121 and [::]:2121: what `portico serve` listens on when neither the
// command line nor the config says.
std::vector<listener_config> default_listeners();

// What anonymous.write / --write add: uploads (write, append) and mkdir, but
// never delete, rename or chmod.
permission_set with_anonymous_write(permission_set base) noexcept;

}  // namespace portico::server
