#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "server/test_support/handler_harness.hpp"

namespace portico::server {
namespace {

using ::testing::HasSubstr;
namespace code = protocol::code;

class navigation_test : public test_support::handler_harness {
 protected:
  void SetUp() override { login_with(permission_set::all()); }
};

TEST_F(navigation_test, pwd_is_257_with_the_quoted_directory) {
  const outcome o = run("PWD");
  EXPECT_EQ(o.reply.code, code::path_created);
  EXPECT_EQ(o.reply.text(), "\"/\" is the current directory.");
}

TEST_F(navigation_test, pwd_doubles_quotes_in_the_directory_name) {
  fs().add_directory("/say \"hi\"");
  ASSERT_EQ(code_of("CWD say \"hi\""), code::file_action_ok);
  const outcome o = run("PWD");
  EXPECT_EQ(o.reply.code, code::path_created);
  EXPECT_EQ(o.reply.text(), "\"/say \"\"hi\"\"\" is the current directory.");
}

TEST_F(navigation_test, xpwd_answers_like_pwd) {
  fs().add_directory("/pub");
  ASSERT_EQ(code_of("CWD pub"), code::file_action_ok);
  EXPECT_EQ(run("XPWD").reply, run("PWD").reply);
}

TEST_F(navigation_test, cwd_into_a_directory_changes_it) {
  fs().add_directory("/pub/docs");
  const outcome o = run("CWD pub");
  EXPECT_EQ(o.reply.code, code::file_action_ok);
  EXPECT_THAT(o.reply.text(), HasSubstr("\"/pub\""));
  EXPECT_EQ(state.cwd, "/pub");
  EXPECT_EQ(code_of("CWD docs"), code::file_action_ok);
  EXPECT_EQ(state.cwd, "/pub/docs");
  EXPECT_EQ(code_of("CWD /pub"), code::file_action_ok);
  EXPECT_EQ(state.cwd, "/pub");
}

TEST_F(navigation_test, cwd_normalises_dots_and_slashes) {
  fs().add_directory("/a/b");
  EXPECT_EQ(code_of("CWD a//b/./"), code::file_action_ok);
  EXPECT_EQ(state.cwd, "/a/b");
  EXPECT_EQ(code_of("CWD ../.."), code::file_action_ok);
  EXPECT_EQ(state.cwd, "/");
}

TEST_F(navigation_test, cwd_cannot_climb_above_the_root) {
  EXPECT_EQ(code_of("CWD ../../.."), code::file_action_ok);
  EXPECT_EQ(state.cwd, "/");
}

TEST_F(navigation_test, cwd_into_a_file_is_550_and_stays) {
  fs().add_file("/notes.txt", "x");
  const outcome o = run("CWD notes.txt");
  EXPECT_EQ(o.reply.code, code::file_unavailable);
  EXPECT_THAT(o.reply.text(), HasSubstr("Not a directory"));
  EXPECT_EQ(state.cwd, "/");
}

TEST_F(navigation_test, cwd_into_a_missing_directory_is_550_and_stays) {
  fs().add_directory("/pub");
  ASSERT_EQ(code_of("CWD pub"), code::file_action_ok);
  EXPECT_EQ(code_of("CWD nowhere"), code::file_unavailable);
  EXPECT_EQ(state.cwd, "/pub");
}

TEST_F(navigation_test, xcwd_changes_like_cwd) {
  fs().add_directory("/pub");
  EXPECT_EQ(code_of("XCWD pub"), code::file_action_ok);
  EXPECT_EQ(state.cwd, "/pub");
}

TEST_F(navigation_test, cdup_goes_to_the_parent) {
  fs().add_directory("/a/b");
  ASSERT_EQ(code_of("CWD /a/b"), code::file_action_ok);
  EXPECT_EQ(code_of("CDUP"), code::file_action_ok);
  EXPECT_EQ(state.cwd, "/a");
  EXPECT_EQ(code_of("XCUP"), code::file_action_ok);
  EXPECT_EQ(state.cwd, "/");
}

TEST_F(navigation_test, cdup_at_the_root_stays_at_the_root) {
  const outcome o = run("CDUP");
  EXPECT_EQ(o.reply.code, code::file_action_ok);
  EXPECT_EQ(state.cwd, "/");
  EXPECT_EQ(run("PWD").reply.text(), "\"/\" is the current directory.");
}

TEST_F(navigation_test, a_path_too_deep_to_be_valid_is_553) {
  std::string deep;
  for (int i = 0; i < 300; ++i) deep += "d/";
  const outcome o = run("CWD " + deep);
  EXPECT_EQ(o.reply.code, code::bad_file_name);
  EXPECT_EQ(state.cwd, "/");
}

TEST_F(navigation_test, relative_paths_resolve_against_the_cwd) {
  fs().add_file("/pub/a.txt", "12345");
  ASSERT_EQ(code_of("CWD pub"), code::file_action_ok);
  const outcome o = run("SIZE a.txt");
  EXPECT_EQ(o.reply.code, code::file_status);
  EXPECT_EQ(o.reply.text(), "5");
}

}  // namespace
}  // namespace portico::server
