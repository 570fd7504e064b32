// The client's reply parser on hostile server output, and the server's
// format_reply checked against it. The first input byte picks both the
// feed() chunk size and, for the round trip, the reply code; the rest is the
// server's bytes, and, split at 0x1E, the lines of a reply to format.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/error.hpp"
#include "protocol/limits.hpp"
#include "protocol/reply.hpp"

namespace {

using namespace portico;
using namespace portico::protocol;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

// One parser result: a reply, or an error with code 0.
std::vector<reply> run(std::string_view bytes, std::size_t chunk) {
  reply_parser p;
  std::vector<reply> out;
  bool failed = false;
  for (std::size_t i = 0; i < bytes.size(); i += chunk) {
    p.feed(bytes.substr(i, chunk));
    while (auto r = p.next()) {
      check(!failed);  // the error is the last thing reported
      if (!r->has_value()) {
        failed = true;
        out.emplace_back();
        continue;
      }
      const reply& rep = **r;
      check(rep.code >= 100 && rep.code <= 599);
      check(!rep.lines.empty() && rep.lines.size() <= limits::max_reply_lines);
      std::size_t total = 0;
      for (const std::string& line : rep.lines) {
        check(line.size() <= limits::max_reply_line);
        check(line.find('\n') == std::string::npos);
        total += line.size();
      }
      check(total <= limits::max_reply_bytes);
      out.push_back(rep);
    }
  }
  return out;
}

// What parsing format_reply(r) must give back: CR/LF turned into NUL, a space
// before a middle line that is empty or starts with a digit.
reply expected_round_trip(const reply& r) {
  reply want;
  want.code = r.code;
  if (r.lines.empty()) want.lines.emplace_back();
  for (std::size_t i = 0; i < r.lines.size(); ++i) {
    std::string line = r.lines[i];
    for (char& c : line) {
      if (c == '\r' || c == '\n') c = '\0';
    }
    const bool middle = i != 0 && i + 1 != r.lines.size();
    if (middle && (line.empty() || (line[0] >= '0' && line[0] <= '9'))) line.insert(0, " ");
    want.lines.push_back(std::move(line));
  }
  return want;
}

bool within_limits(std::string_view wire) {
  if (wire.size() > limits::max_reply_bytes) return false;
  std::size_t lines = 0;
  for (std::size_t start = 0; start < wire.size();) {
    const std::size_t end = wire.find("\r\n", start);
    check(end != std::string_view::npos);  // every line is CRLF-terminated
    if (end - start > limits::max_reply_line) return false;
    ++lines;
    start = end + 2;
  }
  return lines <= limits::max_reply_lines;
}

void round_trip(int code, std::string_view text, std::size_t chunk) {
  reply r;
  r.code = code;
  for (std::size_t start = 0; !text.empty() && start <= text.size();) {
    const std::size_t end = text.find('\x1e', start);
    r.lines.emplace_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  const std::string wire = format_reply(r);
  const auto parsed = run(wire, chunk);
  check(parsed.size() == 1);
  if (!within_limits(wire)) {
    check(parsed[0].code == 0);
    return;
  }
  check(parsed[0] == expected_round_trip(r));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::size_t chunk = data[0] % 32 + 1;

  const auto chunked = run(bytes, chunk);
  check(chunked == run(bytes, bytes.empty() ? 1 : bytes.size()));

  round_trip(100 + data[0] * 499 / 255, bytes, chunk);
  return 0;
}
