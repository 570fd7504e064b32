#include "server/nat/passive_address.hpp"

#include <gtest/gtest.h>

namespace portico::server {
namespace {

protocol::ip_address ip(const char* text) {
  return protocol::ip_address::parse(text).value();
}

protocol::cidr net(const char* text) {
  return protocol::cidr::parse(text).value();
}

const protocol::ip_address server_lan = ip("10.0.0.2");

TEST(PassiveAddress, WithoutConfigurationTheLocalAddressIsAdvertised) {
  const passive_config c;
  EXPECT_EQ(choose_passive_address(c, ip("198.51.100.7"), server_lan), "");
  EXPECT_EQ(choose_passive_address(c, ip("192.168.1.2"), server_lan), "");
}

TEST(PassiveAddress, InternetClientsGetThePublicAddressLanClientsTheLocalOne) {
  passive_config c;
  c.public_address = "203.0.113.1";
  // The documentation ranges stand for the internet.
  EXPECT_EQ(choose_passive_address(c, ip("198.51.100.7"), server_lan), "203.0.113.1");
  EXPECT_EQ(choose_passive_address(c, ip("2001:db8::7"), server_lan), "203.0.113.1");
  for (const char* lan : {"10.0.0.3", "172.16.5.5", "192.168.1.2", "100.64.1.1", "127.0.0.1",
                          "169.254.1.1", "fd00::5", "fe80::1", "::ffff:192.168.1.2"}) {
    EXPECT_EQ(choose_passive_address(c, ip(lan), server_lan), "") << lan;
  }
}

TEST(PassiveAddress, PrivateClientsCanBeGivenThePublicAddressToo) {
  passive_config c;
  c.public_address = "ftp.example.test";
  c.local_address_for_private_clients = false;
  EXPECT_EQ(choose_passive_address(c, ip("192.168.1.2"), server_lan), "ftp.example.test");
}

TEST(PassiveAddress, OverridesComeFirstAndTheFirstMatchWins) {
  passive_config c;
  c.public_address = "203.0.113.1";
  c.overrides.push_back({{net("10.8.0.0/16")}, {}, "10.8.0.1"});
  c.overrides.push_back({{net("10.0.0.0/8")}, {}, "10.9.9.9"});
  c.overrides.push_back({{}, {net("192.0.2.0/24")}, ""});
  c.overrides.push_back({{net("198.51.100.0/24")}, {net("10.0.0.2")}, "203.0.113.77"});
  EXPECT_EQ(choose_passive_address(c, ip("10.8.3.4"), server_lan), "10.8.0.1");
  EXPECT_EQ(choose_passive_address(c, ip("10.7.0.1"), server_lan), "10.9.9.9");
  // A listener rule: clients of the server's address 192.0.2.1 get it back.
  EXPECT_EQ(choose_passive_address(c, ip("198.51.100.7"), ip("192.0.2.1")), "");
  // Both the client network and the server address must match.
  EXPECT_EQ(choose_passive_address(c, ip("198.51.100.7"), server_lan), "203.0.113.77");
  EXPECT_EQ(choose_passive_address(c, ip("198.51.100.7"), ip("10.0.0.5")), "203.0.113.1");
}

}  // namespace
}  // namespace portico::server
