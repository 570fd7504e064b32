// A fixed set of single-threaded io_contexts, one thread each. A session lives
// on one context for its whole life, so its coroutines never run concurrently
// and need no strand; new sessions are spread round-robin.
#pragma once

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "net/asio.hpp"

namespace portico::net {

class io_pool {
 public:
  explicit io_pool(unsigned threads);
  ~io_pool();
  io_pool(const io_pool&) = delete;
  io_pool& operator=(const io_pool&) = delete;

  asio::io_context& next() noexcept;
  std::size_t size() const noexcept { return contexts_.size(); }
  asio::io_context& at(std::size_t i) noexcept { return *contexts_[i]; }

  void start();  // one thread per context
  void stop();   // stops every context (pending work is dropped)
  void join();

 private:
  using work_guard = asio::executor_work_guard<asio::io_context::executor_type>;
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<work_guard> guards_;
  std::vector<std::thread> threads_;
  std::atomic<std::size_t> next_{0};
};

}  // namespace portico::net
