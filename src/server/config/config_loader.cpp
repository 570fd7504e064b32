#include "server/config/config_loader.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

#include "server/config/toml.hpp"

namespace portico::server {
namespace {

using namespace std::chrono_literals;
using toml_detail::located;

std::string in_quotes(std::string_view text) {
  return "\"" + std::string(text) + "\"";
}

// Digits only: no sign, no spaces, no "0x", and the whole text (from_chars
// alone would read "12abc" as 12).
bool parse_number(std::string_view text, std::uint64_t& out) {
  if (text.empty() || text.size() > 12) return false;
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

config_result<std::uint16_t> parse_port(std::string_view text, std::string_view whole) {
  std::uint64_t port = 0;
  if (!parse_number(text, port) || port > 65535) {
    return unexpected(in_quotes(whole) + ": the port must be a number from 0 to 65535");
  }
  return static_cast<std::uint16_t>(port);
}

}  // namespace

config_result<listener_config> parse_listen(std::string_view text) {
  const std::string hint = " (e.g. 0.0.0.0:2121 for all IPv4 addresses, [::]:2121 for all IPv6)";
  std::string_view host;
  std::string_view port;
  bool bracketed = false;
  if (text.starts_with('[')) {
    const auto close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return unexpected(in_quotes(text) + ": expected [IPv6]:PORT" + hint);
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
    bracketed = true;
  } else {
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || colon == 0) {
      return unexpected(in_quotes(text) + ": expected ADDRESS:PORT" + hint);
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return unexpected(in_quotes(text) + ": put an IPv6 address in brackets, e.g. [::1]:2121");
    }
  }
  auto parsed_port = parse_port(port, text);
  if (!parsed_port) return unexpected(parsed_port.error());

  const std::string host_text(host);
  char canonical[INET6_ADDRSTRLEN] = {};
  if (bracketed) {
    in6_addr a6{};
    if (::inet_pton(AF_INET6, host_text.c_str(), &a6) != 1) {
      return unexpected(in_quotes(text) + ": " + in_quotes(host) + " is not an IPv6 address");
    }
    ::inet_ntop(AF_INET6, &a6, canonical, sizeof(canonical));
  } else {
    in_addr a4{};
    if (::inet_pton(AF_INET, host_text.c_str(), &a4) != 1) {
      return unexpected(in_quotes(text) + ": " + in_quotes(host) +
                        " is not an IPv4 address (host names are not accepted)" + hint);
    }
    ::inet_ntop(AF_INET, &a4, canonical, sizeof(canonical));
  }
  return listener_config{canonical, *parsed_port};
}

config_result<port_range> parse_port_range(std::string_view text) {
  const auto dash = text.find('-');
  std::uint64_t min = 0;
  std::uint64_t max = 0;
  if (dash == std::string_view::npos || !parse_number(text.substr(0, dash), min) ||
      !parse_number(text.substr(dash + 1), max)) {
    return unexpected(in_quotes(text) + ": expected MIN-MAX, e.g. 49152-65534");
  }
  if (min < 1024 || max > 65535) {
    return unexpected(in_quotes(text) + ": passive ports must be between 1024 and 65535");
  }
  if (min > max) {
    return unexpected(in_quotes(text) + ": the first port must not be greater than the second");
  }
  return port_range{static_cast<std::uint16_t>(min), static_cast<std::uint16_t>(max)};
}

config_result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  const auto unit_at = text.find_first_not_of("0123456789");
  const auto digits = text.substr(0, unit_at);
  const auto unit = unit_at == std::string_view::npos ? std::string_view() : text.substr(unit_at);
  std::uint64_t n = 0;
  std::uint64_t scale = 0;
  if (unit.empty() || unit == "s") scale = 1000;
  if (unit == "ms") scale = 1;
  if (unit == "m") scale = 60'000;
  if (unit == "h") scale = 3'600'000;
  if (scale == 0 || !parse_number(digits, n)) {
    return unexpected(in_quotes(text) +
                      ": not a duration (e.g. 500ms, 30s, 5m, 1h; a plain number is seconds)");
  }
  // parse_number allows at most 12 digits, so this cannot overflow.
  const std::chrono::milliseconds value{static_cast<std::int64_t>(n * scale)};
  if (value < min_duration || value > max_duration) {
    return unexpected(in_quotes(text) + ": must be between 1ms and 24h");
  }
  return value;
}

