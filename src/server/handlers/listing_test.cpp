#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "protocol/limits.hpp"
#include "server/test_support/handler_harness.hpp"

namespace portico::server {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
namespace code = protocol::code;
using kind = transfer_request::kind;

// Splits listing bytes into lines, requiring every line to end in CRLF.
std::vector<std::string> crlf_lines(const std::string& bytes) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < bytes.size()) {
    const auto end = bytes.find("\r\n", start);
    if (end == std::string::npos) {
      ADD_FAILURE() << "line without CRLF: " << bytes.substr(start);
      break;
    }
    const std::string line = bytes.substr(start, end - start);
    EXPECT_EQ(line.find('\n'), std::string::npos) << "bare LF in " << line;
    out.push_back(line);
    start = end + 2;
  }
  return out;
}

class listing_test : public test_support::handler_harness {
 protected:
  void SetUp() override {
    login_with(permission_set::all());
    fs().add_file("/a.bin", "0123456789", 1600000000);
    fs().add_file("/pub/readme.txt", "hello", 1600000000);
    fs().add_directory("/pub/sub");
  }

  // Runs `line` with a prepared data connection, expecting a listing.
  transfer_request listing(std::string_view line) {
    data.is_prepared = true;
    outcome o = run(line);
    EXPECT_TRUE(o.transfer.has_value()) << line << ": " << o.reply.code << " " << o.reply.text();
    if (!o.transfer) return {};
    EXPECT_EQ(o.transfer->what, kind::send_bytes) << line;
    EXPECT_EQ(o.transfer->size, o.transfer->bytes.size()) << line;
    return std::move(*o.transfer);
  }
};

// --- LIST --------------------------------------------------------------------

TEST_F(listing_test, list_sends_one_ls_line_per_entry_with_crlf) {
  const transfer_request t = listing("LIST");
  EXPECT_EQ(t.verb, "LIST");
  EXPECT_EQ(t.path, "/");
  const auto lines = crlf_lines(t.bytes);
  ASSERT_EQ(lines.size(), 2u) << t.bytes;
  EXPECT_THAT(lines[0], StartsWith("-rw-r--r--"));
  EXPECT_THAT(lines[0], HasSubstr(" 10 "));
  EXPECT_THAT(lines[0], EndsWith(" a.bin"));
  EXPECT_THAT(lines[1], StartsWith("drwxr-xr-x"));
  EXPECT_THAT(lines[1], EndsWith(" pub"));
  EXPECT_THAT(t.done_text, HasSubstr("OK"));
}

TEST_F(listing_test, list_shows_the_date_like_ls) {
  const auto lines = crlf_lines(listing("LIST").bytes);
  ASSERT_FALSE(lines.empty());
  EXPECT_THAT(lines[0], HasSubstr("Sep 13  2020"));  // more than six months ago: the year
}

TEST_F(listing_test, list_of_a_directory_lists_its_entries) {
  const auto lines = crlf_lines(listing("LIST pub").bytes);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_THAT(lines[0], EndsWith(" readme.txt"));
  EXPECT_THAT(lines[1], EndsWith(" sub"));
}

TEST_F(listing_test, list_of_an_empty_directory_sends_nothing) {
  const transfer_request t = listing("LIST pub/sub");
  EXPECT_TRUE(t.bytes.empty());
}

TEST_F(listing_test, list_of_a_file_shows_that_file) {
  const auto lines = crlf_lines(listing("LIST pub/readme.txt").bytes);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_THAT(lines[0], StartsWith("-"));
  EXPECT_THAT(lines[0], EndsWith(" readme.txt"));
}

TEST_F(listing_test, list_skips_ls_options) {
  const std::string plain = listing("LIST").bytes;
  EXPECT_EQ(listing("LIST -la").bytes, plain);
  EXPECT_EQ(listing("LIST -a -l").bytes, plain);
  EXPECT_EQ(listing("LIST -la pub").bytes, listing("LIST pub").bytes);
}

