#include "protocol/host_port.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

#include "protocol/error.hpp"

namespace portico::protocol {
namespace {

ip_address addr(std::string_view text) {
  auto a = ip_address::parse(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(ip_address{});
}

endpoint ep(std::string_view address, std::uint16_t port) {
  return {addr(address), port};
}

struct endpoint_case {
  std::string_view text;
  std::string_view address;
  std::uint16_t port;
};

struct error_case {
  std::string_view text;
  errc error;
};

void expect_endpoint(const result<endpoint>& r, const endpoint_case& c) {
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(r->address, addr(c.address));
  EXPECT_EQ(r->port, c.port);
}

void expect_error(const result<endpoint>& r, errc e) {
  ASSERT_FALSE(r.has_value()) << r->to_string();
  EXPECT_EQ(r.error(), e) << r.error().message();
}

TEST(ParseHostPort, ReadsSixNumbers) {
  const endpoint_case cases[] = {
      {"80,5,63,7,27,58", "80.5.63.7", 6970},  // the example of the project's documents
      {"87,25,67,5,27,58", "87.25.67.5", 6970},
      {"127,0,0,1,4,1", "127.0.0.1", 1025},
      {"192,168,1,2,195,80", "192.168.1.2", 50000},
      {"0,0,0,0,0,1", "0.0.0.0", 1},
      {"255,255,255,255,255,255", "255.255.255.255", 65535},
      {"10,0,0,5,0,21", "10.0.0.5", 21},
      {"80, 5, 63, 7, 27, 58", "80.5.63.7", 6970},
      {"80 ,5 , 63 ,  7,27,58", "80.5.63.7", 6970},
      {"010,000,063,007,027,058", "10.0.63.7", 6970},  // zero padding is decimal
      {"00,0,0,1,0,255", "0.0.0.1", 255},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    expect_endpoint(parse_host_port(c.text), c);
  }
}

TEST(ParseHostPort, RefusesAnythingButSixNumbers) {
  const std::string junk(1024, 'A');
  const std::string long_digits(1024, '1');
  const error_case cases[] = {
      {"", errc::bad_host_port},
      {"80,5,63,7,27", errc::bad_host_port},       // five fields
      {"80,5,63,7,27,58,1", errc::bad_host_port},  // seven fields
      {"256,5,63,7,27,58", errc::bad_host_port},   // an octet of 256
      {"80,5,63,7,27,256", errc::bad_host_port},
      {"-1,5,63,7,27,58", errc::bad_host_port},
      {"+80,5,63,7,27,58", errc::bad_host_port},
      {"80,5,63,7,27,-58", errc::bad_host_port},
      {"0080,5,63,7,27,58", errc::bad_host_port},  // four digits
      {"80,5,63,7,27,58 ", errc::bad_host_port},   // trailing space
      {" 80,5,63,7,27,58", errc::bad_host_port},
      {"80,5,63,7,27,58\r\n", errc::bad_host_port},
      {"80,5,63,7,27,58)", errc::bad_host_port},
      {"(80,5,63,7,27,58)", errc::bad_host_port},
      {"80,5,63,7,27,58x", errc::bad_host_port},
      {"80,,5,63,7,27,58", errc::bad_host_port},
      {"80,5,63,7,,27", errc::bad_host_port},
      {"80.5.63.7,27,58", errc::bad_host_port},
      {"80,5,63,7,27,", errc::bad_host_port},
      {",80,5,63,7,27,58", errc::bad_host_port},
      {"80\t,5,63,7,27,58", errc::bad_host_port},  // only spaces around commas
      {"0x50,5,63,7,27,58", errc::bad_host_port},
      {"80,5,63,7,27,5 8", errc::bad_host_port},
      {std::string_view("80,5,63,7,27,58\0", 16), errc::bad_host_port},
      {junk, errc::bad_host_port},
      {long_digits, errc::bad_host_port},
      // Port 0 is never a connectable data port.
      {"127,0,0,1,0,0", errc::bad_port},
      {"0,0,0,0,0,0", errc::bad_port},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(testing::PrintToString(std::string(c.text.substr(0, 40))));
    expect_error(parse_host_port(c.text), c.error);
  }
}

TEST(FormatHostPort, WritesSixNumbers) {
  EXPECT_EQ(format_host_port(ep("80.5.63.7", 6970)).value_or(""), "80,5,63,7,27,58");
  EXPECT_EQ(format_host_port(ep("87.25.67.5", 6970)).value_or(""), "87,25,67,5,27,58");
  EXPECT_EQ(format_host_port(ep("127.0.0.1", 1025)).value_or(""), "127,0,0,1,4,1");
  EXPECT_EQ(format_host_port(ep("0.0.0.0", 255)).value_or(""), "0,0,0,0,0,255");
  EXPECT_EQ(format_host_port(ep("255.255.255.255", 65535)).value_or(""), "255,255,255,255,255,255");
  EXPECT_EQ(format_host_port(ep("10.0.0.5", 256)).value_or(""), "10,0,0,5,1,0");
}

TEST(FormatHostPort, WritesIpv4MappedAsItsIpv4) {
  EXPECT_EQ(format_host_port(ep("::ffff:80.5.63.7", 6970)).value_or(""), "80,5,63,7,27,58");
}

TEST(FormatHostPort, RefusesIpv6AndPortZero) {
  for (const auto text : {"::1", "2001:db8::1", "::192.0.2.1", "::"}) {
    SCOPED_TRACE(text);
    const auto r = format_host_port(ep(text, 21));
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), errc::unsupported_address_family);
  }
  const auto r = format_host_port(ep("192.0.2.1", 0));
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), errc::bad_port);
}

