#include "server/data/transfer.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <algorithm>
#include <asio/experimental/awaitable_operators.hpp>
#include <cerrno>
#include <span>
#include <vector>

#include "protocol/ascii.hpp"
#include "protocol/limits.hpp"
#include "protocol/reply_code.hpp"
#include "server/data/page_cache.hpp"
#include "server/handlers/common.hpp"

namespace portico::server {

using namespace asio::experimental::awaitable_operators;
namespace code = protocol::code;
using net::tcp;

namespace {

// How a transfer step failed: on the network side or the file side.
struct failure {
  enum class side { network, file } where = side::network;
  std::error_code ec;
  std::string detail;
};
using step = expected<void, failure>;

failure network_failure(std::error_code ec) {
  return {failure::side::network, ec, ec.message()};
}
failure file_failure(std::error_code ec) {
  return {failure::side::file, ec, ec.message()};
}

// Readahead granularity for sendfile: pages missing from the cache are
// brought in on the blocking pool, so that sendfile on the I/O thread never
// waits for the disk. Cached ranges (the common case) skip that hop.
constexpr std::uint64_t readahead_chunk = 8u << 20;
// Bytes per sendfile call, and per turn of the reactor. The loop yields
// after each turn's worth: on a fast network the socket may never fill, and
// without the yield one download would hold its I/O thread (and every
// session on it) until the end. A turn costs one epoll_wait(..., 0) of
// Asio's scheduler: yielding every 1 MiB instead of every 64 KiB call
// measured 1.5-3.4 GiB/s at 0.28-0.66 CPU s/GiB against 1.1-1.7 at
// 0.59-0.89 (16 A/B pairs, docs/PERFORMANCE.md); 256 KiB calls were no
// better than 64 KiB ones.
constexpr std::size_t sendfile_chunk = 64u << 10;
constexpr std::uint64_t sendfile_turn = 1u << 20;

net::awaitable<step> send_with_sendfile(transfer_request& req, net::stream& data,
                                        transfer_env& env) {
  auto& socket = data.socket();
  std::error_code nb;
  socket.non_blocking(true, nb);  // fails once the stream is closed (ABOR, stall)
  if (nb) co_return unexpected(network_failure(nb));
  const int out_fd = socket.native_handle();
  const int in_fd = req.file.get();
  off_t offset = static_cast<off_t>(req.offset);
  std::uint64_t remaining = req.size;
  std::uint64_t since_yield = 0;
  while (remaining > 0) {
    const std::uint64_t chunk = std::min(remaining, readahead_chunk);
    if (!in_page_cache(in_fd, static_cast<std::uint64_t>(offset), chunk)) {
      co_await env.blocking.run([in_fd, offset, chunk] {
        read_into_page_cache(in_fd, static_cast<std::uint64_t>(offset), chunk);
      });
    }
    std::uint64_t chunk_left = chunk;
    while (chunk_left > 0) {
      const ssize_t n =
          ::sendfile(out_fd, in_fd, &offset,
                     static_cast<std::size_t>(std::min<std::uint64_t>(chunk_left, sendfile_chunk)));
      if (n > 0) {
        const auto sent = static_cast<std::uint64_t>(n);
        chunk_left -= sent;
        remaining -= sent;
        env.progress.bytes += sent;
        // Let others run after a turn's worth, unless the file is done.
        since_yield += sent;
        if (remaining > 0 && since_yield >= sendfile_turn) {
          since_yield = 0;
          co_await asio::post(socket.get_executor(), asio::use_awaitable);
        }
        continue;
      }
      if (n == 0) {
        co_return unexpected(failure{failure::side::file, make_error_code(std::errc::io_error),
                                     "the file became shorter during the transfer"});
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        auto [ec] = co_await socket.async_wait(tcp::socket::wait_write, net::use_tuple);
        if (ec) co_return unexpected(network_failure(ec));
        continue;
      }
      const int err = errno;
      const auto ec = std::error_code(err, std::generic_category());
      // EPIPE and ECONNRESET: the client went away. Anything else with the
      // input side (EIO) is the file's fault.
      if (err == EPIPE || err == ECONNRESET || err == ENOTCONN || err == EBADF) {
        co_return unexpected(network_failure(ec));
      }
      co_return unexpected(file_failure(ec));
    }
  }
  co_return step{};
}

net::awaitable<step> send_with_reads(transfer_request& req, net::stream& data, transfer_env& env) {
  std::vector<char> buffer(req.ascii ? limits::ascii_buffer_size : limits::transfer_buffer_size);
  protocol::ascii_encoder encoder;
  std::string converted;
  const int fd = req.file.get();
  auto offset = static_cast<off_t>(req.offset);
  std::uint64_t remaining = req.size;
  while (remaining > 0) {
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(remaining, buffer.size()));
    const ssize_t n = co_await env.blocking.run(
        [fd, &buffer, want, offset] { return ::pread(fd, buffer.data(), want, offset); });
    if (n < 0) co_return unexpected(file_failure({errno, std::generic_category()}));
    if (n == 0) {
      co_return unexpected(failure{failure::side::file, make_error_code(std::errc::io_error),
                                   "the file became shorter during the transfer"});
    }
    const auto got = static_cast<std::size_t>(n);
    offset += n;
    remaining -= got;
    std::span<const char> out(buffer.data(), got);
    if (req.ascii) {
      converted.clear();
      encoder.encode({buffer.data(), got}, converted);
      out = {converted.data(), converted.size()};
    }
    auto written = co_await data.write_all(out);
    if (!written) co_return unexpected(network_failure(written.error()));
    env.progress.bytes += got;
  }
  co_return step{};
}

net::awaitable<step> send_bytes(transfer_request& req, net::stream& data, transfer_env& env) {
  auto written = co_await data.write_all({req.bytes.data(), req.bytes.size()});
  if (!written) co_return unexpected(network_failure(written.error()));
  env.progress.bytes += req.bytes.size();
  co_return step{};
}

net::awaitable<step> write_to_file(transfer_env& env, int fd, std::span<const char> bytes) {
  const int err = co_await env.blocking.run([fd, bytes]() -> int {
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        return errno;
      }
      done += static_cast<std::size_t>(n);
    }
    return 0;
  });
  if (err != 0) co_return unexpected(file_failure(storage_error_from_errno(err)));
  co_return step{};
}

