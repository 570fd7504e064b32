#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "protocol/listing.hpp"
#include "server/test_support/handler_harness.hpp"

namespace portico::server {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
namespace code = protocol::code;

class info_test : public test_support::handler_harness {
 protected:
  void SetUp() override { login_with(permission_set::all()); }
};

TEST_F(info_test, noop_is_200) {
  EXPECT_EQ(code_of("NOOP"), code::ok);
}

TEST_F(info_test, syst_is_215_unix_l8) {
  const outcome o = run("SYST");
  EXPECT_EQ(o.reply.code, code::system_type);
  EXPECT_EQ(o.reply.text(), "UNIX Type: L8");
}

// --- OPTS --------------------------------------------------------------------

TEST_F(info_test, opts_utf8_on_is_200) {
  EXPECT_EQ(code_of("OPTS UTF8 ON"), code::ok);
  EXPECT_EQ(code_of("OPTS utf8 on"), code::ok);
  EXPECT_EQ(code_of("OPTS UTF8"), code::ok);
}

TEST_F(info_test, opts_utf8_off_is_refused) {
  EXPECT_EQ(code_of("OPTS UTF8 OFF"), code::not_implemented_param);
}

TEST_F(info_test, opts_of_an_unknown_option_is_501) {
  const outcome o = run("OPTS MODE Z");
  EXPECT_EQ(o.reply.code, code::syntax_error_args);
  EXPECT_THAT(o.reply.text(), HasSubstr("MODE"));
}

TEST_F(info_test, opts_mlst_selects_the_facts_and_feat_stars_only_those) {
  const outcome o = run("OPTS MLST type;size;");
  EXPECT_EQ(o.reply.code, code::ok);
  EXPECT_THAT(o.reply.text(), HasSubstr("type;size;"));
  EXPECT_EQ(state.mlst_facts, protocol::fact_type | protocol::fact_size);

  const outcome feat = run("FEAT");
  const std::string want =
      " MLST " + protocol::format_mlst_feature(protocol::fact_type | protocol::fact_size);
  EXPECT_THAT(feat.reply.lines, Contains(want));
  // Only type and size are starred.
  auto line = std::find_if(feat.reply.lines.begin(), feat.reply.lines.end(),
                           [](const std::string& l) { return l.starts_with(" MLST "); });
  ASSERT_NE(line, feat.reply.lines.end());
  EXPECT_THAT(*line, HasSubstr("type*;"));
  EXPECT_THAT(*line, HasSubstr("size*;"));
  EXPECT_THAT(*line, HasSubstr("modify;"));
  EXPECT_THAT(*line, Not(HasSubstr("modify*")));
  EXPECT_EQ(std::count(line->begin(), line->end(), '*'), 2);
}

TEST_F(info_test, opts_mlst_ignores_unknown_facts) {
  const outcome o = run("OPTS MLST Type;bogus;Modify;");
  EXPECT_EQ(o.reply.code, code::ok);
  EXPECT_EQ(state.mlst_facts, protocol::fact_type | protocol::fact_modify);
  EXPECT_THAT(o.reply.text(), Not(HasSubstr("bogus")));
}

// --- STAT --------------------------------------------------------------------

TEST_F(info_test, stat_without_a_transfer_is_a_211_status) {
  const outcome o = run("STAT");
  EXPECT_EQ(o.reply.code, code::system_status);
  ASSERT_GE(o.reply.lines.size(), 3u);
  EXPECT_EQ(o.reply.lines.back(), "End of status");
  EXPECT_THAT(o.reply.lines, Contains(" Connected from 127.0.0.1"));
  EXPECT_THAT(o.reply.lines, Contains(" Logged in as alice"));
  EXPECT_THAT(o.reply.lines, Contains(" TYPE: ASCII, STRU: File, MODE: Stream"));
  EXPECT_THAT(o.reply.lines, Contains(" No transfer in progress"));
}

TEST_F(info_test, stat_shows_the_current_type) {
  ASSERT_EQ(code_of("TYPE I"), code::ok);
  EXPECT_THAT(run("STAT").reply.lines, Contains(" TYPE: BINARY, STRU: File, MODE: Stream"));
}

TEST_F(info_test, stat_during_a_transfer_shows_its_progress) {
  state.transfer =
      transfer_progress{"RETR", "/big.iso", 1500, 4000, std::chrono::steady_clock::now()};
  const outcome o = run("STAT");
  EXPECT_EQ(o.reply.code, code::system_status);
  EXPECT_THAT(o.reply.text(), HasSubstr("RETR /big.iso: 1500 of 4000 bytes"));
  EXPECT_THAT(o.reply.lines, Not(Contains(" No transfer in progress")));
}

TEST_F(info_test, stat_with_a_path_during_a_transfer_is_the_status) {
  fs().add_file("/a.txt", "x");
  state.transfer =
      transfer_progress{"STOR", "/up.bin", 10, std::nullopt, std::chrono::steady_clock::now()};
  const outcome o = run("STAT a.txt");
  EXPECT_EQ(o.reply.code, code::system_status);
  EXPECT_THAT(o.reply.text(), HasSubstr("STOR /up.bin: 10 bytes"));
}

// --- SITE / HELP -------------------------------------------------------------

TEST_F(info_test, site_help_is_214_naming_chmod) {
  const outcome o = run("SITE HELP");
  EXPECT_EQ(o.reply.code, code::help);
  EXPECT_THAT(o.reply.text(), HasSubstr("CHMOD"));
}

TEST_F(info_test, help_site_answers_like_site_help) {
  EXPECT_EQ(run("HELP SITE").reply, run("SITE HELP").reply);
}

TEST_F(info_test, site_exec_is_502) {
  const outcome o = run("SITE EXEC /bin/sh -c id");
  EXPECT_EQ(o.reply.code, code::not_implemented);
  EXPECT_THAT(o.reply.text(), HasSubstr("EXEC"));
}

TEST_F(info_test, other_site_commands_are_502) {
  EXPECT_EQ(code_of("SITE UMASK 022"), code::not_implemented);
  EXPECT_EQ(code_of("SITE CPFR /etc/passwd"), code::not_implemented);
}

}  // namespace
}  // namespace portico::server