TEST(FormatHostPort, ParsesBack) {
  for (const std::uint16_t port :
       std::initializer_list<std::uint16_t>{1, 21, 255, 256, 1025, 6970, 49152, 65535}) {
    const endpoint e = ep("203.0.113.77", port);
    const auto text = format_host_port(e);
    ASSERT_TRUE(text.has_value());
    const auto back = parse_host_port(*text);
    ASSERT_TRUE(back.has_value()) << *text;
    EXPECT_EQ(*back, e);
  }
}

TEST(ParsePasvReply, ReadsWhatRealServersSend) {
  const endpoint_case cases[] = {
      {"Entering Passive Mode (127,0,0,1,156,71).", "127.0.0.1", 40007},   // vsftpd
      {"Entering Passive Mode (127,0,0,1,195,149).", "127.0.0.1", 50069},  // ProFTPD
      {"Entering Passive Mode (127,0,0,1,117,48)", "127.0.0.1", 30000},    // Pure-FTPd
      {"Entering Passive Mode (10,0,0,5,195,80).", "10.0.0.5", 50000},     // IIS
      {"Entering passive mode (127,0,0,1,217,43).", "127.0.0.1", 55595},   // pyftpdlib
      {"Entering Passive Mode (192,0,2,1,4,1).", "192.0.2.1", 1025},
      {"Entering Passive Mode 192,0,2,1,4,1", "192.0.2.1", 1025},
      {"=192,0,2,1,4,1", "192.0.2.1", 1025},
      {"192,0,2,1,4,1", "192.0.2.1", 1025},
      {"Entering Passive Mode (80,5,63,7,27,58)", "80.5.63.7", 6970},
      {"Entering Passive Mode (192, 0, 2, 1, 4, 1).", "192.0.2.1", 1025},
      // Other numbers around the address.
      {"227 Entering Passive Mode (10,0,0,5,195,80). 2 of 5", "10.0.0.5", 50000},
      {"Mode 2 of 5, ok: (10,0,0,5,195,80)", "10.0.0.5", 50000},
      {"v1.2 (10,0,0,5,195,80)", "10.0.0.5", 50000},
      // A run starts at a number's first digit, and an invalid run is skipped.
      {"(1234,0,0,1,4,1) (10,0,0,5,195,80)", "10.0.0.5", 50000},
      {"(300,1,2,3,4,5) then (10,0,0,5,195,80)", "10.0.0.5", 50000},
      {"1,2,3 (10,0,0,5,195,80)", "10.0.0.5", 50000},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    expect_endpoint(parse_pasv_reply(c.text), c);
  }
}

