#include "protocol/ip_address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>

#include "protocol/error.hpp"
#include "protocol/text_scan.hpp"

namespace portico::protocol {
namespace {

using detail::is_digit;

bool is_hex_digit(char c) noexcept {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Exactly four decimal octets. Written by hand rather than with inet_aton,
// which also takes "1.2.3", "0x7f.1" and octal "010.0.0.1": an address that
// names a different host to different parsers is how ACLs get bypassed.
bool parse_v4(std::string_view text, std::array<std::uint8_t, 4>& out) noexcept {
  std::size_t pos = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i > 0) {
      if (pos >= text.size() || text[pos] != '.') return false;
      ++pos;
    }
    const std::size_t start = pos;
    const std::size_t length = detail::read_decimal_byte(text, pos, out[i]);
    if (length == 0) return false;
    if (length > 1 && text[start] == '0') return false;  // "010" could be read as octal
  }
  return pos == text.size();
}

// inet_pton(AF_INET6) implements RFC 4291 text (and rejects leading zeros in
// an embedded IPv4 part, as parse_v4 does). The character filter in front of
// it keeps out zone indexes, brackets and whitespace, and the length check
// bounds the copy into a NUL-terminated buffer.
bool parse_v6(std::string_view text, std::array<std::uint8_t, 16>& out) noexcept {
  // The longest RFC 4291 text: "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255".
  constexpr std::size_t max_text = INET6_ADDRSTRLEN - 1;
  if (text.size() > max_text) return false;
  for (const char c : text) {
    if (!is_hex_digit(c) && c != ':' && c != '.') return false;
  }
  char buffer[INET6_ADDRSTRLEN] = {};
  std::memcpy(buffer, text.data(), text.size());
  in6_addr address{};
  if (inet_pton(AF_INET6, buffer, &address) != 1) return false;
  std::memcpy(out.data(), &address, out.size());
  return true;
}

void append_v4(std::string& out, const std::uint8_t* octets) {
  for (std::size_t i = 0; i < 4; ++i) {
    if (i > 0) out += '.';
    out += std::to_string(octets[i]);
  }
}

void append_hex(std::string& out, unsigned value) {
  char digits[4];
  // Cannot fail: value < 0x10000 fits in four hex digits.
  const auto converted = std::to_chars(digits, digits + sizeof digits, value, 16);
  out.append(digits, converted.ptr);
}

// RFC 5952: lowercase, no leading zeros, "::" for the first longest run of two
// or more zero groups. Mixed notation only for IPv4-mapped addresses (§5); the
// deprecated IPv4-compatible form ::a.b.c.d is written in hex, so that only
// addresses that really are IPv4 look like IPv4. Written by hand because
// glibc's inet_ntop writes ::a.b.c.d.
std::string format_v6(const std::array<std::uint8_t, 16>& bytes) {
  std::string out;
  std::array<unsigned, 8> groups{};
  for (std::size_t i = 0; i < groups.size(); ++i) {
    groups[i] = static_cast<unsigned>(bytes[2 * i] << 8 | bytes[2 * i + 1]);
  }
  std::size_t best_start = groups.size();
  std::size_t best_length = 1;  // a single zero group is not compressed
  for (std::size_t i = 0; i < groups.size();) {
    if (groups[i] != 0) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < groups.size() && groups[end] == 0) ++end;
    if (end - i > best_length) {
      best_start = i;
      best_length = end - i;
    }
    i = end;
  }
  for (std::size_t i = 0; i < groups.size(); ++i) {
    if (i == best_start) {
      out += "::";
      i += best_length - 1;
      continue;
    }
    if (i > 0 && i != best_start + best_length) out += ':';
    append_hex(out, groups[i]);
  }
  return out;
}

}  // namespace

ip_address ip_address::v4(std::array<std::uint8_t, 4> bytes) {
  ip_address a;
  a.family_ = family::v4;
  std::memcpy(a.bytes_.data(), bytes.data(), bytes.size());
  return a;
}

ip_address ip_address::v6(std::array<std::uint8_t, 16> bytes) {
  ip_address a;
  a.family_ = family::v6;
  a.bytes_ = bytes;
  return a;
}

result<ip_address> ip_address::parse(std::string_view text) {
  // The family is chosen by the presence of ':', which no IPv4 text has and
  // every IPv6 text has.
  if (text.find(':') != std::string_view::npos) {
    std::array<std::uint8_t, 16> bytes{};
    if (!parse_v6(text, bytes)) return unexpected(make_error_code(errc::bad_address));
    return v6(bytes);
  }
  std::array<std::uint8_t, 4> bytes{};
  if (!parse_v4(text, bytes)) return unexpected(make_error_code(errc::bad_address));
  return v4(bytes);
}

std::array<std::uint8_t, 4> ip_address::v4_bytes() const noexcept {
  return {bytes_[0], bytes_[1], bytes_[2], bytes_[3]};
}

bool ip_address::is_v4_mapped() const noexcept {
  if (family_ != family::v6) return false;
  for (std::size_t i = 0; i < 10; ++i) {
    if (bytes_[i] != 0) return false;
  }
  return bytes_[10] == 0xff && bytes_[11] == 0xff;
}

ip_address ip_address::unmapped() const noexcept {
  if (!is_v4_mapped()) return *this;
  return v4({bytes_[12], bytes_[13], bytes_[14], bytes_[15]});
}

std::string ip_address::to_string() const {
  std::string out;
  if (is_v4()) {
    append_v4(out, bytes_.data());
  } else if (is_v4_mapped()) {
    out = "::ffff:";
    append_v4(out, bytes_.data() + 12);
  } else {
    out = format_v6(bytes_);
  }
  return out;
}

bool same_host(const ip_address& a, const ip_address& b) noexcept {
  return a.unmapped() == b.unmapped();
}

std::string endpoint::to_string() const {
  // Brackets keep the port apart from the address's own colons (RFC 3986).
  if (address.is_v6()) return "[" + address.to_string() + "]:" + std::to_string(port);
  return address.to_string() + ":" + std::to_string(port);
}

}  // namespace portico::protocol
