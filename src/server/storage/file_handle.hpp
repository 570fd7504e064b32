// An owned file descriptor: closed when the handle goes away. Transfers use
// the descriptor directly (sendfile, pread, write), so storage backends hand
// out real descriptors, memfds included.
#pragma once

#include <unistd.h>

#include <utility>

namespace portico::server {

class file_handle {
 public:
  file_handle() = default;
  explicit file_handle(int fd) noexcept : fd_(fd) {}
  file_handle(file_handle&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  file_handle& operator=(file_handle&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  file_handle(const file_handle&) = delete;
  file_handle& operator=(const file_handle&) = delete;
  ~file_handle() { reset(); }

  int get() const noexcept { return fd_; }
  bool valid() const noexcept { return fd_ >= 0; }
  explicit operator bool() const noexcept { return valid(); }
  int release() noexcept { return std::exchange(fd_, -1); }

  // Closes now and reports close(2)'s result: for written files a failed
  // close can be the first sign of a lost write (NFS, quota), so uploads check
  // it before replying 226.
  int close() noexcept {
    if (fd_ < 0) return 0;
    return ::close(std::exchange(fd_, -1));
  }
  void reset() noexcept {
    if (fd_ >= 0) ::close(std::exchange(fd_, -1));
  }

 private:
  int fd_ = -1;
};

}  // namespace portico::server
