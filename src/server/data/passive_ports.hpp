// The passive port range, shared by every session of a server. Each PASV/EPSV
// takes a random free port of the range (unpredictable, and never one that
// another session is waiting on); the port is released as soon as its
// listener closes. When the range is exhausted the caller gets a clear error,
// never a silent fallback to a port outside the range that a firewall would
// block.
//
// With sharing on (passive.share_ports), sessions of *different* client
// addresses may wait on the same port: one listener accepts for all of them
// and hands each connection to the session waiting for its source address, so
// a firewall that opens a handful of ports still serves many transfers. A
// free port is still preferred. Two sessions of one address never share a
// port (their connections could not be told apart).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "net/asio.hpp"
#include "protocol/address_class.hpp"
#include "protocol/expected.hpp"
#include "protocol/ip_address.hpp"
#include "server/events/event_sink.hpp"

namespace portico::server {

using net::tcp;

class passive_port_pool;
struct shared_port;

// Where a shared port's listener delivers the connection of one waiting
// session. Touched only on that session's executor.
struct passive_waiter {
  explicit passive_waiter(const asio::any_io_executor& ex) : wake(ex) {}
  asio::steady_timer wake;  // cancelled when a connection is delivered
  std::optional<tcp::socket> delivered;
  bool closed = false;  // the session no longer waits: close what arrives
};

// A port of the range held for one session: its own listening socket, or its
// place on a shared port. Gives the port back when it goes.
class passive_lease {
 public:
  passive_lease(passive_port_pool& pool, tcp::acceptor acceptor, std::uint16_t port)
      : pool_(&pool), acceptor_(std::move(acceptor)), port_(port) {}
  passive_lease(passive_port_pool& pool, std::shared_ptr<shared_port> shared,
                std::shared_ptr<passive_waiter> waiter, protocol::ip_address client,
                std::uint16_t port);
  passive_lease(passive_lease&& other) noexcept;
  passive_lease& operator=(passive_lease&& other) noexcept;
  passive_lease(const passive_lease&) = delete;
  passive_lease& operator=(const passive_lease&) = delete;
  ~passive_lease();

  std::uint16_t port() const noexcept { return port_; }
  bool shared() const noexcept { return waiter_ != nullptr; }
  tcp::acceptor& acceptor() noexcept { return acceptor_; }  // not shared()
  passive_waiter& waiter() noexcept { return *waiter_; }    // shared()

 private:
  void release() noexcept;
  passive_port_pool* pool_;
  tcp::acceptor acceptor_;
  std::shared_ptr<shared_port> shared_;
  std::shared_ptr<passive_waiter> waiter_;
  protocol::ip_address client_;
  std::uint16_t port_;
};

struct passive_pool_options {
  std::uint16_t min_port = 0;
  std::uint16_t max_port = 0;
  bool share = false;
  std::vector<protocol::cidr> trusted_proxies;  // may send PROXY headers on data ports
};

class passive_port_pool {
 public:
  passive_port_pool(passive_pool_options options, event_sink& events);
  ~passive_port_pool();

  // A port for `client`'s next data connection, listening on `local`, on `ex`.
  expected<passive_lease, std::string> open(const asio::any_io_executor& ex,
                                            const asio::ip::address& local,
                                            const protocol::ip_address& client);

  std::uint16_t min_port() const noexcept { return options_.min_port; }
  std::uint16_t max_port() const noexcept { return options_.max_port; }
  bool sharing() const noexcept { return options_.share; }
  const std::vector<protocol::cidr>& trusted_proxies() const noexcept {
    return options_.trusted_proxies;
  }
  // Ports with a listener (exclusive or shared).
  std::size_t in_use() const;

 private:
  friend class passive_lease;
  friend struct shared_port;
  void release(std::uint16_t port) noexcept;
  void leave(const std::shared_ptr<shared_port>& port, const protocol::ip_address& client,
             const passive_waiter* waiter) noexcept;
  bool try_reserve(std::uint16_t port);
  expected<tcp::acceptor, std::error_code> listen_on(const asio::any_io_executor& ex,
                                                     const asio::ip::address& local,
                                                     std::uint16_t port, int backlog);
  expected<passive_lease, std::string> open_shared(const asio::any_io_executor& ex,
                                                   const asio::ip::address& local,
                                                   const protocol::ip_address& client);
  // Hands an accepted connection on a shared port to the session waiting for
  // `source`; closes it when nobody is.
  void deliver(const std::shared_ptr<shared_port>& port, tcp::socket socket,
               const protocol::ip_address& source);
  std::string exhausted_message() const;

  passive_pool_options options_;
  event_sink& events_;
  mutable std::mutex mutex_;
  std::vector<bool> reserved_;  // exclusive mode, indexed by port - min_port
  std::size_t reserved_count_ = 0;
  std::map<std::uint16_t, std::shared_ptr<shared_port>> shared_;  // shared mode
};

}  // namespace portico::server
