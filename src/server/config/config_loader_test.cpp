#include "server/config/config_loader.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace portico::server {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.starts_with(prefix);
}

// Field by field, so that a failure names the field that differs.
void expect_same(const server_config& a, const server_config& b) {
  EXPECT_EQ(a.listeners, b.listeners);
  EXPECT_EQ(a.anonymous.enabled, b.anonymous.enabled);
  EXPECT_EQ(a.anonymous.root, b.anonymous.root);
  EXPECT_EQ(a.anonymous.permissions, b.anonymous.permissions);
  EXPECT_EQ(a.users_file, b.users_file);
  EXPECT_EQ(a.passive.min_port, b.passive.min_port);
  EXPECT_EQ(a.passive.max_port, b.passive.max_port);
  EXPECT_EQ(a.passive.public_address, b.passive.public_address);
  EXPECT_EQ(a.passive.public_address_refresh, b.passive.public_address_refresh);
  EXPECT_EQ(a.passive.local_address_for_private_clients,
            b.passive.local_address_for_private_clients);
  EXPECT_EQ(a.passive.share_ports, b.passive.share_ports);
  EXPECT_EQ(a.passive.overrides.size(), b.passive.overrides.size());
  EXPECT_EQ(a.active.connect_to_peer_behind_nat, b.active.connect_to_peer_behind_nat);
  EXPECT_EQ(a.active.from_port_20, b.active.from_port_20);
  EXPECT_EQ(a.proxy_protocol.trusted, b.proxy_protocol.trusted);
  EXPECT_EQ(a.limits.max_sessions, b.limits.max_sessions);
  EXPECT_EQ(a.limits.max_sessions_per_address, b.limits.max_sessions_per_address);
  EXPECT_EQ(a.limits.max_login_failures, b.limits.max_login_failures);
  EXPECT_EQ(a.limits.login_failure_delay, b.limits.login_failure_delay);
  EXPECT_EQ(a.timeouts.login, b.timeouts.login);
  EXPECT_EQ(a.timeouts.idle, b.timeouts.idle);
  EXPECT_EQ(a.timeouts.data_connect, b.timeouts.data_connect);
  EXPECT_EQ(a.timeouts.data_accept, b.timeouts.data_accept);
  EXPECT_EQ(a.timeouts.stall, b.timeouts.stall);
  EXPECT_EQ(a.timeouts.shutdown_grace, b.timeouts.shutdown_grace);
  EXPECT_EQ(a.logging.format, b.logging.format);
  EXPECT_EQ(a.logging.level, b.logging.level);
  EXPECT_EQ(a.logging.file, b.logging.file);
  EXPECT_EQ(a.logging.xferlog, b.logging.xferlog);
  EXPECT_EQ(a.atomic_uploads, b.atomic_uploads);
  EXPECT_EQ(a.threads, b.threads);
  EXPECT_EQ(a.blocking_threads, b.blocking_threads);
  EXPECT_EQ(a.run_as, b.run_as);
  EXPECT_EQ(a.banner, b.banner);
}

class ConfigFile : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "portico-config-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    fs::create_directory(dir_ / "pub");
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& text, const std::string& name = "portico.toml") {
    const auto path = (dir_ / name).string();
    std::ofstream(path) << text;
    return path;
  }
  config_result<server_config> load(const std::string& text, server_config base = {}) {
    return load_config_file(write(text), std::move(base));
  }
  // The message for a file that must fail, with the directory stripped.
  std::string error_of(const std::string& text) {
    auto loaded = load(text);
    EXPECT_FALSE(loaded.has_value()) << text;
    if (loaded) return {};
    std::string message = loaded.error();
    for (auto at = message.find(dir_.string() + "/"); at != std::string::npos;
         at = message.find(dir_.string() + "/")) {
      message.erase(at, dir_.string().size() + 1);
    }
    return message;
  }

  fs::path dir_;
};

TEST_F(ConfigFile, EmptyFileKeepsEveryBaseValue) {
  server_config base;
  base.banner = "from the command line";
  base.listeners = {{"127.0.0.1", 21}};
  auto loaded = load("# nothing\n", base);
  ASSERT_TRUE(loaded.has_value()) << loaded.error();
  expect_same(*loaded, base);
  EXPECT_EQ(loaded->config_file, (dir_ / "portico.toml").string());
}

