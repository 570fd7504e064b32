// The load generator's modes. Each runs one workload against one server (or,
// for run_limit, against itself over loopback without FTP), prints its
// figures as one JSON line and returns the process exit code: 0 when every
// operation succeeded, 1 when some failed (the figures are printed anyway).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "loadgen/ftp_session.hpp"

namespace portico::bench {

struct target {
  tcp::endpoint server;
  credentials login;
  passive_mode mode = passive_mode::pasv;
  std::chrono::milliseconds timeout{30000};
  std::size_t buffer_size = 256 * 1024;
};

// One session, `repeat` RETRs of path, timed from PASV/EPSV to 226 each.
int run_download(const target& t, const std::string& path, std::uint64_t expect_bytes, int repeat);
// One session, `repeat` STORs of `bytes` bytes from memory.
int run_upload(const target& t, const std::string& path, std::uint64_t bytes, int repeat);
// One session, RETR of dir/f00000 .. dir/f{count-1} one after another.
int run_files(const target& t, const std::string& dir, int count, std::uint64_t expect_bytes);
// `sessions` sessions connecting at once, each logging in and fetching path
// `fetches` times.
int run_concurrent(const target& t, int sessions, int fetches, const std::string& path,
                   std::uint64_t expect_bytes);
// Opens `sessions` logged-in sessions, `parallel` at a time, prints a "ready"
// line, holds them for hold_seconds (or, when 0, until a line or EOF on
// standard input), checks with NOOP how many are still alive and closes them.
int run_idle(const target& t, int sessions, int parallel, double hold_seconds);
// `count` sessions of connect, USER, PASS, QUIT, `concurrency` at a time.
int run_login(const target& t, int count, int concurrency);
// Plain TCP over loopback, no FTP: "sendfile" and "readwrite" send `file`
// from a child process (or a thread) to the reading main thread; "upload"
// writes from memory to a child (or thread) that stores what it reads into
// `file`.
int run_limit(const std::string& method, const std::string& file, std::uint64_t bytes,
              std::size_t buffer_size, bool separate_process);

}  // namespace portico::bench
