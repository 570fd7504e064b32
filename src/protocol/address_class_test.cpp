#include "protocol/address_class.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "protocol/error.hpp"

namespace portico::protocol {
namespace {

ip_address addr(std::string_view text) {
  auto a = ip_address::parse(text);
  EXPECT_TRUE(a.has_value()) << text;
  return a.value_or(ip_address{});
}

cidr net(std::string_view text) {
  auto c = cidr::parse(text);
  EXPECT_TRUE(c.has_value()) << text;
  return c.value_or(cidr(ip_address{}, 0));
}

struct class_case {
  std::string_view text;
  address_class expected;
  bool private_for_nat;
};

void check(const class_case& c) {
  SCOPED_TRACE(c.text);
  const ip_address a = addr(c.text);
  EXPECT_EQ(to_string(classify(a)), to_string(c.expected));
  EXPECT_EQ(is_private_for_nat(a), c.private_for_nat);
}

using ac = address_class;

// The NAT policy decides from these whether a PORT or 227 address can be
// reached from the peer, so each range is pinned at both ends and just past.
TEST(Classify, PinsTheEdgesOfEachIpv4Range) {
  const class_case cases[] = {
      {"0.0.0.0", ac::unspecified, false},
      {"0.255.255.255", ac::unspecified, false},
      {"1.0.0.0", ac::global, false},
      {"9.255.255.255", ac::global, false},
      {"10.0.0.0", ac::private_net, true},
      {"10.255.255.255", ac::private_net, true},
      {"11.0.0.0", ac::global, false},
      {"100.63.255.255", ac::global, false},
      {"100.64.0.0", ac::shared, true},
      {"100.127.255.255", ac::shared, true},
      {"100.128.0.0", ac::global, false},
      {"126.255.255.255", ac::global, false},
      {"127.0.0.0", ac::loopback, true},
      {"127.0.0.1", ac::loopback, true},
      {"127.255.255.255", ac::loopback, true},
      {"128.0.0.0", ac::global, false},
      {"169.253.255.255", ac::global, false},
      {"169.254.0.0", ac::link_local, true},
      {"169.254.255.255", ac::link_local, true},
      {"169.255.0.0", ac::global, false},
      {"172.15.255.255", ac::global, false},
      {"172.16.0.0", ac::private_net, true},
      {"172.31.255.255", ac::private_net, true},
      {"172.32.0.0", ac::global, false},
      {"191.255.255.255", ac::global, false},
      {"192.0.0.0", ac::reserved, false},
      {"192.0.0.255", ac::reserved, false},
      {"192.0.1.0", ac::global, false},
      {"192.0.1.255", ac::global, false},
      {"192.0.2.0", ac::documentation, false},
      {"192.0.2.255", ac::documentation, false},
      {"192.0.3.0", ac::global, false},
      {"192.88.99.1", ac::reserved, false},
      {"192.167.255.255", ac::global, false},
      {"192.168.0.0", ac::private_net, true},
      {"192.168.255.255", ac::private_net, true},
      {"192.169.0.0", ac::global, false},
      {"198.17.255.255", ac::global, false},
      {"198.18.0.0", ac::reserved, false},
      {"198.19.255.255", ac::reserved, false},
      {"198.20.0.0", ac::global, false},
      {"198.51.99.255", ac::global, false},
      {"198.51.100.0", ac::documentation, false},
      {"198.51.100.255", ac::documentation, false},
      {"198.51.101.0", ac::global, false},
      {"203.0.112.255", ac::global, false},
      {"203.0.113.0", ac::documentation, false},
      {"203.0.113.255", ac::documentation, false},
      {"203.0.114.0", ac::global, false},
      {"223.255.255.255", ac::global, false},
      {"224.0.0.0", ac::multicast, false},
      {"239.255.255.255", ac::multicast, false},
      {"240.0.0.0", ac::reserved, false},
      {"255.255.255.254", ac::reserved, false},
      {"255.255.255.255", ac::reserved, false},
      {"8.8.8.8", ac::global, false},
      {"80.5.63.7", ac::global, false},
  };
  for (const auto& c : cases) check(c);
}

TEST(Classify, TreatsIpv4MappedAsTheIpv4ItCarries) {
  const class_case cases[] = {
      {"::ffff:192.168.1.2", ac::private_net, true},   {"::ffff:127.0.0.1", ac::loopback, true},
      {"::ffff:10.1.2.3", ac::private_net, true},      {"::ffff:100.64.0.1", ac::shared, true},
      {"::ffff:169.254.1.1", ac::link_local, true},    {"::ffff:0.0.0.0", ac::unspecified, false},
      {"::ffff:192.0.2.1", ac::documentation, false},  {"::ffff:224.0.0.1", ac::multicast, false},
      {"::ffff:255.255.255.255", ac::reserved, false}, {"::ffff:8.8.8.8", ac::global, false},
  };
  for (const auto& c : cases) check(c);
}

TEST(Classify, PinsTheEdgesOfEachIpv6Range) {
  const class_case cases[] = {
      {"::", ac::unspecified, false},
      {"::1", ac::loopback, true},
      {"::2", ac::reserved, false},
      {"::192.0.2.1", ac::reserved, false},  // deprecated IPv4-compatible
      {"::ffff:0:192.168.1.1", ac::reserved, false},
      {"ff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ac::reserved, false},
      {"64:ff9b::192.0.2.1", ac::global, false},  // NAT64 of a public IPv4
      {"64:ff9b::1:0:0", ac::reserved, false},    // just past 64:ff9b::/96, still ::/8
      {"64:ff9b:1::1", ac::reserved, false},
      {"100::1", ac::reserved, false},
      {"100:0:0:1::", ac::global, false},
      {"2001:2::1", ac::reserved, false},
      {"2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", ac::global, false},
      {"2001:db8::", ac::documentation, false},
      {"2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", ac::documentation, false},
      {"2001:db9::", ac::global, false},
      {"3fff::1", ac::documentation, false},
      {"3fff:fff::1", ac::documentation, false},
      {"3fff:1000::", ac::global, false},
      {"2606:4700::1111", ac::global, false},
      {"fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ac::global, false},
      {"fc00::", ac::unique_local, true},
      {"fd00::1", ac::unique_local, true},
      {"fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ac::unique_local, true},
      {"fe00::", ac::global, false},
      {"fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ac::global, false},
      {"fe80::", ac::link_local, true},
      {"fe80::1", ac::link_local, true},
      {"febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ac::link_local, true},
      {"fec0::1", ac::reserved, false},  // deprecated site-local
      {"ff00::", ac::multicast, false},
      {"ff02::1", ac::multicast, false},
      {"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", ac::multicast, false},
  };
  for (const auto& c : cases) check(c);
}

TEST(Classify, DocumentationRangesAreNotPrivate) {
  // Tests and examples use them as public internet addresses.
  for (const auto text : {"192.0.2.1", "198.51.100.7", "203.0.113.9", "2001:db8::1"}) {
    SCOPED_TRACE(text);
    EXPECT_EQ(classify(addr(text)), ac::documentation);
    EXPECT_FALSE(is_private_for_nat(addr(text)));
  }
}

TEST(AddressClassToString, NamesEachClassDistinctly) {
  const std::pair<ac, std::string_view> cases[] = {
      {ac::unspecified, "unspecified"},     {ac::loopback, "loopback"},
      {ac::private_net, "private_net"},     {ac::shared, "shared"},
      {ac::link_local, "link_local"},       {ac::unique_local, "unique_local"},
      {ac::documentation, "documentation"}, {ac::multicast, "multicast"},
      {ac::reserved, "reserved"},           {ac::global, "global"},
  };
  for (const auto& [c, name] : cases) EXPECT_EQ(to_string(c), name);
}

TEST(CidrParse, AcceptsRangesAndBareAddresses) {
  struct test_case {
    std::string_view text;
    std::string_view network;
    unsigned prefix;
  };
  const test_case cases[] = {
      {"192.168.0.0/16", "192.168.0.0", 16},
      {"10.0.0.0/8", "10.0.0.0", 8},
      {"172.16.0.0/12", "172.16.0.0", 12},
      {"0.0.0.0/0", "0.0.0.0", 0},
      {"192.0.2.1/32", "192.0.2.1", 32},
      {"192.0.2.1", "192.0.2.1", 32},
      {"fd00::/8", "fd00::", 8},
      {"::/0", "::", 0},
      {"2001:db8::1", "2001:db8::1", 128},
      {"2001:db8::/32", "2001:db8::", 32},
      {"::ffff:10.0.0.0/104", "::ffff:10.0.0.0", 104},
      {"fe80::/10", "fe80::", 10},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    const auto r = cidr::parse(c.text);
    ASSERT_TRUE(r.has_value());
    EXPECT_EQ(r->network(), addr(c.network));
    EXPECT_EQ(r->prefix_length(), c.prefix);
  }
}

TEST(CidrParse, RefusesHostBitsBadPrefixesAndJunk) {
  const std::string_view cases[] = {
      "10.0.0.1/8",  // host bits set: the writer may have meant the host
      "192.168.1.0/16",
      "172.16.0.0/11",
      "2001:db8::1/64",
      "fe80::/8",
      "1.2.3.4/33",
      "::/129",
      "10.0.0.0/",
      "/8",
      "",
      "10.0.0.0/8/8",
      "10.0.0.0/-1",
      "10.0.0.0/+8",
      "10.0.0.0/ 8",
      " 10.0.0.0/8",
      "10.0.0.0/8 ",
      "10.0.0.0/08",
      "10.0.0.0/0008",
      "10.0.0.0/1000",
      "10.0.0/8",
      "[::]/0",
      "10.0.0.0/8a",
      "fd00::%eth0/8",
  };
  for (const auto text : cases) {
    SCOPED_TRACE(text);
    const auto r = cidr::parse(text);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error(), errc::bad_cidr);
  }
}

TEST(Cidr, ContainsExactlyTheAddressesOfTheRange) {
  struct test_case {
    std::string_view range;
    std::string_view address;
    bool inside;
  };
  const test_case cases[] = {
      {"10.0.0.0/8", "10.0.0.0", true},
      {"10.0.0.0/8", "10.255.255.255", true},
      {"10.0.0.0/8", "9.255.255.255", false},
      {"10.0.0.0/8", "11.0.0.0", false},
      {"172.16.0.0/12", "172.31.255.255", true},
      {"172.16.0.0/12", "172.32.0.0", false},
      {"172.16.0.0/12", "172.15.255.255", false},
      {"100.64.0.0/10", "100.127.255.255", true},
      {"100.64.0.0/10", "100.128.0.0", false},
      {"192.0.2.1", "192.0.2.1", true},
      {"192.0.2.1", "192.0.2.2", false},
      {"192.0.2.0/31", "192.0.2.1", true},
      {"192.0.2.0/31", "192.0.2.2", false},
      {"0.0.0.0/0", "255.255.255.255", true},
      {"0.0.0.0/0", "0.0.0.0", true},
      {"fd00::/8", "fd12:3456::1", true},
      {"fd00::/8", "fe00::", false},
      {"fd00::/8", "fc00::", false},
      {"fe80::/10", "febf::1", true},
      {"fe80::/10", "fec0::1", false},
      {"2001:db8::/33", "2001:db8:7fff::1", true},
      {"2001:db8::/33", "2001:db8:8000::", false},
      {"::/0", "2001:db8::1", true},
      {"::/0", "::", true},
      {"::1", "::1", true},
      {"::1", "::2", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.range) + " contains " + std::string(c.address));
    EXPECT_EQ(net(c.range).contains(addr(c.address)), c.inside);
  }
}

// A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; an ACL written
// as "10.0.0.0/8" must still match them, and an IPv6 rule must not catch them.
TEST(Cidr, TreatsIpv4MappedAddressesAsIpv4) {
  struct test_case {
    std::string_view range;
    std::string_view address;
    bool inside;
  };
  const test_case cases[] = {
      {"10.0.0.0/8", "::ffff:10.1.2.3", true},
      {"10.0.0.0/8", "::ffff:11.1.2.3", false},
      {"0.0.0.0/0", "::ffff:8.8.8.8", true},
      {"0.0.0.0/0", "::1", false},
      {"0.0.0.0/0", "::", false},
      {"0.0.0.0/0", "::10.1.2.3", false},  // IPv4-compatible is IPv6
      {"::ffff:0:0/96", "10.1.2.3", true},
      {"::ffff:0:0/96", "::ffff:10.1.2.3", true},
      {"::ffff:0:0/96", "::1", false},
      {"::ffff:10.0.0.0/104", "10.255.0.1", true},
      {"::ffff:10.0.0.0/104", "11.0.0.0", false},
      {"::ffff:10.0.0.0/104", "::ffff:10.0.0.1", true},
      {"::ffff:192.0.2.1", "192.0.2.1", true},
      {"::/0", "10.1.2.3", false},
      {"::/0", "::ffff:10.1.2.3", false},
      {"::/80", "::ffff:10.1.2.3", false},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.range) + " contains " + std::string(c.address));
    EXPECT_EQ(net(c.range).contains(addr(c.address)), c.inside);
  }
}

TEST(Cidr, ToStringParsesBack) {
  for (const auto text : {"10.0.0.0/8", "0.0.0.0/0", "192.0.2.1/32", "fd00::/8", "::/0",
                          "2001:db8::1/128", "::ffff:10.0.0.0/104"}) {
    SCOPED_TRACE(text);
    const cidr c = net(text);
    EXPECT_EQ(c.to_string(), text);
    EXPECT_EQ(net(c.to_string()), c);
  }
  EXPECT_EQ(net("192.0.2.1").to_string(), "192.0.2.1/32");
  EXPECT_EQ(net("2001:DB8:0::/32").to_string(), "2001:db8::/32");
}

TEST(Cidr, ConstructorClearsHostBitsAndClampsThePrefix) {
  const cidr a(addr("10.1.2.3"), 8);
  EXPECT_EQ(a.network(), addr("10.0.0.0"));
  EXPECT_EQ(a, net("10.0.0.0/8"));
  const cidr b(addr("172.31.2.3"), 12);
  EXPECT_EQ(b.network(), addr("172.16.0.0"));
  const cidr c(addr("192.0.2.1"), 40);
  EXPECT_EQ(c.prefix_length(), 32u);
  EXPECT_EQ(c.network(), addr("192.0.2.1"));
  const cidr d(addr("2001:db8::1"), 200);
  EXPECT_EQ(d.prefix_length(), 128u);
  const cidr e(addr("2001:db8:ffff::1"), 33);
  EXPECT_EQ(e.network(), addr("2001:db8:8000::"));
  const cidr f(addr("255.255.255.255"), 0);
  EXPECT_EQ(f.network(), addr("0.0.0.0"));
  EXPECT_TRUE(f.contains(addr("1.2.3.4")));
}

}  // namespace
}  // namespace portico::protocol
