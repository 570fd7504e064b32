// RFC 959 §4.2 replies: formatting (server) and incremental parsing (client).
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/expected.hpp"

namespace portico::protocol {

// A reply: a three-digit code and one or more lines of text. For a multi-line
// reply, lines[0] is the text after "ddd-", lines.back() the text after
// "ddd ", and the lines between are kept as they are.
struct reply {
  int code = 0;
  std::vector<std::string> lines;

  reply() = default;
  reply(int c, std::string text) : code(c), lines{std::move(text)} {}
  reply(int c, std::vector<std::string> text) : code(c), lines(std::move(text)) {}

  // The whole text, lines joined by '\n' (for messages and logs).
  std::string text() const;
  bool is_positive_preliminary() const { return code / 100 == 1; }
  bool is_positive_completion() const { return code / 100 == 2; }
  bool is_positive_intermediate() const { return code / 100 == 3; }
  bool is_transient_negative() const { return code / 100 == 4; }
  bool is_permanent_negative() const { return code / 100 == 5; }
  friend bool operator==(const reply&, const reply&) = default;
};

// Wire form of a reply, CRLF-terminated. A single line is "ddd text"; several
// are "ddd-first", the middle lines, then "ddd last". A middle line that starts
// with a digit is prefixed with a space so that it can never be read as the end
// of the reply. CR and LF inside any text become NUL (RFC 959's rule for names
// holding a newline) so that no text can start a line of its own, and 0xFF is
// doubled (Telnet IAC IAC).
std::string format_reply(const reply& r);

// Reassembles replies from the bytes of a control connection. Lines end in
// CRLF or a bare LF. A reply that exceeds limits::max_reply_line, _lines or
// _bytes, or a line that is not a reply, yields an error; the parser is then
// unusable and the connection should be closed. The error is returned once,
// after the replies completed before it; from then on feed() ignores its
// input and next() returns nothing, so a drain loop always ends. The limits
// count bytes as received (a doubled 0xFF counts twice). A line of the same
// code with '-' or of another code inside a multi-line reply is a middle
// line (so errc::reply_code_mismatch is never returned).
class reply_parser {
 public:
  void feed(std::string_view bytes);
  std::optional<result<reply>> next();

 private:
  void consume_line(std::string line);
  void fail(std::error_code ec);

  std::string buffer_;
  std::optional<reply> partial_;  // a multi-line reply still open
  std::size_t partial_bytes_ = 0;
  bool failed_ = false;
  std::deque<result<reply>> ready_;
};

}  // namespace portico::protocol
