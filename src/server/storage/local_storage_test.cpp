// local_storage against real trees in /tmp. The confinement tests plant a
// canary outside the root and check that no path, symlink or race reads,
// writes or touches it (threats.md section 4); the upload tests cover the
// write modes and atomic replacement (section 6).
#include "server/storage/local_storage.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "protocol/limits.hpp"

namespace portico::server {
namespace {

namespace fs = std::filesystem;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void spit(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary) << content;
}

std::string read_fd(int fd) {
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  return out;
}

// The error of a result, or no error: a call that wrongly succeeds fails the
// expectation instead of tripping the assertion in error().
template <class T>
std::error_code err(const result<T>& r) {
  return r ? std::error_code{} : r.error();
}

// Writes everything or fails with errno set (a short write is retried, so that
// a full disk shows up as ENOSPC).
bool write_fd(int fd, const std::string& data) {
  for (std::size_t done = 0; done < data.size();) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

class local_storage_test : public ::testing::Test {
 protected:
  void SetUp() override {
    ::umask(022);
    char tmpl[] = "/tmp/portico-storage-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    base_ = tmpl;
    // The sibling "r2" shares the root's name as a prefix (SFTPGo
    // GHSA-h64p-8h4r-6gfh).
    root_ = base_ + "/r";
    outside_ = base_ + "/outside";
    fs::create_directories(root_ + "/sub");
    fs::create_directories(outside_);
    fs::create_directories(base_ + "/r2");
    spit(outside_ + "/secret", "canary");
    spit(base_ + "/r2/f", "sibling");
    spit(root_ + "/file", "hello");
    spit(root_ + "/sub/inner", "inner");
    struct stat st {};
    ASSERT_EQ(::stat((outside_ + "/secret").c_str(), &st), 0);
    canary_ = st;
    reopen({});
  }
  void TearDown() override { fs::remove_all(base_); }

  void reopen(local_storage::options opts) {
    auto s = local_storage::open(root_, std::move(opts));
    ASSERT_TRUE(s) << s.error().message();
    storage_ = std::move(*s);
  }

  void link(const std::string& target, const std::string& name) {
    ASSERT_EQ(::symlink(target.c_str(), (root_ + name).c_str()), 0) << name;
  }

  // Nothing outside the root was read, written, created or re-timed.
  void expect_canary_untouched() {
    struct stat st {};
    ASSERT_EQ(::stat((outside_ + "/secret").c_str(), &st), 0);
    EXPECT_EQ(slurp(outside_ + "/secret"), "canary");
    EXPECT_EQ(st.st_mode, canary_.st_mode);
    EXPECT_EQ(st.st_mtim.tv_sec, canary_.st_mtim.tv_sec);
    EXPECT_EQ(st.st_mtim.tv_nsec, canary_.st_mtim.tv_nsec);
    EXPECT_EQ(std::distance(fs::directory_iterator(outside_), fs::directory_iterator()), 1);
  }

  // Every call that takes a path, through `prefix`, fails with `expected`.
  void expect_all_refused(const std::string& prefix, storage_errc expected) {
    const std::string p = prefix + "/secret";
    EXPECT_EQ(err(storage_->stat(p)), expected);
    EXPECT_EQ(err(storage_->lstat(p)), expected);
    EXPECT_EQ(err(storage_->list(prefix)), expected);
    EXPECT_EQ(err(storage_->open_read(p)), expected);
    EXPECT_FALSE(storage_->open_read_cached(p).has_value()) << "the I/O-thread open escapes";
    for (bool atomic : {false, true}) {
      for (write_mode m : {write_mode::truncate, write_mode::append, write_mode::at_offset,
                           write_mode::create_new}) {
        EXPECT_EQ(err(storage_->begin_upload(p, m, 1, atomic)), expected);
        EXPECT_EQ(err(storage_->begin_upload(prefix + "/new", m, 0, atomic)), expected);
      }
    }
    EXPECT_EQ(err(storage_->make_directory(prefix + "/d")), expected);
    EXPECT_EQ(err(storage_->remove_file(p)), expected);
    EXPECT_EQ(err(storage_->remove_directory(prefix + "/d")), expected);
    EXPECT_EQ(err(storage_->rename(p, "/stolen")), expected);
    EXPECT_EQ(err(storage_->rename("/file", prefix + "/planted")), expected);
    EXPECT_EQ(err(storage_->set_mode(p, 0777)), expected);
    EXPECT_EQ(err(storage_->set_mtime(p, 0)), expected);
    expect_canary_untouched();
    EXPECT_EQ(slurp(root_ + "/file"), "hello");
  }

  std::string base_, root_, outside_;
  struct stat canary_ {};
  std::unique_ptr<local_storage> storage_;
};

TEST_F(local_storage_test, CachedOpenReadsWhatOpenReadReads) {
  // /tmp is local here, and the names were just created, so they are cached.
  ASSERT_TRUE(storage_->open_read("/sub/inner"));
  auto file = storage_->open_read_cached("/sub/inner");
  ASSERT_TRUE(file.has_value());
  EXPECT_EQ(read_fd(file->get()), "inner");
  EXPECT_EQ(::fcntl(file->get(), F_GETFL) & O_NONBLOCK, 0) << "blocking again once regular";
  // Failures are never answered here: open_read gives the real error.
  EXPECT_FALSE(storage_->open_read_cached("/sub").has_value());
  EXPECT_FALSE(storage_->open_read_cached("/missing").has_value());
  EXPECT_EQ(err(storage_->open_read("/missing")), storage_errc::not_found);
}

TEST_F(local_storage_test, OpenFailsForAMissingRoot) {
  EXPECT_EQ(err(local_storage::open(base_ + "/nope")), storage_errc::not_found);
  EXPECT_EQ(err(local_storage::open(root_ + "/file")), storage_errc::not_a_directory);
}

TEST_F(local_storage_test, SlashIsTheRootAndListingsAreSortedWithoutDots) {
  auto st = storage_->stat("/");
  ASSERT_TRUE(st);
  EXPECT_EQ(st->type, protocol::entry_type::directory);
  spit(root_ + "/a", "1");
  auto l = storage_->list("/");
  ASSERT_TRUE(l);
  ASSERT_EQ(l->entries.size(), 3u);
  EXPECT_EQ(l->entries[0].name, "a");
  EXPECT_EQ(l->entries[1].name, "file");
  EXPECT_EQ(l->entries[1].size, 5u);
  EXPECT_EQ(l->entries[1].owner, std::to_string(::getuid()));
  EXPECT_EQ(l->entries[2].name, "sub");
  EXPECT_EQ(l->entries[2].type, protocol::entry_type::directory);
  EXPECT_FALSE(l->truncated);
}

TEST_F(local_storage_test, RawDotDotAndMalformedPathsAreRejectedBeforeResolution) {
  for (std::string_view bad : {"/../outside/secret", "/sub/../../outside/secret", "/./file", "",
                               "file", "//file", "/file/", "/sub/.."}) {
    EXPECT_EQ(err(storage_->open_read(bad)), storage_errc::invalid_name) << bad;
    EXPECT_EQ(err(storage_->begin_upload(bad, write_mode::truncate, 0, false)),
              storage_errc::invalid_name)
        << bad;
  }
  EXPECT_EQ(err(storage_->open_read(std::string_view("/file\0x", 7))), storage_errc::invalid_name);
  EXPECT_EQ(err(storage_->stat("/" + std::string(300, 'a'))), storage_errc::name_too_long);
  expect_canary_untouched();
}

TEST_F(local_storage_test, SymlinkToDotDotCannotClimbOut) {
  link("..", "/up");
  EXPECT_EQ(err(storage_->open_read("/up/outside/secret")), storage_errc::outside_root);
  EXPECT_EQ(err(storage_->open_read("/up/r2/f")), storage_errc::outside_root);
  expect_all_refused("/up/outside", storage_errc::outside_root);
}

TEST_F(local_storage_test, AbsoluteSymlinkToEtcIsOutsideTheRoot) {
  link("/etc", "/etc");
  EXPECT_EQ(err(storage_->open_read("/etc/passwd")), storage_errc::outside_root);
  EXPECT_EQ(err(storage_->stat("/etc")), storage_errc::outside_root);
  EXPECT_EQ(err(storage_->list("/etc")), storage_errc::outside_root);
  auto l = storage_->lstat("/etc");  // the link itself is inside
  ASSERT_TRUE(l);
  EXPECT_EQ(l->type, protocol::entry_type::symlink);
}

TEST_F(local_storage_test, IntermediateSymlinkLeadingOutIsRefusedForEveryCall) {
  // LightFTP #72: O_NOFOLLOW guards only the last component.
  link(outside_, "/abs_link");
  link("../outside", "/rel_link");
  link("../../r/../outside", "/sub/deep_link");
  expect_all_refused("/abs_link", storage_errc::outside_root);
  expect_all_refused("/rel_link", storage_errc::outside_root);
  expect_all_refused("/sub/deep_link", storage_errc::outside_root);
}

TEST_F(local_storage_test, FinalSymlinkLeadingOutCannotBeReadOrWritten) {
  link(outside_ + "/secret", "/out_file");
  link("../outside/secret", "/out_rel");
  for (const char* p : {"/out_file", "/out_rel"}) {
    EXPECT_EQ(err(storage_->open_read(p)), storage_errc::outside_root);
    EXPECT_EQ(err(storage_->stat(p)), storage_errc::outside_root);
    for (write_mode m : {write_mode::truncate, write_mode::append, write_mode::at_offset}) {
      EXPECT_EQ(err(storage_->begin_upload(p, m, 2, false)), storage_errc::outside_root);
      // Atomic STOR replaces the link itself (covered below); the others
      // would have to read the old content through it.
      if (m != write_mode::truncate) {
        EXPECT_EQ(err(storage_->begin_upload(p, m, 2, true)), storage_errc::outside_root);
      }
    }
    // Acting on the link's name touches the link only.
    EXPECT_EQ(err(storage_->set_mode(p, 0777)), storage_errc::permission_denied);
    EXPECT_TRUE(storage_->set_mtime(p, 1000));
  }
  EXPECT_TRUE(storage_->remove_file("/out_file"));
  EXPECT_TRUE(storage_->rename("/out_rel", "/renamed"));
  expect_canary_untouched();
}

TEST_F(local_storage_test, AtomicUploadOverAnEscapingSymlinkReplacesTheLinkNotTheTarget) {
  link("../outside/secret", "/out_rel");
  auto u = storage_->begin_upload("/out_rel", write_mode::truncate, 0, true);
  ASSERT_TRUE(u);
  ASSERT_TRUE(write_fd(u->file.get(), "mine"));
  ASSERT_TRUE(storage_->finish_upload(*u));
  EXPECT_FALSE(fs::is_symlink(root_ + "/out_rel"));
  EXPECT_EQ(slurp(root_ + "/out_rel"), "mine");
  expect_canary_untouched();
}

TEST_F(local_storage_test, SiblingDirectorySharingTheRootPrefixIsOutside) {
  link("../r2/f", "/sib");
  EXPECT_EQ(err(storage_->open_read("/sib")), storage_errc::outside_root);
  EXPECT_EQ(err(storage_->open_read("/../r2/f")), storage_errc::invalid_name);
}

TEST_F(local_storage_test, SymlinksThatStayInsideTheRootWork) {
  link("sub", "/docs");
  link("docs/inner", "/chain1");
  link("chain1", "/chain2");
  link("../file", "/sub/up_file");
  auto fd = storage_->open_read("/chain2");
  ASSERT_TRUE(fd);
  EXPECT_EQ(read_fd(fd->get()), "inner");
  auto up = storage_->open_read("/sub/up_file");
  ASSERT_TRUE(up);
  EXPECT_EQ(read_fd(up->get()), "hello");
  auto l = storage_->list("/docs");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->entries.size(), 2u);
  auto u = storage_->begin_upload("/docs/new", write_mode::truncate, 0, false);
  ASSERT_TRUE(u);
  ASSERT_TRUE(storage_->finish_upload(*u));
  EXPECT_TRUE(fs::exists(root_ + "/sub/new"));
  EXPECT_TRUE(storage_->make_directory("/docs/made"));
  EXPECT_TRUE(fs::is_directory(root_ + "/sub/made"));
}

TEST_F(local_storage_test, ListingShowsSymlinksAsLinksWithTheirTarget) {
  link("/etc", "/etc_link");
  auto l = storage_->list("/");
  ASSERT_TRUE(l);
  const auto it = std::find_if(l->entries.begin(), l->entries.end(),
                               [](const auto& e) { return e.name == "etc_link"; });
  ASSERT_NE(it, l->entries.end());
  EXPECT_EQ(it->type, protocol::entry_type::symlink);
  EXPECT_EQ(it->link_target, "/etc");
  EXPECT_EQ(it->size, 4u);  // the link's own size
}

TEST_F(local_storage_test, DanglingSymlinksAndLoopsFailCleanly) {
  link("nowhere", "/dangling");
  link("loop2", "/loop1");
  link("loop1", "/loop2");
  EXPECT_EQ(err(storage_->stat("/dangling")), storage_errc::not_found);
  EXPECT_EQ(err(storage_->open_read("/dangling")), storage_errc::not_found);
  auto l = storage_->lstat("/dangling");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->type, protocol::entry_type::symlink);
  EXPECT_EQ(err(storage_->open_read("/loop1")), storage_errc::outside_root);
  EXPECT_EQ(err(storage_->list("/loop1")), storage_errc::outside_root);
  EXPECT_TRUE(storage_->remove_file("/dangling"));
  EXPECT_FALSE(fs::is_symlink(root_ + "/dangling"));
}