TEST_F(ConfigFile, EveryKeyIsRead) {
  std::ofstream(dir_ / "users.toml") << "";
  auto loaded = load(R"(
root = "pub"
listen = ["127.0.0.1:21", "[::1]:2121"]
users_file = "users.toml"
atomic_uploads = true
threads = 4
blocking_threads = 8
run_as = "ftp-user"
banner = "Welcome."
[anonymous]
enabled = true
permissions = ["list", "read", "rename"]
[passive]
ports = "50000-50100"
[limits]
max_sessions = 10
max_sessions_per_address = 2
max_login_failures = 5
login_failure_delay = "250ms"
[timeouts]
login = "10s"
idle = "5m"
data_connect = 7
data_accept = "8s"
stall = "1h"
shutdown_grace = "2s"
[logging]
format = "json"
level = "debug"
file = "log/portico.log"
xferlog = "/var/log/xferlog"
)");
  ASSERT_TRUE(loaded.has_value()) << loaded.error();
  const auto& c = *loaded;
  EXPECT_EQ(c.anonymous.root, (dir_ / "pub").string());
  EXPECT_EQ(c.listeners, (std::vector<listener_config>{{"127.0.0.1", 21}, {"::1", 2121}}));
  EXPECT_EQ(c.users_file, (dir_ / "users.toml").string());
  EXPECT_TRUE(c.atomic_uploads);
  EXPECT_EQ(c.threads, 4u);
  EXPECT_EQ(c.blocking_threads, 8u);
  EXPECT_EQ(c.run_as, "ftp-user");
  EXPECT_EQ(c.banner, "Welcome.");
  EXPECT_TRUE(c.anonymous.enabled);
  EXPECT_EQ(c.anonymous.permissions.to_string(), "list,read,rename");
  EXPECT_EQ(c.passive.min_port, 50000);
  EXPECT_EQ(c.passive.max_port, 50100);
  EXPECT_EQ(c.limits.max_sessions, 10u);
  EXPECT_EQ(c.limits.max_sessions_per_address, 2u);
  EXPECT_EQ(c.limits.max_login_failures, 5u);
  EXPECT_EQ(c.limits.login_failure_delay, 250ms);
  EXPECT_EQ(c.timeouts.login, 10s);
  EXPECT_EQ(c.timeouts.idle, 5min);
  EXPECT_EQ(c.timeouts.data_connect, 7s);
  EXPECT_EQ(c.timeouts.data_accept, 8s);
  EXPECT_EQ(c.timeouts.stall, 1h);
  EXPECT_EQ(c.timeouts.shutdown_grace, 2s);
  EXPECT_EQ(c.logging.format, log_format::json);
  EXPECT_EQ(c.logging.level, "debug");
  EXPECT_EQ(c.logging.file, (dir_ / "log" / "portico.log").string());
  EXPECT_EQ(c.logging.xferlog, "/var/log/xferlog");
}

TEST_F(ConfigFile, RelativePathsCountFromTheConfigFileNotTheWorkingDirectory) {
  const auto path =
      write("root = \"./pub/\"\n[logging]\nfile = \"a.log\"\nxferlog = \"x/../b.log\"\n");
  const auto old_cwd = fs::current_path();
  fs::current_path("/");
  auto loaded = load_config_file(path, {});
  fs::current_path(old_cwd);
  ASSERT_TRUE(loaded.has_value()) << loaded.error();
  EXPECT_EQ(loaded->anonymous.root, (dir_ / "pub").string());
  EXPECT_EQ(loaded->logging.file, (dir_ / "a.log").string());
  EXPECT_EQ(loaded->logging.xferlog, (dir_ / "b.log").string());
}

TEST_F(ConfigFile, EmptyPathsMeanNone) {
  server_config base;
  base.users_file = "/somewhere/users.toml";
  base.logging.file = "/var/log/portico.log";
  auto loaded = load("users_file = \"\"\n[logging]\nfile = \"\"\n", base);
  ASSERT_TRUE(loaded.has_value()) << loaded.error();
  EXPECT_EQ(loaded->users_file, "");
  EXPECT_EQ(loaded->logging.file, "");
}

