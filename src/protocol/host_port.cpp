#include "protocol/host_port.hpp"

#include <array>

#include "protocol/error.hpp"
#include "protocol/text_scan.hpp"

namespace portico::protocol {
namespace {

auto fail(errc e) {
  return unexpected(make_error_code(e));
}

using detail::is_digit;

// One number of h1,h2,h3,h4,p1,p2: 1 to 3 decimal digits, 0..255. Leading
// zeros are accepted ("010" is ten): no client is known to pad, but the value
// is unambiguous, and refusing it would only break some odd client.
bool read_byte(std::string_view text, std::size_t& pos, std::uint8_t& out) noexcept {
  return detail::read_decimal_byte(text, pos, out) != 0;
}

void skip_spaces(std::string_view text, std::size_t& pos) noexcept {
  while (pos < text.size() && text[pos] == ' ') ++pos;
}

// Six numbers separated by commas, with optional spaces around each comma,
// starting at pos. On success pos is just past the sixth number.
bool read_six(std::string_view text, std::size_t& pos, std::array<std::uint8_t, 6>& out) noexcept {
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i > 0) {
      skip_spaces(text, pos);
      if (pos >= text.size() || text[pos] != ',') return false;
      ++pos;
      skip_spaces(text, pos);
    }
    if (!read_byte(text, pos, out[i])) return false;
  }
  return true;
}

result<endpoint> to_endpoint(const std::array<std::uint8_t, 6>& n) {
  const auto port = static_cast<std::uint16_t>(n[4] << 8 | n[5]);
  // Port 0 is never a connectable data port.
  if (port == 0) return fail(errc::bad_port);
  return endpoint{ip_address::v4({n[0], n[1], n[2], n[3]}), port};
}

// An EPRT or 229 port. Leading zeros are refused where the peer is a client
// (EPRT; no client writes them) and accepted from servers (229), since a
// client has to cope with whatever its server sends.
enum class zeros { refuse, accept };

result<std::uint16_t> parse_port(std::string_view digits, zeros leading) noexcept {
  if (digits.empty()) return fail(errc::bad_port);
  if (leading == zeros::refuse && digits.size() > 1 && digits[0] == '0') {
    return fail(errc::bad_port);
  }
  unsigned value = 0;
  for (const char c : digits) {
    if (!is_digit(c)) return fail(errc::bad_port);
    value = value * 10 + static_cast<unsigned>(c - '0');
    if (value > 65535) return fail(errc::bad_port);  // also stops overflow
  }
  if (value == 0) return fail(errc::bad_port);
  return static_cast<std::uint16_t>(value);
}

// RFC 2428 allows any of ASCII 33..126 as the EPRT delimiter. Characters that
// can occur inside the address text are refused too: with "a" or ":" as the
// delimiter, "a2a1080::a:800a5282a" has no single reading.
bool is_eprt_delimiter(char c) noexcept {
  if (c < 33 || c > 126) return false;
  if (is_digit(c) || c == '.' || c == ':') return false;
  return !((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
}

}  // namespace

result<endpoint> parse_host_port(std::string_view text) {
  std::array<std::uint8_t, 6> numbers{};
  std::size_t pos = 0;
  if (!read_six(text, pos, numbers) || pos != text.size()) return fail(errc::bad_host_port);
  return to_endpoint(numbers);
}

result<std::string> format_host_port(const endpoint& ep) {
  const ip_address address = ep.address.unmapped();
  if (!address.is_v4()) return fail(errc::unsupported_address_family);
  // Port 0 would produce a string parse_host_port refuses.
  if (ep.port == 0) return fail(errc::bad_port);
  std::string out;
  for (const std::uint8_t octet : address.v4_bytes()) {
    out += std::to_string(octet);
    out += ',';
  }
  out += std::to_string(ep.port >> 8);
  out += ',';
  out += std::to_string(ep.port & 0xff);
  return out;
}

result<endpoint> parse_pasv_reply(std::string_view text) {
  // A candidate run starts at the first digit of a number, never inside one:
  // in "(1234,0,0,1,4,1,2)" the run is not "234,0,0,1,4,1". Each start is
  // tried at most once and a try reads a bounded number of characters beyond
  // spaces, so the scan is linear.
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!is_digit(text[i]) || (i > 0 && is_digit(text[i - 1]))) continue;
    std::array<std::uint8_t, 6> numbers{};
    std::size_t pos = i;
    if (read_six(text, pos, numbers)) return to_endpoint(numbers);
  }
  return fail(errc::bad_pasv_reply);
}