config_result<std::string> parse_public_address(std::string_view text) {
  if (text.empty()) return std::string();
  if (auto ip = protocol::ip_address::parse(text)) {
    const auto c = protocol::classify(ip->unmapped());
    if (c == protocol::address_class::unspecified || c == protocol::address_class::multicast) {
      return unexpected(in_quotes(text) + ": not an address clients can connect to");
    }
    return ip->unmapped().to_string();
  }
  // RFC 1123 host name: labels of letters, digits and hyphens.
  bool ok = text.size() <= 253 && text.front() != '.' && text.back() != '-';
  std::size_t label = 0;
  for (const char ch : text) {
    if (ch == '.') {
      ok = ok && label > 0;
      label = 0;
    } else if (std::isalnum(static_cast<unsigned char>(ch)) || ch == '-') {
      ok = ok && ++label <= 63;
    } else {
      ok = false;
    }
  }
  if (!ok) {
    return unexpected(in_quotes(text) +
                      ": expected an IP address or a host name (e.g. 203.0.113.7 or "
                      "ftp.example.com)");
  }
  return std::string(text);
}

config_result<protocol::cidr> parse_network(std::string_view text) {
  auto parsed = protocol::cidr::parse(text);
  if (!parsed) {
    return unexpected(in_quotes(text) + ": expected an address or a network such as 10.0.0.0/8 " +
                      "or fd00::/8 (" + std::string(parsed.error().message()) + ")");
  }
  return *parsed;
}

std::vector<listener_config> default_listeners() {
  return {{"0.0.0.0", 2121}, {"::", 2121}};
}

permission_set with_anonymous_write(permission_set base) noexcept {
  return base.with(permission::write).with(permission::append).with(permission::mkdir);
}

namespace {

// Walks one TOML document, overlaying what it finds on a server_config and
// collecting every problem instead of stopping at the first.
class config_reader {
 public:
  explicit config_reader(const std::string& file) : file_(file) {}