// One block of an upload, read from the data connection.
struct filled_block {
  std::size_t size = 0;
  bool at_end = false;  // the client closed: this is the last block
};

// Reads until `block` is full or the client closes, so that each hop to the
// pool writes a large block.
net::awaitable<expected<filled_block, failure>> fill_block(net::stream& data, std::span<char> block,
                                                           transfer_progress& progress) {
  filled_block out;
  while (out.size < block.size()) {
    auto n = co_await data.read_some(block.subspan(out.size));
    if (!n) {
      if (n.error() == asio::error::eof) {
        out.at_end = true;
        break;
      }
      co_return unexpected(network_failure(n.error()));
    }
    out.size += *n;
    progress.bytes += *n;
  }
  co_return out;
}

// Two blocks: while the pool writes one to the file, the I/O thread reads the
// next from the socket, so the client is never stopped by a write. For TYPE A
// and (later) TLS, where the bytes must pass through user space.
net::awaitable<step> receive_with_buffers(transfer_request& req, net::stream& data,
                                          transfer_env& env) {
  std::vector<char> blocks[2] = {std::vector<char>(limits::upload_block_size),
                                 std::vector<char>(limits::upload_block_size)};
  protocol::ascii_decoder decoder;
  std::string converted[2];
  const int fd = req.up.file.get();
  int current = 0;
  auto filled = co_await fill_block(data, blocks[current], env.progress);
  for (;;) {
    if (!filled) co_return unexpected(filled.error());
    const filled_block got = *filled;
    std::span<const char> bytes(blocks[current].data(), got.size);
    if (req.ascii) {
      std::string& text = converted[current];
      text.clear();
      decoder.decode({bytes.data(), bytes.size()}, text);
      if (got.at_end) decoder.finish(text);
      bytes = {text.data(), text.size()};
    }
    if (got.at_end) {
      if (bytes.empty()) co_return step{};
      co_return co_await write_to_file(env, fd, bytes);
    }
    const int next = 1 - current;
    auto both =
        co_await (write_to_file(env, fd, bytes) && fill_block(data, blocks[next], env.progress));
    if (!std::get<0>(both)) co_return std::get<0>(both);
    filled = std::move(std::get<1>(both));
    current = next;
  }
}

