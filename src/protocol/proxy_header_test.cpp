#include "protocol/proxy_header.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/error.hpp"
#include "protocol/limits.hpp"

namespace portico::protocol {
namespace {

using status = proxy_header_length::status;
using ::testing::HasSubstr;
using octets = std::vector<std::uint8_t>;

octets text(std::string_view s) {
  return {s.begin(), s.end()};
}

// "0d0a 0d0a" -> bytes; spaces are for reading only.
octets hex(std::string_view s) {
  octets out;
  int high = -1;
  for (const char c : s) {
    if (c == ' ') continue;
    const int v = c <= '9' ? c - '0' : c - 'a' + 10;
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(high << 4 | v));
      high = -1;
    }
  }
  EXPECT_LT(high, 0) << "odd number of hex digits in " << s;
  return out;
}

octets operator+(octets a, const octets& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

octets first(const octets& data, std::size_t n) {
  return {data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n)};
}

endpoint ep(std::string_view address, std::uint16_t port) {
  auto a = ip_address::parse(address);
  EXPECT_TRUE(a.has_value()) << address;
  return {a.value_or(ip_address{}), port};
}

proxy_header proxied(int version, endpoint source, endpoint destination) {
  return {proxy_header::kind::proxied, source, destination, version};
}

proxy_header local(int version) {
  proxy_header h;
  h.version = version;
  return h;
}

const octets v2_signature = hex("0d0a0d0a000d0a515549540a");

// The 16 fixed bytes of a version 2 header.
octets v2_fixed(std::uint8_t ver_cmd, std::uint8_t fam, std::size_t rest) {
  return v2_signature + octets{ver_cmd, fam, static_cast<std::uint8_t>(rest >> 8),
                               static_cast<std::uint8_t>(rest & 0xff)};
}

octets tlv(std::uint8_t type, const octets& value) {
  return octets{type, static_cast<std::uint8_t>(value.size() >> 8),
                static_cast<std::uint8_t>(value.size() & 0xff)} +
         value;
}

// 172.19.0.1:42578 -> 172.19.0.3:80: HAProxy's send-proxy-v2 as captured on
// the wire (github.com/seriousben/experiment-proxy-protocol), before its GET.
const octets haproxy_v2_tcp4 =
    hex("0d0a0d0a 000d0a51 5549540a 2111000c ac130001 ac130003 a6520050");
const octets v2_tcp4_addresses =
    hex("c0000201 c6336407 c8520015");  // 192.0.2.1:51282 -> 198.51.100.7:21
const octets v2_tcp6_addresses =
    hex("20010db8000000000000000000000001 20010db8000000000000000000000021 c8520015");

void expect_measure(const octets& data, status state, std::size_t length = 0) {
  const proxy_header_length m = measure_proxy_header(data);
  EXPECT_EQ(m.state, state) << m.error;
  if (state == status::known) {
    EXPECT_EQ(m.length, length);
  }
  if (state == status::invalid) {
    EXPECT_TRUE(m.code);
    EXPECT_FALSE(m.error.empty());
  } else {
    EXPECT_FALSE(m.code) << m.code.message();
    EXPECT_TRUE(m.error.empty()) << m.error;
  }
}

// A valid header: every proper prefix is incomplete (or, for version 2 once
// the fixed 16 bytes are in, known with the full length), the whole measures
// and parses, and FTP bytes behind it are left alone.
void expect_header(const octets& header, const proxy_header& expected) {
  for (std::size_t n = 0; n < header.size(); ++n) {
    SCOPED_TRACE("prefix of " + std::to_string(n) + " bytes");
    const proxy_header_length m = measure_proxy_header(first(header, n));
    if (expected.version == 2 && n >= 16) {
      EXPECT_EQ(m.state, status::known) << m.error;
      EXPECT_EQ(m.length, header.size());
    } else {
      EXPECT_EQ(m.state, status::incomplete) << m.error;
    }
    EXPECT_FALSE(parse_proxy_header(first(header, n)).has_value());
  }
  expect_measure(header, status::known, header.size());
  const auto parsed = parse_proxy_header(header);
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message();
  EXPECT_EQ(*parsed, expected);

  const octets with_ftp = header + text("USER anonymous\r\n");
  expect_measure(with_ftp, status::known, header.size());
  EXPECT_EQ(parse_proxy_header(with_ftp).error(), errc::bad_proxy_header);
}