  void read(const toml::table& root, server_config& c) {
    check_keys(root, "",
               {"root", "listen", "users_file", "atomic_uploads", "threads", "blocking_threads",
                "run_as", "banner", "anonymous", "passive", "active", "proxy_protocol", "limits",
                "timeouts", "logging"});
    if (auto* n = root.get("root")) path(*n, "root", c.anonymous.root, true);
    if (auto* n = root.get("listen")) listen(*n, c.listeners);
    if (auto* n = root.get("users_file")) users_file(*n, c.users_file);
    if (auto* n = root.get("atomic_uploads")) boolean(*n, "atomic_uploads", c.atomic_uploads);
    if (auto* n = root.get("threads")) number(*n, "threads", c.threads, 0u, 1024u);
    if (auto* n = root.get("blocking_threads")) {
      number(*n, "blocking_threads", c.blocking_threads, 0u, 1024u);
    }
    if (auto* n = root.get("run_as")) run_as(*n, c.run_as);
    if (auto* n = root.get("banner")) banner(*n, c.banner);

    if (auto* t = section(root, "anonymous", {"enabled", "write", "permissions"})) {
      if (auto* n = t->get("enabled")) boolean(*n, "anonymous.enabled", c.anonymous.enabled);
      if (auto* n = t->get("permissions")) permissions(*n, c.anonymous.permissions);
      bool write = false;
      if (auto* n = t->get("write"); n && boolean(*n, "anonymous.write", write) && write) {
        c.anonymous.permissions = with_anonymous_write(c.anonymous.permissions);
      }
    }
    if (auto* t = section(root, "passive",
                          {"ports", "public_address", "public_address_refresh",
                           "local_address_for_private_clients", "share_ports", "overrides"})) {
      auto& p = c.passive;
      std::string text;
      if (auto* n = t->get("ports"); n && string(*n, "passive.ports", text)) {
        auto range = parse_port_range(text);
        if (range) {
          p.min_port = range->min_port;
          p.max_port = range->max_port;
        } else {
          fail(*n, "passive.ports", range.error());
        }
      }
      if (auto* n = t->get("public_address")) {
        address(*n, "passive.public_address", p.public_address);
      }
      if (auto* n = t->get("public_address_refresh")) {
        duration(*n, "passive.public_address_refresh", p.public_address_refresh);
      }
      if (auto* n = t->get("local_address_for_private_clients")) {
        boolean(*n, "passive.local_address_for_private_clients",
                p.local_address_for_private_clients);
      }
      if (auto* n = t->get("share_ports")) boolean(*n, "passive.share_ports", p.share_ports);
      if (auto* n = t->get("overrides")) overrides(*n, p.overrides);
    }
    if (auto* t = section(root, "active", {"connect_to_peer_behind_nat", "from_port_20"})) {
      if (auto* n = t->get("connect_to_peer_behind_nat")) {
        boolean(*n, "active.connect_to_peer_behind_nat", c.active.connect_to_peer_behind_nat);
      }
      if (auto* n = t->get("from_port_20")) {
        boolean(*n, "active.from_port_20", c.active.from_port_20);
      }
    }
    if (auto* t = section(root, "proxy_protocol", {"trusted"})) {
      if (auto* n = t->get("trusted"))
        networks(*n, "proxy_protocol.trusted", c.proxy_protocol.trusted);
    }
    if (auto* t = section(root, "limits",
                          {"max_sessions", "max_sessions_per_address", "max_login_failures",
                           "login_failure_delay"})) {
      auto& l = c.limits;
      if (auto* n = t->get("max_sessions")) {
        number(*n, "limits.max_sessions", l.max_sessions, std::size_t{1}, std::size_t{1'000'000});
      }
      if (auto* n = t->get("max_sessions_per_address")) {
        number(*n, "limits.max_sessions_per_address", l.max_sessions_per_address, std::size_t{1},
               std::size_t{1'000'000});
      }
      if (auto* n = t->get("max_login_failures")) {
        number(*n, "limits.max_login_failures", l.max_login_failures, 1u, 100u);
      }
      if (auto* n = t->get("login_failure_delay")) {
        duration(*n, "limits.login_failure_delay", l.login_failure_delay);
      }
    }
    if (auto* t =
            section(root, "timeouts",
                    {"login", "idle", "data_connect", "data_accept", "stall", "shutdown_grace"})) {
      auto& o = c.timeouts;
      if (auto* n = t->get("login")) duration(*n, "timeouts.login", o.login);
      if (auto* n = t->get("idle")) duration(*n, "timeouts.idle", o.idle);
      if (auto* n = t->get("data_connect")) duration(*n, "timeouts.data_connect", o.data_connect);
      if (auto* n = t->get("data_accept")) duration(*n, "timeouts.data_accept", o.data_accept);
      if (auto* n = t->get("stall")) duration(*n, "timeouts.stall", o.stall);
      if (auto* n = t->get("shutdown_grace")) {
        duration(*n, "timeouts.shutdown_grace", o.shutdown_grace);
      }
    }
    if (auto* t = section(root, "logging", {"format", "level", "file", "xferlog"})) {
      auto& g = c.logging;
      std::string text;
      if (auto* n = t->get("format"); n && string(*n, "logging.format", text)) {
        if (text == "text" || text == "json") {
          g.format = text == "json" ? log_format::json : log_format::text;
        } else {
          fail(*n, "logging.format", in_quotes(text) + ": expected \"text\" or \"json\"");
        }
      }
      if (auto* n = t->get("level"); n && string(*n, "logging.level", text)) {
        static constexpr std::string_view levels[] = {"trace", "debug", "info",
                                                      "warn",  "error", "off"};
        if (std::find(std::begin(levels), std::end(levels), text) != std::end(levels)) {
          g.level = text;
        } else {
          fail(*n, "logging.level",
               in_quotes(text) + ": expected one of trace, debug, info, warn, error, off");
        }
      }
      if (auto* n = t->get("file")) path(*n, "logging.file", g.file, false);
      if (auto* n = t->get("xferlog")) path(*n, "logging.xferlog", g.xferlog, false);
    }
  }

  void fail(const toml::node& node, std::string_view key, std::string_view message) {
    fail(node.source(), key, message);
  }
  void fail(const toml::source_region& where, std::string_view key, std::string_view message) {
    if (!errors_.empty()) errors_ += '\n';
    errors_ += located(file_, where, key, message);
  }
  const std::string& errors() const { return errors_; }

 private:
  static std::string dotted(std::string_view prefix, std::string_view key) {
    return prefix.empty() ? std::string(key) : std::string(prefix) + "." + std::string(key);
  }