TEST_F(local_storage_test, FifoIsRefusedWithoutBlocking) {
  ASSERT_EQ(::mkfifo((root_ + "/fifo").c_str(), 0644), 0);
  ::alarm(10);  // a hang kills the test binary instead of stalling CI
  EXPECT_EQ(err(storage_->open_read("/fifo")), storage_errc::permission_denied);
  EXPECT_EQ(err(storage_->begin_upload("/fifo", write_mode::truncate, 0, false)),
            storage_errc::permission_denied);
  EXPECT_EQ(err(storage_->begin_upload("/fifo", write_mode::append, 0, true)),
            storage_errc::permission_denied);
  EXPECT_EQ(err(storage_->set_mode("/fifo", 0600)), storage_errc::permission_denied);
  ::alarm(0);
}

TEST_F(local_storage_test, FilesAndDirectoriesAreNotConfused) {
  EXPECT_EQ(err(storage_->open_read("/sub")), storage_errc::is_a_directory);
  EXPECT_EQ(err(storage_->open_read("/missing")), storage_errc::not_found);
  EXPECT_EQ(err(storage_->open_read("/file/x")), storage_errc::not_a_directory);
  EXPECT_EQ(err(storage_->list("/file")), storage_errc::not_a_directory);
  EXPECT_EQ(err(storage_->remove_file("/sub")), storage_errc::is_a_directory);
  EXPECT_EQ(err(storage_->remove_directory("/file")), storage_errc::not_a_directory);
  EXPECT_EQ(err(storage_->remove_directory("/sub")), storage_errc::not_empty);
  EXPECT_EQ(err(storage_->make_directory("/sub")), storage_errc::already_exists);
  EXPECT_EQ(err(storage_->remove_directory("/")), storage_errc::invalid_name);
  EXPECT_EQ(err(storage_->rename("/", "/x")), storage_errc::invalid_name);
  EXPECT_EQ(err(storage_->rename("/file", "/")), storage_errc::invalid_name);
  for (bool atomic : {false, true}) {
    EXPECT_EQ(err(storage_->begin_upload("/sub", write_mode::truncate, 0, atomic)),
              storage_errc::is_a_directory);
    EXPECT_EQ(err(storage_->begin_upload("/", write_mode::truncate, 0, atomic)),
              storage_errc::is_a_directory);
  }
}

