// portico serve: runs the FTP server. With no arguments it serves the current
// directory read-only to anonymous users on port 2121 and says how to connect.
#include <fmt/format.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>

#include "cli/commands.hpp"
#include "net/address.hpp"
#include "protocol/address_class.hpp"
#include "server/accounts/account_store.hpp"
#include "server/config/config_loader.hpp"
#include "server/events/log_sink.hpp"
#include "server/events/xferlog_sink.hpp"
#include "server/privileges.hpp"
#include "server/server.hpp"
#include "server/storage/local_storage.hpp"
#include "server/storage/root_cache.hpp"

namespace portico::cli {

namespace {

using namespace portico::server;

struct serve_options {
  std::string dir;
  std::vector<std::string> listen;
  std::string users;
  bool anonymous = false;
  bool write = false;
  std::string passive_ports;
  std::string public_address;
  bool share_passive_ports = false;
  std::vector<std::string> proxy_protocol_from;
  std::string config;
  std::string log_format;
  std::string log_level;
  std::string xferlog;
  bool atomic_uploads = false;
  std::string run_as;
};

[[noreturn]] void fail(int code, const std::string& message) {
  std::fprintf(stderr, "portico serve: %s\n", message.c_str());
  throw CLI::RuntimeError(code);
}

// Defaults, then the config file, then the flags.
expected<server_config, std::string> build_config(const serve_options& o) {
  server_config c;
  c.listeners = default_listeners();
  c.anonymous.root = ".";
  if (!o.config.empty()) {
    auto loaded = load_config_file(o.config, c);
    if (!loaded) return unexpected(loaded.error());
    c = std::move(*loaded);
  }
  if (!o.dir.empty()) c.anonymous.root = o.dir;
  if (!o.listen.empty()) {
    c.listeners.clear();
    for (const auto& l : o.listen) {
      auto parsed = parse_listen(l);
      if (!parsed) return unexpected(fmt::format("--listen: {}", parsed.error()));
      c.listeners.push_back(*parsed);
    }
  }
  if (!o.users.empty()) c.users_file = o.users;
  if (!o.passive_ports.empty()) {
    auto range = parse_port_range(o.passive_ports);
    if (!range) return unexpected(fmt::format("--passive-ports: {}", range.error()));
    c.passive.min_port = range->min_port;
    c.passive.max_port = range->max_port;
  }
  if (!o.public_address.empty()) {
    auto address = parse_public_address(o.public_address);
    if (!address) return unexpected(fmt::format("--public-address: {}", address.error()));
    c.passive.public_address = *address;
  }
  if (o.share_passive_ports) c.passive.share_ports = true;
  if (!o.proxy_protocol_from.empty()) {
    c.proxy_protocol.trusted.clear();
    for (const auto& text : o.proxy_protocol_from) {
      auto network = parse_network(text);
      if (!network) return unexpected(fmt::format("--proxy-protocol-from: {}", network.error()));
      c.proxy_protocol.trusted.push_back(*network);
    }
  }
  // Without accounts nobody could log in, so anonymous access is what
  // `portico serve DIR` means; with accounts it must be asked for.
  if (c.users_file.empty() || o.anonymous) c.anonymous.enabled = true;
  if (o.write) c.anonymous.permissions = with_anonymous_write(c.anonymous.permissions);
  if (!o.log_format.empty()) {
    if (o.log_format != "text" && o.log_format != "json") {
      return unexpected(fmt::format("--log-format {}: expected text or json", o.log_format));
    }
    c.logging.format = o.log_format == "json" ? log_format::json : log_format::text;
  }
  if (!o.log_level.empty()) c.logging.level = o.log_level;
  if (!o.xferlog.empty()) c.logging.xferlog = o.xferlog;
  if (o.atomic_uploads) c.atomic_uploads = true;
  if (!o.run_as.empty()) c.run_as = o.run_as;

  std::error_code ec;
  auto root = std::filesystem::canonical(c.anonymous.root, ec);
  if (ec || !std::filesystem::is_directory(root, ec)) {
    return unexpected(fmt::format("Cannot serve {}: {}", c.anonymous.root,
                                  ec ? ec.message() : "not a directory"));
  }
  c.anonymous.root = root.string();
  return c;
}

bool may_change(const permission_set& p) {
  for (auto perm : {permission::write, permission::append, permission::remove, permission::mkdir,
                    permission::rename, permission::chmod}) {
    if (p.has(perm)) return true;
  }
  return false;
}

storage_factory local_storage_factory() {
  // Every session of a home shares its root descriptor (root_cache.hpp).
  return [roots = std::make_shared<storage_root_cache>()](
             const account& a, const server_config&) -> result<std::unique_ptr<storage>> {
    local_storage::options opts;
    opts.read_only = !may_change(a.permissions);
    auto root = roots->open(a.home);
    if (!root) return unexpected(root.error());
    return std::unique_ptr<storage>(local_storage::open(std::move(*root), opts));
  };
}

std::shared_ptr<event_sink> make_sinks(const server_config& c) {
  auto fan = std::make_shared<fanout_sink>();
  fan->add(std::make_shared<log_sink>(c.logging));
  if (!c.logging.xferlog.empty()) fan->add(std::make_shared<xferlog_sink>(c.logging.xferlog));
  return fan;
}

// The addresses a person can type for a listener bound to `ep`: the
// listener's own, or for 0.0.0.0 / [::] every address of this machine.
std::vector<std::string> connect_urls(const tcp::endpoint& ep) {
  std::vector<std::string> urls;
  auto url = [&](const asio::ip::address& a) {
    return a.is_v6() ? fmt::format("ftp://[{}]:{}/", a.to_string(), ep.port())
                     : fmt::format("ftp://{}:{}/", a.to_string(), ep.port());
  };
  if (!ep.address().is_unspecified()) return {url(ep.address())};
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return {url(ep.address())};
  for (ifaddrs* i = list; i != nullptr; i = i->ifa_next) {
    if (i->ifa_addr == nullptr || (i->ifa_flags & IFF_UP) == 0) continue;
    std::optional<asio::ip::address> a;
    if (ep.address().is_v4() && i->ifa_addr->sa_family == AF_INET) {
      asio::ip::address_v4::bytes_type b;
      std::memcpy(b.data(), &reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr, 4);
      a = asio::ip::address_v4(b);
    } else if (ep.address().is_v6() && i->ifa_addr->sa_family == AF_INET6) {
      asio::ip::address_v6::bytes_type b;
      std::memcpy(b.data(), &reinterpret_cast<sockaddr_in6*>(i->ifa_addr)->sin6_addr, 16);
      const asio::ip::address_v6 v6(b);
      if (v6.is_link_local()) continue;  // needs a zone index nobody types
      a = v6;
    }
    if (a) urls.push_back(url(*a));
  }
  ::freeifaddrs(list);
  if (urls.empty()) urls.push_back(url(ep.address()));
  return urls;
}

// What PASV will advertise, so that a NAT mistake shows at start-up rather
// than as a client's hanging transfer.
void print_nat_settings(const server_config& c, name_resolver& names) {
  const auto& p = c.passive;
  if (!p.public_address.empty()) {
    std::string shown = p.public_address;
    if (!protocol::ip_address::parse(p.public_address)) {
      auto resolved = names.lookup(p.public_address, protocol::ip_address::family::v4);
      shown = resolved
                  ? fmt::format(
                        "{} (now {}, looked up again every {} s)", p.public_address,
                        resolved->to_string(),
                        std::chrono::duration_cast<std::chrono::seconds>(p.public_address_refresh)
                            .count())
                  : fmt::format("{} (warning: {}; PASV fails until it resolves, EPSV works)",
                                p.public_address, resolved.error());
      if (resolved && protocol::is_private_for_nat(*resolved)) {
        shown += " (warning: a private address; internet clients cannot reach it)";
      }
    }
    std::printf("Passive address for internet clients: %s%s\n", shown.c_str(),
                p.local_address_for_private_clients ? "; LAN clients get the local address" : "");
  }
  if (!p.overrides.empty()) {
    std::printf("Passive address overrides: %zu (see passive.overrides)\n", p.overrides.size());
  }
  if (!c.proxy_protocol.trusted.empty()) {
    std::string from;
    for (const auto& n : c.proxy_protocol.trusted)
      from += (from.empty() ? "" : ", ") + n.to_string();
    std::printf("PROXY protocol (v1/v2) required from: %s\n", from.c_str());
  }
}

void print_banner(const server_config& c, const account_store& accounts,
                  const std::vector<tcp::endpoint>& endpoints, name_resolver& names) {
  std::string access;
  if (accounts.anonymous_enabled()) {
    access = may_change(c.anonymous.permissions) ? "anonymous login, uploads allowed"
                                                 : "anonymous login, read-only";
  }
  if (accounts.user_count() > 0) {
    if (!access.empty()) access += "; ";
    access += fmt::format("{} user account{}", accounts.user_count(),
                          accounts.user_count() == 1 ? "" : "s");
  }
  if (accounts.anonymous_enabled()) {
    std::printf("portico %s is serving %s (%s)\n", PORTICO_VERSION, c.anonymous.root.c_str(),
                access.c_str());
  } else {
    std::printf("portico %s is running (%s)\n", PORTICO_VERSION, access.c_str());
  }
  std::printf("Connect with:\n");
  std::string first_url;
  for (const auto& ep : endpoints) {
    for (const auto& u : connect_urls(ep)) {
      std::printf("  %s\n", u.c_str());
      if (first_url.empty()) first_url = u;
    }
  }
  std::printf("Passive ports: %u-%u%s (a firewall in front of this server must let them through)\n",
              c.passive.min_port, c.passive.max_port,
              c.passive.share_ports ? ", shared between client addresses" : "");
  print_nat_settings(c, names);
  if (!first_url.empty()) {
    std::printf("Try:  curl %s   or   lftp %s\n", first_url.c_str(), first_url.c_str());
  }
  std::printf("Stop with Ctrl-C.\n");
  std::fflush(stdout);
}

int serve(const serve_options& o) {
  auto config = build_config(o);
  if (!config) fail(2, config.error());
  auto accounts = account_store::load(*config);
  if (!accounts) fail(2, accounts.error());
  auto shared_config = std::make_shared<const server_config>(std::move(*config));
  auto auth = std::make_shared<const account_store>(std::move(*accounts));

  std::shared_ptr<event_sink> events;
  try {
    events = make_sinks(*shared_config);
  } catch (const std::exception& e) {
    fail(2, e.what());
  }

  // Signals are taken by this thread alone (blocked before any other thread
  // starts, so none of the pool threads receives them).
  sigset_t signals;
  sigemptyset(&signals);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&signals, s);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  server::server srv(shared_config, auth, events, local_storage_factory());
  try {
    srv.bind();
  } catch (const std::exception& e) {
    fail(1, e.what());
  }
  const std::string run_as =
      shared_config->run_as.empty() ? std::string("nobody") : shared_config->run_as;
  if (shared_config->active.from_port_20 && ::geteuid() != 0) {
    events->server_message(log_level::warn,
                           "active.from_port_20 needs portico to start as root; active-mode "
                           "connections will come from ephemeral ports");
  }
  if (auto dropped = drop_privileges(run_as, shared_config->active.from_port_20); !dropped) {
    fail(1, dropped.error());
  }
  if (::geteuid() == 0 && run_as != "root") fail(1, "Still root after dropping privileges.");