result<endpoint> parse_eprt(std::string_view argument) {
  if (argument.empty() || !is_eprt_delimiter(argument[0])) return fail(errc::bad_delimiter);
  const char d = argument[0];
  // Exactly d af d address d port d: three fields, each closed by d, and
  // nothing after the last one.
  std::array<std::string_view, 3> fields;
  std::string_view rest = argument.substr(1);
  for (auto& field : fields) {
    const std::size_t end = rest.find(d);
    if (end == std::string_view::npos) return fail(errc::bad_delimiter);
    field = rest.substr(0, end);
    rest = rest.substr(end + 1);
  }
  if (!rest.empty()) return fail(errc::bad_delimiter);

  // The family is checked first: an unknown one earns 522, which tells the
  // client which families to use instead.
  ip_address::family family;
  if (fields[0] == "1") {
    family = ip_address::family::v4;
  } else if (fields[0] == "2") {
    family = ip_address::family::v6;
  } else {
    return fail(errc::unsupported_address_family);
  }
  const auto address = ip_address::parse(fields[1]);
  if (!address || address->af() != family) return fail(errc::bad_address);
  const auto port = parse_port(fields[2], zeros::refuse);
  if (!port) return unexpected(port.error());
  return endpoint{*address, *port};
}

// An IPv4-mapped address is written as |1|: the peer behind it is an IPv4
// host, and an IPv4-only server refuses af 2 with 522.
std::string format_eprt(const endpoint& ep) {
  const ip_address address = ep.address.unmapped();
  const char* af = address.is_v4() ? "|1|" : "|2|";
  return af + address.to_string() + "|" + std::to_string(ep.port) + "|";
}

result<std::uint16_t> parse_epsv_reply(std::string_view text) {
  // "(ddd<port>d)" with one delimiter character d, as curl looks for it.
  for (std::size_t i = text.find('('); i != std::string_view::npos; i = text.find('(', i + 1)) {
    if (text.size() - i < 7) break;  // "(|||1|)" is the shortest
    const char d = text[i + 1];
    if (d < 33 || d > 126 || is_digit(d) || text[i + 2] != d || text[i + 3] != d) continue;
    std::size_t end = i + 4;
    while (end < text.size() && is_digit(text[end])) ++end;
    if (end == i + 4 || end + 1 >= text.size() || text[end] != d || text[end + 1] != ')') {
      continue;
    }
    const auto port = parse_port(text.substr(i + 4, end - (i + 4)), zeros::accept);
    if (!port) return unexpected(port.error());
    return *port;
  }
  return fail(errc::bad_epsv_reply);
}

std::string format_epsv_port(std::uint16_t port) {
  return "(|||" + std::to_string(port) + "|)";
}

result<epsv_argument> parse_epsv_argument(std::string_view argument) {
  using kind = epsv_argument::kind;
  if (argument.empty()) return epsv_argument{kind::any};
  if (argument == "1") return epsv_argument{kind::v4};
  if (argument == "2") return epsv_argument{kind::v6};
  if (argument.size() == 3) {
    bool all = true;
    for (std::size_t i = 0; i < 3; ++i) {
      all = all && (argument[i] == "ALL"[i] || argument[i] == "all"[i]);
    }
    if (all) return epsv_argument{kind::all};
  }
  // A number is a protocol request the server does not support (522); anything
  // else is a syntax error (501).
  bool number = true;
  for (const char c : argument) number = number && is_digit(c);
  return fail(number ? errc::unsupported_address_family : errc::bad_address);
}

}  // namespace portico::protocol
