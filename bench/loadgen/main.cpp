// portico-loadgen: the benchmark's load generator (see bench/README.md).
//
//   portico-loadgen download   --port P --user U --password W --path big.bin
//   portico-loadgen upload     --port P ... --path up.bin --bytes 1073741824
//   portico-loadgen files      --port P ... --dir small --count 1000
//   portico-loadgen concurrent --port P ... --sessions 100 --fetches 10 --path f64k.bin
//   portico-loadgen idle       --port P ... --sessions 10000 [--hold 0: until stdin]
//   portico-loadgen login      --port P ... --count 2000 --concurrency 8
//   portico-loadgen limit      --method sendfile|readwrite|upload --file F [--bytes N] [--thread]
//
// Each prints one JSON line of figures (idle prints a "ready" line first).
#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <exception>

#include "loadgen/workloads.hpp"

namespace {

using portico::bench::passive_mode;
using portico::bench::target;

struct common_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 21;
  std::string user = "ftpbench";
  std::string password;
  std::string mode = "pasv";
  double timeout = 30;
  std::size_t buffer = 256 * 1024;
};

void add_common(CLI::App* app, common_options& o) {
  app->add_option("--host", o.host, "server address (IP literal)")->capture_default_str();
  app->add_option("--port", o.port, "server control port")->required();
  app->add_option("--user", o.user, "user name")->capture_default_str();
  app->add_option("--password", o.password, "password");
  app->add_option("--data", o.mode, "passive mode: pasv or epsv")
      ->check(CLI::IsMember({"pasv", "epsv"}))
      ->capture_default_str();
  app->add_option("--timeout", o.timeout, "seconds one operation may take")->capture_default_str();
  app->add_option("--buffer", o.buffer, "bytes per read/write call")->capture_default_str();
}

target make_target(const common_options& o) {
  target t;
  t.server = portico::bench::tcp::endpoint(asio::ip::make_address(o.host), o.port);
  t.login = {o.user, o.password};
  t.mode = o.mode == "epsv" ? passive_mode::epsv : passive_mode::pasv;
  t.timeout = std::chrono::milliseconds(static_cast<long>(o.timeout * 1000));
  t.buffer_size = o.buffer;
  return t;
}

}  // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"portico-loadgen: the load generator of portico's benchmarks"};
  app.require_subcommand(1);

  common_options o;
  std::string path;
  std::string dir;
  std::uint64_t bytes = 0;
  int count = 1;
  int sessions = 1;
  int fetches = 1;
  int parallel = 64;
  int concurrency = 8;
  double hold = 0;
  std::string method;
  std::string file;

  auto* download = app.add_subcommand("download", "RETR one file, timed from PASV/EPSV to 226");
  add_common(download, o);
  download->add_option("--path", path, "file to fetch")->required();
  download->add_option("--expect-bytes", bytes, "size the file must have (0: any)");
  download->add_option("--repeat", count, "fetches in the session")->capture_default_str();

  auto* upload = app.add_subcommand("upload", "STOR bytes from memory");
  add_common(upload, o);
  upload->add_option("--path", path, "file to store")->required();
  upload->add_option("--bytes", bytes, "bytes to send")->required();
  upload->add_option("--repeat", count, "uploads in the session")->capture_default_str();

  auto* files = app.add_subcommand("files", "RETR DIR/f00000 ... one after another");
  add_common(files, o);
  files->add_option("--dir", dir, "directory of the numbered files")->required();
  files->add_option("--count", count, "files to fetch")->required();
  files->add_option("--expect-bytes", bytes, "size each file must have (0: any)");

  auto* concurrent =
      app.add_subcommand("concurrent", "sessions connecting at once, each fetching a file");
  add_common(concurrent, o);
  concurrent->add_option("--sessions", sessions, "sessions")->required();
  concurrent->add_option("--fetches", fetches, "RETRs per session")->required();
  concurrent->add_option("--path", path, "file to fetch")->required();
  concurrent->add_option("--expect-bytes", bytes, "size the file must have (0: any)");

  auto* idle = app.add_subcommand("idle", "open logged-in sessions and hold them");
  add_common(idle, o);
  idle->add_option("--sessions", sessions, "sessions")->required();
  idle->add_option("--parallel", parallel, "sessions being opened at a time")
      ->capture_default_str();
  idle->add_option("--hold", hold, "seconds to hold them; 0: until a line on stdin")
      ->capture_default_str();

  auto* login = app.add_subcommand("login", "connect, USER, PASS, QUIT over and over");
  add_common(login, o);
  login->add_option("--count", count, "sessions in total")->required();
  login->add_option("--concurrency", concurrency, "sessions at a time")->capture_default_str();

  auto* limit = app.add_subcommand("limit", "plain loopback TCP, no FTP: the physical limit");
  limit->add_option("--method", method, "sendfile, readwrite or upload")
      ->required()
      ->check(CLI::IsMember({"sendfile", "readwrite", "upload"}));
  limit->add_option("--file", file, "file to send, or (upload) to write")->required();
  limit->add_option("--bytes", bytes, "bytes (default: the file's size)");
  limit->add_option("--buffer", o.buffer, "bytes per read call")->capture_default_str();
  bool use_thread = false;
  limit->add_flag("--thread", use_thread, "run the server side in a thread, not a child process");

  CLI11_PARSE(app, argc, argv);

  try {
    if (*download) return portico::bench::run_download(make_target(o), path, bytes, count);
    if (*upload) return portico::bench::run_upload(make_target(o), path, bytes, count);
    if (*files) return portico::bench::run_files(make_target(o), dir, count, bytes);
    if (*concurrent) {
      return portico::bench::run_concurrent(make_target(o), sessions, fetches, path, bytes);
    }
    if (*idle) return portico::bench::run_idle(make_target(o), sessions, parallel, hold);
    if (*login) return portico::bench::run_login(make_target(o), count, concurrency);
    if (*limit) return portico::bench::run_limit(method, file, bytes, o.buffer, !use_thread);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "portico-loadgen: %s\n", e.what());
    return 2;
  }
  return 2;
}
