#include "protocol/proxy_header.hpp"

#include <algorithm>
#include <array>
#include <string_view>
#include <utility>

#include "protocol/error.hpp"
#include "protocol/limits.hpp"
#include "protocol/text_scan.hpp"

namespace portico::protocol {
namespace {

using status = proxy_header_length::status;
using bytes = std::span<const std::uint8_t>;

constexpr std::string_view v1_prefix = "PROXY ";
constexpr std::array<std::uint8_t, 12> v2_signature = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D,
                                                       0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
constexpr std::size_t v2_fixed_size = 16;  // signature, ver_cmd, fam, len
constexpr std::uint8_t v2_local = 0x0;
constexpr std::uint8_t v2_proxy = 0x1;
constexpr std::uint8_t fam_unspec = 0x00;
constexpr std::uint8_t fam_tcp4 = 0x11;
constexpr std::uint8_t fam_tcp6 = 0x21;
constexpr std::size_t tcp4_block = 2 * 4 + 2 * 2;
constexpr std::size_t tcp6_block = 2 * 16 + 2 * 2;
constexpr std::size_t tlv_header_size = 3;  // type, 16-bit length

// Where the analysis of a prefix got to. measure_proxy_header reports it;
// parse_proxy_header takes the header or the error code from it, so that the
// two can never disagree.
struct analysis {
  status state = status::incomplete;
  std::size_t length = 0;
  errc code{};
  std::string message;  // when invalid
  proxy_header header;  // when known and the whole header was there
};

analysis incomplete() {
  return {};
}

analysis invalid(errc code, std::string message) {
  analysis a;
  a.state = status::invalid;
  a.code = code;
  a.message = std::move(message);
  return a;
}

analysis known(std::size_t length, proxy_header header = {}) {
  analysis a;
  a.state = status::known;
  a.length = length;
  a.header = std::move(header);
  return a;
}

std::string hex(std::uint8_t b) {
  constexpr std::string_view digits = "0123456789abcdef";
  return {'0', 'x', digits[static_cast<std::size_t>(b >> 4)],
          digits[static_cast<std::size_t>(b & 0xf)]};
}

// The first bytes of the data, quoted with anything unprintable escaped: what
// an operator needs to recognise a client that came around the proxy (FTP
// commands, a TLS ClientHello). Kept short, since it goes to a log.
std::string excerpt(bytes data) {
  constexpr std::size_t max = 8;
  std::string out = "\"";
  for (const std::uint8_t b : data.first(std::min(data.size(), max))) {
    if (b >= 0x20 && b < 0x7f && b != '"' && b != '\\') {
      out += static_cast<char>(b);
    } else {
      out += "\\x";
      out += hex(b).substr(2);
    }
  }
  out += data.size() > max ? "\"..." : "\"";
  return out;
}

analysis not_a_header(bytes data) {
  return invalid(errc::not_proxy_header,
                 "no PROXY protocol header: the connection starts with " + excerpt(data) +
                     ", not \"PROXY \" (version 1) or the version 2 signature");
}

// --- Version 1 -----------------------------------------------------------------

// A port: decimal 0..65535, no sign, no leading zeros (the specification
// forbids them, to avoid any reading as octal).
bool parse_v1_port(std::string_view text, std::uint16_t& out) noexcept {
  if (text.empty() || text.size() > 5 || (text.size() > 1 && text[0] == '0')) return false;
  unsigned value = 0;
  for (const char c : text) {
    if (!detail::is_digit(c)) return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) return false;
  out = static_cast<std::uint16_t>(value);
  return true;
}

// The line between "PROXY " and CRLF; `length` is that of the whole header.
analysis parse_v1_line(std::string_view line, std::size_t length) {
  const std::size_t space = line.find(' ');
  const std::string_view protocol = line.substr(0, space);
  proxy_header header;
  header.version = 1;
  // "the receiver must ignore anything presented before the CRLF is found"
  if (protocol == "UNKNOWN") return known(length, header);

  ip_address::family family{};
  if (protocol == "TCP4") {
    family = ip_address::family::v4;
  } else if (protocol == "TCP6") {
    family = ip_address::family::v6;
  } else if (protocol.empty()) {
    return invalid(errc::bad_proxy_header,
                   "PROXY v1 header: \"PROXY \" must be followed by TCP4, TCP6 or UNKNOWN");
  } else {
    return invalid(
        errc::unsupported_address_family,
        "PROXY v1 header: protocol \"" + std::string(protocol) + "\" is not TCP4, TCP6 or UNKNOWN");
  }

  // Exactly four fields, each after exactly one space.
  std::array<std::string_view, 4> fields;
  std::size_t count = 0;
  for (std::size_t pos = space; pos != std::string_view::npos;) {
    const std::size_t start = pos + 1;
    pos = line.find(' ', start);
    const std::string_view field = line.substr(start, pos == line.npos ? line.npos : pos - start);
    if (field.empty()) {
      return invalid(errc::bad_proxy_header,
                     "PROXY v1 header: fields must be separated by exactly one space");
    }
    if (count < fields.size()) fields[count] = field;
    ++count;
  }
  if (count != fields.size()) {
    return invalid(errc::bad_proxy_header,
                   "PROXY v1 header: " + std::string(protocol) +
                       " needs 4 fields (source address, destination address, source port, "
                       "destination port), found " +
                       std::to_string(count));
  }

  const char* const names[] = {"source", "destination"};
  const char* const family_name = family == ip_address::family::v4 ? "IPv4" : "IPv6";
  endpoint* const ends[] = {&header.source, &header.destination};
  for (std::size_t i = 0; i < 2; ++i) {
    const auto address = ip_address::parse(fields[i]);
    if (!address || address->af() != family) {
      return invalid(errc::bad_address, "PROXY v1 header: " + std::string(names[i]) +
                                            " address \"" + std::string(fields[i]) +
                                            "\" is not an " + family_name + " address");
    }
    ends[i]->address = *address;
    if (!parse_v1_port(fields[2 + i], ends[i]->port)) {
      return invalid(errc::bad_port,
                     "PROXY v1 header: " + std::string(names[i]) + " port \"" +
                         std::string(fields[2 + i]) +
                         "\" is not a decimal number 0-65535 without leading zeros");
    }
  }
  header.what = proxy_header::kind::proxied;
  return known(length, header);
}

analysis analyse_v1(bytes prefix) {
  // A mismatch within "PROXY" is some other protocol; "PROXY" followed by
  // anything but a space is a broken header.
  const std::size_t checked = std::min(prefix.size(), v1_prefix.size());
  for (std::size_t i = 0; i < checked; ++i) {
    if (prefix[i] == static_cast<std::uint8_t>(v1_prefix[i])) continue;
    if (i < 5) return not_a_header(prefix);
    return invalid(errc::bad_proxy_header,
                   "PROXY v1 header: \"PROXY\" is followed by " + hex(prefix[i]) + ", not a space");
  }
  if (prefix.size() < v1_prefix.size()) return incomplete();

  // The CR of the CRLF can be no later than max - 2.
  constexpr std::size_t max = limits::max_proxy_v1_header;
  for (std::size_t i = v1_prefix.size(); i < prefix.size() && i + 2 <= max; ++i) {
    const std::uint8_t b = prefix[i];
    if (b == '\r') {
      if (i + 1 == prefix.size()) return incomplete();
      if (prefix[i + 1] != '\n') {
        return invalid(errc::bad_proxy_header,
                       "PROXY v1 header: CR not followed by LF at byte " + std::to_string(i));
      }
      const std::string_view text(reinterpret_cast<const char*>(prefix.data()), i);
      return parse_v1_line(text.substr(v1_prefix.size()), i + 2);
    }
    if (b == '\n') {
      return invalid(errc::bad_proxy_header,
                     "PROXY v1 header: LF without CR at byte " + std::to_string(i));
    }
    if (b < 0x20 || b >= 0x7f) {
      return invalid(errc::bad_proxy_header, "PROXY v1 header: byte " + std::to_string(i) + " is " +
                                                 hex(b) + ", not printable ASCII");
    }
  }
  if (prefix.size() + 2 > max) {
    return invalid(errc::proxy_header_too_long,
                   "PROXY v1 header: no CRLF within " + std::to_string(max) + " bytes");
  }
  return incomplete();
}

// --- Version 2 -----------------------------------------------------------------

std::string describe_family(std::uint8_t fam) {
  switch (fam) {
    case 0x00:
      return "unspecified";
    case 0x11:
      return "TCP over IPv4";
    case 0x12:
      return "UDP over IPv4";
    case 0x21:
      return "TCP over IPv6";
    case 0x22:
      return "UDP over IPv6";
    case 0x31:
      return "UNIX stream";
    case 0x32:
      return "UNIX datagram";
    default:
      return "undefined";
  }
}

std::uint16_t read_u16(bytes data, std::size_t at) noexcept {
  return static_cast<std::uint16_t>(data[at] << 8 | data[at + 1]);
}

template <std::size_t N>
std::array<std::uint8_t, N> read_array(bytes data, std::size_t at) noexcept {
  std::array<std::uint8_t, N> out{};
  std::copy_n(data.begin() + static_cast<std::ptrdiff_t>(at), N, out.begin());
  return out;
}

// The addresses and TLVs of a whole PROXY header with a TCP family. The TLVs
// carry nothing portico uses (ALPN, SNI, TLS details, cloud endpoint ids);
// they are skipped, but must fit the header exactly, as HAProxy requires.
analysis parse_v2_body(bytes header_bytes, std::uint8_t fam) {
  proxy_header header;
  header.version = 2;
  header.what = proxy_header::kind::proxied;
  std::size_t at = v2_fixed_size;
  if (fam == fam_tcp4) {
    header.source.address = ip_address::v4(read_array<4>(header_bytes, at));
    header.destination.address = ip_address::v4(read_array<4>(header_bytes, at + 4));
    at += 8;
  } else {
    header.source.address = ip_address::v6(read_array<16>(header_bytes, at));
    header.destination.address = ip_address::v6(read_array<16>(header_bytes, at + 16));
    at += 32;
  }
  header.source.port = read_u16(header_bytes, at);
  header.destination.port = read_u16(header_bytes, at + 2);
  at += 4;

  while (at < header_bytes.size()) {
    if (header_bytes.size() - at < tlv_header_size) {
      return invalid(errc::bad_proxy_header,
                     "PROXY v2 header: " + std::to_string(header_bytes.size() - at) +
                         " stray bytes at byte " + std::to_string(at) + ", too few for a TLV");
    }
    const std::size_t value_size = read_u16(header_bytes, at + 1);
    if (value_size > header_bytes.size() - at - tlv_header_size) {
      return invalid(errc::bad_proxy_header, "PROXY v2 header: TLV " + hex(header_bytes[at]) +
                                                 " at byte " + std::to_string(at) + " claims " +
                                                 std::to_string(value_size) +
                                                 " bytes, more than the header holds");
    }
    at += tlv_header_size + value_size;
  }
  return known(header_bytes.size(), header);
}

analysis analyse_v2(bytes prefix) {
  const std::size_t checked = std::min(prefix.size(), v2_signature.size());
  if (!std::equal(prefix.begin(), prefix.begin() + static_cast<std::ptrdiff_t>(checked),
                  v2_signature.begin())) {
    return not_a_header(prefix);
  }
  if (prefix.size() <= 12) return incomplete();

  const std::uint8_t ver_cmd = prefix[12];
  if (ver_cmd >> 4 != 2) {
    return invalid(errc::bad_proxy_header, "PROXY v2 header: version " +
                                               std::to_string(ver_cmd >> 4) + " (byte 12 is " +
                                               hex(ver_cmd) + "), expected 2");
  }
  const std::uint8_t command = ver_cmd & 0x0f;
  if (command != v2_local && command != v2_proxy) {
    return invalid(errc::bad_proxy_header, "PROXY v2 header: command " + std::to_string(command) +
                                               " is neither LOCAL (0) nor PROXY (1)");
  }
  if (prefix.size() <= 13) return incomplete();

  // LOCAL ignores the family ("discard the protocol block including the
  // family"); PROXY must name one portico can use, or none.
  const std::uint8_t fam = prefix[13];
  if (command == v2_proxy && fam != fam_unspec && fam != fam_tcp4 && fam != fam_tcp6) {
    return invalid(errc::unsupported_address_family,
                   "PROXY v2 header: family " + hex(fam) + " (" + describe_family(fam) +
                       ") is not TCP over IPv4 (0x11), TCP over IPv6 (0x21) or unspecified (0x00)");
  }
  if (prefix.size() < v2_fixed_size) return incomplete();

  const std::size_t length = v2_fixed_size + read_u16(prefix, 14);
  if (length > limits::max_proxy_header) {
    return invalid(errc::proxy_header_too_long,
                   "PROXY v2 header: " + std::to_string(length) + " bytes, more than the " +
                       std::to_string(limits::max_proxy_header) + " accepted");
  }
  const bool addressed = command == v2_proxy && fam != fam_unspec;
  if (addressed) {
    const std::size_t block = fam == fam_tcp4 ? tcp4_block : tcp6_block;
    if (length - v2_fixed_size < block) {
      return invalid(errc::bad_proxy_header,
                     "PROXY v2 header: " + std::to_string(length - v2_fixed_size) +
                         " address bytes, too few for " + describe_family(fam) + " (" +
                         std::to_string(block) + ")");
    }
  }
  if (prefix.size() < length) return known(length);

  if (!addressed) {
    // What follows LOCAL or an unspecified family is not ours to read.
    proxy_header header;
    header.version = 2;
    return known(length, header);
  }
  return parse_v2_body(prefix.first(length), fam);
}

analysis analyse(bytes prefix) {
  if (prefix.empty()) return incomplete();
  if (prefix[0] == static_cast<std::uint8_t>(v1_prefix[0])) return analyse_v1(prefix);
  if (prefix[0] == v2_signature[0]) return analyse_v2(prefix);
  return not_a_header(prefix);
}

}  // namespace

proxy_header_length measure_proxy_header(std::span<const std::uint8_t> prefix) {
  analysis a = analyse(prefix);
  proxy_header_length out;
  out.state = a.state;
  out.length = a.length;
  if (a.state == status::invalid) {
    out.code = make_error_code(a.code);
    out.error = std::move(a.message);
  }
  return out;
}

result<proxy_header> parse_proxy_header(std::span<const std::uint8_t> data) {
  analysis a = analyse(data);
  if (a.state == status::invalid) return unexpected(make_error_code(a.code));
  // Cut short, or with bytes after the header: not what measure_proxy_header
  // said to read.
  if (a.state != status::known || a.length != data.size()) {
    return unexpected(make_error_code(errc::bad_proxy_header));
  }
  return std::move(a.header);
}

}  // namespace portico::protocol
