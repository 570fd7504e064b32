// A fixture for handler and dispatcher tests: a complete `context` with an
// in-memory storage, a fake authenticator, a null event sink and a fake
// data_link that records what the handlers asked of it. `run("VERB arg")`
// parses the line, dispatches it on a private io_context until it is done and
// returns the outcome, exactly as a session would get it (minus the sockets).
//
// Header-only: .cpp files under src/server that are not *_test.cpp go into
// the portico_server library.
#pragma once

#include <gtest/gtest.h>

#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/asio.hpp"
#include "net/blocking_pool.hpp"
#include "protocol/command.hpp"
#include "protocol/ip_address.hpp"
#include "protocol/reply_code.hpp"
#include "server/accounts/authenticator.hpp"
#include "server/config/server_config.hpp"
#include "server/context.hpp"
#include "server/data/data_link.hpp"
#include "server/dispatcher.hpp"
#include "server/events/event_sink.hpp"
#include "server/outcome.hpp"
#include "server/session_state.hpp"
#include "server/storage/memory_storage.hpp"

namespace portico::server::test_support {

namespace code = protocol::code;

inline protocol::ip_address address(std::string_view text) {
  auto a = protocol::ip_address::parse(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a ? *a : protocol::ip_address{};
}

// Accepts "alice"/"pw" with `alice_permissions`, and anonymous (any password)
// with read-only permissions while `anonymous_enabled`.
class fake_authenticator final : public authenticator {
 public:
  permission_set alice_permissions = permission_set::all();
  bool anonymous_enabled = true;

  std::optional<account> authenticate(std::string_view user,
                                      std::string_view password) const override {
    if (user == "alice" && password == "pw") {
      return account{"alice", false, "/home/alice", alice_permissions};
    }
    if (anonymous_enabled && (user == "anonymous" || user == "ftp")) {
      return account{"anonymous", true, "/srv/ftp", permission_set::read_only()};
    }
    return std::nullopt;
  }
};

// Records every call; open_passive answers `passive_endpoint`, or fails with
// `passive_error` when it is set.
class fake_data_link final : public data_link {
 public:
  protocol::endpoint passive_endpoint;
  std::optional<passive_failure> passive_error;

  std::vector<protocol::ip_address::family> passive_calls;  // families asked for
  std::vector<bool> address_wanted;                         // with_address of each call
  std::vector<protocol::endpoint> active_calls;             // set_active targets
  int reset_calls = 0;
  bool is_prepared = false;

  net::awaitable<expected<protocol::endpoint, passive_failure>> open_passive(
      protocol::ip_address::family family, bool with_address) override {
    address_wanted.push_back(with_address);
    passive_calls.push_back(family);
    if (passive_error) {
      is_prepared = false;
      co_return unexpected(*passive_error);
    }
    is_prepared = true;
    co_return passive_endpoint;
  }
  void set_active(const protocol::endpoint& target) override {
    active_calls.push_back(target);
    is_prepared = true;
  }
  void reset() noexcept override {
    ++reset_calls;
    is_prepared = false;
  }
  bool prepared() const noexcept override { return is_prepared; }
};

enum class control_family { ipv4, ipv6 };

class handler_harness : public ::testing::Test {
 public:
  explicit handler_harness(control_family family = control_family::ipv4) {
    config.limits.login_failure_delay = std::chrono::milliseconds(1);
    config.limits.max_login_failures = 3;
    const bool v6 = family == control_family::ipv6;
    const protocol::ip_address loopback = address(v6 ? "::1" : "127.0.0.1");
    info.id = 1;
    info.local = {loopback, 21};
    info.peer = {loopback, 40000};
    data.passive_endpoint = {loopback, 50000};
  }

  // The storage the next login gets (and, after it, the session's storage).
  memory_storage& fs() { return *store_; }

  // Parses `line` as a control line and dispatches it to completion.
  outcome run(std::string_view line) {
    auto parsed = protocol::parse_command(line);
    if (!parsed) {
      ADD_FAILURE() << "cannot parse command line '" << line << "'";
      return outcome{};
    }
    const protocol::command_line cmd = std::move(*parsed);
    std::optional<outcome> result;
    std::exception_ptr error;
    asio::io_context io;
    asio::co_spawn(io, run_one(ctx, cmd, result),
                   [&error](std::exception_ptr e) { error = std::move(e); });
    io.run();
    if (error) std::rethrow_exception(error);
    if (!result) {
      ADD_FAILURE() << "dispatch of '" << line << "' did not complete";
      return outcome{};
    }
    return std::move(*result);
  }

  // The reply code of `line`.
  int code_of(std::string_view line) { return run(line).reply.code; }

  // USER then PASS; the outcome of PASS.
  outcome login(std::string_view user = "alice", std::string_view pass = "pw") {
    const outcome u = run(fmt_line("USER", user));
    EXPECT_EQ(u.reply.code, code::need_password) << u.reply.text();
    return run(fmt_line("PASS", pass));
  }

  // Logs alice in with `perms`, failing the test unless it worked.
  void login_with(permission_set perms) {
    auth->alice_permissions = perms;
    const outcome o = login();
    ASSERT_EQ(o.reply.code, code::logged_in) << o.reply.text();
  }

  // PASV, failing the test unless a passive connection is prepared.
  void prepare_passive() {
    const outcome o = run("PASV");
    ASSERT_EQ(o.reply.code, code::entering_passive) << o.reply.text();
    ASSERT_TRUE(data.prepared());
  }

  server_config config;
  net::blocking_pool pool{1};
  std::shared_ptr<fake_authenticator> auth = std::make_shared<fake_authenticator>();
  null_sink events;
  // When set, opening the storage at login fails with it.
  std::optional<std::error_code> storage_open_error;
  int storage_opens = 0;
  services svc{pool, auth, [this](const account&, const server_config&) { return open_storage(); },
               events};
  session_state state;
  fake_data_link data;
  session_info info;
  context ctx{config, svc, state, data, info};

 private:
  static std::string fmt_line(std::string_view verb, std::string_view arg) {
    std::string line(verb);
    if (!arg.empty()) {
      line += ' ';
      line += arg;
    }
    return line;
  }

  static net::awaitable<void> run_one(context& c, const protocol::command_line& cmd,
                                      std::optional<outcome>& result) {
    result.emplace(co_await dispatch(c, cmd));
  }

  // Hands out the prepared storage once, then a fresh one per login.
  result<std::unique_ptr<storage>> open_storage() {
    ++storage_opens;
    if (storage_open_error) return unexpected(*storage_open_error);
    if (!pending_) {
      pending_ = std::make_unique<memory_storage>();
      store_ = pending_.get();
    }
    return std::unique_ptr<storage>(std::move(pending_));
  }

  std::unique_ptr<memory_storage> pending_ = std::make_unique<memory_storage>();
  memory_storage* store_ = pending_.get();
};

// The same fixture on an IPv6 control connection (local [::1]:21, peer
// [::1]:40000, passive endpoint [::1]:50000).
class ipv6_handler_harness : public handler_harness {
 public:
  ipv6_handler_harness() : handler_harness(control_family::ipv6) {}
};

}  // namespace portico::server::test_support
