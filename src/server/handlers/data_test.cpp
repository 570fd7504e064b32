#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "server/test_support/handler_harness.hpp"

namespace portico::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
namespace code = protocol::code;
using test_support::address;
using family = protocol::ip_address::family;

class data_test : public test_support::handler_harness {
 protected:
  void SetUp() override { login_with(permission_set::all()); }
};

class data_ipv6_test : public test_support::ipv6_handler_harness {
 protected:
  void SetUp() override { login_with(permission_set::all()); }
};

// --- PORT --------------------------------------------------------------------

TEST_F(data_test, port_to_the_clients_own_address_is_accepted) {
  const outcome o = run("PORT 127,0,0,1,195,80");
  EXPECT_EQ(o.reply.code, code::ok);
  ASSERT_EQ(data.active_calls.size(), 1u);
  EXPECT_EQ(data.active_calls[0], (protocol::endpoint{address("127.0.0.1"), 50000}));
  EXPECT_TRUE(data.prepared());
}

TEST_F(data_test, port_1024_is_the_lowest_accepted) {
  EXPECT_EQ(code_of("PORT 127,0,0,1,4,0"), code::ok);
  ASSERT_EQ(data.active_calls.size(), 1u);
  EXPECT_EQ(data.active_calls[0].port, 1024);
  const outcome o = run("PORT 127,0,0,1,3,255");
  EXPECT_EQ(o.reply.code, code::syntax_error);
  EXPECT_THAT(o.reply.text(), HasSubstr("1023"));
  EXPECT_EQ(data.active_calls.size(), 1u);
}

TEST_F(data_test, port_to_a_privileged_port_is_500) {
  const outcome o = run("PORT 127,0,0,1,0,25");
  EXPECT_EQ(o.reply.code, code::syntax_error);
  EXPECT_THAT(o.reply.text(), HasSubstr("below 1024"));
  EXPECT_TRUE(data.active_calls.empty());
  EXPECT_FALSE(data.prepared());
}

TEST_F(data_test, port_to_another_host_is_refused_as_a_bounce) {
  const outcome o = run("PORT 8,8,8,8,195,80");
  EXPECT_EQ(o.reply.code, code::syntax_error);
  EXPECT_THAT(o.reply.text(), HasSubstr("bounce"));
  EXPECT_THAT(o.reply.text(), HasSubstr("8.8.8.8"));
  EXPECT_TRUE(data.active_calls.empty());
  EXPECT_FALSE(data.prepared());
}

TEST_F(data_test, port_with_a_private_address_from_a_public_client_explains_nat) {
  info.peer = {address("8.8.4.4"), 40000};
  const outcome o = run("PORT 192,168,1,5,195,80");
  EXPECT_EQ(o.reply.code, code::syntax_error);
  EXPECT_THAT(o.reply.text(), HasSubstr("NAT"));
  EXPECT_THAT(o.reply.text(), HasSubstr("PORT 8,8,4,4,195,80"));
  EXPECT_TRUE(data.active_calls.empty());
}

TEST_F(data_test, port_to_the_client_from_a_mapped_ipv4_peer_is_accepted) {
  info.peer = {address("::ffff:127.0.0.1"), 40000};
  EXPECT_EQ(code_of("PORT 127,0,0,1,195,80"), code::ok);
  EXPECT_EQ(data.active_calls.size(), 1u);
}

TEST_F(data_test, a_malformed_port_is_501) {
  for (std::string_view line :
       {"PORT 127,0,0,1,195", "PORT 127,0,0,1,195,80,1", "PORT 256,0,0,1,195,80",
        "PORT 127.0.0.1:50000", "PORT a,b,c,d,e,f", "PORT 127,0,0,1,300,1"}) {
    const outcome o = run(line);
    EXPECT_EQ(o.reply.code, code::syntax_error_args) << line;
  }
  EXPECT_TRUE(data.active_calls.empty());
}

TEST_F(data_test, a_refused_port_drops_an_earlier_passive_connection) {
  prepare_passive();
  EXPECT_EQ(code_of("PORT 8,8,8,8,195,80"), code::syntax_error);
  EXPECT_FALSE(data.prepared());
}

TEST_F(data_ipv6_test, port_on_an_ipv6_control_connection_is_522) {
  const outcome o = run("PORT 127,0,0,1,195,80");
  EXPECT_EQ(o.reply.code, code::network_protocol_not_supported);
  EXPECT_THAT(o.reply.text(), HasSubstr("EPRT"));
  EXPECT_TRUE(data.active_calls.empty());
}