TEST_F(listing_test, list_of_a_missing_path_is_550_without_transfer) {
  data.is_prepared = true;
  const outcome o = run("LIST ghost");
  EXPECT_EQ(o.reply.code, code::file_unavailable);
  EXPECT_FALSE(o.transfer.has_value());
}

TEST_F(listing_test, list_follows_the_cwd) {
  ASSERT_EQ(code_of("CWD pub"), code::file_action_ok);
  const transfer_request t = listing("LIST");
  EXPECT_EQ(t.path, "/pub");
  EXPECT_EQ(crlf_lines(t.bytes).size(), 2u);
}

TEST_F(listing_test, a_huge_directory_is_listed_up_to_the_limit_and_says_so) {
  for (std::size_t i = 0; i <= limits::max_listing_entries; ++i) {
    fs().add_file("/huge/f" + std::to_string(i), "");
  }
  const transfer_request t = listing("NLST huge");
  EXPECT_EQ(static_cast<std::size_t>(std::count(t.bytes.begin(), t.bytes.end(), '\n')),
            limits::max_listing_entries);
  EXPECT_THAT(t.done_text, HasSubstr("truncated"));
}

// --- NLST --------------------------------------------------------------------

TEST_F(listing_test, nlst_sends_names_only) {
  const transfer_request t = listing("NLST");
  EXPECT_EQ(t.verb, "NLST");
  EXPECT_EQ(t.bytes, "a.bin\r\npub\r\n");
}

TEST_F(listing_test, nlst_of_a_directory_and_with_options) {
  EXPECT_EQ(listing("NLST pub").bytes, "readme.txt\r\nsub\r\n");
  EXPECT_EQ(listing("NLST -l pub").bytes, "readme.txt\r\nsub\r\n");
}

// --- MLSD --------------------------------------------------------------------

TEST_F(listing_test, mlsd_sends_facts_and_name_per_entry) {
  const transfer_request t = listing("MLSD pub");
  EXPECT_EQ(t.verb, "MLSD");
  const auto lines = crlf_lines(t.bytes);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_THAT(lines[0], HasSubstr("type=file;"));
  EXPECT_THAT(lines[0], HasSubstr("size=5;"));
  EXPECT_THAT(lines[0], HasSubstr("modify=20200913122640;"));
  EXPECT_THAT(lines[0], EndsWith("; readme.txt"));
  EXPECT_THAT(lines[1], HasSubstr("type=dir;"));
  EXPECT_THAT(lines[1], EndsWith("; sub"));
}

TEST_F(listing_test, mlsd_perm_fact_follows_the_account) {
  state.logged_in->permissions = permission_set::read_only();
  const auto lines = crlf_lines(listing("MLSD pub").bytes);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_THAT(lines[0], HasSubstr("perm=r;"));
  EXPECT_THAT(lines[1], HasSubstr("perm=el;"));
}

TEST_F(listing_test, mlsd_of_a_file_is_501) {
  data.is_prepared = true;
  const outcome o = run("MLSD a.bin");
  EXPECT_EQ(o.reply.code, code::syntax_error_args);
  EXPECT_THAT(o.reply.text(), HasSubstr("MLST"));
  EXPECT_FALSE(o.transfer.has_value());
}

TEST_F(listing_test, mlsd_sends_only_the_facts_chosen_with_opts) {
  ASSERT_EQ(code_of("OPTS MLST size;"), code::ok);
  const auto lines = crlf_lines(listing("MLSD pub").bytes);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "size=5; readme.txt");
}

// --- MLST --------------------------------------------------------------------

