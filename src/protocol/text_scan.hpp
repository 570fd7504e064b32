// Small scanning helpers shared by the protocol parsers (internal).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

namespace portico::protocol::detail {

constexpr bool is_digit(char c) noexcept {
  return c >= '0' && c <= '9';
}

// Reads 1 to 3 decimal digits at `pos` naming 0..255 (IPv4 octets, PORT
// numbers), advancing `pos` past them. Returns the number of digits read, or 0
// when there is no such number there (a fourth digit is a failure too).
inline std::size_t read_decimal_byte(std::string_view text, std::size_t& pos,
                                     std::uint8_t& out) noexcept {
  const std::size_t start = pos;
  unsigned value = 0;
  while (pos < text.size() && is_digit(text[pos])) {
    if (pos - start == 3) return 0;  // a fourth digit
    value = value * 10 + static_cast<unsigned>(text[pos] - '0');
    ++pos;
  }
  if (pos == start || value > 255) return 0;
  out = static_cast<std::uint8_t>(value);
  return pos - start;
}

// Pops the front of a queue into the return value. Moving straight into the
// return value (and popping after) avoids a local copy, for which GCC 12
// reports a false maybe-uninitialized inside std::variant.
template <class Queue>
auto take_front(Queue& queue) {
  struct pop_on_exit {
    Queue& q;
    ~pop_on_exit() { q.pop_front(); }
  } pop{queue};
  return std::move(queue.front());
}

}  // namespace portico::protocol::detail
