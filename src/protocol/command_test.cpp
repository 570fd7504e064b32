#include "protocol/command.hpp"

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

command_line parsed(std::string_view line) {
  auto r = parse_command(line);
  EXPECT_TRUE(r.has_value()) << "line: " << line;
  return r.has_value() ? *r : command_line{};
}

std::error_code parse_error(std::string_view line) {
  auto r = parse_command(line);
  EXPECT_FALSE(r.has_value()) << "line: " << line;
  return r.has_value() ? std::error_code{} : r.error();
}

// One entry per result: the line, or "!" + the error message.
std::vector<std::string> drain(line_assembler& a) {
  std::vector<std::string> out;
  while (auto r = a.next_line()) {
    out.push_back(r->has_value() ? **r : "!" + r->error().message());
  }
  return out;
}

std::vector<std::string> assemble(std::string_view bytes, std::size_t chunk = 0) {
  line_assembler a;
  if (chunk == 0) {
    a.feed(bytes);
  } else {
    for (std::size_t i = 0; i < bytes.size(); i += chunk) a.feed(bytes.substr(i, chunk));
  }
  return drain(a);
}

const std::string too_long = "!" + make_error_code(errc::line_too_long).message();

// --- parse_command ----------------------------------------------------------

TEST(ParseCommand, SplitsVerbAndArgument) {
  EXPECT_EQ(parsed("USER anonymous"), (command_line{"USER", "anonymous"}));
}

TEST(ParseCommand, UpperCasesLowerAndMixedCaseVerbs) {
  EXPECT_EQ(parsed("user bob"), (command_line{"USER", "bob"}));
  EXPECT_EQ(parsed("rEtR File.TXT"), (command_line{"RETR", "File.TXT"}));
}

TEST(ParseCommand, VerbWithoutArgumentHasEmptyArgument) {
  EXPECT_EQ(parsed("NOOP"), (command_line{"NOOP", ""}));
}

TEST(ParseCommand, VerbWithOnlySeparatorSpaceHasEmptyArgument) {
  EXPECT_EQ(parsed("CWD "), (command_line{"CWD", ""}));
}

TEST(ParseCommand, OnlyOneSeparatorSpaceIsRemovedSoLeadingSpacesInNamesSurvive) {
  EXPECT_EQ(parsed("RETR  two spaces"), (command_line{"RETR", " two spaces"}));
}

TEST(ParseCommand, TrailingAndInnerSpacesOfFileNamesAreKept) {
  EXPECT_EQ(parsed("STOR name with  spaces "), (command_line{"STOR", "name with  spaces "}));
  EXPECT_EQ(parsed("PASS  secret "), (command_line{"PASS", " secret "}));
}

TEST(ParseCommand, Utf8FileNamesAreKeptByteExact) {
  const std::string name =
      "Gr\xc3\xbc\xc3\x9f"
      "e/\xe6\x97\xa5\xe6\x9c\xac.txt";
  EXPECT_EQ(parsed("STOR " + name).argument, name);
}

TEST(ParseCommand, ByteFFInArgumentIsKept) {
  EXPECT_EQ(parsed("RETR a\xff"
                   "b")
                .argument,
            "a\xff"
            "b");
}

TEST(ParseCommand, AcceptsXVerbsOfOldWindowsClients) {
  EXPECT_EQ(parsed("XPWD").verb, "XPWD");
  EXPECT_EQ(parsed("xmkd dir").verb, "XMKD");
}

TEST(ParseCommand, SiteSubcommandStaysInTheArgument) {
  EXPECT_EQ(parsed("SITE CHMOD 755 file"), (command_line{"SITE", "CHMOD 755 file"}));
}

TEST(ParseCommand, AcceptsVerbOfMaxLengthSixteen) {
  const std::string verb(limits::max_verb_length, 'A');
  EXPECT_EQ(parsed(verb + " x"), (command_line{verb, "x"}));
}

TEST(ParseCommand, RejectsVerbOfSeventeenLetters) {
  EXPECT_EQ(parse_error(std::string(limits::max_verb_length + 1, 'A')), errc::bad_verb);
  EXPECT_EQ(parse_error(std::string(limits::max_verb_length + 1, 'a') + " arg"), errc::bad_verb);
}