// --- EPRT --------------------------------------------------------------------

TEST_F(data_test, eprt_ipv4_to_the_client_is_accepted) {
  EXPECT_EQ(code_of("EPRT |1|127.0.0.1|50000|"), code::ok);
  ASSERT_EQ(data.active_calls.size(), 1u);
  EXPECT_EQ(data.active_calls[0], (protocol::endpoint{address("127.0.0.1"), 50000}));
}

TEST_F(data_ipv6_test, eprt_ipv6_to_the_client_is_accepted) {
  EXPECT_EQ(code_of("EPRT |2|::1|50000|"), code::ok);
  ASSERT_EQ(data.active_calls.size(), 1u);
  EXPECT_EQ(data.active_calls[0], (protocol::endpoint{address("::1"), 50000}));
}

TEST_F(data_ipv6_test, eprt_accepts_another_delimiter) {
  EXPECT_EQ(code_of("EPRT !2!::1!50000!"), code::ok);
  EXPECT_EQ(data.active_calls.size(), 1u);
}

TEST_F(data_ipv6_test, eprt_to_another_ipv6_host_is_a_bounce) {
  const outcome o = run("EPRT |2|2001:db8::7|50000|");
  EXPECT_EQ(o.reply.code, code::syntax_error);
  EXPECT_THAT(o.reply.text(), HasSubstr("bounce"));
  EXPECT_TRUE(data.active_calls.empty());
}

TEST_F(data_ipv6_test, eprt_to_a_privileged_port_is_500) {
  EXPECT_EQ(code_of("EPRT |2|::1|21|"), code::syntax_error);
  EXPECT_TRUE(data.active_calls.empty());
}

TEST_F(data_ipv6_test, eprt_with_the_unspecified_address_means_the_client) {
  EXPECT_EQ(code_of("EPRT |2|::|50000|"), code::ok);
  ASSERT_EQ(data.active_calls.size(), 1u);
  EXPECT_EQ(data.active_calls[0].address, address("::1"));
}

TEST_F(data_test, eprt_ipv4_to_another_host_is_a_bounce) {
  EXPECT_EQ(code_of("EPRT |1|8.8.8.8|50000|"), code::syntax_error);
  EXPECT_TRUE(data.active_calls.empty());
}

TEST_F(data_test, eprt_with_an_unknown_family_is_522) {
  const outcome o = run("EPRT |3|127.0.0.1|50000|");
  EXPECT_EQ(o.reply.code, code::network_protocol_not_supported);
  EXPECT_THAT(o.reply.text(), HasSubstr("(1,2)"));
}

TEST_F(data_test, a_malformed_eprt_is_501) {
  for (std::string_view line :
       {"EPRT |1|127.0.0.1|50000", "EPRT |1|::1|50000|", "EPRT |1|127.0.0.1|0|",
        "EPRT |1|127.0.0.1|65536|", "EPRT 1|127.0.0.1|50000|", "EPRT |1|127.0.0.1|50000|x"}) {
    EXPECT_EQ(code_of(line), code::syntax_error_args) << line;
  }
  EXPECT_TRUE(data.active_calls.empty());
}

// --- PASV / EPSV -------------------------------------------------------------

TEST_F(data_test, pasv_is_227_with_the_listeners_address_and_port) {
  const outcome o = run("PASV");
  EXPECT_EQ(o.reply.code, code::entering_passive);
  EXPECT_EQ(o.reply.text(), "Entering Passive Mode (127,0,0,1,195,80).");
  ASSERT_EQ(data.passive_calls.size(), 1u);
  EXPECT_EQ(data.passive_calls[0], family::v4);
  EXPECT_TRUE(data.prepared());
}

TEST_F(data_test, pasv_advertises_what_the_data_link_chose) {
  data.passive_endpoint = {address("203.0.113.4"), 60001};
  EXPECT_EQ(run("PASV").reply.text(), "Entering Passive Mode (203,0,113,4,234,97).");
}

TEST_F(data_test, pasv_failure_is_425_with_the_reason) {
  data.passive_error = passive_failure{"No free passive port in 50000-50010."};
  const outcome o = run("PASV");
  EXPECT_EQ(o.reply.code, code::cannot_open_data);
  EXPECT_EQ(o.reply.text(), "No free passive port in 50000-50010.");
  EXPECT_FALSE(data.prepared());
}

TEST_F(data_ipv6_test, pasv_on_an_ipv6_control_connection_is_522) {
  const outcome o = run("PASV");
  EXPECT_EQ(o.reply.code, code::network_protocol_not_supported);
  EXPECT_THAT(o.reply.text(), HasSubstr("EPSV"));
  EXPECT_TRUE(data.passive_calls.empty());
}