// Invalid from `invalid_from` bytes of `data` on, and not before.
void expect_invalid(const octets& data, errc code, std::size_t invalid_from,
                    std::string_view message_part = {}) {
  for (std::size_t n = 0; n < invalid_from; ++n) {
    SCOPED_TRACE("prefix of " + std::to_string(n) + " bytes");
    EXPECT_NE(measure_proxy_header(first(data, n)).state, status::invalid);
  }
  for (std::size_t n = invalid_from; n <= data.size(); ++n) {
    SCOPED_TRACE("prefix of " + std::to_string(n) + " bytes");
    const proxy_header_length m = measure_proxy_header(first(data, n));
    ASSERT_EQ(m.state, status::invalid);
    EXPECT_EQ(m.code, code) << m.error;
    if (n == data.size()) {
      EXPECT_THAT(m.error, HasSubstr(message_part));  // the message of the whole input
    }
  }
  const auto parsed = parse_proxy_header(data);
  ASSERT_FALSE(parsed.has_value());
  EXPECT_EQ(parsed.error(), code) << parsed.error().message();
}

// A complete version 1 line that is invalid only once its CRLF is seen.
void expect_bad_line(std::string_view line, errc code, std::string_view message_part = {}) {
  SCOPED_TRACE(line);
  expect_invalid(text(line), code, line.size(), message_part);
}

// --- Version 1 ---------------------------------------------------------------

TEST(ProxyHeaderV1, ReadsTcp4) {
  // nginx's proxy_protocol as captured; the specification's example.
  expect_header(text("PROXY TCP4 172.19.0.1 172.19.0.3 42272 80\r\n"),
                proxied(1, ep("172.19.0.1", 42272), ep("172.19.0.3", 80)));
  expect_header(text("PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n"),
                proxied(1, ep("192.168.0.1", 56324), ep("192.168.0.11", 443)));
  expect_header(text("PROXY TCP4 0.0.0.0 255.255.255.255 0 65535\r\n"),
                proxied(1, ep("0.0.0.0", 0), ep("255.255.255.255", 65535)));
  // The longest TCP4 line of the specification: 56 bytes.
  const octets longest = text("PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n");
  EXPECT_EQ(longest.size(), 56u);
  expect_header(longest, proxied(1, ep("255.255.255.255", 65535), ep("255.255.255.255", 65535)));
}

TEST(ProxyHeaderV1, ReadsTcp6) {
  expect_header(text("PROXY TCP6 2001:db8::1 2001:db8::21 51282 21\r\n"),
                proxied(1, ep("2001:db8::1", 51282), ep("2001:db8::21", 21)));
  expect_header(text("PROXY TCP6 2001:DB8:0:0:0:0:0:1 ::1 1 2\r\n"),
                proxied(1, ep("2001:db8::1", 1), ep("::1", 2)));
  // The longest TCP6 line of the specification: 104 bytes.
  const std::string f = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
  const octets longest = text("PROXY TCP6 " + f + " " + f + " 65535 65535\r\n");
  EXPECT_EQ(longest.size(), 104u);
  expect_header(longest, proxied(1, ep(f, 65535), ep(f, 65535)));
}

TEST(ProxyHeaderV1, KeepsIpv4MappedAddressesAsIpv6) {
  const octets line = text("PROXY TCP6 ::ffff:192.0.2.1 ::ffff:198.51.100.7 51282 21\r\n");
  expect_header(line, proxied(1, ep("::ffff:192.0.2.1", 51282), ep("::ffff:198.51.100.7", 21)));
  const auto parsed = parse_proxy_header(line);
  ASSERT_TRUE(parsed.has_value());
  EXPECT_TRUE(parsed->source.address.is_v6());
  EXPECT_TRUE(parsed->source.address.is_v4_mapped());
}