TEST(ParseCommand, RejectsDigitsInVerb) {
  EXPECT_EQ(parse_error("X99"), errc::bad_verb);
  EXPECT_EQ(parse_error("99"), errc::bad_verb);
  EXPECT_EQ(parse_error("RE7R file"), errc::bad_verb);
}

TEST(ParseCommand, RejectsLeadingSpaceBeforeVerb) {
  EXPECT_EQ(parse_error(" NOOP"), errc::bad_verb);
}

TEST(ParseCommand, RejectsTabOrOtherSeparatorAfterVerb) {
  EXPECT_EQ(parse_error("USER\tbob"), errc::bad_verb);
  EXPECT_EQ(parse_error("USER:bob"), errc::bad_verb);
}

TEST(ParseCommand, RejectsNonAsciiVerb) {
  EXPECT_EQ(parse_error("\xc3\x9cSER bob"), errc::bad_verb);
  EXPECT_EQ(parse_error("\xff\xf4"
                        "ABOR"),
            errc::bad_verb);
}

TEST(ParseCommand, RejectsEmptyAndBlankLines) {
  EXPECT_EQ(parse_error(""), errc::empty_line);
  EXPECT_EQ(parse_error("   "), errc::empty_line);
  EXPECT_EQ(parse_error(" \t "), errc::empty_line);
}

TEST(ParseCommand, RejectsNulAnywhereSoNamesCannotBeTruncated) {
  EXPECT_EQ(parse_error("RETR a\0b"s), errc::nul_in_line);
  EXPECT_EQ(parse_error("RETR\0"s), errc::nul_in_line);
  EXPECT_EQ(parse_error("\0NOOP"s), errc::nul_in_line);
  EXPECT_EQ(parse_error("\0"s), errc::nul_in_line);
}

TEST(ParseCommand, RejectsCrAnywhere) {
  EXPECT_EQ(parse_error("RETR a\rb"), errc::bare_cr_in_line);
  EXPECT_EQ(parse_error("NOOP\r"), errc::bare_cr_in_line);
  EXPECT_EQ(parse_error("\r"), errc::bare_cr_in_line);
}

// --- line_assembler: framing -----------------------------------------------

TEST(LineAssembler, SplitsCrlfTerminatedLines) {
  EXPECT_THAT(assemble("USER anonymous\r\nPASS x\r\n"), ElementsAre("USER anonymous", "PASS x"));
}

TEST(LineAssembler, AcceptsBareLfBecauseNotAllClientsSendCr) {
  EXPECT_THAT(assemble("USER bob\nPASS x\r\nNOOP\n"), ElementsAre("USER bob", "PASS x", "NOOP"));
}

TEST(LineAssembler, HoldsAnUnfinishedLineUntilItsLf) {
  line_assembler a;
  a.feed("NOOP\r");
  EXPECT_FALSE(a.next_line().has_value());
  EXPECT_EQ(a.pending(), 5u);
  a.feed("\nQU");
  EXPECT_THAT(drain(a), ElementsAre("NOOP"));
  EXPECT_EQ(a.pending(), 2u);
}

TEST(LineAssembler, SameLinesWhenFedOneByteAtATime) {
  const std::string wire =
      "USER a\r\nPASS \xff\xff\r\n\xff\xfb\x01NOOP\n\xff\xf4\xff\xf2"
      "ABOR\r\n";
  const auto whole = assemble(wire);
  EXPECT_THAT(whole, ElementsAre("USER a", "PASS \xff", "NOOP", "ABOR"));
  EXPECT_EQ(assemble(wire, 1), whole);
  EXPECT_EQ(assemble(wire, 3), whole);
}

TEST(LineAssembler, StripsOnlyTheCrBeforeLfSoOtherCrsReachTheParser) {
  const auto lines = assemble("NOOP\r\r\nRETR a\rb\r\n");
  ASSERT_THAT(lines, ElementsAre("NOOP\r", "RETR a\rb"));
  EXPECT_EQ(parse_command(lines[0]).error(), errc::bare_cr_in_line);
  EXPECT_EQ(parse_command(lines[1]).error(), errc::bare_cr_in_line);
}