TEST(ParsePasvReply, FailsWithoutSixNumbers) {
  const std::string junk(1024, ',');
  const std::string digits(1024, '9');
  const error_case cases[] = {
      {"", errc::bad_pasv_reply},
      {"Entering Passive Mode", errc::bad_pasv_reply},
      {"Entering Passive Mode (192,0,2,1,4)", errc::bad_pasv_reply},
      {"Entering Passive Mode (192,0,2,1,4,1000)", errc::bad_pasv_reply},
      {"Entering Passive Mode (192.0.2.1,4,1)", errc::bad_pasv_reply},
      {"Entering Passive Mode (256,0,2,1,4,1)", errc::bad_pasv_reply},
      {"Entering Extended Passive Mode (|||6446|)", errc::bad_pasv_reply},
      {junk, errc::bad_pasv_reply},
      {digits, errc::bad_pasv_reply},
      {"Entering Passive Mode (127,0,0,1,0,0).", errc::bad_port},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(testing::PrintToString(std::string(c.text.substr(0, 40))));
    expect_error(parse_pasv_reply(c.text), c.error);
  }
}

TEST(ParseEprt, ReadsRfc2428AndRealClientForms) {
  const endpoint_case cases[] = {
      {"|1|132.235.1.2|6275|", "132.235.1.2", 6275},  // RFC 2428 examples
      {"|2|1080::8:800:200C:417A|5282|", "1080::8:800:200c:417a", 5282},
      {"|2|::1|1|", "::1", 1},
      {"|1|127.0.0.1|65535|", "127.0.0.1", 65535},
      {"!1!127.0.0.1!5000!", "127.0.0.1", 5000},
      {"#2#2001:db8::1#21#", "2001:db8::1", 21},
      {"~1~80.5.63.7~6970~", "80.5.63.7", 6970},
      {"z1z10.0.0.1z5000z", "10.0.0.1", 5000},
      {"%2%fe80::1%5000%", "fe80::1", 5000},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    expect_endpoint(parse_eprt(c.text), c);
  }
}

TEST(ParseEprt, KeepsIpv4MappedAsIpv6) {
  const auto r = parse_eprt("|2|::ffff:127.0.0.1|5000|");
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->address.is_v6());
  EXPECT_TRUE(r->address.is_v4_mapped());
  EXPECT_EQ(r->address.unmapped(), addr("127.0.0.1"));
  EXPECT_EQ(r->port, 5000);
}

