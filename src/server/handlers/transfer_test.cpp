#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "server/test_support/handler_harness.hpp"

namespace portico::server {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;
namespace code = protocol::code;
using kind = transfer_request::kind;

// The whole content behind a descriptor, read without moving its offset.
std::string read_all(const file_handle& f) {
  std::string out;
  char buf[4096];
  for (off_t at = 0;;) {
    const ssize_t n = ::pread(f.get(), buf, sizeof buf, at);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
    at += n;
  }
  return out;
}

void write_all(const file_handle& f, std::string_view bytes) {
  ASSERT_EQ(::write(f.get(), bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
}

class transfer_test : public test_support::handler_harness {
 protected:
  void SetUp() override {
    login_with(permission_set::all());
    fs().add_file("/a.bin", "0123456789");
    data.is_prepared = true;  // as after PASV or PORT
  }
  void TearDown() override {
    // Handlers hand uploads to the session; the tests settle them.
    for (auto& u : uploads_) fs().abort_upload(u);
  }

  // Runs `line`, expecting a transfer of kind `k`.
  transfer_request expect_transfer(std::string_view line, kind k) {
    outcome o = run(line);
    EXPECT_TRUE(o.transfer.has_value()) << line << ": " << o.reply.code << " " << o.reply.text();
    if (!o.transfer) return {};
    EXPECT_EQ(o.transfer->what, k) << line;
    return std::move(*o.transfer);
  }
  // Keeps an upload to abort at the end of the test.
  void keep(transfer_request& t) { uploads_.push_back(std::move(t.up)); }

  std::vector<upload> uploads_;
};

// --- RETR --------------------------------------------------------------------

TEST_F(transfer_test, retr_sends_the_whole_file) {
  ASSERT_EQ(code_of("TYPE I"), code::ok);
  transfer_request t = expect_transfer("RETR a.bin", kind::send_file);
  EXPECT_EQ(t.verb, "RETR");
  EXPECT_EQ(t.path, "/a.bin");
  EXPECT_FALSE(t.ascii);
  EXPECT_EQ(t.offset, 0u);
  EXPECT_EQ(t.size, 10u);
  ASSERT_TRUE(t.file);
  EXPECT_EQ(read_all(t.file), "0123456789");
  EXPECT_THAT(t.opening_text, HasSubstr("BINARY"));
  EXPECT_THAT(t.opening_text, HasSubstr("/a.bin"));
  EXPECT_THAT(t.opening_text, HasSubstr("10 bytes"));
}

TEST_F(transfer_test, retr_in_type_a_is_an_ascii_transfer) {
  transfer_request t = expect_transfer("RETR a.bin", kind::send_file);
  EXPECT_TRUE(t.ascii);
  EXPECT_THAT(t.opening_text, HasSubstr("ASCII"));
}

TEST_F(transfer_test, retr_after_rest_starts_at_the_offset) {
  ASSERT_EQ(code_of("TYPE I"), code::ok);
  ASSERT_EQ(code_of("REST 4"), code::pending_further_info);
  transfer_request t = expect_transfer("RETR a.bin", kind::send_file);
  EXPECT_EQ(t.offset, 4u);
  EXPECT_EQ(t.size, 6u);
}

TEST_F(transfer_test, rest_at_the_end_sends_nothing) {
  ASSERT_EQ(code_of("TYPE I"), code::ok);
  ASSERT_EQ(code_of("REST 10"), code::pending_further_info);
  transfer_request t = expect_transfer("RETR a.bin", kind::send_file);
  EXPECT_EQ(t.offset, 10u);
  EXPECT_EQ(t.size, 0u);
}

TEST_F(transfer_test, rest_past_the_end_is_554) {
  ASSERT_EQ(code_of("TYPE I"), code::ok);
  ASSERT_EQ(code_of("REST 11"), code::pending_further_info);
  const outcome o = run("RETR a.bin");
  EXPECT_EQ(o.reply.code, code::invalid_rest);
  EXPECT_FALSE(o.transfer.has_value());
  EXPECT_THAT(o.reply.text(), HasSubstr("10 bytes"));
  EXPECT_EQ(state.rest_offset, 0u) << "the bad offset must not apply to the next RETR";
}

TEST_F(transfer_test, rest_in_ascii_mode_is_554_for_retr) {
  ASSERT_EQ(code_of("REST 4"), code::pending_further_info);
  const outcome o = run("RETR a.bin");
  EXPECT_EQ(o.reply.code, code::invalid_rest);
  EXPECT_THAT(o.reply.text(), HasSubstr("TYPE I"));
  EXPECT_FALSE(o.transfer.has_value());
}

TEST_F(transfer_test, rest_in_ascii_mode_is_554_for_stor) {
  ASSERT_EQ(code_of("REST 4"), code::pending_further_info);
  const outcome o = run("STOR a.bin");
  EXPECT_EQ(o.reply.code, code::invalid_rest);
  EXPECT_EQ(fs().content("/a.bin"), "0123456789");
  EXPECT_EQ(fs().open_uploads(), 0u);
}

TEST_F(transfer_test, rest_zero_is_allowed_in_ascii_mode) {
  ASSERT_EQ(code_of("REST 0"), code::pending_further_info);
  transfer_request t = expect_transfer("RETR a.bin", kind::send_file);
  EXPECT_EQ(t.offset, 0u);
}

TEST_F(transfer_test, rest_rejects_what_is_not_a_plain_offset) {
  for (std::string_view line : {"REST -1", "REST +5", "REST 1x", "REST abc", "REST 0x10",
                                "REST 9223372036854775808", "REST 99999999999999999999"}) {
    EXPECT_EQ(code_of(line), code::syntax_error_args) << line;
    EXPECT_EQ(state.rest_offset, 0u) << line;
  }
  EXPECT_EQ(code_of("REST 9223372036854775807"), code::pending_further_info);
}

TEST_F(transfer_test, retr_of_a_missing_file_is_550) {
  const outcome o = run("RETR ghost.bin");
  EXPECT_EQ(o.reply.code, code::file_unavailable);
  EXPECT_FALSE(o.transfer.has_value());
}

TEST_F(transfer_test, retr_of_a_directory_is_550) {
  fs().add_directory("/d");
  const outcome o = run("RETR d");
  EXPECT_EQ(o.reply.code, code::file_unavailable);
  EXPECT_FALSE(o.transfer.has_value());
}

// --- STOR --------------------------------------------------------------------

TEST_F(transfer_test, stor_receives_into_an_upload_of_the_target) {
  ASSERT_EQ(code_of("TYPE I"), code::ok);
  transfer_request t = expect_transfer("STOR new.bin", kind::receive_file);
  EXPECT_EQ(t.verb, "STOR");
  EXPECT_EQ(t.path, "/new.bin");
  EXPECT_FALSE(t.ascii);
  EXPECT_EQ(t.up.target, "/new.bin");
  EXPECT_EQ(t.up.offset, 0u);
  ASSERT_TRUE(t.up.file);
  EXPECT_THAT(t.opening_text, HasSubstr("/new.bin"));
  EXPECT_EQ(fs().open_uploads(), 1u);
  // The session writes the bytes and finishes the upload.
  write_all(t.up.file, "hello");
  ASSERT_TRUE(fs().finish_upload(t.up).has_value());
  EXPECT_EQ(fs().content("/new.bin"), "hello");
}

TEST_F(transfer_test, stor_replaces_an_existing_file) {
  ASSERT_EQ(code_of("TYPE I"), code::ok);
  transfer_request t = expect_transfer("STOR a.bin", kind::receive_file);
  write_all(t.up.file, "new");
  ASSERT_TRUE(fs().finish_upload(t.up).has_value());
  EXPECT_EQ(fs().content("/a.bin"), "new");
}

TEST_F(transfer_test, stor_after_rest_resumes_at_the_offset) {
  ASSERT_EQ(code_of("TYPE I"), code::ok);
  ASSERT_EQ(code_of("REST 4"), code::pending_further_info);
  transfer_request t = expect_transfer("STOR a.bin", kind::receive_file);
  EXPECT_EQ(t.up.offset, 4u);
  write_all(t.up.file, "XY");
  ASSERT_TRUE(fs().finish_upload(t.up).has_value());
  EXPECT_EQ(fs().content("/a.bin"), "0123XY");
}

TEST_F(transfer_test, stor_with_rest_needs_the_append_permission) {
  state.logged_in->permissions = permission_set::read_only().with(permission::write);
  ASSERT_EQ(code_of("TYPE I"), code::ok);
  ASSERT_EQ(code_of("REST 4"), code::pending_further_info);
  const outcome o = run("STOR a.bin");
  EXPECT_EQ(o.reply.code, code::file_unavailable);
  EXPECT_THAT(o.reply.text(), HasSubstr("'append'"));
  EXPECT_EQ(fs().content("/a.bin"), "0123456789");
  EXPECT_EQ(fs().open_uploads(), 0u);
}

TEST_F(transfer_test, stor_into_a_missing_directory_is_550) {
  const outcome o = run("STOR no/such/file");
  EXPECT_EQ(o.reply.code, code::file_unavailable);
  EXPECT_FALSE(o.transfer.has_value());
  EXPECT_EQ(fs().open_uploads(), 0u);
}

TEST_F(transfer_test, stor_onto_a_directory_is_550) {
  fs().add_directory("/d");
  EXPECT_EQ(code_of("STOR d"), code::file_unavailable);
}

TEST_F(transfer_test, storage_failures_of_an_upload_map_to_their_codes) {
  struct mapping {
    storage_errc error;
    int reply;
  };
  for (const mapping& m : {mapping{storage_errc::no_space, code::insufficient_storage},
                           mapping{storage_errc::quota_exceeded, code::exceeded_storage},
                           mapping{storage_errc::busy, code::file_busy},
                           mapping{storage_errc::io_error, code::local_error},
                           mapping{storage_errc::permission_denied, code::file_unavailable},
                           mapping{storage_errc::name_too_long, code::bad_file_name}}) {
    data.is_prepared = true;
    fs().fail_next(make_error_code(m.error));
    const outcome o = run("STOR new.bin");
    EXPECT_EQ(o.reply.code, m.reply) << make_error_code(m.error).message();
    EXPECT_FALSE(o.transfer.has_value());
    EXPECT_FALSE(data.prepared()) << "a failed STOR drops the data connection";
  }
  EXPECT_EQ(fs().open_uploads(), 0u);
  EXPECT_FALSE(fs().content("/new.bin").has_value());
}

TEST_F(transfer_test, atomic_uploads_show_nothing_until_finished) {
  config.atomic_uploads = true;
  ASSERT_EQ(code_of("TYPE I"), code::ok);
  transfer_request t = expect_transfer("STOR a.bin", kind::receive_file);
  EXPECT_EQ(fs().content("/a.bin"), "0123456789");
  write_all(t.up.file, "new");
  ASSERT_TRUE(fs().finish_upload(t.up).has_value());
  EXPECT_EQ(fs().content("/a.bin"), "new");
}

// --- APPE --------------------------------------------------------------------

TEST_F(transfer_test, appe_appends_to_the_file) {
  ASSERT_EQ(code_of("TYPE I"), code::ok);
  transfer_request t = expect_transfer("APPE a.bin", kind::receive_file);
  EXPECT_EQ(t.verb, "APPE");
  EXPECT_EQ(t.up.offset, 10u);
  write_all(t.up.file, "AB");
  ASSERT_TRUE(fs().finish_upload(t.up).has_value());
  EXPECT_EQ(fs().content("/a.bin"), "0123456789AB");
}

TEST_F(transfer_test, appe_creates_a_missing_file) {
  transfer_request t = expect_transfer("APPE fresh.txt", kind::receive_file);
  EXPECT_EQ(t.up.target, "/fresh.txt");
  keep(t);
}

TEST_F(transfer_test, appe_after_rest_is_refused) {
  ASSERT_EQ(code_of("TYPE I"), code::ok);
  ASSERT_EQ(code_of("REST 4"), code::pending_further_info);
  const outcome o = run("APPE a.bin");
  EXPECT_EQ(o.reply.code, code::bad_sequence);
  EXPECT_FALSE(o.transfer.has_value());
  EXPECT_EQ(fs().content("/a.bin"), "0123456789");
  EXPECT_EQ(fs().open_uploads(), 0u);
}

// --- STOU --------------------------------------------------------------------

TEST_F(transfer_test, stou_names_the_unique_file_in_the_opening_reply) {
  transfer_request t = expect_transfer("STOU report.txt", kind::receive_file);
  EXPECT_EQ(t.verb, "STOU");
  EXPECT_EQ(t.opening_text, "FILE: report.txt");
  EXPECT_THAT(t.done_text, HasSubstr("/report.txt"));
  keep(t);
}

TEST_F(transfer_test, stou_never_overwrites) {
  transfer_request t = expect_transfer("STOU a.bin", kind::receive_file);
  EXPECT_THAT(t.opening_text, StartsWith("FILE: "));
  EXPECT_EQ(t.opening_text, "FILE: a.bin.1");
  EXPECT_EQ(t.up.target, "/a.bin.1");
  EXPECT_EQ(t.path, "/a.bin.1");
  write_all(t.up.file, "other");
  ASSERT_TRUE(fs().finish_upload(t.up).has_value());
  EXPECT_EQ(fs().content("/a.bin"), "0123456789");
  EXPECT_EQ(fs().content("/a.bin.1"), "other");
}

TEST_F(transfer_test, stou_without_a_name_picks_one) {
  transfer_request t = expect_transfer("STOU", kind::receive_file);
  EXPECT_THAT(t.opening_text, StartsWith("FILE: "));
  EXPECT_GT(t.opening_text.size(), std::string_view("FILE: ").size());
  keep(t);
}

TEST_F(transfer_test, stou_after_rest_is_refused) {
  ASSERT_EQ(code_of("TYPE I"), code::ok);
  ASSERT_EQ(code_of("REST 4"), code::pending_further_info);
  EXPECT_EQ(code_of("STOU x"), code::bad_sequence);
  EXPECT_EQ(fs().open_uploads(), 0u);
}

}  // namespace
}  // namespace portico::server
