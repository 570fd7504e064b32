// RFC 959 control lines: framing (CRLF or bare LF), Telnet IAC removal
// (RFC 854) and the split into a verb and its argument.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/expected.hpp"

namespace portico::protocol {

// One command as the client sent it. The verb is upper-cased ASCII; the
// argument is kept byte-exact (inner and trailing spaces, UTF-8) except that
// the single space separating it from the verb is removed.
struct command_line {
  std::string verb;
  std::string argument;
  friend bool operator==(const command_line&, const command_line&) = default;
};

// Splits "VERB[ SP argument]" (no line terminator). Verbs are letters only
// (at most limits::max_verb_length); NUL or a bare CR anywhere is an error.
result<command_line> parse_command(std::string_view line);

// Turns the byte stream of a control connection into lines.
//
// Telnet commands are removed as they arrive: IAC IAC is a literal 0xFF,
// option negotiation (IAC WILL/WONT/DO/DONT x) and subnegotiation (IAC SB ..
// IAC SE) are dropped, and so are IAC IP / IAC DM, which RFC 959 puts before
// ABOR. An IAC followed by a byte that is no Telnet command is dropped alone,
// which keeps "ABOR" intact when the urgent DM byte was taken out of band.
// A sequence split across two feed() calls is handled.
//
// A line ends with LF (CR LF or a bare LF: not all clients send the CR). A
// line longer than limits::max_command_line yields errc::line_too_long once;
// the caller should close the session, since the rest cannot be trusted.
class line_assembler {
 public:
  void feed(std::string_view bytes);

  // The next complete line (terminator removed), an error, or nothing if more
  // bytes are needed.
  std::optional<result<std::string>> next_line();

  // Bytes held for an unfinished line.
  std::size_t pending() const noexcept { return current_.size(); }

 private:
  enum class telnet_state { data, iac, option, subneg, subneg_iac };
  void push_byte(char c);

  telnet_state state_ = telnet_state::data;
  std::string current_;
  bool overflowed_ = false;
  // A vector, not a deque: libstdc++'s deque allocates over 500 bytes even
  // when empty, and every idle session holds one of these.
  std::vector<result<std::string>> ready_;
};

}  // namespace portico::protocol
