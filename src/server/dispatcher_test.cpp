#include "server/dispatcher.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "server/command_table.hpp"
#include "server/test_support/handler_harness.hpp"

namespace portico::server {
namespace {

using ::testing::HasSubstr;
namespace code = protocol::code;

class dispatcher_test : public test_support::handler_harness {};

TEST_F(dispatcher_test, unknown_verb_is_500_naming_it) {
  const outcome o = run("XYZZY foo");
  EXPECT_EQ(o.reply.code, code::syntax_error);
  EXPECT_THAT(o.reply.text(), HasSubstr("XYZZY"));
  EXPECT_FALSE(o.close_session);
}

TEST_F(dispatcher_test, unknown_verb_is_500_after_login_too) {
  login_with(permission_set::all());
  EXPECT_EQ(code_of("SITEX"), code::syntax_error);
}

TEST_F(dispatcher_test, commands_needing_login_are_530_before_it) {
  fs().add_file("/a.txt", "secret");
  for (const auto& spec : command_table()) {
    if (!spec.needs_login()) continue;
    const std::string line = std::string(spec.verb) + " a.txt";
    const outcome o = run(line);
    EXPECT_EQ(o.reply.code, code::not_logged_in) << line << ": " << o.reply.text();
    EXPECT_FALSE(o.transfer.has_value()) << line;
  }
  EXPECT_EQ(fs().content("/a.txt"), "secret");
}

TEST_F(dispatcher_test, login_free_commands_run_before_login) {
  EXPECT_EQ(code_of("NOOP"), code::ok);
  EXPECT_EQ(code_of("SYST"), code::system_type);
  EXPECT_EQ(code_of("FEAT"), code::system_status);
  EXPECT_EQ(code_of("HELP"), code::help);
  EXPECT_EQ(code_of("OPTS UTF8 ON"), code::ok);
  EXPECT_EQ(code_of("HOST ftp.example.com"), code::service_ready);
  EXPECT_EQ(code_of("USER alice"), code::need_password);
  EXPECT_EQ(code_of("PASS pw"), code::logged_in);
}

TEST_F(dispatcher_test, quit_before_login_closes) {
  const outcome o = run("QUIT");
  EXPECT_EQ(o.reply.code, code::closing_control);
  EXPECT_TRUE(o.close_session);
}

TEST_F(dispatcher_test, an_argument_to_a_command_that_takes_none_is_501) {
  login_with(permission_set::all());
  for (std::string_view line : {"PWD /tmp", "CDUP x", "PASV 1", "NOOP x", "SYST x", "FEAT x"}) {
    const outcome o = run(line);
    EXPECT_EQ(o.reply.code, code::syntax_error_args) << line;
    EXPECT_THAT(o.reply.text(), HasSubstr("takes no argument")) << line;
  }
  EXPECT_TRUE(data.passive_calls.empty()) << "PASV with an argument must not open a listener";
}

TEST_F(dispatcher_test, a_missing_required_argument_is_501_with_the_syntax) {
  login_with(permission_set::all());
  for (const auto& spec : command_table()) {
    if (spec.arg != arg_rule::required) continue;
    const outcome o = run(spec.verb);
    EXPECT_EQ(o.reply.code, code::syntax_error_args) << spec.verb << ": " << o.reply.text();
    EXPECT_THAT(o.reply.text(), HasSubstr(spec.help)) << spec.verb;
  }
}

TEST_F(dispatcher_test, optional_arguments_may_be_left_out) {
  login_with(permission_set::all());
  EXPECT_EQ(code_of("HELP"), code::help);
  EXPECT_EQ(code_of("STAT"), code::system_status);
  EXPECT_EQ(code_of("MLST"), code::file_action_ok);
}

TEST_F(dispatcher_test, missing_argument_before_login_is_still_530) {
  // The login check comes first, so nothing about the commands leaks.
  EXPECT_EQ(code_of("RETR"), code::not_logged_in);
}

TEST_F(dispatcher_test, a_missing_permission_is_550_naming_it) {
  login_with(permission_set::read_only());
  fs().add_file("/a.txt", "keep me");
  const outcome o = run("DELE a.txt");
  EXPECT_EQ(o.reply.code, code::file_unavailable);
  EXPECT_THAT(o.reply.text(), HasSubstr("'delete'"));
  EXPECT_THAT(o.reply.text(), HasSubstr("DELE"));
  EXPECT_EQ(fs().content("/a.txt"), "keep me");
}

TEST_F(dispatcher_test, each_permission_guards_its_commands) {
  login_with(permission_set{});
  fs().add_file("/a.txt", "x");
  fs().add_directory("/d");
  prepare_passive();
  struct probe {
    std::string_view line;
    std::string_view permission;
  };
  for (const probe& p :
       {probe{"LIST", "list"}, probe{"CWD d", "list"}, probe{"SIZE a.txt", "list"},
        probe{"RETR a.txt", "read"}, probe{"STOR b.txt", "write"}, probe{"MKD e", "mkdir"},
        probe{"RMD d", "delete"}, probe{"RNFR a.txt", "rename"}, probe{"APPE a.txt", "append"}}) {
    data.is_prepared = true;
    const outcome o = run(p.line);
    EXPECT_EQ(o.reply.code, code::file_unavailable) << p.line;
    EXPECT_THAT(o.reply.text(), HasSubstr("'" + std::string(p.permission) + "'")) << p.line;
    EXPECT_FALSE(o.transfer.has_value()) << p.line;
  }
  EXPECT_EQ(fs().content("/a.txt"), "x");
  EXPECT_FALSE(fs().content("/b.txt").has_value());
}

TEST_F(dispatcher_test, commands_without_a_permission_run_for_any_account) {
  login_with(permission_set{});
  EXPECT_EQ(code_of("PWD"), code::path_created);
  EXPECT_EQ(code_of("TYPE I"), code::ok);
  EXPECT_EQ(code_of("NOOP"), code::ok);
}

TEST_F(dispatcher_test, a_transfer_without_a_data_connection_is_425_and_does_nothing) {
  login_with(permission_set::all());
  fs().add_file("/a.txt", "old");
  for (std::string_view line :
       {"STOR a.txt", "APPE a.txt", "STOU a.txt", "RETR a.txt", "LIST", "NLST", "MLSD"}) {
    const outcome o = run(line);
    EXPECT_EQ(o.reply.code, code::cannot_open_data) << line;
    EXPECT_THAT(o.reply.text(), HasSubstr("PASV")) << line;
    EXPECT_FALSE(o.transfer.has_value()) << line;
  }
  EXPECT_EQ(fs().content("/a.txt"), "old") << "STOR must not truncate before the data connection";
  EXPECT_FALSE(fs().content("/a.txt.1").has_value()) << "STOU must not create a file";
  EXPECT_EQ(fs().open_uploads(), 0u);
}

TEST_F(dispatcher_test, rest_survives_pasv_and_type_and_is_used_by_retr) {
  login_with(permission_set::all());
  fs().add_file("/a.bin", "0123456789");
  ASSERT_EQ(code_of("REST 4"), code::pending_further_info);
  ASSERT_EQ(code_of("TYPE I"), code::ok);
  prepare_passive();
  EXPECT_EQ(state.rest_offset, 4u);
  const outcome o = run("RETR a.bin");
  ASSERT_TRUE(o.transfer.has_value()) << o.reply.text();
  EXPECT_EQ(o.transfer->offset, 4u);
  EXPECT_EQ(o.transfer->size, 6u);
}

TEST_F(dispatcher_test, rest_survives_port_mode_and_stru) {
  login_with(permission_set::all());
  ASSERT_EQ(code_of("TYPE I"), code::ok);
  ASSERT_EQ(code_of("REST 7"), code::pending_further_info);
  ASSERT_EQ(code_of("PORT 127,0,0,1,195,80"), code::ok);
  ASSERT_EQ(code_of("MODE S"), code::ok);
  ASSERT_EQ(code_of("STRU F"), code::ok);
  ASSERT_EQ(code_of("NOOP"), code::ok);
  EXPECT_EQ(state.rest_offset, 7u);
}

TEST_F(dispatcher_test, rest_is_cleared_by_other_commands) {
  login_with(permission_set::all());
  fs().add_directory("/d");
  for (std::string_view line : {"CWD d", "PWD", "SYST", "SIZE /d", "MKD /e"}) {
    ASSERT_EQ(code_of("REST 5"), code::pending_further_info);
    run(line);
    EXPECT_EQ(state.rest_offset, 0u) << "REST survived " << line;
  }
}

TEST_F(dispatcher_test, retr_after_cwd_starts_from_zero) {
  login_with(permission_set::all());
  fs().add_file("/d/a.bin", "0123456789");
  ASSERT_EQ(code_of("TYPE I"), code::ok);
  ASSERT_EQ(code_of("REST 4"), code::pending_further_info);
  ASSERT_EQ(code_of("CWD d"), code::file_action_ok);
  prepare_passive();
  const outcome o = run("RETR a.bin");
  ASSERT_TRUE(o.transfer.has_value()) << o.reply.text();
  EXPECT_EQ(o.transfer->offset, 0u);
  EXPECT_EQ(o.transfer->size, 10u);
}

TEST_F(dispatcher_test, rnfr_is_kept_only_for_the_next_command_rnto) {
  login_with(permission_set::all());
  fs().add_file("/a.txt", "x");
  ASSERT_EQ(code_of("RNFR a.txt"), code::pending_further_info);
  ASSERT_EQ(code_of("NOOP"), code::ok);
  EXPECT_FALSE(state.rename_from.has_value());
  EXPECT_EQ(code_of("RNTO b.txt"), code::bad_sequence);
  EXPECT_EQ(fs().content("/a.txt"), "x");
  EXPECT_FALSE(fs().content("/b.txt").has_value());
}

TEST_F(dispatcher_test, rnfr_is_cleared_even_by_commands_that_keep_rest) {
  login_with(permission_set::all());
  fs().add_file("/a.txt", "x");
  ASSERT_EQ(code_of("RNFR a.txt"), code::pending_further_info);
  ASSERT_EQ(code_of("TYPE I"), code::ok);
  EXPECT_EQ(code_of("RNTO b.txt"), code::bad_sequence);
  EXPECT_EQ(fs().content("/a.txt"), "x");
}

TEST_F(dispatcher_test, rnfr_then_rnto_renames) {
  login_with(permission_set::all());
  fs().add_file("/a.txt", "x");
  ASSERT_EQ(code_of("RNFR a.txt"), code::pending_further_info);
  EXPECT_EQ(code_of("RNTO b.txt"), code::file_action_ok);
  EXPECT_EQ(fs().content("/b.txt"), "x");
  EXPECT_FALSE(fs().content("/a.txt").has_value());
  EXPECT_FALSE(state.rename_from.has_value());
}

TEST_F(dispatcher_test, a_failure_clears_rest_rnfr_and_the_data_connection) {
  login_with(permission_set::all());
  ASSERT_EQ(code_of("TYPE I"), code::ok);
  prepare_passive();
  ASSERT_EQ(code_of("REST 3"), code::pending_further_info);
  const int resets = data.reset_calls;
  // A failing command that keeps the one-shot state when it succeeds.
  const outcome o = run("TYPE X");
  EXPECT_EQ(o.reply.code, code::not_implemented_param);
  EXPECT_EQ(state.rest_offset, 0u);
  EXPECT_GT(data.reset_calls, resets);
  EXPECT_FALSE(data.prepared());
}

TEST_F(dispatcher_test, a_failed_transfer_command_drops_the_prepared_connection) {
  login_with(permission_set::all());
  prepare_passive();
  const outcome o = run("RETR missing.txt");
  EXPECT_EQ(o.reply.code, code::file_unavailable);
  EXPECT_FALSE(data.prepared()) << "a later RETR must not reuse the stale connection";
  EXPECT_EQ(code_of("RETR missing.txt"), code::cannot_open_data);
}

TEST_F(dispatcher_test, a_rule_refusal_clears_the_one_shot_state) {
  login_with(permission_set::read_only());
  fs().add_file("/a.txt", "x");
  ASSERT_EQ(code_of("TYPE I"), code::ok);
  prepare_passive();
  ASSERT_EQ(code_of("REST 1"), code::pending_further_info);
  EXPECT_EQ(code_of("STOR a.txt"), code::file_unavailable);  // no write permission
  EXPECT_EQ(state.rest_offset, 0u);
  EXPECT_FALSE(data.prepared());
}

TEST_F(dispatcher_test, an_unknown_command_clears_the_one_shot_state) {
  login_with(permission_set::all());
  fs().add_file("/a.txt", "x");
  ASSERT_EQ(code_of("TYPE I"), code::ok);
  prepare_passive();
  ASSERT_EQ(code_of("REST 1"), code::pending_further_info);
  EXPECT_EQ(code_of("XYZZY"), code::syntax_error);
  EXPECT_EQ(state.rest_offset, 0u);
  EXPECT_FALSE(data.prepared());
}

TEST_F(dispatcher_test, a_failed_rnfr_leaves_nothing_to_rename) {
  login_with(permission_set::all());
  fs().add_file("/a.txt", "x");
  ASSERT_EQ(code_of("RNFR a.txt"), code::pending_further_info);
  EXPECT_EQ(code_of("RNFR missing.txt"), code::file_unavailable);
  EXPECT_EQ(code_of("RNTO b.txt"), code::bad_sequence);
  EXPECT_EQ(fs().content("/a.txt"), "x");
}

TEST_F(dispatcher_test, a_success_keeps_the_prepared_connection) {
  login_with(permission_set::all());
  prepare_passive();
  ASSERT_EQ(code_of("TYPE I"), code::ok);
  ASSERT_EQ(code_of("PWD"), code::path_created);
  EXPECT_TRUE(data.prepared());
}

}  // namespace
}  // namespace portico::server