TEST(ProxyHeaderV1, UnknownIsLocalAndIgnoresTheRest) {
  expect_header(text("PROXY UNKNOWN\r\n"), local(1));
  expect_header(text("PROXY UNKNOWN 192.0.2.1 192.0.2.2 1 2\r\n"), local(1));
  expect_header(text("PROXY UNKNOWN whatever the sender puts here\r\n"), local(1));
  // The specification's worst case: exactly 107 bytes.
  const std::string f = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
  const octets longest = text("PROXY UNKNOWN " + f + " " + f + " 65535 65535\r\n");
  ASSERT_EQ(longest.size(), limits::max_proxy_v1_header);
  expect_header(longest, local(1));
}

TEST(ProxyHeaderV1, RefusesOtherProtocolsAtOnce) {
  // An FTP client that came around the proxy, a TLS ClientHello (implicit
  // FTPS), HTTP, lower case: invalid from the first differing byte.
  expect_invalid(text("USER anonymous\r\n"), errc::not_proxy_header, 1, "\"USER ano\"...");
  expect_invalid(hex("16030100a5010000a10303"), errc::not_proxy_header, 1, "\\x16\\x03");
  expect_invalid(text("GET / HTTP/1.1\r\n"), errc::not_proxy_header, 1);
  expect_invalid(text("proxy TCP4 192.0.2.1 192.0.2.2 1 2\r\n"), errc::not_proxy_header, 1);
  expect_invalid(text("PROXZ TCP4"), errc::not_proxy_header, 5);
  expect_invalid(text("PROXY\r\n"), errc::bad_proxy_header, 6, "not a space");
  expect_measure(octets{}, status::incomplete);
  expect_measure(text("PRO"), status::incomplete);
  expect_measure(text("PROXY  TCP4"), status::incomplete);  // judged at its CRLF
}

TEST(ProxyHeaderV1, RefusesBadFraming) {
  // The CRLF must be there: no bare LF, no CR alone, nothing unprintable.
  expect_invalid(text("PROXY TCP4 192.0.2.1 192.0.2.2 1 2\n"), errc::bad_proxy_header, 35,
                 "LF without CR at byte 34");
  expect_invalid(text("PROXY TCP4 192.0.2.1 192.0.2.2 1 2\rX"), errc::bad_proxy_header, 36,
                 "CR not followed by LF at byte 34");
  expect_invalid(text("PROXY TCP4 192.0.2.1\t192.0.2.2 1 2\r\n"), errc::bad_proxy_header, 21,
                 "byte 20 is 0x09");
  expect_invalid(text("PROXY UNKNOWN ") + octets{0} + text("\r\n"), errc::bad_proxy_header, 15);
  expect_invalid(text("PROXY UNKNOWN caf\xc3\xa9\r\n"), errc::bad_proxy_header, 18, "0xc3");
}

TEST(ProxyHeaderV1, WaitsForCrlfUpTo107Bytes) {
  // A line of 107 bytes fits; the CR cannot come later than byte 105, so 106
  // bytes without it are already too long.
  const std::string filler(200, 'a');
  const octets endless = text("PROXY UNKNOWN " + filler);
  expect_invalid(endless, errc::proxy_header_too_long, 106, "no CRLF within 107 bytes");
  const octets just_over = text("PROXY UNKNOWN " + filler.substr(0, 92) + "\r\n");
  ASSERT_EQ(just_over.size(), 108u);
  expect_invalid(just_over, errc::proxy_header_too_long, 106);
  const octets cr_last = text("PROXY UNKNOWN " + filler.substr(0, 91) + "\r");
  expect_measure(cr_last, status::incomplete);
  expect_measure(cr_last + text("\n"), status::known, 107);
}