TEST_F(ConfigFile, AnonymousWriteAddsUploadAndMkdirOnly) {
  auto loaded = load("[anonymous]\nenabled = true\nwrite = true\n");
  ASSERT_TRUE(loaded.has_value()) << loaded.error();
  EXPECT_EQ(loaded->anonymous.permissions.to_string(), "list,read,write,append,mkdir");
  auto with_list = load("[anonymous]\nwrite = true\npermissions = [\"list\"]\n");
  ASSERT_TRUE(with_list.has_value()) << with_list.error();
  EXPECT_EQ(with_list->anonymous.permissions.to_string(), "list,write,append,mkdir");
  auto off = load("[anonymous]\nwrite = false\n");
  EXPECT_EQ(off->anonymous.permissions, permission_set::read_only());
}

TEST_F(ConfigFile, ListenAcceptsOneString) {
  auto loaded = load("listen = \"[::]:21\"\n");
  ASSERT_TRUE(loaded.has_value()) << loaded.error();
  EXPECT_EQ(loaded->listeners, (std::vector<listener_config>{{"::", 21}}));
}

TEST_F(ConfigFile, UnknownKeysNameLineAndSuggestFix) {
  EXPECT_EQ(error_of("\n\n[limits]\nmax_session = 3\n"),
            "portico.toml:4: limits.max_session: unknown key (did you mean max_sessions?)");
  EXPECT_EQ(error_of("listen_on = 3\n"),
            "portico.toml:1: listen_on: unknown key (did you mean listen?)");
  EXPECT_PRED2(starts_with, error_of("[tls]\ncert = \"x\"\n"),
               "portico.toml:1: tls: unknown key (expected one of root, listen,");
}

TEST_F(ConfigFile, WrongTypesNameKeyAndLine) {
  EXPECT_EQ(error_of("atomic_uploads = \"yes\"\n"),
            "portico.toml:1: atomic_uploads: must be true or false");
  EXPECT_EQ(error_of("\nthreads = \"4\"\n"),
            "portico.toml:2: threads: must be a whole number from 0 to 1024");
  EXPECT_EQ(error_of("banner = 3\n"),
            "portico.toml:1: banner: must be a string (in double quotes)");
  EXPECT_EQ(error_of("[timeouts]\nidle = 1.5\n"),
            "portico.toml:2: timeouts.idle: must be a duration: a string such as \"30s\" or "
            "\"500ms\", or a number of seconds");
  EXPECT_EQ(error_of("limits = 3\n"),
            "portico.toml:1: limits: must be a table: write [limits] and its keys below");
  EXPECT_EQ(error_of("listen = 2121\n"),
            "portico.toml:1: listen: must be an array of \"ADDRESS:PORT\" strings");
  EXPECT_PRED2(starts_with, error_of("[anonymous]\npermissions = \"read\"\n"),
               "portico.toml:2: anonymous.permissions: must be an array of s");
}

TEST_F(ConfigFile, OutOfRangeNumbersAreRefused) {
  EXPECT_EQ(error_of("threads = 1025\n"),
            "portico.toml:1: threads: 1025 is out of range: must be from 0 to 1024");
  EXPECT_EQ(error_of("blocking_threads = -1\n"),
            "portico.toml:1: blocking_threads: -1 is out of range: must be from 0 to 1024");
  EXPECT_EQ(error_of("[limits]\nmax_sessions = 0\n"),
            "portico.toml:2: limits.max_sessions: 0 is out of range: must be from 1 to 1000000");
  EXPECT_PRED2(starts_with, error_of("[limits]\nmax_sessions_per_address = 0\n"),
               "portico.toml:2: limits.max_sessions_per_address: 0 is out of range");
  EXPECT_EQ(
      error_of("[limits]\nmax_login_failures = 101\n"),
      "portico.toml:2: limits.max_login_failures: 101 is out of range: must be from 1 to 100");
}

TEST_F(ConfigFile, BadDurationsAreRefused) {
  EXPECT_EQ(error_of("[timeouts]\nlogin = \"0s\"\n"),
            "portico.toml:2: timeouts.login: \"0s\": must be between 1ms and 24h");
  EXPECT_EQ(error_of("[timeouts]\nstall = 0\n"),
            "portico.toml:2: timeouts.stall: \"0\": must be between 1ms and 24h");
  EXPECT_EQ(error_of("[timeouts]\nstall = -5\n"),
            "portico.toml:2: timeouts.stall: -5: must be between 1ms and 24h");
  EXPECT_EQ(error_of("[limits]\nlogin_failure_delay = \"1 s\"\n"),
            "portico.toml:2: limits.login_failure_delay: \"1 s\": not a duration (e.g. 500ms, "
            "30s, 5m, 1h; a plain number is seconds)");
  EXPECT_EQ(error_of("[timeouts]\nshutdown_grace = \"25h\"\n"),
            "portico.toml:2: timeouts.shutdown_grace: \"25h\": must be between 1ms and 24h");
}

