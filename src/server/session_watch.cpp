#include "server/session_watch.hpp"

#include <algorithm>

#include "protocol/limits.hpp"
#include "server/session.hpp"

namespace portico::server {

session_watch::session_watch(asio::io_context& io) : io_(io), timer_(io) {}

void session_watch::add(std::weak_ptr<session> s) {
  sessions_.push_back(std::move(s));
}

void session_watch::start() {
  asio::post(io_, [this] { arm(); });
}

void session_watch::arm() {
  timer_.expires_after(limits::session_watch_tick);
  timer_.async_wait([this](const std::error_code& ec) {
    if (ec) return;  // the io_context is stopping
    tick();
    arm();
  });
}

void session_watch::tick() {
  const auto now = std::chrono::steady_clock::now();
  std::erase_if(sessions_, [&](const std::weak_ptr<session>& w) {
    auto s = w.lock();
    if (!s) return true;
    return !s->check_deadline(now);
  });
}

}  // namespace portico::server
