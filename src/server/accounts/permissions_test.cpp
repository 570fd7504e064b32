#include "server/accounts/permissions.hpp"

#include <gtest/gtest.h>

namespace portico::server {
namespace {

TEST(Permissions, EveryConfigurationNameParsesToItsPermission) {
  EXPECT_EQ(permission_set::parse_name("list").value(), permission::list);
  EXPECT_EQ(permission_set::parse_name("read").value(), permission::read);
  EXPECT_EQ(permission_set::parse_name("write").value(), permission::write);
  EXPECT_EQ(permission_set::parse_name("append").value(), permission::append);
  EXPECT_EQ(permission_set::parse_name("delete").value(), permission::remove);
  EXPECT_EQ(permission_set::parse_name("mkdir").value(), permission::mkdir);
  EXPECT_EQ(permission_set::parse_name("rename").value(), permission::rename);
  EXPECT_EQ(permission_set::parse_name("chmod").value(), permission::chmod);
}

TEST(Permissions, TyposCaseVariantsAndInternalNamesAreRejected) {
  for (const char* bad : {"writ", "Read", "READ", "remove", "none", "", " list", "list "}) {
    EXPECT_FALSE(permission_set::parse_name(bad).has_value()) << bad;
  }
}

TEST(Permissions, ToStringListsNamesInDocumentedOrder) {
  EXPECT_EQ(permission_set{}.to_string(), "");
  EXPECT_EQ(permission_set::read_only().to_string(), "list,read");
  EXPECT_EQ(permission_set{}.with(permission::remove).with(permission::list).to_string(),
            "list,delete");
  EXPECT_EQ(permission_set::all().to_string(), "list,read,write,append,delete,mkdir,rename,chmod");
}

TEST(Permissions, ToStringRoundTripsThroughParseName) {
  const auto all = permission_set::all().to_string();
  permission_set rebuilt;
  std::size_t start = 0;
  while (start <= all.size()) {
    auto comma = all.find(',', start);
    if (comma == std::string::npos) comma = all.size();
    rebuilt = rebuilt.with(permission_set::parse_name(all.substr(start, comma - start)).value());
    start = comma + 1;
  }
  EXPECT_EQ(rebuilt, permission_set::all());
}

TEST(Permissions, PermissionNameUsesConfigurationSpelling) {
  EXPECT_EQ(permission_name(permission::remove), "delete");
  EXPECT_EQ(permission_name(permission::chmod), "chmod");
  EXPECT_EQ(permission_name(permission::none), "none");
}

}  // namespace
}  // namespace portico::server