TEST(ParseEprt, RefusesMalformedArguments) {
  const std::string garbage(1024, 'x');
  const std::string long_port = "|1|127.0.0.1|" + std::string(1000, '9') + "|";
  const error_case cases[] = {
      {"", errc::bad_delimiter},
      {"|", errc::bad_delimiter},
      {"||||", errc::unsupported_address_family},  // empty family
      {"|1|127.0.0.1|5000", errc::bad_delimiter},
      {"|1|127.0.0.1", errc::bad_delimiter},
      {"1|127.0.0.1|5000|", errc::bad_delimiter},  // a digit delimiter
      {"|1|127.0.0.1|5000|x", errc::bad_delimiter},
      {"|1|127.0.0.1|5000||", errc::bad_delimiter},
      {"|1|127.0.0.1|5000|6|", errc::bad_delimiter},
      {"|1|127.0.0.1!5000!", errc::bad_delimiter},  // mixed delimiters
      {" |1|127.0.0.1|5000|", errc::bad_delimiter},
      {"\x7f"
       "1\x7f"
       "127.0.0.1\x7f"
       "5000\x7f",
       errc::bad_delimiter},
      {"\t1\t127.0.0.1\t5000\t", errc::bad_delimiter},
      {".1.127.0.0.1.5000.", errc::bad_delimiter},
      {":2:::1:5000:", errc::bad_delimiter},
      {"a2a1080::a:800a5282a", errc::bad_delimiter},
      {"F1F127.0.0.1F5000F", errc::bad_delimiter},
      {garbage, errc::bad_delimiter},
      {"|3|127.0.0.1|5000|", errc::unsupported_address_family},
      {"|0|127.0.0.1|5000|", errc::unsupported_address_family},
      {"|01|127.0.0.1|5000|", errc::unsupported_address_family},
      {"|12|127.0.0.1|5000|", errc::unsupported_address_family},
      {"|x|127.0.0.1|5000|", errc::unsupported_address_family},
      {"|1|::1|5000|", errc::bad_address},  // family and address disagree
      {"|1|::ffff:127.0.0.1|5000|", errc::bad_address},
      {"|2|127.0.0.1|5000|", errc::bad_address},
      {"|1||5000|", errc::bad_address},
      {"|1|127.0.0.256|5000|", errc::bad_address},
      {"|1|127.0.0.01|5000|", errc::bad_address},
      {"|1|localhost|5000|", errc::bad_address},
      {"|2|[::1]|5000|", errc::bad_address},
      {"|2|fe80::1%eth0|5000|", errc::bad_address},
      {"|1| 127.0.0.1|5000|", errc::bad_address},
      {"|1|127.0.0.1|0|", errc::bad_port},
      {"|1|127.0.0.1|65536|", errc::bad_port},
      {"|1|127.0.0.1|99999|", errc::bad_port},
      {"|1|127.0.0.1||", errc::bad_port},
      {"|1|127.0.0.1|-1|", errc::bad_port},
      {"|1|127.0.0.1|+21|", errc::bad_port},
      {"|1|127.0.0.1|05000|", errc::bad_port},
      {"|1|127.0.0.1| 5000|", errc::bad_port},
      {"|1|127.0.0.1|0x50|", errc::bad_port},
      {long_port, errc::bad_port},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(testing::PrintToString(std::string(c.text.substr(0, 40))));
    expect_error(parse_eprt(c.text), c.error);
  }
}

TEST(FormatEprt, WritesFamilyAddressAndPort) {
  EXPECT_EQ(format_eprt(ep("192.0.2.1", 6970)), "|1|192.0.2.1|6970|");
  EXPECT_EQ(format_eprt(ep("132.235.1.2", 6275)), "|1|132.235.1.2|6275|");
  EXPECT_EQ(format_eprt(ep("1080::8:800:200C:417A", 5282)), "|2|1080::8:800:200c:417a|5282|");
  EXPECT_EQ(format_eprt(ep("::1", 65535)), "|2|::1|65535|");
}

TEST(FormatEprt, WritesIpv4MappedAsFamily1) {
  // The peer is an IPv4 host; an IPv4-only server refuses family 2.
  EXPECT_EQ(format_eprt(ep("::ffff:127.0.0.1", 5000)), "|1|127.0.0.1|5000|");
}

TEST(FormatEprt, ParsesBack) {
  for (const auto text : {"192.0.2.1", "2001:db8::1", "::1", "fe80::1:2", "0.0.0.0"}) {
    SCOPED_TRACE(text);
    const endpoint e = ep(text, 49152);
    const auto back = parse_eprt(format_eprt(e));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, e);
  }
}

TEST(ParseEpsvReply, ReadsWhatRealServersSend) {
  const std::pair<std::string_view, std::uint16_t> cases[] = {
      {"Entering Extended Passive Mode (|||6446|)", 6446},  // vsftpd
      {"Entering Extended Passive Mode (|||6446|).", 6446},
      {"Entering extended passive mode (|||49152|).", 49152},  // pyftpdlib
      {"229 Entering Extended Passive Mode (|||65535|)", 65535},
      {"(|||1|)", 1},
      {"(!!!5000!)", 5000},
      {"Extended Passive (###21#) ok", 21},
      {"(|||06446|)", 6446},  // a server's padding is tolerated
      {"(1,2) (|||6446|)", 6446},
      {"((|||6446|)", 6446},
      {"(||6|) (|||6446|)", 6446},
  };
  for (const auto& [text, port] : cases) {
    SCOPED_TRACE(text);
    const auto r = parse_epsv_reply(text);
    ASSERT_TRUE(r.has_value()) << r.error().message();
    EXPECT_EQ(*r, port);
  }
}

