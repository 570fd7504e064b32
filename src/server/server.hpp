// The listening server: binds the listeners, admits connections within the
// session limits, runs sessions on the I/O pool, drains on shutdown and
// reloads configuration for new sessions.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "net/asio.hpp"
#include "net/blocking_pool.hpp"
#include "net/io_pool.hpp"
#include "protocol/ip_address.hpp"
#include "server/accounts/authenticator.hpp"
#include "server/config/server_config.hpp"
#include "server/context.hpp"
#include "server/data/passive_ports.hpp"
#include "server/events/event_sink.hpp"
#include "server/nat/name_resolver.hpp"
#include "server/session_watch.hpp"

namespace portico::server {

using net::tcp;

class session;

class server {
 public:
  server(std::shared_ptr<const server_config> config, std::shared_ptr<const authenticator> auth,
         std::shared_ptr<event_sink> events, storage_factory open_storage);
  ~server();

  // Binds every listener. Throws std::runtime_error with a message that names
  // the address and the fix (privileged port, address in use).
  void bind();
  std::vector<tcp::endpoint> local_endpoints() const;

  void start();
  // Stops accepting; idle sessions get 421; transfers may finish within the
  // grace period; then everything is closed and the threads end. Blocks.
  void drain_and_stop();
  // New sessions use the new configuration and accounts; running ones keep
  // theirs. Listeners and passive ports stay as bound.
  void reload(std::shared_ptr<const server_config> config,
              std::shared_ptr<const authenticator> auth);

  std::size_t session_count() const;

  // Host names of the passive configuration (dynamic DNS), kept resolved.
  name_resolver& names() noexcept { return names_; }

 private:
  struct admission;
  net::awaitable<void> accept_loop(tcp::acceptor& acceptor);
  // Reads the PROXY header of a connection from a trusted load balancer,
  // admits the connection within the limits, and runs its session.
  net::awaitable<void> open_session(tcp::socket socket);
  session_watch& watch_for(const asio::any_io_executor& ex);
  void log_failure(const std::exception_ptr& e, std::string_view what);
  std::shared_ptr<void> admit(const protocol::ip_address& peer, std::string& refusal);
  void release(const protocol::ip_address& peer);

  mutable std::mutex mutex_;
  std::shared_ptr<const server_config> config_;
  std::shared_ptr<event_sink> events_;
  net::io_pool io_;
  net::blocking_pool blocking_;
  services services_;
  passive_port_pool ports_;
  name_resolver names_;
  std::vector<std::unique_ptr<session_watch>> watches_;  // one per I/O thread
  std::vector<std::unique_ptr<tcp::acceptor>> acceptors_;
  std::map<protocol::ip_address, std::size_t> per_address_;
  std::size_t sessions_ = 0;
  std::vector<std::weak_ptr<session>> live_;
  std::atomic<std::uint64_t> next_id_{1};
  std::atomic<bool> stopping_{false};
};

}  // namespace portico::server