TEST(ProxyHeaderV1, NeedsExactlyFourFieldsAfterTcp) {
  expect_bad_line("PROXY TCP4\r\n", errc::bad_proxy_header, "found 0");
  expect_bad_line("PROXY TCP4 192.0.2.1 192.0.2.2 1\r\n", errc::bad_proxy_header, "found 3");
  expect_bad_line("PROXY TCP4 192.0.2.1 192.0.2.2 1 2 3\r\n", errc::bad_proxy_header, "found 5");
  expect_bad_line("PROXY TCP6 ::1 ::1 1\r\n", errc::bad_proxy_header, "TCP6 needs 4 fields");
  expect_bad_line("PROXY TCP4 192.0.2.1  192.0.2.2 1 2\r\n", errc::bad_proxy_header,
                  "exactly one space");
  expect_bad_line("PROXY TCP4 192.0.2.1 192.0.2.2 1 2 \r\n", errc::bad_proxy_header,
                  "exactly one space");
  expect_bad_line("PROXY TCP4 \r\n", errc::bad_proxy_header, "exactly one space");
  expect_bad_line("PROXY \r\n", errc::bad_proxy_header, "TCP4, TCP6 or UNKNOWN");
  expect_bad_line("PROXY  TCP4 192.0.2.1 192.0.2.2 1 2\r\n", errc::bad_proxy_header,
                  "TCP4, TCP6 or UNKNOWN");
}

TEST(ProxyHeaderV1, RefusesUnknownProtocols) {
  expect_bad_line("PROXY UDP4 192.0.2.1 192.0.2.2 1 2\r\n", errc::unsupported_address_family,
                  "\"UDP4\"");
  expect_bad_line("PROXY tcp4 192.0.2.1 192.0.2.2 1 2\r\n", errc::unsupported_address_family);
  expect_bad_line("PROXY TCP 192.0.2.1 192.0.2.2 1 2\r\n", errc::unsupported_address_family);
  expect_bad_line("PROXY UNKNOWNX\r\n", errc::unsupported_address_family);
  expect_bad_line("PROXY TCP4X 192.0.2.1 192.0.2.2 1 2\r\n", errc::unsupported_address_family);
}

TEST(ProxyHeaderV1, RefusesAddressesOfTheWrongFamilyOrShape) {
  expect_bad_line("PROXY TCP4 2001:db8::1 192.0.2.2 1 2\r\n", errc::bad_address,
                  "source address \"2001:db8::1\" is not an IPv4 address");
  expect_bad_line("PROXY TCP4 192.0.2.1 ::ffff:192.0.2.2 1 2\r\n", errc::bad_address,
                  "destination address");
  expect_bad_line("PROXY TCP6 192.0.2.1 2001:db8::1 1 2\r\n", errc::bad_address,
                  "is not an IPv6 address");
  expect_bad_line("PROXY TCP4 192.0.2 192.0.2.2 1 2\r\n", errc::bad_address);
  expect_bad_line("PROXY TCP4 192.0.2.256 192.0.2.2 1 2\r\n", errc::bad_address);
  expect_bad_line("PROXY TCP4 192.0.02.1 192.0.2.2 1 2\r\n", errc::bad_address);  // octal-looking
  expect_bad_line("PROXY TCP4 localhost 192.0.2.2 1 2\r\n", errc::bad_address);
  expect_bad_line("PROXY TCP6 [2001:db8::1] 2001:db8::2 1 2\r\n", errc::bad_address);
  expect_bad_line("PROXY TCP6 fe80::1%eth0 2001:db8::2 1 2\r\n", errc::bad_address);
  expect_bad_line("PROXY TCP6 2001:db8:::1 2001:db8::2 1 2\r\n", errc::bad_address);
}

TEST(ProxyHeaderV1, RefusesBadPorts) {
  for (const std::string_view port :
       {"65536", "99999", "100000", "021", "00", "+21", "-1", "0x15", "21a", "1e3", "4294967317"}) {
    SCOPED_TRACE(port);
    expect_bad_line("PROXY TCP4 192.0.2.1 192.0.2.2 " + std::string(port) + " 21\r\n",
                    errc::bad_port, "source port \"" + std::string(port) + "\"");
    expect_bad_line("PROXY TCP4 192.0.2.1 192.0.2.2 21 " + std::string(port) + "\r\n",
                    errc::bad_port, "destination port");
  }
}

// --- Version 2 ---------------------------------------------------------------

TEST(ProxyHeaderV2, ReadsHaproxyTcp4) {
  expect_header(haproxy_v2_tcp4, proxied(2, ep("172.19.0.1", 42578), ep("172.19.0.3", 80)));
  // What HAProxy sent behind it stays behind it.
  const octets wire = haproxy_v2_tcp4 + text("GET / HTTP/1.1\r\nHost: localhost:8080\r\n");
  expect_measure(wire, status::known, 28);
}

