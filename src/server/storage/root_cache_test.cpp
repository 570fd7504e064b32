#include "server/storage/root_cache.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace portico::server {
namespace {

namespace fs = std::filesystem;

class root_cache_test : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/portico-roots-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    base_ = tmpl;
    home_ = base_ + "/home";
    fs::create_directories(home_);
    std::ofstream(home_ + "/f") << "first";
  }
  void TearDown() override { fs::remove_all(base_); }

  std::string read_through(const std::shared_ptr<const storage_root>& root) {
    auto s = local_storage::open(root, {});
    auto f = s->open_read("/f");
    if (!f) return "error: " + f.error().message();
    char buf[64];
    const ssize_t n = ::read(f->get(), buf, sizeof buf);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : std::string();
  }

  std::string base_, home_;
  storage_root_cache cache_;
};

TEST_F(root_cache_test, sessions_of_one_home_share_one_descriptor) {
  auto a = cache_.open(home_);
  auto b = cache_.open(home_);
  ASSERT_TRUE(a && b);
  EXPECT_EQ((*a)->fd(), (*b)->fd());
  EXPECT_EQ(a->get(), b->get());
  EXPECT_EQ(read_through(*b), "first");
}

TEST_F(root_cache_test, a_root_is_closed_when_its_last_session_ends) {
  int fd = -1;
  {
    auto a = cache_.open(home_);
    ASSERT_TRUE(a);
    fd = (*a)->fd();
    EXPECT_EQ(cache_.size(), 1U);
  }
  EXPECT_EQ(::fcntl(fd, F_GETFD), -1) << "the descriptor is closed";
  EXPECT_EQ(cache_.size(), 0U);
}

TEST_F(root_cache_test, a_replaced_home_is_opened_afresh) {
  auto before = cache_.open(home_);
  ASSERT_TRUE(before);
  fs::rename(home_, base_ + "/old");
  fs::create_directories(home_);
  std::ofstream(home_ + "/f") << "second";
  auto after = cache_.open(home_);
  ASSERT_TRUE(after);
  EXPECT_NE(before->get(), after->get());
  EXPECT_EQ(read_through(*after), "second") << "a new login sees the new home";
  EXPECT_EQ(read_through(*before), "first") << "an older session keeps the home it logged into";
}

TEST_F(root_cache_test, a_missing_home_is_an_error_not_a_cached_entry) {
  auto missing = cache_.open(base_ + "/nobody");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error(), storage_errc::not_found);
  EXPECT_EQ(cache_.size(), 0U);
}

}  // namespace
}  // namespace portico::server