// A pipe owned by one upload: the bytes move socket -> pipe -> file without
// being copied into user space.
class upload_pipe {
 public:
  upload_pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC | O_NONBLOCK) != 0) return;
    read_ = file_handle(fds[0]);
    write_ = file_handle(fds[1]);
    // A larger pipe means fewer hops to the pool. The size may be refused
    // (fs.pipe-user-pages-soft is per user); the default 64 KiB still works.
    const int size =
        ::fcntl(write_.get(), F_SETPIPE_SZ, static_cast<int>(limits::upload_block_size));
    capacity_ = size > 0 ? static_cast<std::size_t>(size)
                         : static_cast<std::size_t>(::fcntl(write_.get(), F_GETPIPE_SZ));
  }
  bool valid() const { return read_.valid() && write_.valid() && capacity_ > 0; }
  int read_end() const { return read_.get(); }
  int write_end() const { return write_.get(); }
  std::size_t capacity() const { return capacity_; }

 private:
  file_handle read_, write_;
  std::size_t capacity_ = 0;
};

// Moves what the client sends into `pipe` until it is full or the client
// closes. splice only takes page references from the socket: it never blocks
// (SPLICE_F_NONBLOCK) and costs no copy, so it runs on the I/O thread.
net::awaitable<expected<filled_block, failure>> fill_pipe(net::stream& data, upload_pipe& pipe,
                                                          transfer_progress& progress) {
  auto& socket = data.socket();
  const int sock = socket.native_handle();
  filled_block out;
  while (out.size < pipe.capacity()) {
    const ssize_t n = ::splice(sock, nullptr, pipe.write_end(), nullptr, pipe.capacity() - out.size,
                               SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
    if (n > 0) {
      out.size += static_cast<std::size_t>(n);
      progress.bytes += static_cast<std::uint64_t>(n);
      continue;
    }
    if (n == 0) {
      out.at_end = true;
      break;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN) co_return unexpected(network_failure({errno, std::generic_category()}));
    // EAGAIN: the socket is empty, or the pipe is out of slots (each one
    // holds a fragment, which may be less than a page).
    int queued = 0;
    if (::ioctl(sock, FIONREAD, &queued) == 0 && queued > 0) break;
    auto [ec] = co_await socket.async_wait(tcp::socket::wait_read, net::use_tuple);
    if (ec) co_return unexpected(network_failure(ec));
  }
  co_return out;
}

// Empties `pipe` (holding `bytes`) into the file, on the blocking pool.
net::awaitable<step> drain_pipe(transfer_env& env, upload_pipe& pipe, std::size_t bytes, int fd) {
  const int err = co_await env.blocking.run([&pipe, bytes, fd]() -> int {
    std::size_t left = bytes;
    char buffer[16 * 1024];
    while (left > 0) {
      ssize_t n = ::splice(pipe.read_end(), nullptr, fd, nullptr, left, SPLICE_F_MOVE);
      if (n < 0 && errno == EINVAL) {
        // A file system without splice_write: copy through user space.
        n = ::read(pipe.read_end(), buffer, std::min(left, sizeof buffer));
        for (ssize_t done = 0; n > 0 && done < n;) {
          const ssize_t w = ::write(fd, buffer + done, static_cast<std::size_t>(n - done));
          if (w < 0 && errno != EINTR) return errno;
          if (w > 0) done += w;
        }
      }
      if (n < 0) {
        if (errno == EINTR) continue;
        return errno;
      }
      if (n == 0) return EIO;  // the pipe held less than it said
      left -= static_cast<std::size_t>(n);
    }
    return 0;
  });
  if (err != 0) co_return unexpected(file_failure(storage_error_from_errno(err)));
  co_return step{};
}

// Plain binary uploads: socket -> pipe -> file with splice, one copy in all
// (into the page cache, on the pool) instead of two. Two pipes, so that the
// I/O thread fills one while the pool drains the other.
net::awaitable<step> receive_with_splice(transfer_request& req, net::stream& data,
                                         transfer_env& env, upload_pipe (&pipes)[2]) {
  const int fd = req.up.file.get();
  std::error_code nb;
  data.socket().non_blocking(true, nb);  // fails once the stream is closed (ABOR, stall)
  if (nb) co_return unexpected(network_failure(nb));
  int current = 0;
  auto filled = co_await fill_pipe(data, pipes[current], env.progress);
  for (;;) {
    if (!filled) co_return unexpected(filled.error());
    const filled_block got = *filled;
    if (got.at_end) {
      if (got.size == 0) co_return step{};
      co_return co_await drain_pipe(env, pipes[current], got.size, fd);
    }
    const int next = 1 - current;
    auto both = co_await (drain_pipe(env, pipes[current], got.size, fd) &&
                          fill_pipe(data, pipes[next], env.progress));
    if (!std::get<0>(both)) co_return std::get<0>(both);
    filled = std::move(std::get<1>(both));
    current = next;
  }
}

net::awaitable<step> receive_file(transfer_request& req, net::stream& data, transfer_env& env) {
  // splice cannot write to an O_APPEND file (APPE), and needs both pipes.
  const int flags = ::fcntl(req.up.file.get(), F_GETFL);
  if (data.is_plain() && !req.ascii && flags >= 0 && (flags & O_APPEND) == 0) {
    upload_pipe pipes[2];  // may fail when the process is out of descriptors
    if (pipes[0].valid() && pipes[1].valid()) {
      co_return co_await receive_with_splice(req, data, env, pipes);
    }
  }
  co_return co_await receive_with_buffers(req, data, env);
}

net::awaitable<step> move_bytes(transfer_request& req, net::stream& data, transfer_env& env) {
  switch (req.what) {
    case transfer_request::kind::send_file:
      if (data.is_plain() && !req.ascii) co_return co_await send_with_sendfile(req, data, env);
      co_return co_await send_with_reads(req, data, env);
    case transfer_request::kind::send_bytes:
      co_return co_await send_bytes(req, data, env);
    case transfer_request::kind::receive_file:
      co_return co_await receive_file(req, data, env);
  }
  co_return step{};
}

}  // namespace