TEST(LineAssembler, EmptyLineIsDeliveredForTheParserToReject) {
  EXPECT_THAT(assemble("\r\n\n"), ElementsAre("", ""));
}

TEST(LineAssembler, KeepsNulForTheParserToReject) {
  const auto lines = assemble("RETR a\0b\r\n"s);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(parse_command(lines[0]).error(), errc::nul_in_line);
}

// --- line_assembler: Telnet --------------------------------------------------

TEST(LineAssemblerTelnet, IacIacIsALiteralFF) {
  EXPECT_THAT(assemble("RETR a\xff\xff"
                       "b\r\n"),
              ElementsAre("RETR a\xff"
                          "b"));
}

TEST(LineAssemblerTelnet, FileNameWithFFSentAsIacIacRoundTripsToParser) {
  // ProFTPD Bug 3697.
  const auto lines = assemble(
      "STOR \xff\xff"
      "file\xff\xff\r\n",
      1);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(parsed(lines[0]), (command_line{"STOR",
                                            "\xff"
                                            "file\xff"}));
}

TEST(LineAssemblerTelnet, DropsOptionNegotiation) {
  // WILL, WONT, DO, DONT, each with an option byte that would otherwise be
  // data (even LF).
  EXPECT_THAT(assemble("NO\xff\xfb\x01OP\xff\xfc\x03\xff\xfd\n\xff\xfe\xff\r\n"),
              ElementsAre("NOOP"));
}

TEST(LineAssemblerTelnet, DropsSubnegotiationIncludingLfAndEscapedIacInside) {
  EXPECT_THAT(assemble("NO\xff\xfa\x18\x01"
                       "ab\nc\xff\xff"
                       "d\xff\xf0OP\r\n"),
              ElementsAre("NOOP"));
}

TEST(LineAssemblerTelnet, DropsSingleByteCommands) {
  // NOP 241, DM 242, BRK 243, IP 244, AO 245, AYT 246, EC 247, EL 248,
  // GA 249, and SE 240 outside a subnegotiation.
  EXPECT_THAT(assemble("N\xff\xf1O\xff\xf2\xff\xf3O\xff\xf4\xff\xf5P\xff\xf6\xff\xf7\xff\xf8"
                       "\xff\xf9\xff\xf0\r\n"),
              ElementsAre("NOOP"));
}

TEST(LineAssemblerTelnet, InlineIpDmAborYieldsAbor) {
  // vsftpd accepts this form: what RFC 959 asks clients to send before ABOR.
  EXPECT_THAT(assemble("\xff\xf4\xff\xf2"
                       "ABOR\r\n"),
              ElementsAre("ABOR"));
}

TEST(LineAssemblerTelnet, AborStillParsesWhenDmWasTakenOutOfBand) {
  EXPECT_THAT(assemble("\xff\xf4\xff"
                       "ABOR\r\n"),
              ElementsAre("ABOR"));
}

TEST(LineAssemblerTelnet, IacBeforeANonCommandByteDropsOnlyTheIac) {
  EXPECT_THAT(assemble("NO\xffOP\r\n"), ElementsAre("NOOP"));
  EXPECT_THAT(assemble("NOOP\xff\r\n"), ElementsAre("NOOP"));
}

TEST(LineAssemblerTelnet, SequencesSplitAcrossFeedsAreHandled) {
  line_assembler a;
  for (const std::string_view part : {"AB\xff", "\xf4", "OR\xff", "\xfd", "\x01\xff", "\xfa",
                                      "xx\xff", "\xf0\xff", "\xff\r", "\n"}) {
    a.feed(part);
  }
  EXPECT_THAT(drain(a), ElementsAre("ABOR\xff"));
}

// --- line_assembler: length limit ------------------------------------------

// A line of N bytes plus "\r\n" is accepted iff N + 2 <= 4096.
TEST(LineAssemblerLimit, Accepts4095WireBytesWithCrlf) {
  const std::string body(limits::max_command_line - 3, 'a');
  EXPECT_THAT(assemble(body + "\r\n"), ElementsAre(body));
}

