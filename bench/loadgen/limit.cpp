// The physical limit: the same bytes over loopback TCP with no FTP at all.
// A child process (or, with --thread, a thread) plays the server: it sends
// the file with sendfile(2) or with read/write, or for "upload" stores what it
// receives into the file. The main thread is the client, with the same buffer
// size as the FTP modes, so the only difference to a transfer through an FTP
// server is the server.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "loadgen/report.hpp"
#include "loadgen/workloads.hpp"

namespace portico::bench {

namespace {

struct fd_guard {
  int fd = -1;
  explicit fd_guard(int f) : fd(f) {}
  ~fd_guard() {
    if (fd >= 0) ::close(fd);
  }
  fd_guard(const fd_guard&) = delete;
  fd_guard& operator=(const fd_guard&) = delete;
};

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error(what + ": " + std::strerror(errno));
}

// Waits until `fd` (non-blocking) can take more bytes.
bool wait_writable(int fd) {
  pollfd p{fd, POLLOUT, 0};
  while (::poll(&p, 1, -1) < 0) {
    if (errno != EINTR) return false;
  }
  return true;
}

bool write_all(int fd, const char* data, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, data, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN && wait_writable(fd)) continue;
    if (w <= 0) return false;
    data += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

// Bytes per sendfile/write call of the sending side. 256 KiB calls on a
// non-blocking socket, waiting in poll when it is full, were the fastest way
// to move bytes over loopback on these VMs: blocking calls, and 1 MiB or
// larger ones, cost up to twice the CPU per byte (docs/PERFORMANCE.md).
// PORTICO_LIMIT_CHUNK overrides it for experiments.
std::uint64_t limit_chunk() {
  const char* env = std::getenv("PORTICO_LIMIT_CHUNK");
  const std::uint64_t n = env != nullptr ? std::strtoull(env, nullptr, 10) : 0;
  return n != 0 ? n : (256U << 10);
}

struct side {
  double cpu = 0;
  std::uint64_t bytes = 0;
  std::string error;
};

// The sending "server" of a download: the whole of `bytes` from file, over
// and over if the file is shorter.
void send_file(int listener, const std::string& file, std::uint64_t bytes, bool use_sendfile,
               side* out) {
  const double cpu0 = cpu_seconds(RUSAGE_THREAD);
  fd_guard conn(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
  fd_guard in(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (conn.fd < 0 || in.fd < 0) {
    out->error = std::string("accept/open: ") + std::strerror(errno);
    return;
  }
  const int flags = ::fcntl(conn.fd, F_GETFL);
  if (flags < 0 || ::fcntl(conn.fd, F_SETFL, flags | O_NONBLOCK) != 0) {
    out->error = std::string("fcntl: ") + std::strerror(errno);
    return;
  }
  std::vector<char> buffer(limit_chunk());
  off_t offset = 0;
  std::uint64_t left = bytes;
  while (left > 0) {
    ssize_t n = 0;
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(left, limit_chunk()));
    if (use_sendfile) {
      n = ::sendfile(conn.fd, in.fd, &offset, want);
      if (n < 0 && errno == EAGAIN && wait_writable(conn.fd)) continue;
    } else {
      n = ::pread(in.fd, buffer.data(), std::min(want, buffer.size()), offset);
      if (n > 0 && !write_all(conn.fd, buffer.data(), static_cast<std::size_t>(n))) n = -1;
      if (n > 0) offset += n;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      out->error = std::string("send: ") + std::strerror(errno);
      break;
    }
    if (n == 0) {  // end of a short file: start again
      offset = 0;
      continue;
    }
    left -= static_cast<std::uint64_t>(n);
    out->bytes += static_cast<std::uint64_t>(n);
  }
  out->cpu = cpu_seconds(RUSAGE_THREAD) - cpu0;
}

// The receiving "server" of an upload: stores everything into file.
void store_file(int listener, const std::string& file, std::size_t buffer_size, side* out) {
  const double cpu0 = cpu_seconds(RUSAGE_THREAD);
  fd_guard conn(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
  fd_guard dst(::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (conn.fd < 0 || dst.fd < 0) {
    out->error = std::string("accept/open: ") + std::strerror(errno);
    return;
  }
  std::vector<char> buffer(buffer_size);
  for (;;) {
    const ssize_t n = ::read(conn.fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) out->error = std::string("read: ") + std::strerror(errno);
    if (n <= 0) break;
    if (!write_all(dst.fd, buffer.data(), static_cast<std::size_t>(n))) {
      out->error = std::string("write: ") + std::strerror(errno);
      break;
    }
    out->bytes += static_cast<std::uint64_t>(n);
  }
  out->cpu = cpu_seconds(RUSAGE_THREAD) - cpu0;
}

}  // namespace

int run_limit(const std::string& method, const std::string& file, std::uint64_t bytes,
              std::size_t buffer_size, bool separate_process) {
  const bool upload = method == "upload";
  if (!upload && method != "sendfile" && method != "readwrite") {
    throw std::runtime_error("unknown method " + method + " (sendfile, readwrite or upload)");
  }
  if (!upload && bytes == 0) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) fail("stat " + file);
    bytes = static_cast<std::uint64_t>(st.st_size);
  }
  fd_guard listener(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (listener.fd < 0) fail("socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(listener.fd, reinterpret_cast<sockaddr*>(&address), length) != 0) fail("bind");
  if (::listen(listener.fd, 1) != 0) fail("listen");
  if (::getsockname(listener.fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    fail("getsockname");
  }

  side server;
  side client;
  const double cpu0 = cpu_seconds(RUSAGE_THREAD);
  const auto t0 = clock::now();
  std::thread peer;
  pid_t child = -1;
  int report[2] = {-1, -1};
  if (separate_process) {
    // Nothing else runs yet in this process, so fork() is safe.
    if (::pipe2(report, O_CLOEXEC) != 0) fail("pipe2");
    child = ::fork();
    if (child < 0) fail("fork");
    if (child == 0) {
      ::close(report[0]);
      side s;
      if (upload) {
        store_file(listener.fd, file, buffer_size, &s);
      } else {
        send_file(listener.fd, file, bytes, method == "sendfile", &s);
      }
      char line[64];
      const int n = std::snprintf(line, sizeof line, "%.6f %llu ", s.cpu,
                                  static_cast<unsigned long long>(s.bytes));
      write_all(report[1], line, static_cast<std::size_t>(n));
      write_all(report[1], s.error.data(), s.error.size());
      ::_exit(0);
    }
    ::close(report[1]);
  } else if (upload) {
    peer = std::thread(store_file, listener.fd, file, buffer_size, &server);
  } else {
    peer = std::thread(send_file, listener.fd, file, bytes, method == "sendfile", &server);
  }
  {
    fd_guard conn(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (::connect(conn.fd, reinterpret_cast<sockaddr*>(&address), length) != 0) {
      client.error = std::string("connect: ") + std::strerror(errno);
    }
    std::vector<char> buffer(buffer_size);
    for (std::size_t i = 0; i < buffer.size(); ++i) buffer[i] = static_cast<char>(i * 7 + 1);
    if (client.error.empty() && upload) {
      std::uint64_t left = bytes;
      while (left > 0) {
        const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(left, buffer.size()));
        if (!write_all(conn.fd, buffer.data(), n)) {
          client.error = std::string("write: ") + std::strerror(errno);
          break;
        }
        left -= n;
        client.bytes += n;
      }
      ::shutdown(conn.fd, SHUT_WR);
    }
    // A download reads everything; an upload waits for the server's close,
    // which follows its last write to the file.
    while (client.error.empty()) {
      const ssize_t n = ::read(conn.fd, buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) client.error = std::string("read: ") + std::strerror(errno);
      if (n <= 0) break;
      client.bytes += static_cast<std::uint64_t>(n);
    }
  }
  if (child > 0) {
    std::string text;
    char chunk[256];
    for (ssize_t n; (n = ::read(report[0], chunk, sizeof chunk)) > 0;) {
      text.append(chunk, static_cast<std::size_t>(n));
    }
    ::close(report[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    unsigned long long moved_bytes = 0;
    int used = 0;
    if (std::sscanf(text.c_str(), "%lf %llu %n", &server.cpu, &moved_bytes, &used) >= 2) {
      server.bytes = moved_bytes;
      server.error = text.substr(static_cast<std::size_t>(used));
    } else {
      server.error = "the server process reported nothing";
    }
  } else {
    peer.join();
  }
  const double seconds = seconds_between(t0, clock::now());
  client.cpu = cpu_seconds(RUSAGE_THREAD) - cpu0;
  const std::uint64_t moved = server.bytes;
  const bool ok = server.error.empty() && client.error.empty() && moved == bytes;
  std::string error = server.error.empty() ? client.error : server.error;
  if (error.empty() && moved != bytes) error = "short transfer";
  json_object j;
  j.add("mode", "limit")
      .add("method", method)
      .add("server_side", separate_process ? "process" : "thread")
      .add("ok", ok)
      .add("bytes", moved)
      .add("seconds", seconds)
      .add("bytes_per_second", seconds > 0 ? static_cast<double>(moved) / seconds : 0.0)
      .add("server_cpu_seconds", server.cpu)
      .add("client_cpu_seconds", client.cpu)
      .add("error", error)
      .print();
  return ok ? 0 : 1;
}

}  // namespace portico::bench