TEST_F(ConfigFile, BadValuesNameKeyAndLine) {
  EXPECT_EQ(error_of("[logging]\nformat = \"xml\"\n"),
            "portico.toml:2: logging.format: \"xml\": expected \"text\" or \"json\"");
  EXPECT_EQ(error_of("[logging]\nlevel = \"verbose\"\n"),
            "portico.toml:2: logging.level: \"verbose\": expected one of trace, debug, info, warn, "
            "error, off");
  EXPECT_EQ(error_of("[passive]\nports = \"100-200\"\n"),
            "portico.toml:2: passive.ports: \"100-200\": passive ports must be between 1024 and "
            "65535");
  EXPECT_EQ(error_of("[anonymous]\npermissions = [\"list\", \"writ\"]\n"),
            "portico.toml:2: anonymous.permissions: unknown permission \"writ\" (expected one of "
            "list, read, write, append, delete, mkdir, rename, chmod)");
  EXPECT_EQ(error_of("banner = \"hi\\r\\n230 fake\"\n"),
            "portico.toml:1: banner: must be one line without control characters");
  EXPECT_EQ(error_of("run_as = \"root; rm\"\n"),
            "portico.toml:1: run_as: \"root; rm\" is not a user name");
}

TEST_F(ConfigFile, BadListenEntriesNameTheirLine) {
  EXPECT_PRED2(starts_with, error_of("listen = [\n  \"0.0.0.0:21\",\n  \"localhost:21\",\n]\n"),
               "portico.toml:3: listen: \"localhost:21\": \"localhost\" is not an ");
  EXPECT_EQ(error_of("listen = [\"0.0.0.0:21\", \"0.0.0.0:21\"]\n"),
            "portico.toml:1: listen: \"0.0.0.0:21\" is listed twice");
  EXPECT_EQ(error_of("listen = []\n"), "portico.toml:1: listen: needs at least one ADDRESS:PORT");
}

TEST_F(ConfigFile, MissingDirectoriesAndFilesAreRefused) {
  EXPECT_EQ(error_of("root = \"nowhere\"\n"),
            "portico.toml:1: root: directory \"nowhere\" does not exist");
  EXPECT_EQ(error_of("users_file = \"users.toml\"\n"),
            "portico.toml:1: users_file: \"users.toml\": No such file or directory");
  EXPECT_EQ(error_of("users_file = \"pub\"\n"),
            "portico.toml:1: users_file: \"pub\" is a directory, not a users file");
}

TEST_F(ConfigFile, SyntaxErrorsNameLineAndColumn) {
  const auto error = error_of("threads = 1\n[limits\n");
  EXPECT_EQ(error.substr(0, 15), "portico.toml:2:") << error;
  EXPECT_NE(error.find("invalid TOML"), std::string::npos) << error;
}

TEST_F(ConfigFile, MissingFileIsAnError) {
  auto loaded = load_config_file((dir_ / "absent.toml").string(), {});
  ASSERT_FALSE(loaded.has_value());
  EXPECT_NE(loaded.error().find("absent.toml: cannot read config file: No such file"),
            std::string::npos);
}

TEST_F(ConfigFile, EveryProblemIsReported) {
  const auto error = error_of("threads = -1\nbanner = 1\n[logging]\nlevel = \"x\"\n");
  EXPECT_NE(error.find(":1: threads"), std::string::npos) << error;
  EXPECT_NE(error.find(":2: banner"), std::string::npos) << error;
  EXPECT_NE(error.find(":4: logging.level"), std::string::npos) << error;
}