TEST(LineAssemblerLimit, Accepts4096WireBytesWithCrlfExactlyTheLimit) {
  const std::string body = "STOR " + std::string(limits::max_command_line - 7, 'a');
  ASSERT_EQ(body.size() + 2, 4096u);
  EXPECT_THAT(assemble(body + "\r\n"), ElementsAre(body));
  EXPECT_THAT(assemble(body + "\r\n", 1), ElementsAre(body));
}

TEST(LineAssemblerLimit, Rejects4097WireBytesWithCrlfOnce) {
  const std::string body(limits::max_command_line - 1, 'a');
  EXPECT_THAT(assemble(body + "\r\n"), ElementsAre(too_long));
}

TEST(LineAssemblerLimit, BareLfLineCountsItsOneTerminatorByte) {
  const std::string body(limits::max_command_line - 1, 'a');  // 4095 + LF = 4096
  EXPECT_THAT(assemble(body + "\n"), ElementsAre(body));
  EXPECT_THAT(assemble(body + "a\n"), ElementsAre(too_long));
}

TEST(LineAssemblerLimit, ReportsTooLongBeforeAnyLfArrives) {
  line_assembler a;
  a.feed(std::string(limits::max_command_line - 1, 'a'));
  EXPECT_FALSE(a.next_line().has_value());
  a.feed("a");
  EXPECT_THAT(drain(a), ElementsAre(too_long));
  EXPECT_EQ(a.pending(), 0u);
}

TEST(LineAssemblerLimit, OneMegabyteWithoutLfGivesOneErrorAndBoundedMemory) {
  line_assembler a;
  const std::string chunk(64 * 1024, 'x');
  for (int i = 0; i < 16; ++i) {
    a.feed(chunk);
    EXPECT_LT(a.pending(), limits::max_command_line);
  }
  EXPECT_THAT(drain(a), ElementsAre(too_long));
}

TEST(LineAssemblerLimit, RestOfTheLongLineIsDiscardedThroughItsLf) {
  // The tail must never be read as a command ("...\r\nDELE x" smuggled past).
  const std::string wire = std::string(5000, 'a') + "DELE x\r\nNOOP\r\n";
  EXPECT_THAT(assemble(wire), ElementsAre(too_long, "NOOP"));
  EXPECT_THAT(assemble(wire, 7), ElementsAre(too_long, "NOOP"));
}

TEST(LineAssemblerLimit, IacIacCountsAsOneByte) {
  // 2047 doubled 0xFF decode to 2047 bytes: well inside the limit.
  std::string wire = "STOR ";
  for (int i = 0; i < 2047; ++i) wire += "\xff\xff";
  const auto lines = assemble(wire + "\r\n");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], "STOR " + std::string(2047, '\xff'));
}

// --- line_assembler: payloads of threats.md §5 item 4 ------------------------

TEST(LineAssemblerPayloads, ProftpdBug3521IacInUserLine) {
  const std::string wire = "USER " + std::string(1013, 'A') + "\xff" + std::string(64, 'Z');
  const auto lines = assemble(wire + "\r\n");
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(parsed(lines[0]),
            (command_line{"USER", std::string(1013, 'A') + std::string(64, 'Z')}));
}

TEST(LineAssemblerPayloads, EightKilobytesOfIacIacIsOneTooLongLineThenSessionGoesOn) {
  std::string wire;
  for (int i = 0; i < 4096; ++i) wire += "\xff\xff";
  EXPECT_THAT(assemble(wire + "\r\nNOOP\r\n"), ElementsAre(too_long, "NOOP"));
  EXPECT_THAT(assemble(wire + "\r\nNOOP\r\n", 1), ElementsAre(too_long, "NOOP"));
}

TEST(LineAssemblerPayloads, NmapCve20104221PayloadIsOneTooLongLine) {
  std::string wire;
  for (int i = 0; i < 4069; ++i) wire += "\x00\xff"s;
  wire += "\xff";
  for (int i = 0; i < 256; ++i) wire += "Nmap";
  line_assembler a;
  a.feed(wire);
  EXPECT_THAT(drain(a), ElementsAre(too_long));
  EXPECT_LT(a.pending(), limits::max_command_line);
  a.feed("\r\nQUIT\r\n");
  EXPECT_THAT(drain(a), ElementsAre("QUIT"));
}

}  // namespace
}  // namespace portico::protocol
