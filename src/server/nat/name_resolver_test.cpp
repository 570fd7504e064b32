#include "server/nat/name_resolver.hpp"

#include <gtest/gtest.h>

namespace portico::server {
namespace {

using namespace std::chrono_literals;
using protocol::ip_address;

// Only "localhost" (from /etc/hosts): a test must not send DNS queries.
TEST(NameResolver, ResolvesConfiguredNamesBeforeTheFirstLookup) {
  name_resolver names({"localhost"}, 1h);
  auto v4 = names.lookup("localhost", ip_address::family::v4);
  ASSERT_TRUE(v4) << v4.error();
  EXPECT_EQ(v4->to_string(), "127.0.0.1");
}

TEST(NameResolver, ANewNameIsResolvedSoonAfterItsFirstLookup) {
  name_resolver names({}, 1h);
  auto first = names.lookup("localhost", ip_address::family::v4);
  ASSERT_FALSE(first);
  EXPECT_NE(first.error().find("being resolved"), std::string::npos);
  for (int i = 0; i < 200 && !names.lookup("localhost", ip_address::family::v4); ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(names.lookup("localhost", ip_address::family::v4));
}

TEST(NameResolver, HostNamesOfThePassiveConfigurationSkipLiterals) {
  passive_config c;
  c.public_address = "ftp.example.test";
  c.overrides.push_back({{}, {}, "10.8.0.1"});
  c.overrides.push_back({{}, {}, "vpn.example.test"});
  c.overrides.push_back({{}, {}, ""});
  c.overrides.push_back({{}, {}, "ftp.example.test"});
  EXPECT_EQ(passive_host_names(c),
            (std::vector<std::string>{"ftp.example.test", "vpn.example.test"}));
}

}  // namespace
}  // namespace portico::server
