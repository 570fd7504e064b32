// memory_storage is what handler tests run against, so it must fail where
// local_storage fails, with the same codes, and its fail_next hook must fail
// exactly one call.
#include "server/storage/memory_storage.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <functional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

namespace portico::server {
namespace {

template <class T>
std::error_code err(const result<T>& r) {
  return r ? std::error_code{} : r.error();
}

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  return out;
}

void write_all(int fd, const std::string& data) {
  ASSERT_EQ(::write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
}

class memory_storage_test : public ::testing::Test {
 protected:
  void SetUp() override {
    s_.add_file("/file", "hello", 1234);
    s_.add_file("/sub/inner", "inner");
  }
  // Begins an upload, writes `data`, finishes it.
  result<void> store(std::string_view path, write_mode mode, std::uint64_t offset, bool atomic,
                     const std::string& data, std::string* target = nullptr) {
    auto u = s_.begin_upload(path, mode, offset, atomic);
    if (!u) return unexpected(u.error());
    if (::write(u->file.get(), data.data(), data.size()) != static_cast<ssize_t>(data.size())) {
      return unexpected(std::error_code(errno, std::system_category()));
    }
    if (target != nullptr) *target = u->target;
    return s_.finish_upload(*u);
  }
  memory_storage s_;
};

TEST_F(memory_storage_test, StatAndListDescribeTheTree) {
  auto st = s_.stat("/file");
  ASSERT_TRUE(st);
  EXPECT_EQ(st->type, protocol::entry_type::file);
  EXPECT_EQ(st->size, 5u);
  EXPECT_EQ(st->mtime, 1234);
  EXPECT_TRUE(S_ISREG(st->mode));
  EXPECT_EQ(s_.stat("/sub")->type, protocol::entry_type::directory);
  EXPECT_EQ(s_.stat("/")->type, protocol::entry_type::directory);
  s_.add_file("/sub/a b", "");
  s_.add_file("/sub-x", "");  // sorts between "/sub" and "/sub/" keys
  auto l = s_.list("/sub");
  ASSERT_TRUE(l);
  ASSERT_EQ(l->entries.size(), 2u);
  EXPECT_EQ(l->entries[0].name, "a b");
  EXPECT_EQ(l->entries[1].name, "inner");
  auto root = s_.list("/");
  ASSERT_TRUE(root);
  ASSERT_EQ(root->entries.size(), 3u);  // not the grandchildren
  EXPECT_EQ(root->entries[2].name, "sub-x");
}

TEST_F(memory_storage_test, ErrorsMatchLocalStorage) {
  EXPECT_EQ(err(s_.stat("/missing")), storage_errc::not_found);
  EXPECT_EQ(err(s_.stat("/file/x")), storage_errc::not_a_directory);
  EXPECT_EQ(err(s_.stat("/sub/../file")), storage_errc::invalid_name);
  EXPECT_EQ(err(s_.stat("relative")), storage_errc::invalid_name);
  EXPECT_EQ(err(s_.open_read("/sub")), storage_errc::is_a_directory);
  EXPECT_EQ(err(s_.list("/file")), storage_errc::not_a_directory);
  EXPECT_EQ(err(s_.remove_file("/sub")), storage_errc::is_a_directory);
  EXPECT_EQ(err(s_.remove_directory("/file")), storage_errc::not_a_directory);
  EXPECT_EQ(err(s_.remove_directory("/sub")), storage_errc::not_empty);
  EXPECT_EQ(err(s_.remove_directory("/")), storage_errc::invalid_name);
  EXPECT_EQ(err(s_.make_directory("/sub")), storage_errc::already_exists);
  EXPECT_EQ(err(s_.make_directory("/nope/d")), storage_errc::not_found);
  EXPECT_EQ(err(s_.begin_upload("/sub", write_mode::truncate, 0, true)),
            storage_errc::is_a_directory);
  EXPECT_EQ(err(s_.begin_upload("/nope/f", write_mode::truncate, 0, false)),
            storage_errc::not_found);
  EXPECT_EQ(err(s_.rename("/", "/x")), storage_errc::invalid_name);
  EXPECT_EQ(err(s_.rename("/sub", "/sub/deeper")), storage_errc::invalid_name);
}

TEST_F(memory_storage_test, OpenReadGivesAFreshDescriptorAtTheStart) {
  auto fd = s_.open_read("/file");
  ASSERT_TRUE(fd);
  EXPECT_EQ(read_all(fd->get()), "hello");
  s_.add_file("/file", "changed");
  EXPECT_EQ(read_all(s_.open_read("/file")->get()), "changed");
}

TEST_F(memory_storage_test, UploadModesWriteWhatTheCommandsMean) {
  for (bool atomic : {false, true}) {
    s_.add_file("/file", "0123456789");
    ASSERT_TRUE(store("/file", write_mode::truncate, 0, atomic, "new"));
    EXPECT_EQ(s_.content("/file"), "new");
    ASSERT_TRUE(store("/file", write_mode::append, 0, atomic, "+"));
    EXPECT_EQ(s_.content("/file"), "new+");
    s_.add_file("/file", "0123456789");
    ASSERT_TRUE(store("/file", write_mode::at_offset, 4, atomic, "ab"));
    EXPECT_EQ(s_.content("/file"), "0123ab");
    ASSERT_TRUE(store("/file", write_mode::at_offset, 8, atomic, "Z"));
    EXPECT_EQ(s_.content("/file"), std::string("0123ab\0\0Z", 9));
  }
  auto u = s_.begin_upload("/file", write_mode::append, 0, false);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->offset, 9u);
  s_.abort_upload(*u);
}

TEST_F(memory_storage_test, StouPicksFreshNames) {
  std::vector<std::string> targets(3);
  ASSERT_TRUE(store("/file", write_mode::create_new, 0, false, "a", &targets[0]));
  ASSERT_TRUE(store("/file", write_mode::create_new, 0, true, "b", &targets[1]));
  ASSERT_TRUE(store("/fresh", write_mode::create_new, 0, true, "c", &targets[2]));
  EXPECT_EQ(targets, (std::vector<std::string>{"/file.1", "/file.2", "/fresh"}));
  EXPECT_EQ(s_.content("/file"), "hello");
  EXPECT_EQ(s_.content("/file.2"), "b");
}

TEST_F(memory_storage_test, AtomicUploadIsInvisibleUntilFinishedAndAbortLeavesNoTrace) {
  auto u = s_.begin_upload("/file", write_mode::truncate, 0, true);
  ASSERT_TRUE(u);
  write_all(u->file.get(), "partial");
  EXPECT_EQ(s_.content("/file"), "hello");
  EXPECT_EQ(s_.open_uploads(), 1u);
  s_.abort_upload(*u);
  EXPECT_EQ(s_.content("/file"), "hello");
  EXPECT_EQ(s_.open_uploads(), 0u);
  auto fresh = s_.begin_upload("/new", write_mode::truncate, 0, true);
  ASSERT_TRUE(fresh);
  s_.abort_upload(*fresh);
  EXPECT_EQ(err(s_.stat("/new")), storage_errc::not_found);
}

TEST_F(memory_storage_test, DirectUploadTruncatesAtOnceAndKeepsWhatWasWrittenOnAbort) {
  auto u = s_.begin_upload("/file", write_mode::truncate, 0, false);
  ASSERT_TRUE(u);
  EXPECT_EQ(s_.content("/file"), "");
  write_all(u->file.get(), "half");
  s_.abort_upload(*u);
  EXPECT_EQ(s_.content("/file"), "half");
}

TEST_F(memory_storage_test, FailNextFailsExactlyOneChange) {
  const std::error_code full = make_error_code(storage_errc::no_space);
  s_.fail_next(full);
  EXPECT_TRUE(s_.stat("/file"));  // reads are not changes
  EXPECT_EQ(err(s_.make_directory("/d")), full);
  EXPECT_TRUE(s_.make_directory("/d"));
  for (auto call : std::vector<std::function<result<void>()>>{
           [&] { return s_.remove_file("/file"); },
           [&] { return s_.remove_directory("/d"); },
           [&] { return s_.rename("/file", "/f2"); },
           [&] { return s_.set_mode("/file", 0600); },
           [&] { return s_.set_mtime("/file", 1); },
           [&] {
             auto u = s_.begin_upload("/file", write_mode::truncate, 0, false);
             return u ? result<void>{} : unexpected(u.error());
           },
       }) {
    s_.fail_next(full);
    EXPECT_EQ(err(call()), full);
  }
  EXPECT_EQ(s_.content("/file"), "hello");
  EXPECT_EQ(s_.stat("/file")->mtime, 1234);
}

TEST_F(memory_storage_test, FailedFinishAbortsTheUpload) {
  const std::error_code lost = make_error_code(storage_errc::io_error);
  auto u = s_.begin_upload("/file", write_mode::truncate, 0, true);
  ASSERT_TRUE(u);
  write_all(u->file.get(), "new");
  s_.fail_next(lost);
  EXPECT_EQ(err(s_.finish_upload(*u)), lost);
  EXPECT_FALSE(u->file);
  EXPECT_EQ(s_.content("/file"), "hello");
  EXPECT_EQ(s_.open_uploads(), 0u);
  EXPECT_FALSE(s_.finish_upload(*u));  // already over
}

TEST_F(memory_storage_test, AtomicStouNeverReplacesANameTakenMeanwhile) {
  auto u = s_.begin_upload("/up", write_mode::create_new, 0, true);
  ASSERT_TRUE(u);
  s_.add_file("/up", "someone else");
  EXPECT_EQ(err(s_.finish_upload(*u)), storage_errc::already_exists);
  EXPECT_EQ(s_.content("/up"), "someone else");
}

TEST_F(memory_storage_test, RenameMovesWholeSubtrees) {
  s_.add_file("/sub/deep/x", "x");
  ASSERT_TRUE(s_.rename("/sub", "/moved"));
  EXPECT_EQ(s_.content("/moved/deep/x"), "x");
  EXPECT_EQ(s_.content("/moved/inner"), "inner");
  EXPECT_EQ(err(s_.stat("/sub")), storage_errc::not_found);
  ASSERT_TRUE(s_.rename("/file", "/moved/inner"));  // a file replaces a file
  EXPECT_EQ(s_.content("/moved/inner"), "hello");
  s_.add_directory("/empty");
  EXPECT_EQ(err(s_.rename("/empty", "/moved")), storage_errc::not_empty);
  EXPECT_EQ(err(s_.rename("/moved/inner", "/empty")), storage_errc::is_a_directory);
}

TEST_F(memory_storage_test, ModesAndTimesAreKeptWithoutSetuid) {
  ASSERT_TRUE(s_.set_mode("/file", 06755));
  EXPECT_EQ(s_.stat("/file")->mode & 07777, 0755u);
  ASSERT_TRUE(s_.set_mtime("/file", 99));
  EXPECT_EQ(s_.stat("/file")->mtime, 99);
}

TEST_F(memory_storage_test, ReadOnlyRefusesChanges) {
  memory_storage ro({.read_only = true});
  ro.add_file("/f", "x");
  EXPECT_TRUE(ro.open_read("/f"));
  EXPECT_EQ(err(ro.begin_upload("/f", write_mode::truncate, 0, true)), storage_errc::read_only);
  EXPECT_EQ(err(ro.remove_file("/f")), storage_errc::read_only);
  EXPECT_EQ(ro.content("/f"), "x");
}

TEST_F(memory_storage_test, ConcurrentCallsAreSafe) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < 200; ++i) {
        const std::string name = "/t" + std::to_string(t) + "_" + std::to_string(i);
        EXPECT_TRUE(store(name, write_mode::truncate, 0, i % 2 == 0, name));
        EXPECT_TRUE(s_.list("/"));
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(s_.list("/")->entries.size(), 802u);
  EXPECT_EQ(s_.content("/t3_199"), "/t3_199");
}

}  // namespace
}  // namespace portico::server
