#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/test_support/handler_harness.hpp"

namespace portico::server {
namespace {

using ::testing::HasSubstr;
namespace code = protocol::code;

class files_test : public test_support::handler_harness {
 protected:
  void SetUp() override { login_with(permission_set::all()); }

  bool is_directory(std::string_view path) {
    auto st = fs().stat(path);
    return st && st->type == protocol::entry_type::directory;
  }
  bool exists(std::string_view path) { return fs().stat(path).has_value(); }
};

// --- MKD / RMD ---------------------------------------------------------------

TEST_F(files_test, mkd_creates_the_directory_and_answers_257_with_its_path) {
  const outcome o = run("MKD new");
  EXPECT_EQ(o.reply.code, code::path_created);
  EXPECT_EQ(o.reply.text(), "\"/new\" created.");
  EXPECT_TRUE(is_directory("/new"));
}

TEST_F(files_test, mkd_doubles_quotes_in_the_257_path) {
  const outcome o = run("MKD a\"b");
  EXPECT_EQ(o.reply.code, code::path_created);
  EXPECT_EQ(o.reply.text(), "\"/a\"\"b\" created.");
  EXPECT_TRUE(is_directory("/a\"b"));
}

TEST_F(files_test, mkd_resolves_against_the_cwd) {
  fs().add_directory("/pub");
  ASSERT_EQ(code_of("CWD pub"), code::file_action_ok);
  EXPECT_EQ(run("XMKD sub").reply.text(), "\"/pub/sub\" created.");
  EXPECT_TRUE(is_directory("/pub/sub"));
}

TEST_F(files_test, mkd_of_an_existing_name_is_550) {
  fs().add_file("/taken", "x");
  EXPECT_EQ(code_of("MKD taken"), code::file_unavailable);
  EXPECT_EQ(fs().content("/taken"), "x");
}

TEST_F(files_test, mkd_in_a_missing_parent_is_550) {
  EXPECT_EQ(code_of("MKD no/such"), code::file_unavailable);
  EXPECT_FALSE(exists("/no"));
}

TEST_F(files_test, the_root_cannot_be_made_or_removed) {
  EXPECT_EQ(code_of("MKD /"), code::file_unavailable);
  EXPECT_EQ(code_of("RMD /"), code::file_unavailable);
  EXPECT_EQ(code_of("DELE /"), code::file_unavailable);
  EXPECT_TRUE(is_directory("/"));
}

TEST_F(files_test, rmd_removes_an_empty_directory) {
  fs().add_directory("/empty");
  const outcome o = run("RMD empty");
  EXPECT_EQ(o.reply.code, code::file_action_ok);
  EXPECT_THAT(o.reply.text(), HasSubstr("\"/empty\""));
  EXPECT_FALSE(exists("/empty"));
}

TEST_F(files_test, rmd_of_a_non_empty_directory_is_550_and_keeps_it) {
  fs().add_file("/full/a.txt", "x");
  EXPECT_EQ(code_of("RMD full"), code::file_unavailable);
  EXPECT_EQ(fs().content("/full/a.txt"), "x");
}

TEST_F(files_test, rmd_of_a_file_is_550) {
  fs().add_file("/a.txt", "x");
  EXPECT_EQ(code_of("XRMD a.txt"), code::file_unavailable);
  EXPECT_EQ(fs().content("/a.txt"), "x");
}

// --- DELE --------------------------------------------------------------------

TEST_F(files_test, dele_deletes_the_file) {
  fs().add_file("/a.txt", "x");
  const outcome o = run("DELE a.txt");
  EXPECT_EQ(o.reply.code, code::file_action_ok);
  EXPECT_FALSE(fs().content("/a.txt").has_value());
  EXPECT_FALSE(exists("/a.txt"));
}

TEST_F(files_test, dele_of_a_missing_file_is_550_naming_it) {
  const outcome o = run("DELE ghost.txt");
  EXPECT_EQ(o.reply.code, code::file_unavailable);
  EXPECT_THAT(o.reply.text(), HasSubstr("/ghost.txt"));
}

TEST_F(files_test, dele_of_a_directory_is_550_and_keeps_it) {
  fs().add_directory("/d");
  EXPECT_EQ(code_of("DELE d"), code::file_unavailable);
  EXPECT_TRUE(is_directory("/d"));
}

// --- RNFR / RNTO -------------------------------------------------------------

TEST_F(files_test, rnfr_rnto_renames_a_file) {
  fs().add_file("/old.txt", "data");
  const outcome from = run("RNFR old.txt");
  EXPECT_EQ(from.reply.code, code::pending_further_info);
  const outcome to = run("RNTO new.txt");
  EXPECT_EQ(to.reply.code, code::file_action_ok);
  EXPECT_EQ(fs().content("/new.txt"), "data");
  EXPECT_FALSE(exists("/old.txt"));
}

TEST_F(files_test, rnto_moves_a_directory_with_its_contents) {
  fs().add_file("/a/inner.txt", "x");
  fs().add_directory("/b");
  ASSERT_EQ(code_of("RNFR a"), code::pending_further_info);
  ASSERT_EQ(code_of("RNTO /b/a2"), code::file_action_ok);
  EXPECT_EQ(fs().content("/b/a2/inner.txt"), "x");
  EXPECT_FALSE(exists("/a"));
}

TEST_F(files_test, rnfr_of_a_missing_file_is_550) {
  EXPECT_EQ(code_of("RNFR ghost"), code::file_unavailable);
  EXPECT_FALSE(state.rename_from.has_value());
}

TEST_F(files_test, rnto_without_rnfr_is_503) {
  fs().add_file("/a.txt", "x");
  EXPECT_EQ(code_of("RNTO b.txt"), code::bad_sequence);
  EXPECT_FALSE(exists("/b.txt"));
}

TEST_F(files_test, rnto_is_good_for_one_rename_only) {
  fs().add_file("/a.txt", "x");
  ASSERT_EQ(code_of("RNFR a.txt"), code::pending_further_info);
  ASSERT_EQ(code_of("RNTO b.txt"), code::file_action_ok);
  EXPECT_EQ(code_of("RNTO c.txt"), code::bad_sequence);
  EXPECT_EQ(fs().content("/b.txt"), "x");
  EXPECT_FALSE(exists("/c.txt"));
}

TEST_F(files_test, rnto_into_a_missing_directory_is_550_and_keeps_the_file) {
  fs().add_file("/a.txt", "x");
  ASSERT_EQ(code_of("RNFR a.txt"), code::pending_further_info);
  EXPECT_EQ(code_of("RNTO no/such/b.txt"), code::file_unavailable);
  EXPECT_EQ(fs().content("/a.txt"), "x");
}

// --- SIZE / MDTM / MFMT ------------------------------------------------------

TEST_F(files_test, size_is_213_with_the_byte_count) {
  fs().add_file("/a.bin", std::string(1234, 'z'));
  const outcome o = run("SIZE a.bin");
  EXPECT_EQ(o.reply.code, code::file_status);
  EXPECT_EQ(o.reply.text(), "1234");
}

TEST_F(files_test, size_counts_stored_bytes_even_in_ascii_mode) {
  fs().add_file("/a.txt", "a\nb\n");
  ASSERT_EQ(code_of("TYPE A"), code::ok);
  EXPECT_EQ(run("SIZE a.txt").reply.text(), "4");
}

TEST_F(files_test, size_of_a_directory_is_550) {
  fs().add_directory("/d");
  EXPECT_EQ(code_of("SIZE d"), code::file_unavailable);
}

TEST_F(files_test, size_of_a_missing_file_is_550) {
  EXPECT_EQ(code_of("SIZE ghost"), code::file_unavailable);
}

TEST_F(files_test, mdtm_is_213_with_yyyymmddhhmmss_in_utc) {
  fs().add_file("/a.txt", "x", 1600000000);  // 2020-09-13 12:26:40 UTC
  const outcome o = run("MDTM a.txt");
  EXPECT_EQ(o.reply.code, code::file_status);
  EXPECT_EQ(o.reply.text(), "20200913122640");
}

TEST_F(files_test, mdtm_of_a_missing_file_is_550) {
  EXPECT_EQ(code_of("MDTM ghost"), code::file_unavailable);
}

TEST_F(files_test, mfmt_sets_the_modification_time) {
  fs().add_file("/a.txt", "x", 0);
  const outcome o = run("MFMT 20200913122640 a.txt");
  EXPECT_EQ(o.reply.code, code::file_status);
  EXPECT_EQ(o.reply.text(), "Modify=20200913122640; /a.txt");
  auto st = fs().stat("/a.txt");
  ASSERT_TRUE(st.has_value());
  EXPECT_EQ(st->mtime, 1600000000);
  EXPECT_EQ(run("MDTM a.txt").reply.text(), "20200913122640");
}

TEST_F(files_test, mfmt_keeps_spaces_in_the_path) {
  fs().add_file("/my file.txt", "x", 0);
  EXPECT_EQ(code_of("MFMT 20200913122640 my file.txt"), code::file_status);
  EXPECT_EQ(fs().stat("/my file.txt")->mtime, 1600000000);
}

TEST_F(files_test, mfmt_with_a_bad_time_is_501_and_changes_nothing) {
  fs().add_file("/a.txt", "x", 42);
  for (std::string_view line : {"MFMT 2020091312264 a.txt", "MFMT 20201313122640 a.txt",
                                "MFMT yesterday a.txt", "MFMT 20200913122640"}) {
    EXPECT_EQ(code_of(line), code::syntax_error_args) << line;
  }
  EXPECT_EQ(fs().stat("/a.txt")->mtime, 42);
}

TEST_F(files_test, mfmt_of_a_missing_file_is_550) {
  EXPECT_EQ(code_of("MFMT 20200913122640 ghost"), code::file_unavailable);
}

// --- SITE CHMOD --------------------------------------------------------------

TEST_F(files_test, site_chmod_sets_the_mode) {
  fs().add_file("/a.txt", "x");
  const outcome o = run("SITE CHMOD 600 a.txt");
  EXPECT_EQ(o.reply.code, code::ok);
  EXPECT_EQ(fs().stat("/a.txt")->mode & 07777, 0600u);
}

TEST_F(files_test, site_chmod_accepts_a_lower_case_subcommand_and_leading_zero) {
  fs().add_file("/a.txt", "x");
  EXPECT_EQ(code_of("SITE chmod 0640 a.txt"), code::ok);
  EXPECT_EQ(fs().stat("/a.txt")->mode & 07777, 0640u);
}

TEST_F(files_test, site_chmod_with_a_bad_mode_is_501_and_changes_nothing) {
  fs().add_file("/a.txt", "x");
  for (std::string_view line :
       {"SITE CHMOD 789 a.txt", "SITE CHMOD 64x a.txt", "SITE CHMOD -644 a.txt",
        "SITE CHMOD 17777 a.txt", "SITE CHMOD rw a.txt", "SITE CHMOD 644", "SITE CHMOD"}) {
    const outcome o = run(line);
    EXPECT_EQ(o.reply.code, code::syntax_error_args) << line;
  }
  EXPECT_EQ(fs().stat("/a.txt")->mode & 07777, 0644u);
}

TEST_F(files_test, site_chmod_of_a_missing_file_is_550) {
  EXPECT_EQ(code_of("SITE CHMOD 600 ghost"), code::file_unavailable);
}

class files_without_chmod_test : public test_support::handler_harness {};

TEST_F(files_without_chmod_test, site_chmod_needs_the_chmod_permission) {
  login_with(permission_set{static_cast<std::uint16_t>(
      permission_set::all().bits() & ~static_cast<std::uint16_t>(permission::chmod))});
  fs().add_file("/a.txt", "x");
  const outcome o = run("SITE CHMOD 600 a.txt");
  EXPECT_EQ(o.reply.code, code::file_unavailable);
  EXPECT_THAT(o.reply.text(), HasSubstr("'chmod'"));
  EXPECT_EQ(fs().stat("/a.txt")->mode & 07777, 0644u);
}

// --- Storage failures --------------------------------------------------------

TEST_F(files_test, storage_errors_map_to_their_reply_codes) {
  struct mapping {
    storage_errc error;
    int reply;
  };
  for (const mapping& m : {mapping{storage_errc::busy, code::file_busy},
                           mapping{storage_errc::io_error, code::local_error},
                           mapping{storage_errc::out_of_descriptors, code::local_error},
                           mapping{storage_errc::no_space, code::insufficient_storage},
                           mapping{storage_errc::quota_exceeded, code::exceeded_storage},
                           mapping{storage_errc::invalid_name, code::bad_file_name},
                           mapping{storage_errc::permission_denied, code::file_unavailable},
                           mapping{storage_errc::read_only, code::file_unavailable},
                           mapping{storage_errc::unsupported, code::not_implemented_param}}) {
    fs().fail_next(make_error_code(m.error));
    const outcome o = run("MKD d");
    EXPECT_EQ(o.reply.code, m.reply) << make_error_code(m.error).message();
    EXPECT_THAT(o.reply.text(), HasSubstr("/d")) << "the reply names the path";
    EXPECT_FALSE(exists("/d"));
  }
}

TEST_F(files_test, a_busy_file_cannot_be_deleted_now_but_later) {
  fs().add_file("/a.txt", "x");
  fs().fail_next(make_error_code(storage_errc::busy));
  EXPECT_EQ(code_of("DELE a.txt"), code::file_busy);
  EXPECT_EQ(fs().content("/a.txt"), "x");
  EXPECT_EQ(code_of("DELE a.txt"), code::file_action_ok);
}

TEST_F(files_test, a_failed_rename_keeps_the_file) {
  fs().add_file("/a.txt", "x");
  ASSERT_EQ(code_of("RNFR a.txt"), code::pending_further_info);
  fs().fail_next(make_error_code(storage_errc::permission_denied));
  EXPECT_EQ(code_of("RNTO b.txt"), code::file_unavailable);
  EXPECT_EQ(fs().content("/a.txt"), "x");
  EXPECT_FALSE(exists("/b.txt"));
}

TEST_F(files_test, an_errno_style_error_is_451) {
  fs().add_file("/a.txt", "x");
  fs().fail_next(std::make_error_code(std::errc::io_error));
  EXPECT_EQ(code_of("DELE a.txt"), code::local_error);
}

}  // namespace
}  // namespace portico::server
