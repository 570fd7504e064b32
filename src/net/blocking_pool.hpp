// Runs calls that may block (filesystem, crypt, name lookups) on a separate
// thread pool, so that no I/O thread ever stalls the other sessions it serves.
// The awaiting coroutine resumes on its own executor.
#pragma once

#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

#include "net/asio.hpp"

namespace portico::net {

class blocking_pool {
 public:
  explicit blocking_pool(unsigned threads) : pool_(threads == 0 ? 1 : threads) {}
  ~blocking_pool() { pool_.join(); }

  // `fn` must capture by reference (or only trivially copyable values): GCC
  // 12 miscompiles non-trivial temporaries in a co_await expression (the
  // captured strings of a lambda were freed twice), and the awaiting
  // coroutine's locals outlive the call anyway.
  template <class F>
  awaitable<std::invoke_result_t<F>> run(F fn) {
    static_assert(std::is_trivially_copyable_v<F>,
                  "capture by reference: see the comment on blocking_pool::run");
    using R = std::invoke_result_t<F>;
    if constexpr (std::is_void_v<R>) {
      co_await initiate<void>(std::move(fn));
    } else {
      std::optional<R> out = co_await initiate<R>(std::move(fn));
      co_return std::move(*out);
    }
  }

  void stop() { pool_.stop(); }

 private:
  // A plain completion handler rather than a coroutine lambda: the function
  // runs on the pool, and its result is dispatched back to the awaiting
  // coroutine's executor (kept alive by the work guard meanwhile).
  template <class R, class F>
  auto initiate(F fn) {
    using signature = std::conditional_t<std::is_void_v<R>, void(std::exception_ptr),
                                         void(std::exception_ptr, std::optional<R>)>;
    return asio::async_initiate<const asio::use_awaitable_t<>, signature>(
        [this](auto handler, F f) {
          auto work = asio::make_work_guard(handler);
          asio::post(
              pool_, [h = std::move(handler), f = std::move(f), work = std::move(work)]() mutable {
                std::exception_ptr error;
                if constexpr (std::is_void_v<R>) {
                  try {
                    f();
                  } catch (...) {
                    error = std::current_exception();
                  }
                  auto ex = work.get_executor();
                  asio::dispatch(ex, [h = std::move(h), error]() mutable { std::move(h)(error); });
                } else {
                  std::optional<R> out;
                  try {
                    out.emplace(f());
                  } catch (...) {
                    error = std::current_exception();
                  }
                  auto ex = work.get_executor();
                  asio::dispatch(ex, [h = std::move(h), error, out = std::move(out)]() mutable {
                    std::move(h)(error, std::move(out));
                  });
                }
              });
        },
        asio::use_awaitable, std::move(fn));
  }

  asio::thread_pool pool_;
};

}  // namespace portico::net
