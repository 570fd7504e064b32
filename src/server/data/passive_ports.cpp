#include "server/data/passive_ports.hpp"

#include <fmt/format.h>
#include <sys/random.h>

#include <unistd.h>

#include <array>
#include <numeric>

#include "net/address.hpp"
#include "protocol/limits.hpp"
#include "server/nat/proxy_handshake.hpp"

namespace portico::server {

namespace {

// Kernel randomness, fetched a page at a time per thread: two values per
// PASV would otherwise cost two getrandom calls each (one in 512 does now).
std::uint32_t random_u32() {
  constexpr std::size_t count = 1024;
  thread_local std::array<std::uint32_t, count> pool{};
  thread_local std::size_t next = count;
  if (next == count) {
    // getrandom never blocks once the kernel's pool is initialised, which it
    // is long before a server takes connections.
    if (::getrandom(pool.data(), sizeof pool, 0) != static_cast<ssize_t>(sizeof pool)) {
      return 0x9e3779b9u;
    }
    next = 0;
  }
  return pool[next++];
}

// Every port of [min, max] once, from a random start with a random stride
// coprime to the span: an order another client cannot predict.
class random_walk {
 public:
  random_walk(std::uint16_t min, std::uint16_t max)
      : min_(min), span_(static_cast<std::uint32_t>(max - min) + 1) {
    start_ = random_u32() % span_;
    stride_ = (random_u32() % span_) | 1u;
    while (span_ > 1 && std::gcd(stride_, span_) != 1) stride_ += 2;
  }
  std::uint32_t size() const noexcept { return span_; }
  std::uint16_t operator[](std::uint32_t i) const noexcept {
    return static_cast<std::uint16_t>(min_ +
                                      (start_ + static_cast<std::uint64_t>(i) * stride_) % span_);
  }

 private:
  std::uint16_t min_;
  std::uint32_t span_;
  std::uint32_t start_ = 0;
  std::uint32_t stride_ = 1;
};

}  // namespace

// One listener on a shared port, and the sessions waiting on it by client
// address (guarded by the pool's mutex).
struct shared_port : std::enable_shared_from_this<shared_port> {
  shared_port(tcp::acceptor a, asio::ip::address l, std::uint16_t p)
      : acceptor(std::move(a)), local(std::move(l)), port(p) {}
  tcp::acceptor acceptor;
  asio::ip::address local;
  std::uint16_t port;
  std::map<protocol::ip_address, std::shared_ptr<passive_waiter>> waiters;

  static net::awaitable<void> accept_loop(std::shared_ptr<shared_port> self,
                                          passive_port_pool* pool);
  static net::awaitable<void> identify(std::shared_ptr<shared_port> self, passive_port_pool* pool,
                                       tcp::socket socket);
};

net::awaitable<void> shared_port::accept_loop(std::shared_ptr<shared_port> self,
                                              passive_port_pool* pool) {
  for (;;) {
    auto [ec, socket] = co_await self->acceptor.async_accept(net::use_tuple);
    if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) co_return;
    if (ec) {
      // Out of descriptors and the like: back off instead of spinning.
      asio::steady_timer pause(self->acceptor.get_executor(), std::chrono::milliseconds(50));
      co_await pause.async_wait(net::use_tuple);
      continue;
    }
    auto ex = self->acceptor.get_executor();
    asio::co_spawn(ex, identify(self, pool, std::move(socket)), asio::detached);
  }
}

// Who the connection is from: its source address, or the client address of
// its PROXY header when it comes from a trusted load balancer.
net::awaitable<void> shared_port::identify(std::shared_ptr<shared_port> self,
                                           passive_port_pool* pool, tcp::socket socket) {
  std::error_code ec;
  const auto peer = socket.remote_endpoint(ec);
  if (ec) co_return;
  protocol::ip_address source = net::from_asio(peer.address()).unmapped();
  if (is_trusted_proxy(pool->trusted_proxies(), source)) {
    const auto deadline = std::chrono::steady_clock::now() + limits::proxy_header_timeout;
    auto header = co_await read_proxy_header(socket, deadline);
    if (!header) {
      pool->events_.server_message(
          log_level::warn, fmt::format("passive port {}: dropped a connection from proxy {}: {}",
                                       self->port, source.to_string(), header.error()));
      co_return;
    }
    if (header->what == protocol::proxy_header::kind::proxied) {
      source = header->source.address.unmapped();
    }
  }
  pool->deliver(self, std::move(socket), source);
}