  srv.start();
  print_banner(*shared_config, *auth, srv.local_endpoints(), srv.names());
  events->server_message(log_level::info, "server started");

  for (;;) {
    int sig = 0;
    sigwait(&signals, &sig);
    if (sig == SIGHUP) {
      auto reloaded = build_config(o);
      if (!reloaded) {
        events->server_message(
            log_level::error,
            fmt::format("reload failed, keeping the old configuration: {}", reloaded.error()));
        continue;
      }
      auto new_accounts = account_store::load(*reloaded);
      if (!new_accounts) {
        events->server_message(
            log_level::error,
            fmt::format("reload failed, keeping the old accounts: {}", new_accounts.error()));
        continue;
      }
      srv.reload(std::make_shared<const server_config>(std::move(*reloaded)),
                 std::make_shared<const account_store>(std::move(*new_accounts)));
      events->server_message(log_level::info, "configuration and accounts reloaded");
      continue;
    }
    events->server_message(log_level::info, fmt::format("signal {}: draining sessions", sig));
    srv.drain_and_stop();
    events->server_message(log_level::info, "server stopped");
    return 0;
  }
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto opts = std::make_shared<serve_options>();
  CLI::App* cmd = app.add_subcommand(
      "serve",
      "Run the FTP server.\n\n"
      "With no options it serves the current directory read-only to anonymous users on\n"
      "port 2121 (all IPv4 and IPv6 addresses) and prints how to connect.\n\n"
      "Examples:\n"
      "  portico serve                         # this directory, anonymous, read-only\n"
      "  portico serve /srv/ftp --write        # let anonymous users upload\n"
      "  portico serve --users users.toml      # accounts (hashes from `portico passwd`)\n"
      "  portico serve --config portico.toml   # every option; see etc/portico.example.toml");
  cmd->add_option("DIR", opts->dir, "Directory served to anonymous users (default: .)");
  cmd->add_option("--listen", opts->listen,
                  "Address and port to listen on, repeatable: 0.0.0.0:2121, [::1]:2121 "
                  "(config: listen)");
  cmd->add_option("--users", opts->users, "TOML users file (config: users_file)");
  cmd->add_flag("--anonymous", opts->anonymous,
                "Also allow anonymous read-only login when users are configured "
                "(config: anonymous.enabled)");
  cmd->add_flag("--write", opts->write,
                "Let anonymous users upload and make directories (config: anonymous.write)");
  cmd->add_option("--passive-ports", opts->passive_ports,
                  "Passive data port range MIN-MAX, default 49152-65534 (config: passive.ports)");
  cmd->add_option("--public-address", opts->public_address,
                  "Address PASV advertises to clients on the internet when this server is "
                  "behind NAT: an IP, or a host name re-resolved as its DNS record changes. "
                  "LAN clients still get the local address (config: passive.public_address)");
  cmd->add_flag("--share-passive-ports", opts->share_passive_ports,
                "Let clients of different addresses wait on the same passive port, so a "
                "narrow firewall range serves many transfers (config: passive.share_ports)");
  cmd->add_option("--proxy-protocol-from", opts->proxy_protocol_from,
                  "Load balancer (address or CIDR, repeatable) whose connections start with a "
                  "PROXY protocol v1/v2 header carrying the real client address "
                  "(config: proxy_protocol.trusted)");
  cmd->add_option("--config", opts->config, "TOML configuration file");
  cmd->add_option("--log-format", opts->log_format, "text or json (config: logging.format)");
  cmd->add_option("--log-level", opts->log_level,
                  "trace, debug (every command), info, warn, error or off (config: logging.level)");
  cmd->add_option("--xferlog", opts->xferlog,
                  "Also write transfers to this xferlog file "
                  "(config: logging.xferlog)");
  cmd->add_flag("--atomic-uploads", opts->atomic_uploads,
                "Upload to a hidden file and rename it on success (config: atomic_uploads)");
  cmd->add_option("--run-as", opts->run_as,
                  "User to switch to after binding when started as root, default nobody "
                  "(config: run_as)");
  cmd->callback([opts] {
    const int code = serve(*opts);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace portico::cli
