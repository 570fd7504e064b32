#include "server/data/passive_ports.hpp"

#include <fmt/format.h>
#include <sys/random.h>

#include <numeric>

namespace portico::server {

namespace {

std::uint32_t random_u32() {
  std::uint32_t value = 0;
  // getrandom never blocks once the kernel's pool is initialised, which it is
  // long before a server takes connections.
  if (::getrandom(&value, sizeof value, 0) != sizeof value) value = 0x9e3779b9u;
  return value;
}

}  // namespace

passive_lease::passive_lease(passive_lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      acceptor_(std::move(other.acceptor_)),
      port_(other.port_) {}

passive_lease& passive_lease::operator=(passive_lease&& other) noexcept {
  if (this != &other) {
    release();
    pool_ = std::exchange(other.pool_, nullptr);
    acceptor_ = std::move(other.acceptor_);
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
  if (pool_ != nullptr) std::exchange(pool_, nullptr)->release(port_);
}

passive_port_pool::passive_port_pool(std::uint16_t min_port, std::uint16_t max_port)
    : min_(min_port),
      max_(max_port),
      reserved_(static_cast<std::size_t>(max_port - min_port) + 1) {}

std::size_t passive_port_pool::in_use() const {
  std::lock_guard lock(mutex_);
  return reserved_count_;
}

bool passive_port_pool::try_reserve(std::uint16_t port) {
  std::lock_guard lock(mutex_);
  const std::size_t index = port - min_;
  if (reserved_[index]) return false;
  reserved_[index] = true;
  ++reserved_count_;
  return true;
}

void passive_port_pool::release(std::uint16_t port) noexcept {
  std::lock_guard lock(mutex_);
  const std::size_t index = port - min_;
  if (reserved_[index]) {
    reserved_[index] = false;
    --reserved_count_;
  }
}

expected<passive_lease, std::string> passive_port_pool::open(const asio::any_io_executor& ex,
                                                             const asio::ip::address& local) {
  const std::uint32_t span = static_cast<std::uint32_t>(max_ - min_) + 1;
  // Start at a random port and walk with a random odd stride: every port of
  // the range is visited once, in an order another client cannot predict.
  const std::uint32_t start = random_u32() % span;
  std::uint32_t stride = (random_u32() % span) | 1u;
  while (span > 1 && std::gcd(stride, span) != 1) stride += 2;
  std::error_code last_error;
  for (std::uint32_t i = 0; i < span; ++i) {
    const auto port =
        static_cast<std::uint16_t>(min_ + (start + static_cast<std::uint64_t>(i) * stride) % span);
    if (!try_reserve(port)) continue;
    tcp::acceptor acceptor(ex);
    std::error_code ec;
    const tcp::endpoint ep(local, port);
    acceptor.open(ep.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec && local.is_v6()) acceptor.set_option(asio::ip::v6_only(true), ec);
    if (!ec) acceptor.bind(ep, ec);
    // A short backlog: one real client is expected, plus the odd thief that the
    // session rejects before accepting again.
    if (!ec) acceptor.listen(4, ec);
    if (!ec) return passive_lease(*this, std::move(acceptor), port);
    release(port);
    last_error = ec;
    if (ec != asio::error::address_in_use) break;  // not a busy port: no use trying others
  }
  if (last_error && last_error != asio::error::address_in_use) {
    return unexpected(fmt::format("Cannot open a passive listener on {}: {}.", local.to_string(),
                                  last_error.message()));
  }
  return unexpected(fmt::format(
      "All {} passive ports ({}-{}) are in use; try again shortly, or ask the administrator to "
      "widen --passive-ports.",
      span, min_, max_));
}

}  // namespace portico::server
