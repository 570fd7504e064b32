#include "protocol/reply.hpp"

#include <algorithm>
#include <cassert>
#include <cstring>

#include "protocol/error.hpp"
#include "protocol/limits.hpp"
#include "protocol/text_scan.hpp"

namespace portico::protocol {
namespace {

constexpr char iac = '\xff';

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Appends text as it may appear inside one reply line: CR and LF become NUL
// (RFC 959's rule for a newline in a path name) so no text can start a line
// of its own, and 0xFF is doubled so that a Telnet-aware client reads it back.
void append_text(std::string& out, std::string_view text) {
  for (const char c : text) {
    if (c == '\r' || c == '\n') {
      out.push_back('\0');
    } else {
      out.push_back(c);
      if (c == iac) out.push_back(iac);
    }
  }
}

void append_code(std::string& out, int code) {
  out.push_back(static_cast<char>('0' + code / 100));
  out.push_back(static_cast<char>('0' + code / 10 % 10));
  out.push_back(static_cast<char>('0' + code % 10));
}

// "\xff\xff" -> "\xff": servers double IAC in replies (vsftpd does); a lone
// 0xFF is kept as it is rather than guessed at.
std::string undouble_iac(std::string line) {
  if (line.find("\xff\xff") == std::string::npos) return line;
  std::string out;
  out.reserve(line.size());
  for (std::size_t i = 0; i < line.size(); ++i) {
    out.push_back(line[i]);
    if (line[i] == iac && i + 1 < line.size() && line[i + 1] == iac) ++i;
  }
  return out;
}

// The code of a line "ddd..." with d1 in 1..5 (so 100..599), or -1.
int leading_code(std::string_view line) {
  if (line.size() < 3 || line[0] < '1' || line[0] > '5' || !is_digit(line[1]) ||
      !is_digit(line[2])) {
    return -1;
  }
  return (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
}

}  // namespace

std::string reply::text() const {
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i != 0) out.push_back('\n');
    out += lines[i];
  }
  return out;
}

std::string format_reply(const reply& r) {
  assert(r.code >= 100 && r.code <= 599);
  std::string out;
  if (r.lines.size() <= 1) {
    append_code(out, r.code);
    out.push_back(' ');
    if (!r.lines.empty()) append_text(out, r.lines.front());
    out += "\r\n";
    return out;
  }
  append_code(out, r.code);
  out.push_back('-');
  append_text(out, r.lines.front());
  out += "\r\n";
  for (std::size_t i = 1; i + 1 < r.lines.size(); ++i) {
    const std::string& line = r.lines[i];
    // A leading space keeps a middle line such as "226 x" (a file name in a
    // STAT listing) from being read as the end of the reply; an empty line
    // gets one too, since a few clients drop or choke on empty lines.
    if (line.empty() || is_digit(line.front())) out.push_back(' ');
    append_text(out, line);
    out += "\r\n";
  }
  append_code(out, r.code);
  out.push_back(' ');
  append_text(out, r.lines.back());
  out += "\r\n";
  return out;
}

void reply_parser::feed(std::string_view bytes) {
  while (!failed_ && !bytes.empty()) {
    // Copy no more than one byte past what a line may hold (plus its CR), so
    // that one feed() of a gigabyte without LF costs no more than the cap.
    const std::size_t room = limits::max_reply_line + 2 - buffer_.size();
    const std::size_t window = std::min(bytes.size(), room);
    const void* lf = std::memchr(bytes.data(), '\n', window);
    const std::size_t take =
        lf ? static_cast<std::size_t>(static_cast<const char*>(lf) - bytes.data()) : window;
    buffer_.append(bytes.data(), take);
    // Fail as soon as the buffered line is too long, not at its LF. One byte
    // of slack is a CR that an LF may still follow.
    if (buffer_.size() > limits::max_reply_line + 1 ||
        (buffer_.size() == limits::max_reply_line + 1 && buffer_.back() != '\r')) {
      fail(make_error_code(errc::reply_too_long));
      return;
    }
    if (!lf) return;
    bytes.remove_prefix(take + 1);
    std::string line = std::move(buffer_);
    buffer_.clear();
    const std::size_t wire_size = line.size() + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (partial_bytes_ + wire_size > limits::max_reply_bytes) {
      fail(make_error_code(errc::reply_too_long));
      return;
    }
    partial_bytes_ += wire_size;
    consume_line(undouble_iac(std::move(line)));
  }
}

void reply_parser::consume_line(std::string line) {
  const int code = leading_code(line);
  if (!partial_) {
    if (code < 0) return fail(make_error_code(errc::bad_reply_code));
    // Exactly "ddd" is a single-line reply with no text; some servers send it.
    if (line.size() == 3 || line[3] == ' ') {
      ready_.emplace_back(reply(code, line.size() == 3 ? std::string() : line.substr(4)));
      partial_bytes_ = 0;
    } else if (line[3] == '-') {
      partial_.emplace(code, line.substr(4));
    } else {
      fail(make_error_code(errc::bad_reply_separator));
    }
    return;
  }
  if (partial_->lines.size() >= limits::max_reply_lines) {
    return fail(make_error_code(errc::reply_too_many_lines));
  }
  // Only the same code followed by a space (or nothing) ends the reply
  // (RFC 959 §4.2): "200 x" inside a 211 reply, or "211-x", is a middle line.
  if (code == partial_->code && (line.size() == 3 || line[3] == ' ')) {
    partial_->lines.push_back(line.size() == 3 ? std::string() : line.substr(4));
    ready_.emplace_back(std::move(*partial_));
    partial_.reset();
    partial_bytes_ = 0;
  } else {
    partial_->lines.push_back(std::move(line));
  }
}

void reply_parser::fail(std::error_code ec) {
  failed_ = true;
  ready_.emplace_back(unexpected(ec));
  buffer_.clear();
  buffer_.shrink_to_fit();
  partial_.reset();
  partial_bytes_ = 0;
}

std::optional<result<reply>> reply_parser::next() {
  if (ready_.empty()) return std::nullopt;
  return detail::take_front(ready_);
}

}  // namespace portico::protocol
