// One sink for everything a server reports: session events, logins, commands,
// transfers and data-connection failures. Logs (text, JSON, xferlog) are sinks
// today; metrics will be one more, not a second set of calls in the sessions.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/ip_address.hpp"

namespace portico::server {

enum class log_level { trace, debug, info, warn, error };

struct session_info {
  std::uint64_t id = 0;
  // The client and the address it connected to. Behind a load balancer that
  // sends the PROXY protocol these come from its header, so that every check
  // and log line sees the real client.
  protocol::endpoint peer;
  protocol::endpoint local;
  // The control socket's own local address (where passive listeners bind and
  // active connections start); equal to `local` without a proxy.
  protocol::ip_address server_address;
  // The load balancer the connection came through; port 0 if none.
  protocol::endpoint proxy;
  std::string user;  // empty before login
  bool anonymous = false;
};

struct transfer_record {
  enum class direction { download, upload, listing } dir = direction::download;
  std::string path;  // virtual path
  std::uint64_t bytes = 0;
  std::chrono::steady_clock::duration elapsed{};
  bool ascii = false;
  bool complete = false;
  int reply_code = 0;
  std::string error;  // why it did not complete
};

class event_sink {
 public:
  virtual ~event_sink() = default;
  virtual void server_message(log_level level, std::string_view text) = 0;
  virtual void session_opened(const session_info& s) = 0;
  virtual void session_closed(const session_info& s, std::string_view reason) = 0;
  virtual void login(const session_info& s, std::string_view user, bool ok) = 0;
  virtual void command(const session_info& s, std::string_view verb, std::string_view argument,
                       int reply_code) = 0;
  virtual void transfer(const session_info& s, const transfer_record& t) = 0;
  virtual void data_connection_failed(const session_info& s, std::string_view why) = 0;
};

// Forwards every event to several sinks.
class fanout_sink final : public event_sink {
 public:
  void add(std::shared_ptr<event_sink> sink) { sinks_.push_back(std::move(sink)); }
  void server_message(log_level l, std::string_view t) override {
    for (auto& s : sinks_) s->server_message(l, t);
  }
  void session_opened(const session_info& i) override {
    for (auto& s : sinks_) s->session_opened(i);
  }
  void session_closed(const session_info& i, std::string_view r) override {
    for (auto& s : sinks_) s->session_closed(i, r);
  }
  void login(const session_info& i, std::string_view u, bool ok) override {
    for (auto& s : sinks_) s->login(i, u, ok);
  }
  void command(const session_info& i, std::string_view v, std::string_view a, int c) override {
    for (auto& s : sinks_) s->command(i, v, a, c);
  }
  void transfer(const session_info& i, const transfer_record& t) override {
    for (auto& s : sinks_) s->transfer(i, t);
  }
  void data_connection_failed(const session_info& i, std::string_view w) override {
    for (auto& s : sinks_) s->data_connection_failed(i, w);
  }

 private:
  std::vector<std::shared_ptr<event_sink>> sinks_;
};

// Discards everything (tests, and a server told to log nothing).
class null_sink final : public event_sink {
 public:
  void server_message(log_level, std::string_view) override {}
  void session_opened(const session_info&) override {}
  void session_closed(const session_info&, std::string_view) override {}
  void login(const session_info&, std::string_view, bool) override {}
  void command(const session_info&, std::string_view, std::string_view, int) override {}
  void transfer(const session_info&, const transfer_record&) override {}
  void data_connection_failed(const session_info&, std::string_view) override {}
};

}  // namespace portico::server