net::awaitable<transfer_outcome> run_transfer(transfer_request& req, net::stream& data,
                                              transfer_env env) {
  step moved = co_await move_bytes(req, data, env);
  const bool stalled = env.stalled;
  if (stalled) moved = unexpected(network_failure(make_error_code(std::errc::timed_out)));

  transfer_outcome out;
  out.bytes = env.progress.bytes;
  const bool upload = req.what == transfer_request::kind::receive_file;

  if (moved && !upload) {
    // Downloads end with a clean close, so that the client sees the end of
    // the data before the 226.
    (void)co_await data.shutdown_send();
  }
  data.close();

  if (!moved) {
    const failure& f = moved.error();
    out.error = f.detail;
    if (upload) co_await env.blocking.run([&] { env.fs.abort_upload(req.up); });
    if (env.abort_requested) {
      out.reply = {code::transfer_aborted, "Transfer aborted."};
    } else if (stalled) {
      out.reply = {
          code::transfer_aborted,
          fmt::format("Transfer stalled: no data moved for {} s; closing the data "
                      "connection.",
                      std::chrono::duration_cast<std::chrono::seconds>(env.stall_timeout).count())};
      out.error = "stalled";
    } else if (f.where == failure::side::network) {
      out.reply = {code::transfer_aborted,
                   fmt::format("Data connection lost after {} bytes ({}); transfer aborted.",
                               out.bytes, f.detail)};
    } else {
      out.reply = handlers::storage_failure(f.ec, req.path);
      if (out.reply.code == code::file_unavailable) out.reply.code = code::local_error;
    }
    co_return out;
  }

  if (upload) {
    auto finished = co_await env.blocking.run([&] { return env.fs.finish_upload(req.up); });
    if (!finished) {
      out.error = finished.error().message();
      out.reply = handlers::storage_failure(finished.error(), req.path);
      if (out.reply.code == code::file_unavailable) out.reply.code = code::local_error;
      co_return out;
    }
  }
  out.complete = true;
  out.reply = {code::closing_data, req.done_text};
  co_return out;
}

}  // namespace portico::server
