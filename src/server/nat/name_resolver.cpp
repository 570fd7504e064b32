#include "server/nat/name_resolver.hpp"

#include <fmt/format.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "net/address.hpp"
#include "server/config/server_config.hpp"

namespace portico::server {

namespace {

using protocol::ip_address;

struct answer {
  std::optional<ip_address> v4;
  std::optional<ip_address> v6;
  std::string error;
};

// One blocking getaddrinfo; the first address of each family wins.
answer resolve(const std::string& name) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* list = nullptr;
  const int rc = ::getaddrinfo(name.c_str(), nullptr, &hints, &list);
  answer out;
  if (rc != 0) {
    out.error = ::gai_strerror(rc);
    return out;
  }
  for (addrinfo* i = list; i != nullptr; i = i->ai_next) {
    if (i->ai_family == AF_INET && !out.v4) {
      sockaddr_in sa{};
      std::memcpy(&sa, i->ai_addr, sizeof sa);
      std::array<std::uint8_t, 4> b{};
      std::memcpy(b.data(), &sa.sin_addr, 4);
      out.v4 = ip_address::v4(b);
    } else if (i->ai_family == AF_INET6 && !out.v6) {
      sockaddr_in6 sa{};
      std::memcpy(&sa, i->ai_addr, sizeof sa);
      std::array<std::uint8_t, 16> b{};
      std::memcpy(b.data(), &sa.sin6_addr, 16);
      out.v6 = ip_address::v6(b);
    }
  }
  ::freeaddrinfo(list);
  if (!out.v4 && !out.v6) out.error = "no IPv4 or IPv6 address";
  return out;
}

bool is_literal(const std::string& text) {
  return ip_address::parse(text).has_value();
}

}  // namespace

std::vector<std::string> passive_host_names(const passive_config& config) {
  std::vector<std::string> names;
  auto add = [&](const std::string& a) {
    if (!a.empty() && !is_literal(a) && std::find(names.begin(), names.end(), a) == names.end()) {
      names.push_back(a);
    }
  };
  add(config.public_address);
  for (const auto& o : config.overrides) add(o.address);
  return names;
}

name_resolver::name_resolver(std::vector<std::string> names, std::chrono::milliseconds refresh)
    : refresh_(refresh) {
  for (auto& n : names) entries_.emplace(std::move(n), entry{});
  refresh_now();
  thread_ = std::thread([this] { run(); });
}

name_resolver::~name_resolver() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::vector<std::string> name_resolver::names_snapshot() {
  std::lock_guard lock(mutex_);
  std::vector<std::string> names;
  for (const auto& [name, e] : entries_) names.push_back(name);
  return names;
}

void name_resolver::refresh_now() {
  for (const auto& name : names_snapshot()) {
    answer a = resolve(name);  // outside the lock: it may take seconds
    std::lock_guard lock(mutex_);
    auto& e = entries_[name];
    if (a.error.empty()) {
      e.v4 = a.v4;
      e.v6 = a.v6;
      e.error.clear();
    } else {
      e.error = a.error;  // keep the last good addresses
    }
  }
}

void name_resolver::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait_for(lock, refresh_, [this] { return stopping_ || pending_; });
    if (stopping_) return;
    pending_ = false;
    lock.unlock();
    refresh_now();
    lock.lock();
  }
}

expected<ip_address, std::string> name_resolver::lookup(const std::string& name,
                                                        ip_address::family family) {
  std::unique_lock lock(mutex_);
  auto it = entries_.find(name);
  if (it == entries_.end()) {
    entries_.emplace(name, entry{});
    pending_ = true;
    lock.unlock();
    wake_.notify_all();  // resolve it soon; this PASV has no answer yet
    return unexpected(fmt::format("{} is being resolved; try again in a moment", name));
  }
  const auto& e = it->second;
  const auto& found = family == ip_address::family::v4 ? e.v4 : e.v6;
  if (found) return *found;
  if (!e.error.empty()) return unexpected(fmt::format("{} does not resolve: {}", name, e.error));
  return unexpected(fmt::format("{} has no {} address", name,
                                family == ip_address::family::v4 ? "IPv4" : "IPv6"));
}

}  // namespace portico::server