TEST_F(listing_test, mlst_is_a_multi_line_250_with_a_space_led_facts_line) {
  const outcome o = run("MLST a.bin");
  EXPECT_FALSE(o.transfer.has_value());
  EXPECT_EQ(o.reply.code, code::file_action_ok);
  ASSERT_EQ(o.reply.lines.size(), 3u);
  EXPECT_EQ(o.reply.lines[0], "Listing /a.bin");
  EXPECT_THAT(o.reply.lines[1], StartsWith(" type=file;"));
  EXPECT_THAT(o.reply.lines[1], HasSubstr("size=10;"));
  EXPECT_THAT(o.reply.lines[1], EndsWith("; /a.bin"));
  EXPECT_EQ(o.reply.lines[2], "End");
}

TEST_F(listing_test, mlst_without_argument_describes_the_cwd) {
  ASSERT_EQ(code_of("CWD pub"), code::file_action_ok);
  const outcome o = run("MLST");
  EXPECT_EQ(o.reply.code, code::file_action_ok);
  ASSERT_EQ(o.reply.lines.size(), 3u);
  EXPECT_THAT(o.reply.lines[1], StartsWith(" type=dir;"));
  EXPECT_THAT(o.reply.lines[1], EndsWith("; /pub"));
}

TEST_F(listing_test, mlst_needs_no_data_connection) {
  ASSERT_FALSE(data.prepared());
  EXPECT_EQ(code_of("MLST a.bin"), code::file_action_ok);
}

TEST_F(listing_test, mlst_of_a_missing_path_is_550) {
  EXPECT_EQ(code_of("MLST ghost"), code::file_unavailable);
}

TEST_F(listing_test, mlst_shows_only_the_facts_chosen_with_opts) {
  ASSERT_EQ(code_of("OPTS MLST type;size;"), code::ok);
  const outcome o = run("MLST a.bin");
  ASSERT_EQ(o.reply.lines.size(), 3u);
  EXPECT_EQ(o.reply.lines[1], " type=file;size=10; /a.bin");
}

// --- STAT path ---------------------------------------------------------------

TEST_F(listing_test, stat_of_a_path_is_a_213_listing_on_the_control_connection) {
  const outcome o = run("STAT pub");
  EXPECT_FALSE(o.transfer.has_value());
  EXPECT_EQ(o.reply.code, code::file_status);
  ASSERT_EQ(o.reply.lines.size(), 4u);
  EXPECT_EQ(o.reply.lines.front(), "Status of /pub:");
  EXPECT_THAT(o.reply.lines[1], EndsWith(" readme.txt"));
  EXPECT_THAT(o.reply.lines[2], EndsWith(" sub"));
  EXPECT_EQ(o.reply.lines.back(), "End of status");
}

TEST_F(listing_test, stat_of_a_path_gives_the_same_lines_as_list) {
  const auto list_lines = crlf_lines(listing("LIST pub").bytes);
  const outcome o = run("STAT -la pub");
  ASSERT_EQ(o.reply.lines.size(), list_lines.size() + 2);
  for (std::size_t i = 0; i < list_lines.size(); ++i) {
    EXPECT_EQ(o.reply.lines[i + 1], list_lines[i]);
  }
}

TEST_F(listing_test, stat_of_a_missing_path_is_550) {
  EXPECT_EQ(code_of("STAT ghost"), code::file_unavailable);
}

TEST_F(listing_test, stat_of_a_path_needs_the_list_permission) {
  state.logged_in->permissions = permission_set{}.with(permission::read);
  const outcome o = run("STAT pub");
  EXPECT_EQ(o.reply.code, code::file_unavailable);
  EXPECT_THAT(o.reply.text(), HasSubstr("'list'"));
  EXPECT_THAT(o.reply.text(), Not(HasSubstr("readme.txt")));
}

TEST_F(listing_test, listings_need_the_list_permission) {
  state.logged_in->permissions = permission_set{}.with(permission::read);
  for (std::string_view line : {"LIST", "NLST", "MLSD", "MLST a.bin"}) {
    data.is_prepared = true;
    const outcome o = run(line);
    EXPECT_EQ(o.reply.code, code::file_unavailable) << line;
    EXPECT_FALSE(o.transfer.has_value()) << line;
  }
}

}  // namespace
}  // namespace portico::server
