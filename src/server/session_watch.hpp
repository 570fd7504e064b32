// The login and idle deadlines of every session of one I/O thread, and the
// stall timeout of its running transfer, checked by one timer that ticks a
// few times a second. A timer per session would cost
// each idle session a pending timer operation (about half a kilobyte); this
// costs it one weak pointer. The deadlines are therefore kept to within a
// tick (limits::session_watch_tick).
#pragma once

#include <memory>
#include <vector>

#include "net/asio.hpp"

namespace portico::server {

class session;

class session_watch {
 public:
  explicit session_watch(asio::io_context& io);

  // Both only on the watch's own thread (its io_context).
  void add(std::weak_ptr<session> s);
  void start();

  asio::io_context& context() noexcept { return io_; }

 private:
  void arm();
  void tick();

  asio::io_context& io_;
  asio::steady_timer timer_;
  std::vector<std::weak_ptr<session>> sessions_;
};

}  // namespace portico::server