TEST(ParseEpsvReply, FailsWithoutAPort) {
  const std::string garbage(1024, '(');
  const std::pair<std::string_view, errc> cases[] = {
      {"", errc::bad_epsv_reply},
      {"Entering Extended Passive Mode", errc::bad_epsv_reply},
      {"Entering Extended Passive Mode |||6446|", errc::bad_epsv_reply},
      {"Entering Extended Passive Mode (|||6446|", errc::bad_epsv_reply},
      {"Entering Extended Passive Mode (|||6446)", errc::bad_epsv_reply},
      {"(||!6446|)", errc::bad_epsv_reply},  // three different delimiters
      {"(|||6446!)", errc::bad_epsv_reply},
      {"(||||)", errc::bad_epsv_reply},
      {"(|||)", errc::bad_epsv_reply},
      {"(|||-1|)", errc::bad_epsv_reply},
      {"(1116446|)", errc::bad_epsv_reply},
      {"(   6446 )", errc::bad_epsv_reply},
      {"(|1|127.0.0.1|6446|)", errc::bad_epsv_reply},
      {"Entering Passive Mode (127,0,0,1,156,71).", errc::bad_epsv_reply},
      {garbage, errc::bad_epsv_reply},
      {"(|||0|)", errc::bad_port},
      {"(|||65536|)", errc::bad_port},
      {"(|||99999999999999999999|)", errc::bad_port},
  };
  for (const auto& [text, error] : cases) {
    SCOPED_TRACE(testing::PrintToString(std::string(text.substr(0, 40))));
    const auto r = parse_epsv_reply(text);
    ASSERT_FALSE(r.has_value()) << *r;
    EXPECT_EQ(r.error(), error);
  }
}

TEST(FormatEpsvPort, WritesTheRfc2428FormAndParsesBack) {
  EXPECT_EQ(format_epsv_port(6970), "(|||6970|)");
  EXPECT_EQ(format_epsv_port(1), "(|||1|)");
  EXPECT_EQ(format_epsv_port(65535), "(|||65535|)");
  for (const std::uint16_t port : std::initializer_list<std::uint16_t>{1, 21, 6446, 65535}) {
    const auto back = parse_epsv_reply("Entering Extended Passive Mode " + format_epsv_port(port));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, port);
  }
}

TEST(ParseEpsvArgument, AcceptsNoneOneTwoAndAll) {
  using kind = epsv_argument::kind;
  const std::pair<std::string_view, kind> cases[] = {
      {"", kind::any},    {"1", kind::v4},    {"2", kind::v6},    {"ALL", kind::all},
      {"all", kind::all}, {"All", kind::all}, {"aLl", kind::all},
  };
  for (const auto& [text, what] : cases) {
    SCOPED_TRACE(text);
    const auto r = parse_epsv_argument(text);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(*r, epsv_argument{what});
  }
}

TEST(ParseEpsvArgument, RefusesUnknownProtocolsAndJunk) {
  const std::pair<std::string_view, errc> cases[] = {
      // A protocol number the server does not support: reply 522.
      {"3", errc::unsupported_address_family},
      {"0", errc::unsupported_address_family},
      {"01", errc::unsupported_address_family},
      {"12", errc::unsupported_address_family},
      {"99999999999999999999", errc::unsupported_address_family},
      // Syntax errors: reply 501.
      {"AL", errc::bad_address},
      {"ALLL", errc::bad_address},
      {"ALL ", errc::bad_address},
      {" 1", errc::bad_address},
      {"1 ", errc::bad_address},
      {"-1", errc::bad_address},
      {"|||", errc::bad_address},
      {"any", errc::bad_address},
      {"AMM", errc::bad_address},
      {"@LL", errc::bad_address},
  };
  for (const auto& [text, error] : cases) {
    SCOPED_TRACE(text);
    const auto r = parse_epsv_argument(text);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), error);
  }
}

}  // namespace
}  // namespace portico::protocol
