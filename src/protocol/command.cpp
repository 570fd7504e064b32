#include "protocol/command.hpp"

#include <cstdint>

#include "protocol/error.hpp"
#include "protocol/limits.hpp"
#include "protocol/text_scan.hpp"

namespace portico::protocol {
namespace {

// Telnet command bytes (RFC 854). Everything from 240 to 255 is a command;
// the ones named here change the state machine, the rest are dropped alone.
constexpr std::uint8_t iac = 255;
constexpr std::uint8_t will_cmd = 251;  // WILL, WONT (252), DO (253), DONT (254)
constexpr std::uint8_t sb = 250;
constexpr std::uint8_t se = 240;
constexpr std::uint8_t first_command = 240;

// ASCII only: the C library's isalpha() depends on the locale, and a verb
// must never match differently because of the environment.
bool is_ascii_letter(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

char to_upper_ascii(char c) {
  return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
}

std::uint8_t byte_of(char c) {
  return static_cast<std::uint8_t>(c);
}

}  // namespace

result<command_line> parse_command(std::string_view line) {
  // NUL and CR are checked before anything else: they mean the line was
  // crafted to cut a path or a log line short, whatever else is wrong.
  if (line.find('\0') != std::string_view::npos)
    return unexpected(make_error_code(errc::nul_in_line));
  if (line.find('\r') != std::string_view::npos) {
    return unexpected(make_error_code(errc::bare_cr_in_line));
  }
  if (line.find_first_not_of(" \t") == std::string_view::npos) {
    return unexpected(make_error_code(errc::empty_line));
  }

  std::size_t verb_end = 0;
  while (verb_end < line.size() && is_ascii_letter(line[verb_end])) ++verb_end;
  if (verb_end == 0 || verb_end > limits::max_verb_length) {
    return unexpected(make_error_code(errc::bad_verb));
  }
  // The verb ends at the end of the line or at the one separating space;
  // anything else ("X99", "USER\tbob") is not a verb we could dispatch.
  if (verb_end < line.size() && line[verb_end] != ' ') {
    return unexpected(make_error_code(errc::bad_verb));
  }

  command_line out;
  out.verb.reserve(verb_end);
  for (std::size_t i = 0; i < verb_end; ++i) out.verb.push_back(to_upper_ascii(line[i]));
  if (verb_end < line.size()) out.argument.assign(line.substr(verb_end + 1));
  return out;
}

void line_assembler::feed(std::string_view bytes) {
  for (const char c : bytes) {
    const std::uint8_t b = byte_of(c);
    switch (state_) {
      case telnet_state::data:
        if (b == iac) {
          state_ = telnet_state::iac;
        } else {
          push_byte(c);
        }
        break;
      case telnet_state::iac:
        if (b == iac) {
          push_byte(c);  // IAC IAC: a literal 0xFF (a file name may hold one)
          state_ = telnet_state::data;
        } else if (b >= will_cmd) {
          state_ = telnet_state::option;
        } else if (b == sb) {
          state_ = telnet_state::subneg;
        } else if (b >= first_command) {
          state_ = telnet_state::data;  // IP, DM, NOP, AYT, ...: no data
        } else {
          // Not a Telnet command: the client sent IAC IP IAC DM with the DM
          // as urgent data, or a lone 0xFF. Keep the byte ("\xff\xf4\xffABOR").
          push_byte(c);
          state_ = telnet_state::data;
        }
        break;
      case telnet_state::option:
        state_ = telnet_state::data;  // the option code of WILL/WONT/DO/DONT
        break;
      case telnet_state::subneg:
        if (b == iac) state_ = telnet_state::subneg_iac;
        break;
      case telnet_state::subneg_iac:
        // IAC SE ends it; IAC IAC is an escaped 0xFF inside it; anything else
        // is malformed, and we stay in the subnegotiation rather than guess.
        state_ = (b == se) ? telnet_state::data : telnet_state::subneg;
        break;
    }
  }
}

void line_assembler::push_byte(char c) {
  if (overflowed_) {
    // Skip the rest of the over-long line so that its tail is never read as
    // a command of its own.
    if (c == '\n') overflowed_ = false;
    return;
  }
  if (c == '\n') {
    if (!current_.empty() && current_.back() == '\r') current_.pop_back();
    ready_.emplace_back(std::move(current_));
    current_.clear();
    return;
  }
  // The limit counts the terminator too: once the line holds max - 1 bytes
  // (a trailing CR included), even a bare LF would not fit. Failing here
  // rather than at the LF keeps memory bounded when no LF ever comes.
  if (current_.size() + 1 >= limits::max_command_line) {
    ready_.emplace_back(unexpected(make_error_code(errc::line_too_long)));
    current_.clear();
    current_.shrink_to_fit();
    overflowed_ = true;
    return;
  }
  current_.push_back(c);
}

std::optional<result<std::string>> line_assembler::next_line() {
  if (ready_.empty()) return std::nullopt;
  // Moved straight into the return value, erased after (see take_front).
  struct erase_on_exit {
    std::vector<result<std::string>>& q;
    ~erase_on_exit() { q.erase(q.begin()); }
  } erase{ready_};
  return std::move(ready_.front());
}

}  // namespace portico::protocol
