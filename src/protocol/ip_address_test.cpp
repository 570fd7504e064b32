#include "protocol/ip_address.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/error.hpp"

namespace portico::protocol {
namespace {

using bytes16 = std::array<std::uint8_t, 16>;

ip_address addr(std::string_view text) {
  auto a = ip_address::parse(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(ip_address{});
}

TEST(IpAddressParse, AcceptsDottedQuads) {
  struct test_case {
    std::string_view text;
    std::array<std::uint8_t, 4> bytes;
  };
  const test_case cases[] = {
      {"192.0.2.1", {192, 0, 2, 1}},
      {"0.0.0.0", {0, 0, 0, 0}},
      {"255.255.255.255", {255, 255, 255, 255}},
      {"10.0.0.0", {10, 0, 0, 0}},
      {"1.22.133.4", {1, 22, 133, 4}},
      {"127.0.0.1", {127, 0, 0, 1}},
      {"100.0.10.200", {100, 0, 10, 200}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    const auto a = ip_address::parse(c.text);
    ASSERT_TRUE(a.has_value());
    EXPECT_TRUE(a->is_v4());
    EXPECT_EQ(a->af(), ip_address::family::v4);
    EXPECT_EQ(a->v4_bytes(), c.bytes);
    EXPECT_EQ(*a, ip_address::v4(c.bytes));
  }
}

// Anything that inet_aton, a browser or another stack might read as a
// different host must be refused, or an ACL check and a connect() could
// disagree about which host is meant.
TEST(IpAddressParse, RefusesAmbiguousOrMalformedIpv4) {
  const std::string_view cases[] = {
      "",
      "1.2.3",
      "1.2.3.4.5",
      "256.0.0.1",
      "1.2.3.256",
      "999.1.1.1",
      "010.0.0.1",  // octal to inet_aton
      "1.2.3.04",
      "00.1.2.3",
      "0x7f.0.0.1",
      "127.1",
      "2130706433",  // 127.0.0.1 as one number
      " 1.2.3.4",
      "1.2.3.4 ",
      "1.2.3.4\n",
      "1.2.3.4\r\n",
      "1..2.3",
      ".1.2.3.4",
      "1.2.3.4.",
      "+1.2.3.4",
      "-1.2.3.4",
      "1.2.3.4/24",
      "1.2.3.4:21",
      "1234.2.3.4",
      "1.2.3.1000",
      "1,2,3,4",
      "1.2.3.\xd9\xa1",  // a non-ASCII (Arabic-Indic) digit
      std::string_view("1.2.3.4\0", 8),
      "localhost",
  };
  for (const auto text : cases) {
    SCOPED_TRACE(testing::PrintToString(std::string(text)));
    const auto a = ip_address::parse(text);
    ASSERT_FALSE(a.has_value());
    EXPECT_EQ(a.error(), errc::bad_address);
  }
}

TEST(IpAddressParse, AcceptsRfc4291Text) {
  struct test_case {
    std::string_view text;
    bytes16 bytes;
  };
  const test_case cases[] = {
      {"::", {}},
      {"::1", {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
      {"2001:db8::1", {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
      {"2001:DB8::1", {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
      // RFC 2428's EPRT example, upper case and full form.
      {"1080::8:800:200C:417A", {0x10, 0x80, 0, 0, 0, 0, 0, 0, 0, 8, 8, 0, 0x20, 0x0c, 0x41, 0x7a}},
      {"1080:0:0:0:8:800:200C:417A",
       {0x10, 0x80, 0, 0, 0, 0, 0, 0, 0, 8, 8, 0, 0x20, 0x0c, 0x41, 0x7a}},
      {"1080:0000:0000:0000:0008:0800:200c:417a",
       {0x10, 0x80, 0, 0, 0, 0, 0, 0, 0, 8, 8, 0, 0x20, 0x0c, 0x41, 0x7a}},
      {"::ffff:192.0.2.1", {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1}},
      {"::FFFF:192.0.2.1", {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1}},
      {"0:0:0:0:0:ffff:c000:201", {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1}},
      {"64:ff9b::192.0.2.33", {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, 192, 0, 2, 33}},
      {"1:2:3:4:5:6:7:8", {0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8}},
      {"1::", {0, 1}},
      {"1:2:3:4:5:6:7::", {0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 0}},
      {"::2:3:4:5:6:7:8", {0, 0, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8}},
      {"fe80::1", {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
      {"ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
       {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    const auto a = ip_address::parse(c.text);
    ASSERT_TRUE(a.has_value());
    EXPECT_TRUE(a->is_v6());
    EXPECT_EQ(a->v6_bytes(), c.bytes);
  }
}

TEST(IpAddressParse, RefusesBracketsZonesSpacesAndMalformedIpv6) {
  const std::string_view cases[] = {
      "[::1]",
      "[2001:db8::1]:21",
      "fe80::1%eth0",
      "fe80::1%1",
      "::1 ",
      " ::1",
      "::1\t",
      "1:2:3:4:5:6:7:8:9",
      "1:2:3:4:5:6:7",
      ":::",
      "1::2::3",
      "12345::",
      "g::1",
      ":1:2:3:4:5:6:7",
      "1:2:3:4:5:6:7:",
      "1:2:3:4:5:6:7:8::",
      "::ffff:192.0.2.01",  // leading zero in the embedded IPv4 part
      "::ffff:192.0.2",
      "::ffff:256.0.0.1",
      "::ffff:1.2.3.4.5",
      "1.2.3.4::",
      "::1.2.3.4:5",
      "2001:db8::1/64",
      "0000:0000:0000:0000:0000:0000:0000:0000:0",  // too long
      "00000000000000000000000000000000000000000000000000::1",
      ":",
      "2001:db8:::1",
  };
  for (const auto text : cases) {
    SCOPED_TRACE(text);
    const auto a = ip_address::parse(text);
    ASSERT_FALSE(a.has_value());
    EXPECT_EQ(a.error(), errc::bad_address);
  }
}

TEST(IpAddressToString, WritesIpv4AsDottedQuad) {
  EXPECT_EQ(ip_address::v4({192, 0, 2, 1}).to_string(), "192.0.2.1");
  EXPECT_EQ(ip_address::v4({0, 0, 0, 0}).to_string(), "0.0.0.0");
  EXPECT_EQ(ip_address::v4({255, 255, 255, 255}).to_string(), "255.255.255.255");
  EXPECT_EQ(ip_address{}.to_string(), "0.0.0.0");
}

// Logs, EPRT and 229 replies show one spelling per address, so that equal
// addresses compare equal as text too.
TEST(IpAddressToString, WritesIpv6InRfc5952CanonicalForm) {
  struct test_case {
    std::string_view text;
    std::string_view canonical;
  };
  const test_case cases[] = {
      {"2001:DB8::1", "2001:db8::1"},
      {"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
      {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},     // the first of equal runs
      {"2001:0:0:1:0:0:0:1", "2001:0:0:1::1"},           // the longest run
      {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"},  // one zero group stays
      {"0:0:0:0:0:0:0:0", "::"},
      {"0:0:0:0:0:0:0:1", "::1"},
      {"1:0:0:0:0:0:0:0", "1::"},
      {"0:0:1:0:0:0:0:0", "0:0:1::"},
      {"1080:0:0:0:8:800:200C:417A", "1080::8:800:200c:417a"},
      {"fe80:0:0:0:0:0:0:1", "fe80::1"},
      {"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"},
      {"ABCD:EF01:2345:6789:ABCD:EF01:2345:6789", "abcd:ef01:2345:6789:abcd:ef01:2345:6789"},
      {"0:0:0:0:0:ffff:c000:201", "::ffff:192.0.2.1"},
      {"::ffff:0.0.0.0", "::ffff:0.0.0.0"},
      // Only IPv4-mapped addresses get mixed notation.
      {"::192.0.2.1", "::c000:201"},
      {"64:ff9b::192.0.2.33", "64:ff9b::c000:221"},
      {"::ffff:0:192.0.2.1", "::ffff:0:c000:201"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    const auto a = ip_address::parse(c.text);
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(a->to_string(), c.canonical);
  }
}

TEST(IpAddressToString, ParsesBackToTheSameAddress) {
  const std::string_view cases[] = {
      "192.0.2.1",
      "0.0.0.0",
      "255.255.255.255",
      "::",
      "::1",
      "2001:db8::1:0:0:1",
      "::ffff:192.0.2.1",
      "::192.0.2.1",
      "fe80::1",
      "1:2:3:4:5:6:7:8",
      "1::",
      "ff02::1:ff00:1",
  };
  for (const auto text : cases) {
    SCOPED_TRACE(text);
    const ip_address a = addr(text);
    const auto again = ip_address::parse(a.to_string());
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(*again, a);
  }
}

TEST(IpAddress, DefaultIsIpv4Unspecified) {
  const ip_address a;
  EXPECT_TRUE(a.is_v4());
  EXPECT_FALSE(a.is_v6());
  EXPECT_EQ(a, addr("0.0.0.0"));
  EXPECT_NE(a, addr("::"));
}

TEST(IpAddress, Ipv4AndItsMappedFormAreDistinctValuesButTheSameHost) {
  const ip_address v4 = addr("192.0.2.1");
  const ip_address mapped = addr("::ffff:192.0.2.1");
  EXPECT_NE(v4, mapped);
  EXPECT_TRUE(same_host(v4, mapped));
  EXPECT_TRUE(same_host(mapped, v4));
  EXPECT_TRUE(same_host(v4, v4));
}

TEST(IpAddress, SameHostIsFalseForDifferentHosts) {
  const std::pair<std::string_view, std::string_view> cases[] = {
      {"192.0.2.1", "192.0.2.2"},
      {"::ffff:192.0.2.1", "::ffff:192.0.2.2"},
      {"127.0.0.1", "::1"},
      {"192.0.2.1", "::192.0.2.1"},         // IPv4-compatible is not IPv4-mapped
      {"192.0.2.1", "64:ff9b::192.0.2.1"},  // nor is NAT64
      {"0.0.0.0", "::"},
      {"2001:db8::1", "2001:db8::2"},
  };
  for (const auto& [a, b] : cases) {
    SCOPED_TRACE(std::string(a) + " vs " + std::string(b));
    EXPECT_FALSE(same_host(addr(a), addr(b)));
  }
}

TEST(IpAddress, RecognisesOnlyFfffPrefixAsIpv4Mapped) {
  EXPECT_TRUE(addr("::ffff:192.0.2.1").is_v4_mapped());
  EXPECT_TRUE(addr("::ffff:0.0.0.0").is_v4_mapped());
  EXPECT_FALSE(addr("192.0.2.1").is_v4_mapped());
  EXPECT_FALSE(addr("::192.0.2.1").is_v4_mapped());
  EXPECT_FALSE(addr("::ffff:0:192.0.2.1").is_v4_mapped());
  EXPECT_FALSE(addr("1::ffff:192.0.2.1").is_v4_mapped());
  EXPECT_FALSE(addr("::fffe:192.0.2.1").is_v4_mapped());
  EXPECT_FALSE(addr("::").is_v4_mapped());
}

TEST(IpAddress, UnmappedGivesTheCarriedIpv4AndLeavesOthersAlone) {
  EXPECT_EQ(addr("::ffff:192.0.2.1").unmapped(), ip_address::v4({192, 0, 2, 1}));
  EXPECT_TRUE(addr("::ffff:192.0.2.1").unmapped().is_v4());
  EXPECT_EQ(addr("192.0.2.1").unmapped(), addr("192.0.2.1"));
  EXPECT_EQ(addr("2001:db8::1").unmapped(), addr("2001:db8::1"));
  EXPECT_EQ(addr("::192.0.2.1").unmapped(), addr("::192.0.2.1"));
}

TEST(IpAddress, V4FactoryLeavesTheOtherBytesZero) {
  // Equality compares all sixteen bytes, so v4() must not leave stray bytes.
  EXPECT_EQ(ip_address::v4({1, 2, 3, 4}), addr("1.2.3.4"));
  const bytes16 expected{1, 2, 3, 4};
  EXPECT_EQ(ip_address::v4({1, 2, 3, 4}).v6_bytes(), expected);
}

TEST(IpAddress, OrdersIpv4BeforeIpv6AndByBytes) {
  EXPECT_LT(addr("10.0.0.1"), addr("10.0.0.2"));
  EXPECT_LT(addr("9.255.255.255"), addr("10.0.0.0"));
  EXPECT_LT(addr("255.255.255.255"), addr("::"));
  EXPECT_LT(addr("::1"), addr("::2"));
}

TEST(EndpointToString, BracketsIpv6) {
  EXPECT_EQ((endpoint{addr("192.0.2.1"), 21}).to_string(), "192.0.2.1:21");
  EXPECT_EQ((endpoint{addr("2001:db8::1"), 21}).to_string(), "[2001:db8::1]:21");
  EXPECT_EQ((endpoint{addr("::ffff:192.0.2.1"), 990}).to_string(), "[::ffff:192.0.2.1]:990");
  EXPECT_EQ((endpoint{addr("::"), 65535}).to_string(), "[::]:65535");
  EXPECT_EQ((endpoint{addr("0.0.0.0"), 0}).to_string(), "0.0.0.0:0");
}

}  // namespace
}  // namespace portico::protocol