passive_lease::passive_lease(passive_port_pool& pool, std::shared_ptr<shared_port> shared,
                             std::shared_ptr<passive_waiter> waiter, protocol::ip_address client,
                             std::uint16_t port)
    : pool_(&pool),
      acceptor_(waiter->wake.get_executor()),
      shared_(std::move(shared)),
      waiter_(std::move(waiter)),
      client_(client),
      port_(port) {}

passive_lease::passive_lease(passive_lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      acceptor_(std::move(other.acceptor_)),
      shared_(std::move(other.shared_)),
      waiter_(std::move(other.waiter_)),
      client_(other.client_),
      port_(other.port_) {}

passive_lease& passive_lease::operator=(passive_lease&& other) noexcept {
  if (this != &other) {
    release();
    pool_ = std::exchange(other.pool_, nullptr);
    acceptor_ = std::move(other.acceptor_);
    shared_ = std::move(other.shared_);
    waiter_ = std::move(other.waiter_);
    client_ = other.client_;
    port_ = other.port_;
  }
  return *this;
}

passive_lease::~passive_lease() {
  release();
}

void passive_lease::release() noexcept {
  std::error_code ignored;
  acceptor_.close(ignored);
  auto* pool = std::exchange(pool_, nullptr);
  if (pool == nullptr) return;
  if (shared_) {
    waiter_->closed = true;
    if (waiter_->delivered) waiter_->delivered->close(ignored);
    pool->leave(shared_, client_, waiter_.get());
    shared_.reset();
    waiter_.reset();
  } else {
    pool->release(port_);
  }
}

passive_port_pool::passive_port_pool(passive_pool_options options, event_sink& events)
    : options_(std::move(options)),
      events_(events),
      reserved_(static_cast<std::size_t>(options_.max_port - options_.min_port) + 1) {}

passive_port_pool::~passive_port_pool() = default;

std::size_t passive_port_pool::in_use() const {
  std::lock_guard lock(mutex_);
  return reserved_count_ + shared_.size();
}

bool passive_port_pool::try_reserve(std::uint16_t port) {
  std::lock_guard lock(mutex_);
  const std::size_t index = port - options_.min_port;
  if (reserved_[index]) return false;
  reserved_[index] = true;
  ++reserved_count_;
  return true;
}

void passive_port_pool::release(std::uint16_t port) noexcept {
  std::lock_guard lock(mutex_);
  const std::size_t index = port - options_.min_port;
  if (reserved_[index]) {
    reserved_[index] = false;
    --reserved_count_;
  }
}

void passive_port_pool::leave(const std::shared_ptr<shared_port>& port,
                              const protocol::ip_address& client,
                              const passive_waiter* waiter) noexcept {
  std::lock_guard lock(mutex_);
  auto it = port->waiters.find(client);
  if (it != port->waiters.end() && it->second.get() == waiter) port->waiters.erase(it);
  if (!port->waiters.empty()) return;
  auto slot = shared_.find(port->port);
  if (slot != shared_.end() && slot->second == port) shared_.erase(slot);
  // The acceptor belongs to its own executor; close it there. Until then the
  // port stays bound, and open() simply skips it.
  asio::post(port->acceptor.get_executor(), [port] {
    std::error_code ignored;
    port->acceptor.close(ignored);
  });
}

void passive_port_pool::deliver(const std::shared_ptr<shared_port>& port, tcp::socket socket,
                                const protocol::ip_address& source) {
  std::shared_ptr<passive_waiter> waiter;
  {
    std::lock_guard lock(mutex_);
    auto it = port->waiters.find(source);
    if (it != port->waiters.end()) {
      waiter = std::move(it->second);
      // Delivered once: the port is free for this address again.
      port->waiters.erase(it);
    }
  }
  std::error_code ec;
  if (!waiter) {
    // SECURITY: nobody from this address waits here (RFC 2577 §8, port
    // stealing): close it; the sessions waiting for other addresses go on.
    events_.server_message(
        log_level::warn,
        fmt::format("passive port {}: rejected a data connection from {}: no session of that "
                    "address waits on this port (possible port stealing)",
                    port->port, source.to_string()));
    socket.close(ec);
    return;
  }
  // Move the connection to the waiting session's executor.
  const auto protocol = socket.local_endpoint(ec).protocol();
  const int fd = socket.release(ec);
  if (ec) return;
  auto ex = waiter->wake.get_executor();
  asio::post(ex, [waiter, fd, protocol] {
    if (waiter->closed || waiter->delivered) {
      ::close(fd);
      return;
    }
    waiter->delivered.emplace(waiter->wake.get_executor(), protocol, fd);
    waiter->wake.cancel();
  });
}

expected<tcp::acceptor, std::error_code> passive_port_pool::listen_on(
    const asio::any_io_executor& ex, const asio::ip::address& local, std::uint16_t port,
    int backlog) {
  tcp::acceptor acceptor(ex);
  std::error_code ec;
  const tcp::endpoint ep(local, port);
  acceptor.open(ep.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec && local.is_v6()) acceptor.set_option(asio::ip::v6_only(true), ec);
  if (!ec) acceptor.bind(ep, ec);
  if (!ec) acceptor.listen(backlog, ec);
  if (ec) return unexpected(ec);
  return acceptor;
}

std::string passive_port_pool::exhausted_message() const {
  const std::uint32_t span = static_cast<std::uint32_t>(options_.max_port - options_.min_port) + 1;
  if (options_.share) {
    return fmt::format(
        "All {} passive ports ({}-{}) are in use by transfers of your address; try again "
        "shortly, or ask the administrator to widen --passive-ports.",
        span, options_.min_port, options_.max_port);
  }
  return fmt::format(
      "All {} passive ports ({}-{}) are in use; try again shortly, or ask the administrator to "
      "widen --passive-ports or turn on --share-passive-ports.",
      span, options_.min_port, options_.max_port);
}

expected<passive_lease, std::string> passive_port_pool::open(const asio::any_io_executor& ex,
                                                             const asio::ip::address& local,
                                                             const protocol::ip_address& client) {
  if (options_.share) return open_shared(ex, local, client);
  const random_walk walk(options_.min_port, options_.max_port);
  for (std::uint32_t i = 0; i < walk.size(); ++i) {
    const std::uint16_t port = walk[i];
    if (!try_reserve(port)) continue;
    // A short backlog: one real client is expected, plus the odd thief that the
    // session rejects before accepting again.
    auto acceptor = listen_on(ex, local, port, 4);
    if (acceptor) return passive_lease(*this, std::move(*acceptor), port);
    release(port);
    if (acceptor.error() != asio::error::address_in_use) {
      // Not a busy port: no use trying others.
      return unexpected(fmt::format("Cannot open a passive listener on {}: {}.", local.to_string(),
                                    acceptor.error().message()));
    }
  }
  return unexpected(exhausted_message());
}

expected<passive_lease, std::string> passive_port_pool::open_shared(
    const asio::any_io_executor& ex, const asio::ip::address& local,
    const protocol::ip_address& client) {
  const protocol::ip_address who = client.unmapped();
  const random_walk walk(options_.min_port, options_.max_port);
  std::lock_guard lock(mutex_);
  // First a port nobody uses, so that sharing only happens when it must.
  for (std::uint32_t i = 0; i < walk.size(); ++i) {
    const std::uint16_t port = walk[i];
    if (shared_.count(port) != 0) continue;
    auto acceptor = listen_on(ex, local, port, asio::socket_base::max_listen_connections);
    if (!acceptor) {
      if (acceptor.error() == asio::error::address_in_use) continue;
      return unexpected(fmt::format("Cannot open a passive listener on {}: {}.", local.to_string(),
                                    acceptor.error().message()));
    }
    auto sp = std::make_shared<shared_port>(std::move(*acceptor), local, port);
    auto waiter = std::make_shared<passive_waiter>(ex);
    sp->waiters.emplace(who, waiter);
    shared_.emplace(port, sp);
    asio::co_spawn(ex, shared_port::accept_loop(sp, this), asio::detached);
    return passive_lease(*this, std::move(sp), std::move(waiter), who, port);
  }
  // Then a port where only other addresses wait.
  for (std::uint32_t i = 0; i < walk.size(); ++i) {
    const std::uint16_t port = walk[i];
    auto it = shared_.find(port);
    if (it == shared_.end() || it->second->local != local) continue;
    auto& sp = it->second;
    if (sp->waiters.count(who) != 0) continue;
    auto waiter = std::make_shared<passive_waiter>(ex);
    sp->waiters.emplace(who, waiter);
    return passive_lease(*this, sp, std::move(waiter), who, port);
  }
  return unexpected(exhausted_message());
}

}  // namespace portico::server