TEST_F(local_storage_test, DirectoryCallsChangeTheTree) {
  ASSERT_TRUE(storage_->make_directory("/made"));
  EXPECT_EQ(fs::status(root_ + "/made").permissions(), fs::perms(0755));
  ASSERT_TRUE(storage_->rename("/made", "/sub/moved"));
  EXPECT_TRUE(fs::is_directory(root_ + "/sub/moved"));
  ASSERT_TRUE(storage_->remove_directory("/sub/moved"));
  EXPECT_FALSE(fs::exists(root_ + "/sub/moved"));
  ASSERT_TRUE(storage_->remove_file("/sub/inner"));
  EXPECT_FALSE(fs::exists(root_ + "/sub/inner"));
  fs::create_directories(root_ + "/full/x");
  EXPECT_EQ(err(storage_->rename("/sub", "/full")), storage_errc::not_empty);
}

TEST_F(local_storage_test, SetModeChangesPermissionsButNeverSetuid) {
  ASSERT_TRUE(storage_->set_mode("/file", 06755));
  EXPECT_EQ(fs::status(root_ + "/file").permissions(), fs::perms(0755));
  ASSERT_TRUE(storage_->set_mode("/sub", 0700));
  EXPECT_EQ(fs::status(root_ + "/sub").permissions(), fs::perms(0700));
  link("file", "/file_link");
  EXPECT_EQ(err(storage_->set_mode("/file_link", 0600)), storage_errc::permission_denied);
  EXPECT_EQ(fs::status(root_ + "/file").permissions(), fs::perms(0755));
}