TEST_F(data_test, epsv_is_229_with_the_port) {
  const outcome o = run("EPSV");
  EXPECT_EQ(o.reply.code, code::entering_extended_passive);
  EXPECT_EQ(o.reply.text(), "Entering Extended Passive Mode (|||50000|)");
  ASSERT_EQ(data.passive_calls.size(), 1u);
  EXPECT_EQ(data.passive_calls[0], family::v4);
}

TEST_F(data_test, epsv_1_on_ipv4_opens_an_ipv4_listener) {
  EXPECT_EQ(code_of("EPSV 1"), code::entering_extended_passive);
  ASSERT_EQ(data.passive_calls.size(), 1u);
  EXPECT_EQ(data.passive_calls[0], family::v4);
}

TEST_F(data_ipv6_test, epsv_on_ipv6_opens_an_ipv6_listener) {
  EXPECT_EQ(code_of("EPSV"), code::entering_extended_passive);
  EXPECT_EQ(code_of("EPSV 2"), code::entering_extended_passive);
  ASSERT_EQ(data.passive_calls.size(), 2u);
  EXPECT_EQ(data.passive_calls[0], family::v6);
  EXPECT_EQ(data.passive_calls[1], family::v6);
}

TEST_F(data_ipv6_test, epsv_1_on_an_ipv6_control_connection_is_522) {
  const outcome o = run("EPSV 1");
  EXPECT_EQ(o.reply.code, code::network_protocol_not_supported);
  EXPECT_THAT(o.reply.text(), HasSubstr("(2)"));
  EXPECT_TRUE(data.passive_calls.empty());
}

TEST_F(data_test, epsv_2_on_an_ipv4_control_connection_is_522) {
  const outcome o = run("EPSV 2");
  EXPECT_EQ(o.reply.code, code::network_protocol_not_supported);
  EXPECT_THAT(o.reply.text(), HasSubstr("(1)"));
  EXPECT_TRUE(data.passive_calls.empty());
}

TEST_F(data_test, epsv_with_an_unknown_family_is_522_and_garbage_501) {
  EXPECT_EQ(code_of("EPSV 3"), code::network_protocol_not_supported);
  EXPECT_EQ(code_of("EPSV fast"), code::syntax_error_args);
  EXPECT_TRUE(data.passive_calls.empty());
}

TEST_F(data_test, epsv_failure_is_425_with_the_reason) {
  data.passive_error = passive_failure{"Cannot listen: address in use."};
  const outcome o = run("EPSV");
  EXPECT_EQ(o.reply.code, code::cannot_open_data);
  EXPECT_EQ(o.reply.text(), "Cannot listen: address in use.");
}

TEST_F(data_test, after_epsv_all_only_epsv_sets_up_data_connections) {
  const outcome all = run("EPSV ALL");
  EXPECT_EQ(all.reply.code, code::ok);
  EXPECT_TRUE(state.epsv_all);
  for (std::string_view line : {"PASV", "PORT 127,0,0,1,195,80", "EPRT |1|127.0.0.1|50000|"}) {
    const outcome o = run(line);
    EXPECT_EQ(o.reply.code, code::bad_sequence) << line;
    EXPECT_THAT(o.reply.text(), HasSubstr("EPSV ALL")) << line;
  }
  EXPECT_TRUE(data.passive_calls.empty());
  EXPECT_TRUE(data.active_calls.empty());
  EXPECT_EQ(code_of("EPSV"), code::entering_extended_passive);
}

TEST_F(data_test, epsv_all_is_case_insensitive) {
  EXPECT_EQ(code_of("EPSV all"), code::ok);
  EXPECT_EQ(code_of("PASV"), code::bad_sequence);
}

// --- ABOR --------------------------------------------------------------------

TEST_F(data_test, abor_without_a_transfer_is_225) {
  const outcome o = run("ABOR");
  EXPECT_EQ(o.reply.code, code::data_open_no_transfer);
  EXPECT_THAT(o.reply.text(), Not(HasSubstr("closed")));
}

TEST_F(data_test, abor_drops_a_prepared_data_connection) {
  prepare_passive();
  const outcome o = run("ABOR");
  EXPECT_EQ(o.reply.code, code::data_open_no_transfer);
  EXPECT_THAT(o.reply.text(), HasSubstr("closed"));
  EXPECT_FALSE(data.prepared());
}

}  // namespace
}  // namespace portico::server