TEST(ProxyHeaderV2, ReadsTcp6) {
  expect_header(v2_fixed(0x21, 0x21, 36) + v2_tcp6_addresses,
                proxied(2, ep("2001:db8::1", 51282), ep("2001:db8::21", 21)));
  const octets mapped =
      hex("00000000000000000000ffffc0000201 00000000000000000000ffffc6336407 c8520015");
  expect_header(v2_fixed(0x21, 0x21, 36) + mapped,
                proxied(2, ep("::ffff:192.0.2.1", 51282), ep("::ffff:198.51.100.7", 21)));
}

TEST(ProxyHeaderV2, LocalAndUnspecifiedAreLocal) {
  // HAProxy's health checks with check-send-proxy: LOCAL, AF_UNSPEC, no bytes.
  expect_header(hex("0d0a0d0a000d0a515549540a 20 00 0000"), local(2));
  // LOCAL with an address block anyway: the receiver "must not assume zero".
  expect_header(v2_fixed(0x20, 0x11, 12) + v2_tcp4_addresses, local(2));
  // LOCAL ignores the family byte altogether, even one PROXY would refuse.
  expect_header(v2_fixed(0x20, 0x32, 3) + hex("010203"), local(2));
  expect_header(v2_fixed(0x20, 0xff, 0), local(2));
  // PROXY for a protocol the proxy could not describe.
  expect_header(v2_fixed(0x21, 0x00, 0), local(2));
  expect_header(v2_fixed(0x21, 0x00, 5) + hex("0102030405"), local(2));
}

TEST(ProxyHeaderV2, SkipsTlvs) {
  const octets tlvs = tlv(0x01, text("ftp")) +              // PP2_TYPE_ALPN
                      tlv(0x02, text("ftp.example.com")) +  // PP2_TYPE_AUTHORITY
                      tlv(0x03, hex("a1b2c3d4")) +          // PP2_TYPE_CRC32C
                      tlv(0x04, {}) +                       // PP2_TYPE_NOOP, empty
                      tlv(0x05, text("3f2a")) +             // PP2_TYPE_UNIQUE_ID
                      tlv(0x20, hex("01 00000000") + tlv(0x21, text("TLSv1.3"))) +  // SSL
                      tlv(0xea, text("\x01vpce-0123456789abcdef0"));  // AWS VPC endpoint
  expect_header(v2_fixed(0x21, 0x11, 12 + tlvs.size()) + v2_tcp4_addresses + tlvs,
                proxied(2, ep("192.0.2.1", 51282), ep("198.51.100.7", 21)));
  expect_header(v2_fixed(0x21, 0x21, 36 + tlvs.size()) + v2_tcp6_addresses + tlvs,
                proxied(2, ep("2001:db8::1", 51282), ep("2001:db8::21", 21)));
}

TEST(ProxyHeaderV2, AcceptsUpToMaxProxyHeaderBytes) {
  const std::size_t max = limits::max_proxy_header;
  const octets padding = tlv(0x04, octets(max - 16 - 12 - 3, 0));
  const octets largest = v2_fixed(0x21, 0x11, 12 + padding.size()) + v2_tcp4_addresses + padding;
  ASSERT_EQ(largest.size(), max);
  expect_header(largest, proxied(2, ep("192.0.2.1", 51282), ep("198.51.100.7", 21)));
  // One byte more is refused from the length field on, for any command.
  expect_invalid(v2_fixed(0x21, 0x11, max - 15), errc::proxy_header_too_long, 16, "537 bytes");
  expect_invalid(v2_fixed(0x20, 0x00, 0xffff), errc::proxy_header_too_long, 16);
}

TEST(ProxyHeaderV2, RefusesAnotherSignature) {
  // Every byte of the signature counts, and is checked as it arrives.
  const octets header = haproxy_v2_tcp4;
  for (std::size_t i = 1; i < 12; ++i) {
    SCOPED_TRACE(i);
    octets broken = header;
    broken[i] ^= 0x20;
    expect_invalid(broken, errc::not_proxy_header, i + 1, "no PROXY protocol header");
  }
}

