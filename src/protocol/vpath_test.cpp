#include "protocol/vpath.hpp"

#include <gtest/gtest.h>

#include <string>

#include "protocol/error.hpp"
#include "protocol/limits.hpp"

namespace portico::protocol {
namespace {

std::string resolved(std::string_view cwd, std::string_view path) {
  const auto r = resolve_vpath(cwd, path);
  return r ? *r : "error: " + r.error().message();
}

TEST(Vpath, DotDotNeverClimbsAboveTheRoot) {
  EXPECT_EQ(resolved("/", "../../etc/passwd"), "/etc/passwd");
  EXPECT_EQ(resolved("/", "/../.."), "/");
  EXPECT_EQ(resolved("/a", "d/../../x"), "/x");
  EXPECT_EQ(resolved("/a/b", "../../../../.."), "/");
  EXPECT_EQ(resolved("/a/b", "/../../etc"), "/etc");
}

TEST(Vpath, RepeatedAndTrailingSlashesFold) {
  EXPECT_EQ(resolved("/", "//a///b/"), "/a/b");
  EXPECT_EQ(resolved("/x", "a//b//"), "/x/a/b");
  EXPECT_EQ(resolved("/", "//etc"), "/etc");
  EXPECT_EQ(resolved("/", "///"), "/");
}

TEST(Vpath, DotAndEmptyMeanTheCurrentDirectory) {
  EXPECT_EQ(resolved("/home/u", "."), "/home/u");
  EXPECT_EQ(resolved("/home/u", ""), "/home/u");
  EXPECT_EQ(resolved("/home/u", "./././"), "/home/u");
  EXPECT_EQ(resolved("/", "."), "/");
}

TEST(Vpath, RelativePathsAppendToTheCwdAndAbsoluteOnesReplaceIt) {
  EXPECT_EQ(resolved("/a", "b/c"), "/a/b/c");
  EXPECT_EQ(resolved("/a", "/b/c"), "/b/c");
  EXPECT_EQ(resolved("/a/b", ".."), "/a");
  EXPECT_EQ(resolved("/a/b", "./../c"), "/a/c");
}

TEST(Vpath, BackslashTildeAndPercentAreOrdinaryBytes) {
  // Confinement is the kernel's job; lexically these are file names.
  EXPECT_EQ(resolved("/", "..\\.."), "/..\\..");
  EXPECT_EQ(resolved("/d", "a\\..\\b"), "/d/a\\..\\b");
  EXPECT_EQ(resolved("/", "~root"), "/~root");
  EXPECT_EQ(resolved("/", "~"), "/~");
  EXPECT_EQ(resolved("/", "%2e%2e/x"), "/%2e%2e/x");
  EXPECT_EQ(resolved("/", "\xc0\xae\xc0\xae/x"), "/\xc0\xae\xc0\xae/x");
  EXPECT_EQ(resolved("/", "..."), "/...");
  EXPECT_EQ(resolved("/", ".hidden/..x"), "/.hidden/..x");
}

TEST(Vpath, NulIsRejectedSoNoSystemCallSeesAShorterPath) {
  const auto r = resolve_vpath("/", std::string_view("a\0/../../etc", 12));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::bad_path);
  EXPECT_EQ(resolve_vpath(std::string_view("/a\0b", 4), "x").error(), errc::bad_path);
}

TEST(Vpath, ResultLongerThanTheLimitIsRejected) {
  const std::string name(limits::max_path_length - 1, 'a');  // "/" + name is exactly the limit
  EXPECT_EQ(resolved("/", name), "/" + name);
  const auto r = resolve_vpath("/", name + "b");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::path_too_long);
  // The cwd counts too.
  EXPECT_EQ(resolve_vpath("/" + name, "b").error(), errc::path_too_long);
}

TEST(Vpath, ResultDeeperThanTheLimitIsRejected) {
  std::string deep;
  for (std::size_t i = 0; i < limits::max_path_depth; ++i) deep += "d/";
  EXPECT_TRUE(resolve_vpath("/", deep));
  const auto r = resolve_vpath("/", deep + "e");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error(), errc::path_too_deep);
}

TEST(Vpath, LongInputsThatNormaliseShortAreAccepted) {
  std::string wander;
  for (int i = 0; i < 5000; ++i) wander += "a/../";
  EXPECT_EQ(resolved("/", wander + "x"), "/x");
}

TEST(Vpath, AnUnnormalisedCwdIsNormalisedToo) {
  EXPECT_EQ(resolved("a//b/../c/", "d"), "/a/c/d");
  EXPECT_EQ(resolved("", "d"), "/d");
}

TEST(Vpath, ParentBasenameAndRelative) {
  EXPECT_EQ(vpath_parent("/a/b"), "/a");
  EXPECT_EQ(vpath_parent("/a"), "/");
  EXPECT_EQ(vpath_parent("/"), "/");
  EXPECT_EQ(vpath_basename("/a/b"), "b");
  EXPECT_EQ(vpath_basename("/a"), "a");
  EXPECT_EQ(vpath_basename("/"), "");
  EXPECT_EQ(vpath_relative("/a/b"), "a/b");
  EXPECT_EQ(vpath_relative("/"), "");
}

TEST(Vpath, QuotePathDoublesQuotesForThe257Reply) {
  EXPECT_EQ(quote_path("a\"b"), "a\"\"b");
  EXPECT_EQ(quote_path("/\"\""), "/\"\"\"\"");
  EXPECT_EQ(quote_path("/plain dir"), "/plain dir");
  EXPECT_EQ(quote_path(""), "");
}

}  // namespace
}  // namespace portico::protocol
