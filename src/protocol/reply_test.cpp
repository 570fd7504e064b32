#include "protocol/reply.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/error.hpp"
#include "protocol/limits.hpp"

namespace portico::protocol {
namespace {

using ::testing::ElementsAre;
using namespace std::string_literals;
// Two C strings in braces could also be a std::string iterator pair.
using lines = std::vector<std::string>;

std::vector<result<reply>> drain(reply_parser& p) {
  std::vector<result<reply>> out;
  while (auto r = p.next()) out.push_back(std::move(*r));
  return out;
}

// Feeds `wire` in chunks of `chunk` bytes (0: all at once).
std::vector<result<reply>> parse_all(std::string_view wire, std::size_t chunk = 0) {
  reply_parser p;
  if (chunk == 0) {
    p.feed(wire);
  } else {
    for (std::size_t i = 0; i < wire.size(); i += chunk) p.feed(wire.substr(i, chunk));
  }
  return drain(p);
}

// Exactly one reply, parsed the same whether fed whole or byte by byte.
reply parse_one(std::string_view wire) {
  const auto whole = parse_all(wire);
  const auto bytewise = parse_all(wire, 1);
  EXPECT_EQ(whole.size(), 1u) << wire;
  EXPECT_EQ(bytewise.size(), 1u) << wire;
  if (whole.size() != 1 || !whole[0].has_value()) {
    ADD_FAILURE() << "no single reply in: " << wire;
    return {};
  }
  if (bytewise.size() == 1 && bytewise[0].has_value()) {
    EXPECT_EQ(*bytewise[0], *whole[0]);
  }
  return *whole[0];
}

std::error_code parse_failure(std::string_view wire) {
  const auto all = parse_all(wire);
  if (all.empty() || all.back().has_value()) {
    ADD_FAILURE() << "no error for: " << wire;
    return {};
  }
  return all.back().error();
}

// --- format_reply ------------------------------------------------------------

TEST(FormatReply, SingleLine) {
  EXPECT_EQ(format_reply(reply(200, "Command okay.")), "200 Command okay.\r\n");
}

TEST(FormatReply, ZeroLinesIsOneEmptyLine) {
  EXPECT_EQ(format_reply(reply(200, std::vector<std::string>{})), "200 \r\n");
}

TEST(FormatReply, MultiLineUsesHyphenFirstAndSpaceLast) {
  EXPECT_EQ(format_reply(reply(211, {"Features:", " EPRT", " EPSV", "End"})),
            "211-Features:\r\n EPRT\r\n EPSV\r\n211 End\r\n");
}

TEST(FormatReply, TwoLinesHaveNoMiddle) {
  EXPECT_EQ(format_reply(reply(230, lines{"Welcome", "User logged in."})),
            "230-Welcome\r\n230 User logged in.\r\n");
}

TEST(FormatReply, MiddleLineStartingWithDigitGetsLeadingSpace) {
  // A STAT listing of a file named "226 x" must not end the reply early.
  EXPECT_EQ(format_reply(reply(213, {"Status follows:", "226 x", "9", "End of status"})),
            "213-Status follows:\r\n 226 x\r\n 9\r\n213 End of status\r\n");
}

TEST(FormatReply, EmptyMiddleLineBecomesOneSpace) {
  EXPECT_EQ(format_reply(reply(214, {"Help:", "", "End"})), "214-Help:\r\n \r\n214 End\r\n");
}

TEST(FormatReply, CrAndLfInTextBecomeNulSoNoLineCanBeInjected) {
  EXPECT_EQ(format_reply(reply(257, "\"/a\r\n230 b\" created")),
            "257 \"/a\0\0"
            "230 b\" created\r\n"s);
  EXPECT_EQ(format_reply(reply(211, {"a\n", "b\rc", "\nd"})), "211-a\0\r\nb\0c\r\n211 \0d\r\n"s);
}

TEST(FormatReply, ByteFFIsDoubledAsTelnetIacIac) {
  EXPECT_EQ(format_reply(reply(150, "Opening \xff.bin")), "150 Opening \xff\xff.bin\r\n");
  EXPECT_EQ(format_reply(reply(211, {"\xff", "\xff", "\xff"})),
            "211-\xff\xff\r\n\xff\xff\r\n211 \xff\xff\r\n");
}

TEST(ReplyText, JoinsLinesWithLf) {
  EXPECT_EQ(reply(211, {"Features:", " SIZE", "End"}).text(), "Features:\n SIZE\nEnd");
  EXPECT_EQ(reply(200, "ok").text(), "ok");
}

TEST(ReplyClass, CategoriesFollowFirstDigit) {
  EXPECT_TRUE(reply(150, "").is_positive_preliminary());
  EXPECT_TRUE(reply(226, "").is_positive_completion());
  EXPECT_TRUE(reply(331, "").is_positive_intermediate());
  EXPECT_TRUE(reply(421, "").is_transient_negative());
  EXPECT_TRUE(reply(530, "").is_permanent_negative());
  EXPECT_FALSE(reply(530, "").is_positive_completion());
}

// --- reply_parser: what real servers send -------------------------------------

TEST(ReplyParser, VsftpdBanner) {
  EXPECT_EQ(parse_one("220 (vsFTPd 3.0.3)\r\n"), reply(220, "(vsFTPd 3.0.3)"));
}

TEST(ReplyParser, ProftpdBanner) {
  EXPECT_EQ(parse_one("220 ProFTPD Server (Debian) [::ffff:127.0.0.1]\r\n"),
            reply(220, "ProFTPD Server (Debian) [::ffff:127.0.0.1]"));
}

TEST(ReplyParser, VsftpdFeat) {
  const reply r = parse_one(
      "211-Features:\r\n EPRT\r\n EPSV\r\n MDTM\r\n PASV\r\n REST STREAM\r\n SIZE\r\n TVFS\r\n"
      "211 End\r\n");
  EXPECT_EQ(r.code, 211);
  EXPECT_THAT(r.lines, ElementsAre("Features:", " EPRT", " EPSV", " MDTM", " PASV", " REST STREAM",
                                   " SIZE", " TVFS", "End"));
}

TEST(ReplyParser, ProftpdFeatWithMlstFacts) {
  const reply r = parse_one(
      "211-Features:\r\n LANG en-US*\r\n MDTM\r\n MFMT\r\n TVFS\r\n UTF8\r\n"
      " MLST modify*;perm*;size*;type*;unique*;UNIX.group*;UNIX.mode*;UNIX.owner*;\r\n"
      " SITE MKDIR\r\n SIZE\r\n211 End\r\n");
  ASSERT_EQ(r.lines.size(), 10u);
  EXPECT_EQ(r.lines[6],
            " MLST modify*;perm*;size*;type*;unique*;UNIX.group*;UNIX.mode*;UNIX.owner*;");
}

TEST(ReplyParser, PureFtpdMultiLineWelcomeKeepsSameCodeHyphenLinesRaw) {
  const reply r = parse_one(
      "220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\r\n"
      "220-You are user number 1 of 50 allowed.\r\n"
      "220-Local time is now 12:00. Server port: 21.\r\n"
      "220-This is a private system - No anonymous login\r\n"
      "220 You will be disconnected after 15 minutes of inactivity.\r\n");
  EXPECT_EQ(r.code, 220);
  EXPECT_THAT(r.lines, ElementsAre("--------- Welcome to Pure-FTPd [privsep] [TLS] ----------",
                                   "220-You are user number 1 of 50 allowed.",
                                   "220-Local time is now 12:00. Server port: 21.",
                                   "220-This is a private system - No anonymous login",
                                   "You will be disconnected after 15 minutes of inactivity."));
}

TEST(ReplyParser, IisWelcomeAndLogin) {
  EXPECT_EQ(parse_one("220 Microsoft FTP Service\r\n"), reply(220, "Microsoft FTP Service"));
  const reply r = parse_one("230-Welcome\r\n to the site.\r\n230 User logged in.\r\n");
  EXPECT_THAT(r.lines, ElementsAre("Welcome", " to the site.", "User logged in."));
}

TEST(ReplyParser, IisFeatEndsWithUpperCaseEnd) {
  const reply r = parse_one(
      "211-Extended features supported:\r\n LANG EN*\r\n UTF8\r\n AUTH TLS;TLS-C;SSL;TLS-P;\r\n"
      " PBSZ\r\n PROT C;P;\r\n CCC\r\n HOST\r\n SIZE\r\n MDTM\r\n REST STREAM\r\n211 END\r\n");
  EXPECT_EQ(r.lines.size(), 12u);
  EXPECT_EQ(r.lines.back(), "END");
}

TEST(ReplyParser, VsftpdStatIndentedBody) {
  const reply r = parse_one(
      "211-FTP server status:\r\n     Connected to 127.0.0.1\r\n     Logged in as ftp\r\n"
      "     TYPE: ASCII\r\n     vsFTPd 3.0.3 - secure, fast, stable\r\n211 End of status\r\n");
  EXPECT_EQ(r.lines.size(), 6u);
  EXPECT_EQ(r.lines.back(), "End of status");
}

TEST(ReplyParser, BodyLineOfAnotherCodeDoesNotEndTheReply) {
  // A server that does not indent a file named "226 x" in STAT, and RFC 959's
  // own example of a "200 x" line inside a 211 reply.
  const reply r = parse_one("213-Status follows:\r\n226 x\r\n200 x\r\n213 End of status\r\n");
  EXPECT_THAT(r.lines, ElementsAre("Status follows:", "226 x", "200 x", "End of status"));
}

TEST(ReplyParser, IndentedSameCodeLineDoesNotEndTheReply) {
  const reply r = parse_one("213-Status follows:\r\n 213 x\r\n213 End\r\n");
  EXPECT_THAT(r.lines, ElementsAre("Status follows:", " 213 x", "End"));
}

TEST(ReplyParser, SameCodeWithOtherSeparatorIsAMiddleLine) {
  const reply r = parse_one("211-a\r\n211xyz\r\n211\tb\r\n211 End\r\n");
  EXPECT_THAT(r.lines, ElementsAre("a", "211xyz", "211\tb", "End"));
}

TEST(ReplyParser, PassiveAndExtendedPassiveReplies) {
  EXPECT_EQ(parse_one("227 Entering Passive Mode (127,0,0,1,195,80).\r\n").lines[0],
            "Entering Passive Mode (127,0,0,1,195,80).");
  EXPECT_EQ(parse_one("229 Entering Extended Passive Mode (|||49152|)\r\n").code, 229);
}

TEST(ReplyParser, CodeAloneIsSingleLineWithEmptyText) {
  EXPECT_EQ(parse_one("200\r\n"), reply(200, ""));
  EXPECT_EQ(parse_one("230-Hi\r\n230\r\n"), reply(230, lines{"Hi", ""}));
}

TEST(ReplyParser, AcceptsBareLfAndSplitCrlf) {
  EXPECT_EQ(parse_one("331 Please specify the password.\n"),
            reply(331, "Please specify the password."));
  reply_parser p;
  p.feed("200 ok\r");
  EXPECT_FALSE(p.next().has_value());
  p.feed("\n");
  auto r = p.next();
  ASSERT_TRUE(r && r->has_value());
  EXPECT_EQ(**r, reply(200, "ok"));
}

TEST(ReplyParser, PipelinedRepliesComeOutInOrder) {
  const auto all = parse_all("331 Password?\r\n230-Hi\r\n230 In.\r\n257 \"/\"\r\n", 5);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0]->code, 331);
  EXPECT_EQ(all[1]->lines.size(), 2u);
  EXPECT_EQ(*all[2], reply(257, "\"/\""));
}

