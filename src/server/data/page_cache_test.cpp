#include "server/data/page_cache.hpp"

#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace portico::server {
namespace {

class page_cache_test : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/var/tmp/portico-pagecache-XXXXXX";
    fd_ = ::mkstemp(tmpl);
    ASSERT_GE(fd_, 0);
    path_ = tmpl;
    std::vector<char> data(size_, 'x');
    ASSERT_EQ(::write(fd_, data.data(), data.size()), static_cast<ssize_t>(data.size()));
    ASSERT_EQ(::fdatasync(fd_), 0);  // clean pages can be dropped
    char byte;
    iovec one{&byte, 1};
    if (::preadv2(fd_, &one, 1, 0, RWF_NOWAIT) < 0 && errno == EOPNOTSUPP) {
      GTEST_SKIP() << "this file system cannot read without waiting (RWF_NOWAIT)";
    }
  }
  void TearDown() override {
    if (fd_ >= 0) ::close(fd_);
    ::unlink(path_.c_str());
  }
  void drop_from_cache() { ASSERT_EQ(::posix_fadvise(fd_, 0, 0, POSIX_FADV_DONTNEED), 0); }

  const std::size_t size_ = 3u << 20;
  int fd_ = -1;
  std::string path_;
};

TEST_F(page_cache_test, a_file_just_written_is_in_the_cache) {
  EXPECT_TRUE(in_page_cache(fd_, 0, size_));
  EXPECT_TRUE(in_page_cache(fd_, 4096, 1));
  EXPECT_TRUE(in_page_cache(fd_, 0, 0)) << "an empty range needs nothing";
}

TEST_F(page_cache_test, dropped_pages_are_reported_missing) {
  // Each check follows its own drop: a refused probe starts readahead of
  // its page, which may complete before the next check.
  drop_from_cache();
  EXPECT_FALSE(in_page_cache(fd_, 0, size_));
  drop_from_cache();
  EXPECT_FALSE(in_page_cache(fd_, 0, 4096));
}

TEST_F(page_cache_test, a_missing_last_or_middle_page_is_noticed) {
  drop_from_cache();
  // Bring back all but the last megabyte: the first pages alone must not
  // make the range look cached.
  ASSERT_EQ(::posix_fadvise(fd_, 0, 2u << 20, POSIX_FADV_WILLNEED), 0);
  std::vector<char> buf(2u << 20);
  ASSERT_EQ(::pread(fd_, buf.data(), buf.size(), 0), static_cast<ssize_t>(buf.size()));
  ASSERT_EQ(::posix_fadvise(fd_, 2u << 20, 0, POSIX_FADV_DONTNEED), 0);
  EXPECT_TRUE(in_page_cache(fd_, 0, 1u << 20));
  EXPECT_FALSE(in_page_cache(fd_, 0, size_));
  // And a hole in the middle, between cached first and last pages.
  ASSERT_EQ(::pread(fd_, buf.data(), 4096, static_cast<off_t>(size_ - 4096)), 4096);
  ASSERT_EQ(::posix_fadvise(fd_, 1u << 20, 1u << 20, POSIX_FADV_DONTNEED), 0);
  EXPECT_FALSE(in_page_cache(fd_, 0, size_));
}

TEST_F(page_cache_test, reading_into_the_cache_brings_back_dropped_pages) {
  drop_from_cache();
  ASSERT_FALSE(in_page_cache(fd_, 0, size_));
  drop_from_cache();
  read_into_page_cache(fd_, 0, size_);
  EXPECT_TRUE(in_page_cache(fd_, 0, size_));
  // A range past the end reads what there is and returns.
  read_into_page_cache(fd_, size_ - 4096, 1u << 20);
  EXPECT_TRUE(in_page_cache(fd_, size_ - 4096, 4096));
}

}  // namespace
}  // namespace portico::server