TEST(ExampleConfig, LoadsAndStatesExactlyTheBuiltInDefaults) {
  // Catches drift between etc/portico.example.toml and the struct defaults.
  const char* source = std::getenv("PORTICO_SOURCE_DIR");
  if (source == nullptr) GTEST_SKIP() << "set PORTICO_SOURCE_DIR to the repository root";
  // Overlaid on a config where every field differs from its default, so that
  // a key missing from the example fails too, not only a wrong value.
  server_config changed;
  changed.listeners = {{"192.0.2.1", 1}};
  changed.anonymous = {true, "/not/from/example", permission_set::all()};
  changed.users_file = "/x/users.toml";
  changed.passive.min_port = 2000;
  changed.passive.max_port = 3000;
  changed.passive.public_address = "192.0.2.9";
  changed.passive.public_address_refresh = 1ms;
  changed.passive.local_address_for_private_clients = false;
  changed.passive.share_ports = true;
  changed.active = {true, true};
  changed.proxy_protocol.trusted = {protocol::cidr::parse("192.0.2.0/24").value()};
  changed.limits = {1, 1, 1, 1ms};
  changed.timeouts = {1ms, 1ms, 1ms, 1ms, 1ms, 1ms};
  changed.logging = {log_format::json, "off", "/x/log", "/x/xferlog"};
  changed.atomic_uploads = true;
  changed.threads = changed.blocking_threads = 7;
  changed.run_as = "someone";
  changed.banner = "changed";
  auto loaded = load_config_file(std::string(source) + "/etc/portico.example.toml", changed);
  ASSERT_TRUE(loaded.has_value()) << loaded.error();
  server_config defaults;
  defaults.listeners = default_listeners();
  // root is documented but left unset on purpose (see the example).
  defaults.anonymous.root = changed.anonymous.root;
  expect_same(*loaded, defaults);
}

TEST_F(ConfigFile, ReadsTheNatAndProxySettings) {
  const auto c = load(R"(
[passive]
public_address = "ftp.example.test"
public_address_refresh = "5s"
local_address_for_private_clients = false
share_ports = true
[[passive.overrides]]
clients = ["10.8.0.0/16"]
address = "10.8.0.1"
[[passive.overrides]]
server = ["192.0.2.1"]
address = ""
[active]
connect_to_peer_behind_nat = true
from_port_20 = true
[proxy_protocol]
trusted = ["10.0.0.1", "fd00::/8"]
)")
                     .value();
  EXPECT_EQ(c.passive.public_address, "ftp.example.test");
  EXPECT_EQ(c.passive.public_address_refresh, 5s);
  EXPECT_FALSE(c.passive.local_address_for_private_clients);
  EXPECT_TRUE(c.passive.share_ports);
  ASSERT_EQ(c.passive.overrides.size(), 2u);
  EXPECT_EQ(c.passive.overrides[0].clients.at(0).to_string(), "10.8.0.0/16");
  EXPECT_EQ(c.passive.overrides[0].address, "10.8.0.1");
  EXPECT_TRUE(c.passive.overrides[1].clients.empty());
  EXPECT_EQ(c.passive.overrides[1].server.at(0).to_string(), "192.0.2.1/32");
  EXPECT_EQ(c.passive.overrides[1].address, "");
  EXPECT_TRUE(c.active.connect_to_peer_behind_nat);
  EXPECT_TRUE(c.active.from_port_20);
  ASSERT_EQ(c.proxy_protocol.trusted.size(), 2u);
  EXPECT_EQ(c.proxy_protocol.trusted[1].to_string(), "fd00::/8");
}

TEST_F(ConfigFile, RefusesBadNatSettingsWithTheirLine) {
  EXPECT_NE(error_of("[passive]\npublic_address = \"not an address!\"\n")
                .find(":2: passive.public_address"),
            std::string::npos);
  EXPECT_NE(error_of("[passive]\npublic_address = \"0.0.0.0\"\n").find("connect to"),
            std::string::npos);
  EXPECT_NE(
      error_of("[proxy_protocol]\ntrusted = [\"10.0.0.1/8\"]\n").find(":2: proxy_protocol.trusted"),
      std::string::npos);
  EXPECT_NE(error_of("[proxy_protocol]\ntrusted = \"10.0.0.1\"\n").find("array"),
            std::string::npos);
  EXPECT_NE(error_of("[[passive.overrides]]\naddress = \"10.0.0.1\"\n").find("whom"),
            std::string::npos);
  EXPECT_NE(error_of("[[passive.overrides]]\nclients = [\"10.0.0.0/8\"]\n").find("address"),
            std::string::npos);
  EXPECT_NE(error_of("[active]\nport_20 = true\n").find("active.port_20"), std::string::npos);
}

