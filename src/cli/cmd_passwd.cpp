// `portico passwd`: prints a crypt(3) hash for the users file. Interactive use
// reads the password twice from the terminal with echo off; scripts pipe one
// line into standard input. Only the hash goes to standard output.
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "cli/commands.hpp"
#include "server/accounts/password_hash.hpp"

namespace portico::cli {
namespace {

// Longer than libxcrypt's limit (512), so that an over-long password gets a
// clear error instead of being cut.
constexpr std::size_t max_password_input = 1024;

// Erases a password from memory when it goes out of scope.
struct secret {
  std::string text;
  secret() = default;
  secret(const secret&) = delete;
  secret& operator=(const secret&) = delete;
  ~secret() { explicit_bzero(text.data(), text.size()); }
};

[[noreturn]] void fail(const std::string& message) {
  std::fprintf(stderr, "portico passwd: %s\n", message.c_str());
  throw CLI::RuntimeError(1);
}

// The terminal state to restore if a signal arrives while echo is off, so
// that Ctrl-C does not leave the shell blind.
int tty_fd = -1;
termios saved_tty{};

extern "C" void restore_tty_and_reraise(int sig) {
  if (tty_fd >= 0) ::tcsetattr(tty_fd, TCSAFLUSH, &saved_tty);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

// Reads one line from fd; false at end of input before any character.
bool read_line(int fd, std::string& out) {
  out.clear();
  bool any = false;
  char c = 0;
  for (;;) {
    const ssize_t n = ::read(fd, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return any;
    any = true;
    if (c == '\n') return true;
    if (out.size() <= max_password_input) out += c;
  }
}

std::optional<std::string> ask_on_terminal(int fd, const char* prompt, std::string& out) {
  if (::write(fd, prompt, std::strlen(prompt)) < 0) {
    // Unlikely; the user still gets to type, just without a prompt.
  }
  termios quiet = saved_tty;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  quiet.c_lflag |= ECHONL;  // still move to the next line on Enter
  if (::tcsetattr(fd, TCSAFLUSH, &quiet) != 0) {
    return std::string("cannot turn off echo on the terminal: ") + std::strerror(errno);
  }
  const bool got = read_line(fd, out);
  ::tcsetattr(fd, TCSAFLUSH, &saved_tty);
  if (!got) return std::string("no password entered");
  return std::nullopt;
}

void read_from_terminal(secret& password) {
  const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) fail(std::string("cannot open the terminal: ") + std::strerror(errno));
  if (::tcgetattr(fd, &saved_tty) != 0) {
    ::close(fd);
    fail(std::string("cannot read the terminal settings: ") + std::strerror(errno));
  }
  tty_fd = fd;
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) ::signal(sig, restore_tty_and_reraise);
  secret again;
  auto problem = ask_on_terminal(fd, "Password: ", password.text);
  if (!problem && !password.text.empty()) problem = ask_on_terminal(fd, "Again: ", again.text);
  for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) ::signal(sig, SIG_DFL);
  tty_fd = -1;
  ::close(fd);
  if (problem) fail(*problem);
  if (!password.text.empty() && password.text != again.text) fail("the passwords do not match");
}

void read_from_stdin(secret& password) {
  if (!read_line(STDIN_FILENO, password.text)) fail("no password on standard input");
  // Accept CRLF from files written on Windows.
  if (!password.text.empty() && password.text.back() == '\r') password.text.pop_back();
}

void run_passwd(const std::string& method_name) {
  const auto method = server::parse_hash_method(method_name);
  if (!method) fail("unknown method \"" + method_name + "\"");  // IsMember stops this first

  secret password;
  if (::isatty(STDIN_FILENO)) {
    read_from_terminal(password);
  } else {
    read_from_stdin(password);
  }
  if (password.text.empty()) fail("refusing an empty password");
  if (password.text.size() >= 512) fail("the password is too long (at most 511 bytes)");
  if (password.text.find('\0') != std::string::npos) fail("the password contains a NUL byte");
  if (*method == server::hash_method::bcrypt && password.text.size() > 72) {
    fail(
        "bcrypt uses only the first 72 bytes of a password; use yescrypt or sha512 for "
        "longer ones");
  }

  auto hash = server::hash_password(password.text, *method);
  if (!hash) fail("cannot hash the password: " + hash.error().message());
  std::fprintf(stdout, "%s\n", hash->c_str());
  std::fflush(stdout);
  std::fprintf(stderr,
               "hint: in a users file, under [users.NAME]:  password = \"%s\"  (see "
               "etc/users.example.toml)\n",
               hash->c_str());
}

}  // namespace

void add_passwd_command(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "passwd", "Print a password hash for the users file (the password is never stored)");
  cmd->footer(
      "Reads the password from the terminal, twice, without echo; or, when standard\n"
      "input is not a terminal, one line from it. Prints only the hash on standard\n"
      "output.\n\n"
      "Examples:\n"
      "  portico passwd                            ask, then print a yescrypt hash\n"
      "  portico passwd --method bcrypt            for systems that need bcrypt\n"
      "  printf '%s\\n' \"$PW\" | portico passwd      in a script\n\n"
      "Put the hash in a users file (see etc/users.example.toml):\n"
      "  [users.alice]\n"
      "  password = \"$y$j9T$...\"\n"
      "  home = \"/srv/ftp/alice\"\n"
      "  permissions = [\"list\", \"read\", \"write\"]\n");
  auto method = std::make_shared<std::string>("yescrypt");
  cmd->add_option("-m,--method", *method,
                  "Hash method: yescrypt (default, recommended), sha512 (sha512-crypt) or "
                  "bcrypt")
      ->check(CLI::IsMember({"yescrypt", "sha512", "bcrypt"}))
      ->capture_default_str();
  cmd->callback([method] { run_passwd(*method); });
}

}  // namespace portico::cli
