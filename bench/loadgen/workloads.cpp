#include "loadgen/workloads.hpp"

#include <unistd.h>

#include <cstdio>
#include <map>
#include <memory>
#include <vector>

#include "loadgen/report.hpp"

namespace portico::bench {

namespace {

// The first error of a run and how often each kind occurred.
struct error_tally {
  std::string first;
  std::map<std::string, int> counts;
  int total = 0;

  void add(std::error_code ec, const ftp_session* s) {
    std::string text = describe(ec, s);
    if (first.empty()) first = text;
    // Count by the error, not by the reply text, which may carry numbers.
    ++counts[ec.message()];
    ++total;
  }
  std::string summary() const {
    std::string out;
    for (const auto& [what, n] : counts) {
      if (!out.empty()) out += "; ";
      out += what + " x" + std::to_string(n);
    }
    return out;
  }
};

double ms(clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// Runs main_task and the watchdog on one io_context until main_task is done.
void run_until_done(asio::io_context& ctx, watchdog& dog, awaitable<void> main_task) {
  asio::co_spawn(ctx, dog.run(), asio::detached);
  asio::co_spawn(ctx, std::move(main_task), [&dog](std::exception_ptr e) {
    dog.stop();
    if (e) std::rethrow_exception(e);
  });
  ctx.run();
}

// Connect, log in and switch to binary: the start of every session.
awaitable<std::error_code> open_session(ftp_session* s, const target* t) {
  auto ec = co_await s->connect(t->server);
  if (ec) co_return ec;
  ec = co_await s->login(t->login);
  if (ec) co_return ec;
  ec = co_await s->simple("TYPE I", 2);
  co_return ec;
}

std::string file_name(const std::string& dir, int i) {
  char name[32];
  std::snprintf(name, sizeof name, "f%05d", i);
  return dir.empty() ? std::string(name) : dir + "/" + name;
}

// --- one session: download, upload, many small files ----------------------

struct single_state {
  const target* t = nullptr;
  std::string path;
  std::uint64_t bytes = 0;  // expected per transfer (0: any) or to upload
  int count = 1;
  bool upload = false;
  bool numbered = false;  // path is a directory of f00000.. files
  // results
  error_tally errors;
  std::uint64_t total_bytes = 0;
  int transfers_ok = 0;
  std::vector<double> latency_ms;
  double transfer_seconds = 0;
  double cpu_seconds = 0;
};

awaitable<void> single_session(single_state* st, watchdog* dog) {
  auto ex = co_await asio::this_coro::executor;
  ftp_session s(ex, *dog, st->t->timeout);
  auto ec = co_await open_session(&s, st->t);
  if (ec) {
    st->errors.add(ec, &s);
    co_return;
  }
  std::vector<char> buffer(st->t->buffer_size);
  for (std::size_t i = 0; i < buffer.size(); ++i) buffer[i] = static_cast<char>(i * 7 + 1);
  const double cpu0 = cpu_seconds();
  const auto t0 = clock::now();
  for (int i = 0; i < st->count; ++i) {
    // Each upload of a session creates a file of its own (PATH.0, PATH.1 ...):
    // replacing the previous one would measure how a server truncates, not
    // how it receives (docs/PERFORMANCE.md).
    std::string path = st->numbered ? file_name(st->path, i)
                       : st->upload ? st->path + "." + std::to_string(i)
                                    : st->path;
    const auto start = clock::now();
    std::uint64_t got = 0;
    if (st->upload) {
      ec = co_await s.store(path, st->t->mode, buffer, st->bytes);
      got = st->bytes;
    } else {
      ec = co_await s.retrieve(path, st->t->mode, buffer, got);
      if (!ec && st->bytes != 0 && got != st->bytes) {
        ec = std::error_code(short_transfer_error, ftp_category());
      }
    }
    if (ec) {
      st->errors.add(ec, &s);
      break;
    }
    st->latency_ms.push_back(ms(clock::now() - start));
    st->total_bytes += got;
    ++st->transfers_ok;
  }
  st->transfer_seconds = seconds_between(t0, clock::now());
  st->cpu_seconds = cpu_seconds() - cpu0;
  co_await s.quit();
}

int run_single(single_state& st, const char* mode) {
  asio::io_context ctx(1);
  watchdog dog(ctx.get_executor());
  run_until_done(ctx, dog, single_session(&st, &dog));
  const bool ok = st.errors.total == 0;
  json_object j;
  j.add("mode", mode)
      .add("ok", ok)
      .add("transfers", st.transfers_ok)
      .add("bytes", st.total_bytes)
      .add("seconds", st.transfer_seconds)
      .add("bytes_per_second", st.transfer_seconds > 0
                                   ? static_cast<double>(st.total_bytes) / st.transfer_seconds
                                   : 0.0)
      .add("transfers_per_second",
           st.transfer_seconds > 0 ? st.transfers_ok / st.transfer_seconds : 0.0)
      .add("latency_p50_ms", percentile(st.latency_ms, 50))
      .add("latency_p99_ms", percentile(st.latency_ms, 99))
      .add("client_cpu_seconds", st.cpu_seconds)
      .add("error", st.errors.first)
      .print();
  return ok ? 0 : 1;
}

// --- many sessions at once --------------------------------------------------

struct crowd_state {
  const target* t = nullptr;
  std::string path;
  int fetches = 0;
  std::uint64_t expect = 0;
  int remaining = 0;
  watchdog* dog = nullptr;
  std::vector<char> buffer;  // shared: the bytes are discarded
  // results
  error_tally errors;
  int sessions_ok = 0;
  int sessions_failed = 0;
  std::uint64_t transfers_ok = 0;
  std::uint64_t bytes = 0;
  std::vector<double> fetch_ms;
  std::vector<double> login_ms;
  clock::time_point last_end;
};

awaitable<void> crowd_session(crowd_state* st) {
  auto ex = co_await asio::this_coro::executor;
  {
    ftp_session s(ex, *st->dog, st->t->timeout);
    const auto start = clock::now();
    auto ec = co_await open_session(&s, st->t);
    if (!ec) st->login_ms.push_back(ms(clock::now() - start));
    for (int i = 0; !ec && i < st->fetches; ++i) {
      const auto fetch_start = clock::now();
      std::uint64_t got = 0;
      ec = co_await s.retrieve(st->path, st->t->mode, st->buffer, got);
      if (!ec && st->expect != 0 && got != st->expect) {
        ec = std::error_code(short_transfer_error, ftp_category());
      }
      if (!ec) {
        st->fetch_ms.push_back(ms(clock::now() - fetch_start));
        ++st->transfers_ok;
        st->bytes += got;
      }
    }
    if (ec) {
      st->errors.add(ec, &s);
      ++st->sessions_failed;
    } else {
      ++st->sessions_ok;
    }
    st->last_end = clock::now();
    co_await s.quit();
  }
  if (--st->remaining == 0) st->dog->stop();
}

}  // namespace

int run_download(const target& t, const std::string& path, std::uint64_t expect_bytes, int repeat) {
  single_state st;
  st.t = &t;
  st.path = path;
  st.bytes = expect_bytes;
  st.count = repeat;
  return run_single(st, "download");
}

int run_upload(const target& t, const std::string& path, std::uint64_t bytes, int repeat) {
  single_state st;
  st.t = &t;
  st.path = path;
  st.bytes = bytes;
  st.count = repeat;
  st.upload = true;
  return run_single(st, "upload");
}

int run_files(const target& t, const std::string& dir, int count, std::uint64_t expect_bytes) {
  single_state st;
  st.t = &t;
  st.path = dir;
  st.count = count;
  st.bytes = expect_bytes;
  st.numbered = true;
  return run_single(st, "files");
}

int run_concurrent(const target& t, int sessions, int fetches, const std::string& path,
                   std::uint64_t expect_bytes) {
  asio::io_context ctx(1);
  watchdog dog(ctx.get_executor());
  crowd_state st;
  st.t = &t;
  st.path = path;
  st.fetches = fetches;
  st.expect = expect_bytes;
  st.remaining = sessions;
  st.dog = &dog;
  st.buffer.resize(t.buffer_size);
  const double cpu0 = cpu_seconds();
  const auto t0 = clock::now();
  st.last_end = t0;
  // Every session is started before the io_context runs: they all connect at
  // once.
  for (int i = 0; i < sessions; ++i) asio::co_spawn(ctx, crowd_session(&st), asio::detached);
  asio::co_spawn(ctx, dog.run(), asio::detached);
  if (sessions == 0) dog.stop();
  ctx.run();
  const double wall = seconds_between(t0, st.last_end);
  const bool ok = st.sessions_failed == 0;
  json_object j;
  j.add("mode", "concurrent")
      .add("ok", ok)
      .add("sessions", sessions)
      .add("sessions_ok", st.sessions_ok)
      .add("sessions_failed", st.sessions_failed)
      .add("transfers", st.transfers_ok)
      .add("bytes", st.bytes)
      .add("seconds", wall)
      .add("transfers_per_second", wall > 0 ? static_cast<double>(st.transfers_ok) / wall : 0.0)
      .add("latency_p50_ms", percentile(st.fetch_ms, 50))
      .add("latency_p99_ms", percentile(st.fetch_ms, 99))
      .add("latency_max_ms", percentile(st.fetch_ms, 100))
      .add("login_p50_ms", percentile(st.login_ms, 50))
      .add("login_p99_ms", percentile(st.login_ms, 99))
      .add("client_cpu_seconds", cpu_seconds() - cpu0)
      .add("error", st.errors.first)
      .add("errors", st.errors.summary())
      .print();
  return ok ? 0 : 1;
}

// --- idle sessions and login rate ------------------------------------------

namespace {

struct pool_state {
  const target* t = nullptr;
  watchdog* dog = nullptr;
  int total = 0;
  int next = 0;
  int workers = 0;
  bool keep = false;  // idle: keep the sessions open; login: QUIT each
  std::vector<std::unique_ptr<ftp_session>> sessions;
  error_tally errors;
  int ok = 0;
  std::vector<double> latency_ms;
};

awaitable<void> pool_worker(pool_state* st) {
  auto ex = co_await asio::this_coro::executor;
  while (st->next < st->total) {
    const int i = st->next++;
    auto s = std::make_unique<ftp_session>(ex, *st->dog, st->t->timeout);
    const auto start = clock::now();
    auto ec = co_await s->connect(st->t->server);
    if (!ec) ec = co_await s->login(st->t->login);
    if (ec) {
      st->errors.add(ec, s.get());
      continue;
    }
    if (st->keep) {
      s->hold();
      st->sessions[static_cast<std::size_t>(i)] = std::move(s);
    } else {
      co_await s->quit();
    }
    st->latency_ms.push_back(ms(clock::now() - start));
    ++st->ok;
  }
  --st->workers;
}

// NOOP on every kept session, `workers` at a time: how many are still alive.
struct alive_state {
  pool_state* pool = nullptr;
  std::size_t next = 0;
  int alive = 0;
  int workers = 0;
};

awaitable<void> alive_worker(alive_state* st) {
  auto& sessions = st->pool->sessions;
  while (st->next < sessions.size()) {
    ftp_session* s = sessions[st->next++].get();
    if (s == nullptr) continue;
    auto ec = co_await s->simple("NOOP", 2);
    s->hold();
    if (!ec) ++st->alive;
  }
  --st->workers;
}

awaitable<void> wait_for_workers(const int* workers) {
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer timer(ex);
  while (*workers > 0) {
    timer.expires_after(std::chrono::milliseconds(5));
    auto [ec] = co_await timer.async_wait(net::use_tuple);
    (void)ec;
  }
}

awaitable<void> wait_for_release(double hold_seconds) {
  auto ex = co_await asio::this_coro::executor;
  if (hold_seconds > 0) {
    asio::steady_timer timer(ex);
    timer.expires_after(
        std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(hold_seconds)));
    auto [ec] = co_await timer.async_wait(net::use_tuple);
    (void)ec;
    co_return;
  }
  asio::posix::stream_descriptor in(ex, ::dup(STDIN_FILENO));
  char c = 0;
  auto buffer = asio::buffer(&c, 1);
  auto [ec, n] = co_await in.async_read_some(buffer, net::use_tuple);
  (void)ec;
  (void)n;
}

awaitable<void> idle_main(pool_state* st, int parallel, double hold_seconds) {
  const double cpu0 = cpu_seconds();
  const auto t0 = clock::now();
  auto ex = co_await asio::this_coro::executor;
  st->workers = parallel;
  for (int w = 0; w < parallel; ++w) asio::co_spawn(ex, pool_worker(st), asio::detached);
  co_await wait_for_workers(&st->workers);
  const double open_seconds = seconds_between(t0, clock::now());
  json_object ready;
  ready.add("mode", "idle")
      .add("ready", true)
      .add("sessions", st->total)
      .add("sessions_ok", st->ok)
      .add("sessions_failed", st->errors.total)
      .add("open_seconds", open_seconds)
      .add("client_cpu_seconds", cpu_seconds() - cpu0)
      .add("error", st->errors.first)
      .add("errors", st->errors.summary())
      .print();
  co_await wait_for_release(hold_seconds);
  alive_state alive;
  alive.pool = st;
  alive.workers = parallel;
  for (int w = 0; w < parallel; ++w) asio::co_spawn(ex, alive_worker(&alive), asio::detached);
  co_await wait_for_workers(&alive.workers);
  json_object done;
  done.add("mode", "idle")
      .add("ok", st->errors.total == 0 && alive.alive == st->ok)
      .add("sessions", st->total)
      .add("sessions_ok", st->ok)
      .add("sessions_failed", st->errors.total)
      .add("alive_after_hold", alive.alive)
      .add("open_seconds", open_seconds)
      .add("client_cpu_seconds", cpu_seconds() - cpu0)
      .add("error", st->errors.first)
      .add("errors", st->errors.summary())
      .print();
  st->sessions.clear();
}

awaitable<void> login_main(pool_state* st, int concurrency) {
  const double cpu0 = cpu_seconds();
  const auto t0 = clock::now();
  auto ex = co_await asio::this_coro::executor;
  st->workers = concurrency;
  for (int w = 0; w < concurrency; ++w) asio::co_spawn(ex, pool_worker(st), asio::detached);
  co_await wait_for_workers(&st->workers);
  const double wall = seconds_between(t0, clock::now());
  json_object j;
  j.add("mode", "login")
      .add("ok", st->errors.total == 0)
      .add("logins", st->ok)
      .add("failed", st->errors.total)
      .add("seconds", wall)
      .add("logins_per_second", wall > 0 ? st->ok / wall : 0.0)
      .add("latency_p50_ms", percentile(st->latency_ms, 50))
      .add("latency_p99_ms", percentile(st->latency_ms, 99))
      .add("client_cpu_seconds", cpu_seconds() - cpu0)
      .add("error", st->errors.first)
      .add("errors", st->errors.summary())
      .print();
}

}  // namespace

int run_idle(const target& t, int sessions, int parallel, double hold_seconds) {
  asio::io_context ctx(1);
  watchdog dog(ctx.get_executor());
  pool_state st;
  st.t = &t;
  st.dog = &dog;
  st.total = sessions;
  st.keep = true;
  st.sessions.resize(static_cast<std::size_t>(sessions));
  run_until_done(ctx, dog, idle_main(&st, parallel, hold_seconds));
  return st.errors.total == 0 ? 0 : 1;
}

int run_login(const target& t, int count, int concurrency) {
  asio::io_context ctx(1);
  watchdog dog(ctx.get_executor());
  pool_state st;
  st.t = &t;
  st.dog = &dog;
  st.total = count;
  run_until_done(ctx, dog, login_main(&st, concurrency));
  return st.errors.total == 0 ? 0 : 1;
}

}  // namespace portico::bench