TEST(ReplyParser, WaitsForTheEndOfAMultiLineReply) {
  reply_parser p;
  p.feed("211-Features:\r\n SIZE\r\n");
  EXPECT_FALSE(p.next().has_value());
  p.feed("211 End\r\n");
  EXPECT_TRUE(p.next().has_value());
}

TEST(ReplyParser, UndoublesIacIac) {
  EXPECT_EQ(parse_one("550 a\xff\xff"
                      "b: No such file\r\n")
                .lines[0],
            "a\xff"
            "b: No such file");
  EXPECT_EQ(parse_one("550 \xff\xff\xff\r\n").lines[0], "\xff\xff");
}

// --- reply_parser: malformed input ---------------------------------------------

TEST(ReplyParser, RejectsNonDigitOrOutOfRangeCode) {
  EXPECT_EQ(parse_failure("abc def\r\n"), errc::bad_reply_code);
  EXPECT_EQ(parse_failure("600 x\r\n"), errc::bad_reply_code);
  EXPECT_EQ(parse_failure("099 x\r\n"), errc::bad_reply_code);
  EXPECT_EQ(parse_failure("20\r\n"), errc::bad_reply_code);
  EXPECT_EQ(parse_failure("2a0 x\r\n"), errc::bad_reply_code);
  EXPECT_EQ(parse_failure("\r\n"), errc::bad_reply_code);
  EXPECT_EQ(parse_failure(" 200 x\r\n"), errc::bad_reply_code);
}

