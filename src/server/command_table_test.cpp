#include "server/command_table.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "protocol/listing.hpp"
#include "server/test_support/handler_harness.hpp"

namespace portico::server {
namespace {

using test_support::handler_harness;
using ::testing::HasSubstr;
namespace code = protocol::code;

// The feature lines of a FEAT reply (between "Features:" and "End"), each
// without its leading space.
std::vector<std::string> feature_lines(const outcome& o) {
  std::vector<std::string> out;
  const auto& lines = o.reply.lines;
  for (std::size_t i = 1; i + 1 < lines.size(); ++i) {
    EXPECT_TRUE(lines[i].starts_with(' ')) << "feature line without leading space: " << lines[i];
    out.push_back(lines[i].substr(1));
  }
  return out;
}

TEST(command_table, is_sorted_so_that_lookup_finds_every_verb) {
  const auto table = command_table();
  ASSERT_FALSE(table.empty());
  for (std::size_t i = 1; i < table.size(); ++i) {
    EXPECT_LT(table[i - 1].verb, table[i].verb) << "out of order or duplicate at " << table[i].verb;
  }
  for (const auto& spec : table) {
    const command_spec* found = find_command(spec.verb);
    ASSERT_NE(found, nullptr) << spec.verb;
    EXPECT_EQ(found, &spec) << spec.verb;
  }
}

TEST(command_table, has_no_duplicate_verbs) {
  std::set<std::string_view> seen;
  for (const auto& spec : command_table()) {
    EXPECT_TRUE(seen.insert(spec.verb).second) << "duplicate verb " << spec.verb;
  }
}

TEST(command_table, every_entry_has_a_handler_and_help) {
  for (const auto& spec : command_table()) {
    EXPECT_NE(spec.handler, nullptr) << spec.verb;
    EXPECT_FALSE(spec.help.empty()) << spec.verb;
    EXPECT_TRUE(spec.help.starts_with(spec.verb)) << spec.verb << ": " << spec.help;
    EXPECT_TRUE(std::all_of(spec.verb.begin(), spec.verb.end(),
                            [](char c) { return c >= 'A' && c <= 'Z'; }))
        << "verb must be upper-case letters: " << spec.verb;
  }
}

TEST(command_table, serves_every_command_of_the_issue) {
  for (std::string_view verb :
       {"USER", "PASS", "QUIT", "NOOP", "SYST", "FEAT", "OPTS", "HELP", "STAT",
        "TYPE", "MODE", "STRU", "PWD",  "CWD",  "CDUP", "MKD",  "RMD",  "DELE",
        "RNFR", "RNTO", "SIZE", "MDTM", "MFMT", "LIST", "NLST", "MLSD", "MLST",
        "REST", "RETR", "STOR", "STOU", "APPE", "ALLO", "ABOR", "PORT", "PASV",
        "EPRT", "EPSV", "SITE", "HOST", "XPWD", "XCWD", "XCUP", "XMKD", "XRMD"}) {
    EXPECT_NE(find_command(verb), nullptr) << verb << " is not served";
  }
}

TEST(command_table, lookup_is_exact_and_case_sensitive) {
  EXPECT_EQ(find_command("retr"), nullptr);
  EXPECT_EQ(find_command("RET"), nullptr);
  EXPECT_EQ(find_command("RETRX"), nullptr);
  EXPECT_EQ(find_command(""), nullptr);
  EXPECT_EQ(find_command("XYZZY"), nullptr);
  ASSERT_NE(find_command("RETR"), nullptr);
  EXPECT_EQ(find_command("RETR")->verb, "RETR");
}

TEST(command_table, x_forms_share_the_handler_and_rules_of_their_originals) {
  for (auto [x, original] :
       {std::pair{"XPWD", "PWD"}, std::pair{"XCWD", "CWD"}, std::pair{"XCUP", "CDUP"},
        std::pair{"XMKD", "MKD"}, std::pair{"XRMD", "RMD"}}) {
    const command_spec* a = find_command(x);
    const command_spec* b = find_command(original);
    ASSERT_NE(a, nullptr) << x;
    ASSERT_NE(b, nullptr) << original;
    EXPECT_EQ(a->handler, b->handler) << x;
    EXPECT_EQ(a->arg, b->arg) << x;
    EXPECT_EQ(a->perm, b->perm) << x;
  }
}

TEST(command_table, only_the_login_commands_run_before_login) {
  std::set<std::string_view> free;
  for (const auto& spec : command_table()) {
    if (!spec.needs_login()) free.insert(spec.verb);
  }
  const std::set<std::string_view> expected{"FEAT", "HELP", "HOST", "NOOP", "OPTS",
                                            "PASS", "QUIT", "SYST", "USER"};
  EXPECT_EQ(free, expected);
}

TEST(command_table, the_transfer_commands_need_a_data_connection) {
  std::set<std::string_view> opens;
  for (const auto& spec : command_table()) {
    if (spec.has(command_flag::opens_transfer)) opens.insert(spec.verb);
  }
  const std::set<std::string_view> expected{"APPE", "LIST", "MLSD", "NLST", "RETR", "STOR", "STOU"};
  EXPECT_EQ(opens, expected);
}

class command_table_replies : public handler_harness {};

TEST_F(command_table_replies, feat_lists_exactly_the_features_of_the_table) {
  const outcome o = run("FEAT");
  EXPECT_EQ(o.reply.code, code::system_status);
  ASSERT_GE(o.reply.lines.size(), 2u);
  EXPECT_EQ(o.reply.lines.front(), "Features:");
  EXPECT_EQ(o.reply.lines.back(), "End");

  std::multiset<std::string> listed;
  for (const auto& line : feature_lines(o)) {
    // "MLST type*;size*;..." is named by its first word.
    listed.insert(line.substr(0, line.find(' ')) == "MLST" ? "MLST" : line);
  }
  std::multiset<std::string> expected;
  for (const auto& spec : command_table()) {
    if (!spec.feature.empty()) expected.emplace(spec.feature);
  }
  EXPECT_EQ(listed, expected);
}

TEST_F(command_table_replies, feat_shows_the_mlst_facts_all_enabled_by_default) {
  const auto features = feature_lines(run("FEAT"));
  const std::string want = "MLST " + protocol::format_mlst_feature(protocol::all_facts);
  EXPECT_NE(std::find(features.begin(), features.end(), want), features.end())
      << "no line '" << want << "'";
  EXPECT_THAT(want, HasSubstr("type*;"));
  EXPECT_THAT(want, HasSubstr("size*;"));
  EXPECT_THAT(want, HasSubstr("modify*;"));
}

TEST_F(command_table_replies, feat_advertises_what_clients_probe_for) {
  const auto features = feature_lines(run("FEAT"));
  for (std::string_view f : {"EPSV", "EPRT", "MDTM", "SIZE", "REST STREAM", "UTF8", "TVFS"}) {
    EXPECT_NE(std::find(features.begin(), features.end(), f), features.end()) << f;
  }
}

TEST_F(command_table_replies, help_lists_every_verb_of_the_table) {
  const outcome o = run("HELP");
  EXPECT_EQ(o.reply.code, code::help);
  ASSERT_GE(o.reply.lines.size(), 2u);
  std::set<std::string> words;
  for (std::size_t i = 1; i + 1 < o.reply.lines.size(); ++i) {
    std::string_view line = o.reply.lines[i];
    while (!line.empty()) {
      const auto start = line.find_first_not_of(' ');
      if (start == std::string_view::npos) break;
      line.remove_prefix(start);
      const auto end = line.find(' ');
      words.emplace(line.substr(0, end));
      if (end == std::string_view::npos) break;
      line.remove_prefix(end);
    }
  }
  std::set<std::string> expected;
  for (const auto& spec : command_table()) expected.emplace(spec.verb);
  EXPECT_EQ(words, expected);
}

TEST_F(command_table_replies, help_with_a_verb_gives_its_syntax) {
  const outcome o = run("HELP RETR");
  EXPECT_EQ(o.reply.code, code::help);
  EXPECT_EQ(o.reply.text(), "Syntax: " + std::string(find_command("RETR")->help));
  EXPECT_THAT(o.reply.text(), HasSubstr("RETR <SP> path"));
}

TEST_F(command_table_replies, help_with_a_verb_is_case_insensitive) {
  EXPECT_EQ(run("HELP retr").reply, run("HELP RETR").reply);
}

TEST_F(command_table_replies, help_of_an_unknown_verb_is_501) {
  const outcome o = run("HELP XYZZY");
  EXPECT_EQ(o.reply.code, code::syntax_error_args);
  EXPECT_THAT(o.reply.text(), HasSubstr("XYZZY"));
}

TEST_F(command_table_replies, the_501_for_a_missing_argument_gives_the_table_syntax) {
  login_with(permission_set::all());
  const outcome o = run("RETR");
  EXPECT_EQ(o.reply.code, code::syntax_error_args);
  EXPECT_THAT(o.reply.text(), HasSubstr(find_command("RETR")->help));
}

}  // namespace
}  // namespace portico::server