TEST_F(local_storage_test, SetMtimeSetsTheModificationTimeOfTheNameItself) {
  ASSERT_TRUE(storage_->set_mtime("/file", 1'000'000'000));
  auto st = storage_->stat("/file");
  ASSERT_TRUE(st);
  EXPECT_EQ(st->mtime, 1'000'000'000);
  link("file", "/file_link");
  ASSERT_TRUE(storage_->set_mtime("/file_link", 42));
  EXPECT_EQ(storage_->lstat("/file_link")->mtime, 42);
  EXPECT_EQ(storage_->stat("/file_link")->mtime, 1'000'000'000);
}

TEST_F(local_storage_test, ReadOnlyStorageRefusesEveryChange) {
  local_storage::options opts;
  opts.read_only = true;
  reopen(opts);
  EXPECT_TRUE(storage_->open_read("/file"));
  EXPECT_TRUE(storage_->list("/"));
  for (bool atomic : {false, true}) {
    EXPECT_EQ(err(storage_->begin_upload("/n", write_mode::truncate, 0, atomic)),
              storage_errc::read_only);
  }
  EXPECT_EQ(err(storage_->make_directory("/d")), storage_errc::read_only);
  EXPECT_EQ(err(storage_->remove_file("/file")), storage_errc::read_only);
  EXPECT_EQ(err(storage_->remove_directory("/sub")), storage_errc::read_only);
  EXPECT_EQ(err(storage_->rename("/file", "/f2")), storage_errc::read_only);
  EXPECT_EQ(err(storage_->set_mode("/file", 0600)), storage_errc::read_only);
  EXPECT_EQ(err(storage_->set_mtime("/file", 0)), storage_errc::read_only);
  EXPECT_EQ(slurp(root_ + "/file"), "hello");
}

// A directory swapped for an escaping symlink while uploads run (threats.md
// section 4, test 2): the kernel resolves each open once, so no upload can
// land outside whatever the timing.
TEST_F(local_storage_test, SwappingADirectoryForAnEscapingSymlinkNeverLetsAnUploadOut) {
  fs::create_directories(root_ + "/swap");
  link(outside_, "/swap_link");
  std::atomic<bool> stop{false};
  std::thread swapper([&] {
    const std::string a = root_ + "/swap", b = root_ + "/swap_link";
    while (!stop) ::renameat2(AT_FDCWD, a.c_str(), AT_FDCWD, b.c_str(), RENAME_EXCHANGE);
  });
  int landed = 0;
  for (int i = 0; i < 2000; ++i) {
    auto u =
        storage_->begin_upload("/swap/f" + std::to_string(i), write_mode::truncate, 0, i % 2 == 0);
    if (u && storage_->finish_upload(*u)) ++landed;
  }
  stop = true;
  swapper.join();
  EXPECT_GT(landed, 0);  // the race was really run
  expect_canary_untouched();
}

// --- Uploads -----------------------------------------------------------------

TEST_F(local_storage_test, StorReplacesAndCreatesWithTheConfiguredMode) {
  local_storage::options opts;
  opts.file_mode = 0640;
  reopen(opts);
  for (bool atomic : {false, true}) {
    const std::string name = atomic ? "/new_atomic" : "/new_direct";
    auto u = storage_->begin_upload(name, write_mode::truncate, 0, atomic);
    ASSERT_TRUE(u);
    EXPECT_EQ(u->target, name);
    EXPECT_EQ(u->offset, 0u);
    ASSERT_TRUE(write_fd(u->file.get(), "data"));
    ASSERT_TRUE(storage_->finish_upload(*u));
    EXPECT_FALSE(u->file);
    EXPECT_EQ(slurp(root_ + name), "data");
    EXPECT_EQ(fs::status(root_ + name).permissions(), fs::perms(0640));
    auto r = storage_->begin_upload("/file", write_mode::truncate, 0, atomic);
    ASSERT_TRUE(r);
    ASSERT_TRUE(write_fd(r->file.get(), atomic ? "A" : "D"));
    ASSERT_TRUE(storage_->finish_upload(*r));
    EXPECT_EQ(slurp(root_ + "/file"), atomic ? "A" : "D");
  }
}

TEST_F(local_storage_test, AppeAddsToTheEndAndReportsTheOldSize) {
  for (bool atomic : {false, true}) {
    spit(root_ + "/file", "hello");
    auto u = storage_->begin_upload("/file", write_mode::append, 0, atomic);
    ASSERT_TRUE(u);
    EXPECT_EQ(u->offset, 5u);
    ASSERT_TRUE(write_fd(u->file.get(), " world"));
    ASSERT_TRUE(storage_->finish_upload(*u));
    EXPECT_EQ(slurp(root_ + "/file"), "hello world") << atomic;
  }
  auto u = storage_->begin_upload("/fresh", write_mode::append, 0, true);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->offset, 0u);
  ASSERT_TRUE(write_fd(u->file.get(), "x"));
  ASSERT_TRUE(storage_->finish_upload(*u));
  EXPECT_EQ(slurp(root_ + "/fresh"), "x");
}

TEST_F(local_storage_test, RestStorKeepsThePrefixAndDropsTheRest) {
  for (bool atomic : {false, true}) {
    spit(root_ + "/file", "0123456789");
    auto u = storage_->begin_upload("/file", write_mode::at_offset, 4, atomic);
    ASSERT_TRUE(u);
    EXPECT_EQ(u->offset, 4u);
    ASSERT_TRUE(write_fd(u->file.get(), "ab"));
    ASSERT_TRUE(storage_->finish_upload(*u));
    EXPECT_EQ(slurp(root_ + "/file"), "0123ab") << atomic;
  }
}

TEST_F(local_storage_test, RestPastTheEndLeavesAHole) {
  for (bool atomic : {false, true}) {
    spit(root_ + "/file", "abc");
    auto u = storage_->begin_upload("/file", write_mode::at_offset, 6, atomic);
    ASSERT_TRUE(u);
    ASSERT_TRUE(write_fd(u->file.get(), "Z"));
    ASSERT_TRUE(storage_->finish_upload(*u));
    EXPECT_EQ(slurp(root_ + "/file"), std::string("abc\0\0\0Z", 7)) << atomic;
  }
}

TEST_F(local_storage_test, StouPicksAFreshNameEveryTime) {
  for (bool atomic : {false, true}) {
    const std::string dir = atomic ? "/a" : "/d";
    ASSERT_TRUE(storage_->make_directory(dir));
    spit(root_ + dir + "/up", "old");
    std::vector<std::string> targets;
    for (int i = 0; i < 3; ++i) {
      auto u = storage_->begin_upload(dir + "/up", write_mode::create_new, 0, atomic);
      ASSERT_TRUE(u);
      ASSERT_TRUE(write_fd(u->file.get(), std::to_string(i)));
      ASSERT_TRUE(storage_->finish_upload(*u));
      targets.push_back(u->target);
    }
    EXPECT_EQ(targets, (std::vector<std::string>{dir + "/up.1", dir + "/up.2", dir + "/up.3"}));
    EXPECT_EQ(slurp(root_ + dir + "/up"), "old");
    EXPECT_EQ(slurp(root_ + dir + "/up.2"), "1");
  }
}

TEST_F(local_storage_test, AtomicStouNeverReplacesANameTakenMeanwhile) {
  auto u = storage_->begin_upload("/up", write_mode::create_new, 0, true);
  ASSERT_TRUE(u);
  EXPECT_EQ(u->target, "/up");
  const std::string temp = root_ + u->temporary;
  spit(root_ + "/up", "someone else");
  ASSERT_TRUE(write_fd(u->file.get(), "mine"));
  EXPECT_EQ(err(storage_->finish_upload(*u)), storage_errc::already_exists);
  EXPECT_EQ(slurp(root_ + "/up"), "someone else");
  EXPECT_FALSE(fs::exists(temp));
}

TEST_F(local_storage_test, AtomicUploadIsInvisibleUntilFinished) {
  auto u = storage_->begin_upload("/file", write_mode::truncate, 0, true);
  ASSERT_TRUE(u);
  ASSERT_TRUE(u->temporary.starts_with("/.portico-upload-")) << u->temporary;
  ASSERT_TRUE(write_fd(u->file.get(), "partial"));
  auto during = storage_->open_read("/file");
  ASSERT_TRUE(during);
  EXPECT_EQ(read_fd(during->get()), "hello");
  const std::string temp = root_ + u->temporary;
  ASSERT_TRUE(storage_->finish_upload(*u));
  EXPECT_EQ(slurp(root_ + "/file"), "partial");
  EXPECT_FALSE(fs::exists(temp));
  EXPECT_TRUE(u->temporary.empty());
  // A reader that opened before the rename keeps the old file.
  ASSERT_EQ(::lseek(during->get(), 0, SEEK_SET), 0);
  EXPECT_EQ(read_fd(during->get()), "hello");
}

TEST_F(local_storage_test, AbortedAtomicUploadKeepsTheOldFileAndRemovesTheTemporary) {
  ::chmod((root_ + "/file").c_str(), 0600);
  for (write_mode m : {write_mode::truncate, write_mode::append, write_mode::at_offset}) {
    auto u = storage_->begin_upload("/file", m, 2, true);
    ASSERT_TRUE(u);
    const std::string temp = root_ + u->temporary;
    EXPECT_TRUE(fs::exists(temp));
    EXPECT_EQ(fs::status(temp).permissions(), fs::perms(0600)) << "kept from the old file";
    ASSERT_TRUE(write_fd(u->file.get(), "junk"));
    storage_->abort_upload(*u);
    EXPECT_FALSE(u->file);
    EXPECT_FALSE(fs::exists(temp));
    EXPECT_EQ(slurp(root_ + "/file"), "hello");
  }
  auto l = storage_->list("/");
  ASSERT_TRUE(l);
  EXPECT_EQ(l->entries.size(), 2u);
}

TEST_F(local_storage_test, FsyncOptionStillFinishes) {
  local_storage::options opts;
  opts.fsync_uploads = true;
  opts.temp_prefix = ".in.";
  reopen(opts);
  auto u = storage_->begin_upload("/sub/f", write_mode::truncate, 0, true);
  ASSERT_TRUE(u);
  EXPECT_TRUE(u->temporary.starts_with("/sub/.in.")) << u->temporary;
  ASSERT_TRUE(write_fd(u->file.get(), "durable"));
  ASSERT_TRUE(storage_->finish_upload(*u));
  EXPECT_EQ(slurp(root_ + "/sub/f"), "durable");
}

TEST_F(local_storage_test, FinishingTwiceFails) {
  auto u = storage_->begin_upload("/f", write_mode::truncate, 0, false);
  ASSERT_TRUE(u);
  ASSERT_TRUE(storage_->finish_upload(*u));
  EXPECT_FALSE(storage_->finish_upload(*u));
}

// threats.md section 6, test 4: a full disk fails the upload with no_space,
// removes the temporary and leaves the old file intact.
TEST_F(local_storage_test, FullDiskFailsWithNoSpaceAndKeepsTheOldFile) {
  const std::string mnt = base_ + "/small";
  fs::create_directories(mnt);
  if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=1m") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs: " << std::strerror(errno);
  }
  struct unmount_guard {
    std::string dir;
    ~unmount_guard() { ::umount2(dir.c_str(), MNT_DETACH); }
  } guard{mnt};
  spit(mnt + "/old", "old content");
  auto s = local_storage::open(mnt);
  ASSERT_TRUE(s);
  const std::string chunk(64 * 1024, 'x');
  for (bool atomic : {true, false}) {
    auto u = (*s)->begin_upload(atomic ? "/old" : "/direct", write_mode::truncate, 0, atomic);
    ASSERT_TRUE(u);
    std::error_code error;
    for (int i = 0; i < 32 && !error; ++i) {  // 2 MiB
      if (!write_fd(u->file.get(), chunk)) error = storage_error_from_errno(errno);
    }
    if (!error) {
      auto done = (*s)->finish_upload(*u);
      ASSERT_FALSE(done);
      error = done.error();
    } else {
      (*s)->abort_upload(*u);
    }
    EXPECT_EQ(error, storage_errc::no_space);
    if (!atomic) {
      ASSERT_TRUE((*s)->remove_file("/direct"));
    }
  }
  EXPECT_EQ(slurp(mnt + "/old"), "old content");
  EXPECT_EQ(std::distance(fs::directory_iterator(mnt), fs::directory_iterator()), 1);
  // Copying the old content for APPE on a full disk fails too, cleanly.
  spit(mnt + "/big", std::string(700 * 1024, 'b'));
  EXPECT_EQ(err((*s)->begin_upload("/big", write_mode::append, 0, true)), storage_errc::no_space);
  EXPECT_EQ(std::distance(fs::directory_iterator(mnt), fs::directory_iterator()), 2);
}

// SECURITY: a directory with more entries than a listing may hold is cut
// off, not read into memory whole. On a tmpfs, since 100k files on disk take
// seconds.
TEST_F(local_storage_test, HugeDirectoryListingIsCappedAndMarkedTruncated) {
  const std::string mnt = root_ + "/many";
  fs::create_directories(mnt);
  if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=64m") != 0) {
    GTEST_SKIP() << "cannot mount a tmpfs: " << std::strerror(errno);
  }
  struct unmount_guard {
    std::string dir;
    ~unmount_guard() { ::umount2(dir.c_str(), MNT_DETACH); }
  } guard{mnt};
  const int dir = ::open(mnt.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(dir, 0);
  for (std::size_t i = 0; i <= limits::max_listing_entries; ++i) {
    ASSERT_EQ(::mknodat(dir, std::to_string(i).c_str(), S_IFREG | 0644, 0), 0);
  }
  ::close(dir);
  auto l = storage_->list("/many");
  ASSERT_TRUE(l);
  EXPECT_TRUE(l->truncated);
  EXPECT_EQ(l->entries.size(), limits::max_listing_entries);
  EXPECT_TRUE(std::is_sorted(l->entries.begin(), l->entries.end(),
                             [](const auto& a, const auto& b) { return a.name < b.name; }));
}

// --- Errors --------------------------------------------------------------------

TEST(storage_errors, ErrnoMapsToTheReplyDecidingCondition) {
  const std::pair<int, storage_errc> table[] = {
      {ENOENT, storage_errc::not_found},
      {ENOTDIR, storage_errc::not_a_directory},
      {EISDIR, storage_errc::is_a_directory},
      {EEXIST, storage_errc::already_exists},
      {ENOTEMPTY, storage_errc::not_empty},
      {EACCES, storage_errc::permission_denied},
      {EPERM, storage_errc::permission_denied},
      {EXDEV, storage_errc::outside_root},
      {ELOOP, storage_errc::outside_root},
      {ENAMETOOLONG, storage_errc::name_too_long},
      {ENOSPC, storage_errc::no_space},
      {EDQUOT, storage_errc::quota_exceeded},
      {EROFS, storage_errc::read_only},
      {EBUSY, storage_errc::busy},
      {ETXTBSY, storage_errc::busy},
      {EINVAL, storage_errc::invalid_name},
      {EIO, storage_errc::io_error},
      {EBADF, storage_errc::io_error},
  };
  for (auto [err, expected] : table) {
    EXPECT_EQ(storage_error_from_errno(err), expected) << std::strerror(err);
  }
}

TEST(storage_errors, MessagesAreReadable) {
  EXPECT_EQ(make_error_code(storage_errc::outside_root).message(), "Path leads outside the root");
  EXPECT_EQ(make_error_code(storage_errc::not_found).message(), "No such file or directory");
  EXPECT_EQ(std::string(storage_category().name()), "portico.storage");
  EXPECT_NE(make_error_code(local_storage_errc::openat2_unavailable).message().find("openat2"),
            std::string::npos);
}

}  // namespace
}  // namespace portico::server
