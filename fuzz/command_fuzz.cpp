// The path every byte a client sends takes: line_assembler, then
// parse_command. The first input byte picks the feed() chunk size, so that
// Telnet sequences and CRLFs split across reads are exercised; the result
// must not depend on the chunking, and for input without IAC it must match a
// plain split on LF.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/command.hpp"
#include "protocol/error.hpp"
#include "protocol/limits.hpp"

namespace {

using namespace portico;
using namespace portico::protocol;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

// One line_assembler result: a line, or an error (empty `line`).
struct outcome {
  bool is_line = false;
  std::string line;
  friend bool operator==(const outcome&, const outcome&) = default;
};

void check_command(const std::string& line) {
  const result<command_line> cmd = parse_command(line);
  if (!cmd.has_value()) return;
  check(!cmd->verb.empty() && cmd->verb.size() <= limits::max_verb_length);
  for (const char c : cmd->verb) check(c >= 'A' && c <= 'Z');
  for (const char c : cmd->argument) check(c != '\0' && c != '\r' && c != '\n');
  // Nothing but the one separator space is lost.
  const std::size_t rebuilt =
      cmd->verb.size() + (line.size() > cmd->verb.size() ? 1 : 0) + cmd->argument.size();
  check(rebuilt == line.size());
  check(line.compare(line.size() - cmd->argument.size(), std::string::npos, cmd->argument) == 0);
}

std::vector<outcome> run(std::string_view bytes, std::size_t chunk, std::size_t& pending) {
  line_assembler a;
  std::vector<outcome> out;
  for (std::size_t i = 0; i < bytes.size(); i += chunk) {
    a.feed(bytes.substr(i, chunk));
    while (auto r = a.next_line()) {
      if (r->has_value()) {
        const std::string& line = **r;
        check(line.find('\n') == std::string::npos);
        check(line.size() + 1 <= limits::max_command_line);
        check_command(line);
        out.push_back({true, line});
      } else {
        check(r->error() == errc::line_too_long);
        out.push_back({false, {}});
      }
    }
    check(a.pending() < limits::max_command_line);
  }
  pending = a.pending();
  return out;
}

// What the assembler must produce when no IAC byte is present.
std::vector<outcome> reference_split(std::string_view bytes, std::size_t& pending) {
  std::vector<outcome> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t lf = bytes.find('\n', start);
    const std::string_view seg =
        bytes.substr(start, lf == std::string_view::npos ? std::string_view::npos : lf - start);
    const bool too_long = seg.size() + 1 > limits::max_command_line;
    if (lf == std::string_view::npos) {
      if (too_long) out.push_back({false, {}});
      pending = too_long ? 0 : seg.size();
      return out;
    }
    if (too_long) {
      out.push_back({false, {}});
    } else {
      std::string line(seg);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      out.push_back({true, std::move(line)});
    }
    start = lf + 1;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::size_t chunk = data[0] % 32 + 1;
  std::size_t pending_chunked = 0;
  std::size_t pending_whole = 0;
  const auto chunked = run(bytes, chunk, pending_chunked);
  const auto whole = run(bytes, bytes.empty() ? 1 : bytes.size(), pending_whole);
  check(chunked == whole);
  check(pending_chunked == pending_whole);
  if (bytes.find('\xff') == std::string_view::npos) {
    std::size_t pending_ref = 0;
    check(reference_split(bytes, pending_ref) == whole);
    check(pending_ref == pending_whole);
  }
  return 0;
}