TEST(ReplyParser, RejectsBadSeparatorAfterCode) {
  EXPECT_EQ(parse_failure("2000 x\r\n"), errc::bad_reply_separator);
  EXPECT_EQ(parse_failure("200:x\r\n"), errc::bad_reply_separator);
  EXPECT_EQ(parse_failure("200\tx\r\n"), errc::bad_reply_separator);
}

TEST(ReplyParser, RepliesBeforeAnErrorAreDeliveredThenTheErrorOnce) {
  reply_parser p;
  p.feed("200 ok\r\ngarbage\r\n220 never\r\n");
  auto all = drain(p);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(*all[0], reply(200, "ok"));
  EXPECT_EQ(all[1].error(), errc::bad_reply_code);
  // Failed for good: later input is ignored and next() stays empty.
  p.feed("200 ok\r\n");
  EXPECT_FALSE(p.next().has_value());
}

// The limit is on a line's bytes without its CRLF.
TEST(ReplyParserLimit, AcceptsLineOfExactlyMaxReplyLine) {
  const std::string line = "200 " + std::string(limits::max_reply_line - 4, 'x');
  EXPECT_EQ(parse_one(line + "\r\n").lines[0].size(), limits::max_reply_line - 4);
  EXPECT_EQ(parse_one(line + "\n").code, 200);
}

