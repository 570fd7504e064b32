// Runs calls that may block (filesystem, crypt, name lookups) on a separate
// thread pool, so that no I/O thread ever stalls the other sessions it serves.
// The awaiting coroutine resumes on its own executor.
#pragma once

#include <type_traits>
#include <utility>

#include "net/asio.hpp"

namespace portico::net {

class blocking_pool {
 public:
  explicit blocking_pool(unsigned threads) : pool_(threads == 0 ? 1 : threads) {}
  ~blocking_pool() { pool_.join(); }

  template <class F>
  awaitable<std::invoke_result_t<F>> run(F fn) {
    using R = std::invoke_result_t<F>;
    // co_spawn delivers the result through the caller's completion handler,
    // which Asio dispatches on the caller's executor.
    co_return co_await asio::co_spawn(
        pool_.get_executor(),
        [f = std::move(fn)]() mutable -> awaitable<R> { co_return f(); }, asio::use_awaitable);
  }

  void stop() { pool_.stop(); }

 private:
  asio::thread_pool pool_;
};

}  // namespace portico::net