  void check_keys(const toml::table& t, std::string_view prefix,
                  std::initializer_list<std::string_view> known) {
    for (auto&& [key, node] : t) {
      if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
        fail(key.source(), dotted(prefix, key.str()),
             toml_detail::unknown_key_message(key.str(), known));
      }
    }
  }

  const toml::table* section(const toml::table& root, std::string_view name,
                             std::initializer_list<std::string_view> known) {
    const auto* node = root.get(name);
    if (node == nullptr) return nullptr;
    const auto* t = node->as_table();
    if (t == nullptr) {
      fail(*node, name, "must be a table: write [" + std::string(name) + "] and its keys below");
      return nullptr;
    }
    check_keys(*t, name, known);
    return t;
  }

  bool boolean(const toml::node& n, std::string_view key, bool& out) {
    if (const auto* v = n.as_boolean()) {
      out = v->get();
      return true;
    }
    fail(n, key, "must be true or false");
    return false;
  }

  bool string(const toml::node& n, std::string_view key, std::string& out) {
    if (const auto* v = n.as_string()) {
      out = v->get();
      return true;
    }
    fail(n, key, "must be a string (in double quotes)");
    return false;
  }

  template <class U>
  void number(const toml::node& n, std::string_view key, U& out, U min, U max) {
    const auto* v = n.as_integer();
    const auto range = "from " + std::to_string(min) + " to " + std::to_string(max);
    if (v == nullptr) return fail(n, key, "must be a whole number " + range);
    const std::int64_t x = v->get();
    if (x < 0 || static_cast<std::uint64_t>(x) < min || static_cast<std::uint64_t>(x) > max) {
      return fail(n, key, std::to_string(x) + " is out of range: must be " + range);
    }
    out = static_cast<U>(x);
  }

  void duration(const toml::node& n, std::string_view key, std::chrono::milliseconds& out) {
    config_result<std::chrono::milliseconds> parsed = unexpected(std::string());
    if (const auto* i = n.as_integer()) {
      parsed = i->get() < 0 ? unexpected(std::to_string(i->get()) + ": must be between 1ms and 24h")
                            : parse_duration(std::to_string(i->get()));
    } else if (const auto* s = n.as_string()) {
      parsed = parse_duration(s->get());
    } else {
      return fail(n, key,
                  "must be a duration: a string such as \"30s\" or \"500ms\", or a "
                  "number of seconds");
    }
    parsed ? void(out = *parsed) : fail(n, key, parsed.error());
  }

  void path(const toml::node& n, std::string_view key, std::string& out, bool must_be_dir) {
    std::string text;
    if (!string(n, key, text)) return;
    if (text.find('\0') != std::string::npos) return fail(n, key, "must not contain NUL");
    if (text.empty()) {
      if (must_be_dir) return fail(n, key, "must not be empty (a directory)");
      out.clear();
      return;
    }
    auto resolved = toml_detail::resolve_relative_to(file_, text);
    if (must_be_dir) {
      if (auto problem = toml_detail::directory_problem(resolved); !problem.empty()) {
        return fail(n, key, problem);
      }
    }
    out = std::move(resolved);
  }

  void users_file(const toml::node& n, std::string& out) {
    path(n, "users_file", out, false);
    struct stat st {};
    if (out.empty()) return;
    if (::stat(out.c_str(), &st) != 0) {
      fail(n, "users_file", in_quotes(out) + ": " + std::strerror(errno));
    } else if (S_ISDIR(st.st_mode)) {
      fail(n, "users_file", in_quotes(out) + " is a directory, not a users file");
    }
  }

  void listen(const toml::node& n, std::vector<listener_config>& out) {
    std::vector<listener_config> listeners;
    auto add = [&](const toml::node& element) {
      std::string text;
      if (!string(element, "listen", text)) return;
      auto parsed = parse_listen(text);
      if (!parsed) return fail(element, "listen", parsed.error());
      if (std::find(listeners.begin(), listeners.end(), *parsed) != listeners.end()) {
        return fail(element, "listen", in_quotes(text) + " is listed twice");
      }
      listeners.push_back(*parsed);
    };
    if (const auto* array = n.as_array()) {
      if (array->empty()) return fail(n, "listen", "needs at least one ADDRESS:PORT");
      for (const auto& element : *array) add(element);
    } else if (n.is_string()) {
      add(n);
    } else {
      return fail(n, "listen", "must be an array of \"ADDRESS:PORT\" strings");
    }
    out = std::move(listeners);
  }