TEST(ReplyParserLimit, RejectsLineOneByteOverBeforeItsLfArrives) {
  reply_parser p;
  p.feed("200 " + std::string(limits::max_reply_line - 4, 'x'));
  p.feed("\r");
  EXPECT_FALSE(p.next().has_value());  // a CR may still be the terminator
  p.feed("y");
  auto r = p.next();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->error(), errc::reply_too_long);
  EXPECT_FALSE(p.next().has_value());
}

TEST(ReplyParserLimit, RejectsLineOneByteOverWithoutCr) {
  EXPECT_EQ(parse_failure("200 " + std::string(limits::max_reply_line - 3, 'x') + "\r\n"),
            errc::reply_too_long);
}

TEST(ReplyParserLimit, RejectsLineOneByteOverWithBareLf) {
  EXPECT_EQ(parse_failure("200 " + std::string(limits::max_reply_line - 3, 'x') + "\n"),
            errc::reply_too_long);
}

TEST(ReplyParserLimit, GigabyteWithoutLfIsOneErrorNotUnboundedMemory) {
  reply_parser p;
  const std::string chunk(1 << 20, 'x');
  p.feed("220 ");
  for (int i = 0; i < 1024; ++i) p.feed(chunk);
  const auto all = drain(p);
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].error(), errc::reply_too_long);
}

TEST(ReplyParserLimit, AcceptsMaxReplyLinesAndRejectsOneMore) {
  std::string wire = "211-start\r\n";
  for (std::size_t i = 0; i < limits::max_reply_lines - 2; ++i) wire += " f\r\n";
  EXPECT_EQ(parse_one(wire + "211 End\r\n").lines.size(), limits::max_reply_lines);
  EXPECT_EQ(parse_failure(wire + " f\r\n211 End\r\n"), errc::reply_too_many_lines);
}

TEST(ReplyParserLimit, RejectsMultiLineReplyOverMaxReplyBytes) {
  const std::string middle = " " + std::string(8000, 'x') + "\r\n";
  std::string wire = "211-start\r\n";
  while (wire.size() < limits::max_reply_bytes) wire += middle;
  EXPECT_EQ(parse_failure(wire + "211 End\r\n"), errc::reply_too_long);
}

TEST(ReplyParserLimit, ByteBudgetIsPerReply) {
  // Many replies whose sum is far over max_reply_bytes are all fine.
  const std::string one = "200 " + std::string(8000, 'x') + "\r\n";
  std::string wire;
  for (int i = 0; i < 200; ++i) wire += one;
  const auto all = parse_all(wire);
  ASSERT_EQ(all.size(), 200u);
  EXPECT_TRUE(all.back().has_value());
}

TEST(ReplyParserLimit, ByteBudgetIsPerMultiLineReply) {
  // Two multi-line replies of 0.6 MiB each: each is under the cap.
  std::string one = "211-start\r\n";
  while (one.size() < limits::max_reply_bytes * 6 / 10)
    one += " " + std::string(1000, 'x') + "\r\n";
  one += "211 End\r\n";
  const auto all = parse_all(one + one);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_TRUE(all[0].has_value());
  EXPECT_TRUE(all[1].has_value());
}

// --- format_reply -> reply_parser round trip -------------------------------------

TEST(ReplyRoundTrip, PreservesLinesThatNeedNoEscaping) {
  const reply r(211, {"Features:", " EPRT", " UTF8", "End"});
  EXPECT_EQ(parse_one(format_reply(r)), r);
}

TEST(ReplyRoundTrip, StatListingWithFileNamed226xStaysOneReply) {
  const reply r(
      213, {"Status follows:", "-rw-r--r-- 1 ftp ftp 0 Jan 02 15:04 a", "226 x", "End of status"});
  const reply back = parse_one(format_reply(r));
  EXPECT_THAT(back.lines, ElementsAre("Status follows:", r.lines[1], " 226 x", "End of status"));
}

TEST(ReplyRoundTrip, PreservesFFBytes) {
  const reply r(257, {"\"/\xff\xff"
                      "dir\" created",
                      "\xff", "x\xff"});
  EXPECT_EQ(parse_one(format_reply(r)), r);
}

TEST(ReplyRoundTrip, InjectedCrlfStaysInsideOneLine) {
  const reply back = parse_one(format_reply(reply(550, "a\r\n230 Logged in")));
  EXPECT_EQ(back, reply(550,
                        "a\0\0"
                        "230 Logged in"s));
}

}  // namespace
}  // namespace portico::protocol
