#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>

#include "server/test_support/handler_harness.hpp"

namespace portico::server {
namespace {

using ::testing::HasSubstr;
namespace code = protocol::code;

class access_test : public test_support::handler_harness {};

TEST_F(access_test, user_then_the_right_password_logs_in) {
  const outcome u = run("USER alice");
  EXPECT_EQ(u.reply.code, code::need_password);
  const outcome p = run("PASS pw");
  EXPECT_EQ(p.reply.code, code::logged_in);
  EXPECT_FALSE(p.close_session);
  ASSERT_TRUE(state.is_logged_in());
  EXPECT_EQ(state.logged_in->name, "alice");
  EXPECT_EQ(info.user, "alice");
  EXPECT_FALSE(info.anonymous);
  EXPECT_NE(state.fs, nullptr);
  EXPECT_EQ(state.cwd, "/");
}

TEST_F(access_test, login_gives_the_account_its_permissions) {
  login_with(permission_set::read_only());
  EXPECT_EQ(state.logged_in->permissions, permission_set::read_only());
  EXPECT_EQ(code_of("MKD x"), code::file_unavailable);
}

TEST_F(access_test, unknown_users_get_the_same_331_as_known_ones) {
  const outcome known = run("USER alice");
  state.pending_user.reset();
  const outcome unknown = run("USER mallory");
  EXPECT_EQ(unknown.reply, known.reply);
  EXPECT_EQ(unknown.reply.code, code::need_password);
}

TEST_F(access_test, unknown_user_and_wrong_password_fail_alike) {
  const outcome wrong_password = login("alice", "nope");
  const outcome unknown_user = login("mallory", "pw");
  EXPECT_EQ(wrong_password.reply.code, code::not_logged_in);
  EXPECT_EQ(unknown_user.reply, wrong_password.reply);
  EXPECT_FALSE(state.is_logged_in());
  EXPECT_EQ(state.fs, nullptr);
  EXPECT_EQ(storage_opens, 0);
}

TEST_F(access_test, wrong_password_is_530_and_the_session_stays_open) {
  const outcome o = login("alice", "wrong");
  EXPECT_EQ(o.reply.code, code::not_logged_in);
  EXPECT_THAT(o.reply.text(), HasSubstr("Login incorrect"));
  EXPECT_FALSE(o.close_session);
  EXPECT_FALSE(state.is_logged_in());
  EXPECT_EQ(code_of("PWD"), code::not_logged_in);
}

TEST_F(access_test, a_password_without_a_pending_user_is_503) {
  EXPECT_EQ(code_of("PASS pw"), code::bad_sequence);
  EXPECT_FALSE(state.is_logged_in());
}

TEST_F(access_test, a_failed_password_needs_a_new_user) {
  ASSERT_EQ(login("alice", "wrong").reply.code, code::not_logged_in);
  EXPECT_EQ(code_of("PASS pw"), code::bad_sequence);
  EXPECT_FALSE(state.is_logged_in());
}

TEST_F(access_test, the_session_closes_after_max_login_failures) {
  config.limits.max_login_failures = 3;
  EXPECT_FALSE(login("alice", "a").close_session);
  EXPECT_FALSE(login("alice", "b").close_session);
  const outcome third = login("alice", "c");
  EXPECT_EQ(third.reply.code, code::not_logged_in);
  EXPECT_TRUE(third.close_session);
  EXPECT_FALSE(state.is_logged_in());
}

TEST_F(access_test, a_successful_login_resets_the_failure_count) {
  config.limits.max_login_failures = 2;
  ASSERT_EQ(login("alice", "a").reply.code, code::not_logged_in);
  ASSERT_EQ(login().reply.code, code::logged_in);
  EXPECT_EQ(state.login_failures, 0u);
}

TEST_F(access_test, each_failed_login_is_delayed) {
  config.limits.login_failure_delay = std::chrono::milliseconds(60);
  const auto start = std::chrono::steady_clock::now();
  ASSERT_EQ(login("alice", "wrong").reply.code, code::not_logged_in);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(60));
}

TEST_F(access_test, anonymous_login_is_read_only_and_says_so) {
  const outcome o = login("anonymous", "guest@example.com");
  EXPECT_EQ(o.reply.code, code::logged_in);
  EXPECT_THAT(o.reply.text(), HasSubstr("Anonymous"));
  ASSERT_TRUE(state.is_logged_in());
  EXPECT_TRUE(state.logged_in->anonymous);
  EXPECT_TRUE(info.anonymous);
  EXPECT_EQ(code_of("MKD x"), code::file_unavailable);
}

TEST_F(access_test, anonymous_is_refused_when_disabled) {
  auth->anonymous_enabled = false;
  EXPECT_EQ(login("anonymous", "guest").reply.code, code::not_logged_in);
  EXPECT_FALSE(state.is_logged_in());
}

TEST_F(access_test, an_unavailable_home_refuses_the_login) {
  storage_open_error = make_error_code(storage_errc::not_found);
  const outcome o = login();
  EXPECT_EQ(o.reply.code, code::not_logged_in);
  EXPECT_THAT(o.reply.text(), HasSubstr("home directory"));
  EXPECT_FALSE(state.is_logged_in());
  EXPECT_EQ(code_of("PWD"), code::not_logged_in);
}

TEST_F(access_test, running_out_of_descriptors_is_421_and_closes) {
  // EMFILE is the server's limit, not a missing home: the client is told to
  // come back later, and the log (the error's message) names the fix.
  storage_open_error = make_error_code(storage_errc::out_of_descriptors);
  const outcome o = login();
  EXPECT_EQ(o.reply.code, code::service_unavailable);
  EXPECT_THAT(o.reply.text(), HasSubstr("file descriptors"));
  EXPECT_TRUE(o.close_session);
  EXPECT_FALSE(state.is_logged_in());
  EXPECT_THAT(make_error_code(storage_errc::out_of_descriptors).message(), HasSubstr("ulimit -n"));
  EXPECT_EQ(storage_error_from_errno(EMFILE), storage_errc::out_of_descriptors);
  EXPECT_EQ(storage_error_from_errno(ENFILE), storage_errc::out_of_descriptors);
}

TEST_F(access_test, user_after_login_is_503_and_keeps_the_session) {
  login_with(permission_set::all());
  EXPECT_EQ(code_of("USER bob"), code::bad_sequence);
  ASSERT_TRUE(state.is_logged_in());
  EXPECT_EQ(state.logged_in->name, "alice");
}

TEST_F(access_test, pass_after_login_is_202) {
  login_with(permission_set::all());
  EXPECT_EQ(code_of("PASS other"), code::superfluous);
  EXPECT_EQ(state.logged_in->name, "alice");
}

TEST_F(access_test, login_starts_at_the_root) {
  state.cwd = "/somewhere";
  login_with(permission_set::all());
  EXPECT_EQ(state.cwd, "/");
}

TEST_F(access_test, host_before_user_is_accepted) {
  const outcome o = run("HOST ftp.example.com");
  EXPECT_EQ(o.reply.code, code::service_ready);
  EXPECT_THAT(o.reply.text(), HasSubstr("ftp.example.com"));
  EXPECT_EQ(state.host, "ftp.example.com");
  EXPECT_EQ(login().reply.code, code::logged_in);
}

TEST_F(access_test, host_after_user_is_503) {
  ASSERT_EQ(code_of("USER alice"), code::need_password);
  EXPECT_EQ(code_of("HOST ftp.example.com"), code::bad_sequence);
  EXPECT_TRUE(state.host.empty());
}

TEST_F(access_test, host_after_login_is_503) {
  login_with(permission_set::all());
  EXPECT_EQ(code_of("HOST ftp.example.com"), code::bad_sequence);
  EXPECT_TRUE(state.host.empty());
}

TEST_F(access_test, quit_says_goodbye_and_closes) {
  login_with(permission_set::all());
  const outcome o = run("QUIT");
  EXPECT_EQ(o.reply.code, code::closing_control);
  EXPECT_TRUE(o.close_session);
}

}  // namespace
}  // namespace portico::server
