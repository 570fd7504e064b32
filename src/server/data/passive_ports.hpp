// The passive port range, shared by every session of a server. Each PASV/EPSV
// takes a random free port of the range (unpredictable, and never one that
// another session is waiting on); the port is released as soon as its
// listener closes. When the range is exhausted the caller gets a clear error,
// never a silent fallback to a port outside the range that a firewall would
// block.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "net/asio.hpp"
#include "protocol/expected.hpp"

namespace portico::server {

using net::tcp;

class passive_port_pool;

// A listening socket on a port of the range; gives the port back when it goes.
class passive_lease {
 public:
  passive_lease(passive_port_pool& pool, tcp::acceptor acceptor, std::uint16_t port)
      : pool_(&pool), acceptor_(std::move(acceptor)), port_(port) {}
  passive_lease(passive_lease&& other) noexcept;
  passive_lease& operator=(passive_lease&& other) noexcept;
  passive_lease(const passive_lease&) = delete;
  passive_lease& operator=(const passive_lease&) = delete;
  ~passive_lease();

  tcp::acceptor& acceptor() noexcept { return acceptor_; }
  std::uint16_t port() const noexcept { return port_; }

 private:
  void release() noexcept;
  passive_port_pool* pool_;
  tcp::acceptor acceptor_;
  std::uint16_t port_;
};

class passive_port_pool {
 public:
  passive_port_pool(std::uint16_t min_port, std::uint16_t max_port);

  // Binds a listener on `local` with a free port of the range, on `ex`.
  expected<passive_lease, std::string> open(const asio::any_io_executor& ex,
                                            const asio::ip::address& local);

  std::uint16_t min_port() const noexcept { return min_; }
  std::uint16_t max_port() const noexcept { return max_; }
  std::size_t in_use() const;

 private:
  friend class passive_lease;
  void release(std::uint16_t port) noexcept;
  bool try_reserve(std::uint16_t port);

  std::uint16_t min_;
  std::uint16_t max_;
  mutable std::mutex mutex_;
  std::vector<bool> reserved_;  // indexed by port - min_
  std::size_t reserved_count_ = 0;
};

}  // namespace portico::server