TEST(ParsePublicAddress, AcceptsAddressesAndHostNames) {
  EXPECT_EQ(parse_public_address("203.0.113.7").value(), "203.0.113.7");
  EXPECT_EQ(parse_public_address("2001:DB8::7").value(), "2001:db8::7");
  EXPECT_EQ(parse_public_address("ftp.example.com").value(), "ftp.example.com");
  EXPECT_EQ(parse_public_address("").value(), "");
  for (const char* bad : {"ftp..example.com", ".example", "a b", "ftp_x.example", "224.0.0.1",
                          "::", "host-", "x.example.com:21"}) {
    EXPECT_FALSE(parse_public_address(bad).has_value()) << bad;
  }
}

TEST(ParseListen, AcceptsIpv4AndBracketedIpv6) {
  EXPECT_EQ(parse_listen("0.0.0.0:21").value(), (listener_config{"0.0.0.0", 21}));
  EXPECT_EQ(parse_listen("127.0.0.1:2121").value(), (listener_config{"127.0.0.1", 2121}));
  EXPECT_EQ(parse_listen("[::1]:2121").value(), (listener_config{"::1", 2121}));
  EXPECT_EQ(parse_listen("[::]:21").value(), (listener_config{"::", 21}));
  EXPECT_EQ(parse_listen("[2001:DB8:0::1]:65535").value(), (listener_config{"2001:db8::1", 65535}));
  EXPECT_EQ(parse_listen("127.0.0.1:0").value(), (listener_config{"127.0.0.1", 0}));
}

TEST(ParseListen, RefusesAmbiguousOrIncompleteForms) {
  for (const char* bad :
       {"", "2121", ":2121", "0.0.0.0", "0.0.0.0:", "::1:2121", "[::1]", "[::1]2121",
        "[127.0.0.1]:21", "localhost:21", "1.2.3:21", "01.2.3.4:21", "1.2.3.4:65536", "1.2.3.4:-1",
        "1.2.3.4:+21", "1.2.3.4: 21", "[fe80::1%eth0]:21", "[::1:21"}) {
    EXPECT_FALSE(parse_listen(bad).has_value()) << bad;
  }
  EXPECT_NE(parse_listen("::1:2121").error().find("brackets"), std::string::npos);
  EXPECT_NE(parse_listen(":2121").error().find("0.0.0.0:2121"), std::string::npos);
}

TEST(ParsePortRange, AcceptsMinToMaxWithinUnprivilegedPorts) {
  const auto r = parse_port_range("50000-50100").value();
  EXPECT_EQ(r.min_port, 50000);
  EXPECT_EQ(r.max_port, 50100);
  EXPECT_EQ(parse_port_range("1024-65535")->min_port, 1024);
  EXPECT_EQ(parse_port_range("60000-60000")->max_port, 60000);
}

TEST(ParsePortRange, RefusesReversedPrivilegedAndMalformedRanges) {
  EXPECT_NE(parse_port_range("50100-50000").error().find("greater"), std::string::npos);
  EXPECT_NE(parse_port_range("1023-2000").error().find("1024 and 65535"), std::string::npos);
  EXPECT_NE(parse_port_range("50000-65536").error().find("1024 and 65535"), std::string::npos);
  for (const char* bad : {"", "50000", "50000-", "-50000", "a-b", "50000 - 50100", "5e4-6e4"}) {
    EXPECT_FALSE(parse_port_range(bad).has_value()) << bad;
  }
}

TEST(ParseDuration, UnitsAndPlainSeconds) {
  EXPECT_EQ(parse_duration("500ms").value(), 500ms);
  EXPECT_EQ(parse_duration("30s").value(), 30s);
  EXPECT_EQ(parse_duration("5m").value(), 5min);
  EXPECT_EQ(parse_duration("1h").value(), 1h);
  EXPECT_EQ(parse_duration("30").value(), 30s);
  EXPECT_EQ(parse_duration("1ms").value(), 1ms);
  EXPECT_EQ(parse_duration("24h").value(), 24h);
}

TEST(ParseDuration, RefusesZeroTooLongAndMalformed) {
  for (const char* bad : {"", "0", "0ms", "86400001ms", "25h", "1441m", "s", "1.5s", "-1s", "1S",
                          "1sec", "1 s", "1h30m", "999999999999999h"}) {
    EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
  }
}

TEST(DefaultListeners, AllIpv4AndAllIpv6OnPort2121) {
  EXPECT_EQ(default_listeners(), (std::vector<listener_config>{{"0.0.0.0", 2121}, {"::", 2121}}));
}

}  // namespace
}  // namespace portico::server
