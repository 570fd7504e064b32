// A one-shot, single-threaded event for coroutines on one io_context: wait()
// suspends until set() is called (or returns at once if it was). Used to let
// ABOR and QUIT wait for a running transfer to finish.
#pragma once

#include <chrono>

#include "net/asio.hpp"

namespace portico::net {

class event {
 public:
  explicit event(asio::any_io_executor ex) : timer_(ex, asio::steady_timer::time_point::max()) {}

  void set() {
    set_ = true;
    timer_.cancel();
  }
  bool is_set() const noexcept { return set_; }

  awaitable<void> wait() {
    while (!set_) {
      auto [ec] = co_await timer_.async_wait(use_tuple);
      (void)ec;  // cancelled by set(), or by the session closing
      if (!set_ && ec == asio::error::operation_aborted) co_return;
    }
  }

 private:
  asio::steady_timer timer_;
  bool set_ = false;
};

}  // namespace portico::net
