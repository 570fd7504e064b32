#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/test_support/handler_harness.hpp"

namespace portico::server {
namespace {

using ::testing::HasSubstr;
namespace code = protocol::code;

class parameters_test : public test_support::handler_harness {
 protected:
  void SetUp() override { login_with(permission_set::all()); }
};

TEST_F(parameters_test, sessions_start_in_ascii_mode) {
  EXPECT_EQ(state.type, transfer_type::ascii);
}

TEST_F(parameters_test, type_i_and_l8_switch_to_binary) {
  for (std::string_view line : {"TYPE I", "TYPE i", "TYPE L 8", "TYPE L8"}) {
    state.type = transfer_type::ascii;
    const outcome o = run(line);
    EXPECT_EQ(o.reply.code, code::ok) << line;
    EXPECT_EQ(state.type, transfer_type::binary) << line;
  }
}

TEST_F(parameters_test, type_a_switches_back_to_ascii) {
  ASSERT_EQ(code_of("TYPE I"), code::ok);
  for (std::string_view line : {"TYPE A", "TYPE a", "TYPE A N"}) {
    state.type = transfer_type::binary;
    const outcome o = run(line);
    EXPECT_EQ(o.reply.code, code::ok) << line;
    EXPECT_EQ(state.type, transfer_type::ascii) << line;
  }
}

TEST_F(parameters_test, unsupported_types_are_504_and_change_nothing) {
  ASSERT_EQ(code_of("TYPE I"), code::ok);
  for (std::string_view line : {"TYPE E", "TYPE A T", "TYPE L 7", "TYPE X"}) {
    const outcome o = run(line);
    EXPECT_EQ(o.reply.code, code::not_implemented_param) << line;
    EXPECT_EQ(state.type, transfer_type::binary) << line;
  }
}

TEST_F(parameters_test, only_stream_mode_is_supported) {
  EXPECT_EQ(code_of("MODE S"), code::ok);
  EXPECT_EQ(code_of("MODE s"), code::ok);
  const outcome o = run("MODE B");
  EXPECT_EQ(o.reply.code, code::not_implemented_param);
  EXPECT_THAT(o.reply.text(), HasSubstr("MODE S"));
  EXPECT_EQ(code_of("MODE C"), code::not_implemented_param);
}

TEST_F(parameters_test, only_file_structure_is_supported) {
  EXPECT_EQ(code_of("STRU F"), code::ok);
  EXPECT_EQ(code_of("STRU R"), code::not_implemented_param);
  EXPECT_EQ(code_of("STRU P"), code::not_implemented_param);
}

TEST_F(parameters_test, allo_is_accepted_as_superfluous) {
  EXPECT_EQ(code_of("ALLO 1000000"), code::superfluous);
  EXPECT_EQ(code_of("ALLO"), code::superfluous);
}

TEST_F(parameters_test, rest_records_the_offset_with_350) {
  const outcome o = run("REST 12345");
  EXPECT_EQ(o.reply.code, code::pending_further_info);
  EXPECT_THAT(o.reply.text(), HasSubstr("12345"));
  EXPECT_EQ(state.rest_offset, 12345u);
}

}  // namespace
}  // namespace portico::server