TEST(ProxyHeaderV2, RefusesOtherVersionsAndCommands) {
  expect_invalid(v2_fixed(0x11, 0x11, 12) + v2_tcp4_addresses, errc::bad_proxy_header, 13,
                 "version 1 (byte 12 is 0x11), expected 2");
  expect_invalid(v2_fixed(0x31, 0x11, 12) + v2_tcp4_addresses, errc::bad_proxy_header, 13);
  expect_invalid(v2_fixed(0x01, 0x11, 12) + v2_tcp4_addresses, errc::bad_proxy_header, 13);
  expect_invalid(v2_fixed(0x22, 0x11, 12) + v2_tcp4_addresses, errc::bad_proxy_header, 13,
                 "command 2");
  expect_invalid(v2_fixed(0x2f, 0x00, 0), errc::bad_proxy_header, 13);
}

TEST(ProxyHeaderV2, RefusesFamiliesOtherThanTcp) {
  const std::uint8_t families[] = {0x12, 0x22, 0x31, 0x32, 0x01, 0x10, 0x13, 0x41, 0xff};
  for (const std::uint8_t fam : families) {
    SCOPED_TRACE(static_cast<int>(fam));
    expect_invalid(v2_fixed(0x21, fam, 216) + octets(216, 0), errc::unsupported_address_family, 14);
  }
  expect_invalid(v2_fixed(0x21, 0x12, 12) + v2_tcp4_addresses, errc::unsupported_address_family, 14,
                 "0x12 (UDP over IPv4)");
}

TEST(ProxyHeaderV2, RefusesAddressBlocksTooShortForTheFamily) {
  expect_invalid(v2_fixed(0x21, 0x11, 8) + first(v2_tcp4_addresses, 8), errc::bad_proxy_header, 16,
                 "8 address bytes, too few for TCP over IPv4 (12)");
  expect_invalid(v2_fixed(0x21, 0x11, 0), errc::bad_proxy_header, 16);
  // A TCP4 block where TCP6 was announced.
  expect_invalid(v2_fixed(0x21, 0x21, 12) + v2_tcp4_addresses, errc::bad_proxy_header, 16,
                 "too few for TCP over IPv6 (36)");
}

TEST(ProxyHeaderV2, RefusesTlvsThatDoNotFit) {
  const auto with = [](const octets& tlvs) {
    return v2_fixed(0x21, 0x11, 12 + tlvs.size()) + v2_tcp4_addresses + tlvs;
  };
  // The whole header must be there to see it, so invalid only at its end.
  const octets overrun = with(hex("02 0010") + text("ftp.example"));
  expect_invalid(overrun, errc::bad_proxy_header, overrun.size(),
                 "TLV 0x02 at byte 28 claims 16 bytes");
  const octets stray = with(tlv(0x04, {}) + hex("01"));
  expect_invalid(stray, errc::bad_proxy_header, stray.size(), "1 stray bytes at byte 31");
  const octets stray2 = with(hex("0100"));
  expect_invalid(stray2, errc::bad_proxy_header, stray2.size(), "2 stray bytes");
}

// --- Both ------------------------------------------------------------------------

TEST(ProxyHeader, ParseWantsExactlyOneHeader) {
  const octets v1 = text("PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r\n");
  for (const octets& header : {v1, haproxy_v2_tcp4}) {
    EXPECT_TRUE(parse_proxy_header(header).has_value());
    EXPECT_EQ(parse_proxy_header(first(header, header.size() - 1)).error(), errc::bad_proxy_header);
    EXPECT_EQ(parse_proxy_header(header + octets{0}).error(), errc::bad_proxy_header);
    EXPECT_EQ(parse_proxy_header(header + header).error(), errc::bad_proxy_header);
  }
  EXPECT_EQ(parse_proxy_header(octets{}).error(), errc::bad_proxy_header);
}

TEST(ProxyHeader, ErrorCodesHaveMessages) {
  for (const errc e :
       {errc::not_proxy_header, errc::bad_proxy_header, errc::proxy_header_too_long}) {
    const std::error_code code = e;
    EXPECT_THAT(code.message(), HasSubstr("PROXY protocol header"));
    EXPECT_STREQ(code.category().name(), "portico.protocol");
  }
}

}  // namespace
}  // namespace portico::protocol