  void address(const toml::node& n, std::string_view key, std::string& out) {
    std::string text;
    if (!string(n, key, text)) return;
    auto parsed = parse_public_address(text);
    parsed ? void(out = *parsed) : fail(n, key, parsed.error());
  }

  bool networks(const toml::node& n, std::string_view key, std::vector<protocol::cidr>& out) {
    const auto* array = n.as_array();
    if (array == nullptr) {
      fail(n, key, "must be an array of networks, e.g. [\"10.0.0.0/8\", \"fd00::/8\"]");
      return false;
    }
    std::vector<protocol::cidr> parsed;
    bool ok = true;
    for (const auto& element : *array) {
      std::string text;
      if (!string(element, key, text)) {
        ok = false;
        continue;
      }
      auto network = parse_network(text);
      if (network) {
        parsed.push_back(*network);
      } else {
        fail(element, key, network.error());
        ok = false;
      }
    }
    out = std::move(parsed);
    return ok;
  }

  // [[passive.overrides]] tables: clients = [...], server = [...], address = "...".
  void overrides(const toml::node& n, std::vector<passive_override>& out) {
    const auto* array = n.as_array();
    if (array == nullptr || !array->is_array_of_tables()) {
      return fail(n, "passive.overrides",
                  "must be a list of tables: write [[passive.overrides]] with clients = [...] "
                  "and address = \"...\"");
    }
    std::vector<passive_override> parsed;
    for (const auto& element : *array) {
      const auto& t = *element.as_table();
      check_keys(t, "passive.overrides", {"clients", "server", "address"});
      passive_override o;
      if (auto* c = t.get("clients")) networks(*c, "passive.overrides.clients", o.clients);
      if (auto* s = t.get("server")) networks(*s, "passive.overrides.server", o.server);
      if (auto* a = t.get("address")) {
        address(*a, "passive.overrides.address", o.address);
      } else {
        fail(element, "passive.overrides",
             "needs address = \"IP or host name\" (\"\" for the local address)");
      }
      if (o.clients.empty() && o.server.empty()) {
        fail(element, "passive.overrides",
             "needs clients = [networks] or server = [networks] to say whom it applies to");
      }
      parsed.push_back(std::move(o));
    }
    out = std::move(parsed);
  }

  void permissions(const toml::node& n, permission_set& out) {
    const char* choices = "list, read, write, append, delete, mkdir, rename, chmod";
    const auto* array = n.as_array();
    if (array == nullptr) {
      return fail(n, "anonymous.permissions",
                  std::string("must be an array of strings (one of ") + choices + ")");
    }
    permission_set set;
    for (const auto& element : *array) {
      std::string name;
      if (!string(element, "anonymous.permissions", name)) continue;
      auto p = permission_set::parse_name(name);
      if (p) {
        set = set.with(*p);
      } else {
        fail(element, "anonymous.permissions",
             "unknown permission " + in_quotes(name) + " (expected one of " + choices + ")");
      }
    }
    out = set;
  }

  void run_as(const toml::node& n, std::string& out) {
    std::string text;
    if (!string(n, "run_as", text)) return;
    const bool ok = text.size() <= 64 && std::all_of(text.begin(), text.end(), [](char ch) {
                      return std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' ||
                             ch == '_' || ch == '-';
                    });
    if (!ok) return fail(n, "run_as", in_quotes(text) + " is not a user name");
    out = text;
  }

  void banner(const toml::node& n, std::string& out) {
    std::string text;
    if (!string(n, "banner", text)) return;
    // A CR or LF would let the banner forge extra reply lines.
    if (std::any_of(text.begin(), text.end(),
                    [](char ch) { return static_cast<unsigned char>(ch) < 0x20 || ch == 0x7f; })) {
      return fail(n, "banner", "must be one line without control characters");
    }
    if (text.size() > 512) return fail(n, "banner", "must be at most 512 bytes");
    out = text;
  }

  const std::string& file_;
  std::string errors_;
};

}  // namespace

config_result<server_config> load_config_file(const std::string& path, server_config base) {
  auto document = toml_detail::parse_file(path, "config file");
  if (!document) return unexpected(document.error());
  config_reader reader(path);
  reader.read(*document, base);
  if (!reader.errors().empty()) return unexpected(reader.errors());
  base.config_file = toml_detail::resolve_relative_to("", path);
  return base;
}

}  // namespace portico::server
