#include "protocol/listing.hpp"

#include <gtest/gtest.h>

#include <string>

namespace portico::protocol {
namespace {

constexpr std::int64_t now = 1'623'758'400;         // 2021-06-15 12:00:00 UTC
constexpr std::int64_t jan_2_2021 = 1'609'599'840;  // 2021-01-02 15:04:00 UTC
constexpr std::int64_t jan_2_2020 = 1'577'923'200;  // 2020-01-02 00:00:00 UTC
constexpr std::int64_t six_months = 15'778'476;

entry_info file_entry(std::string name, std::int64_t mtime = jan_2_2021) {
  entry_info e;
  e.name = std::move(name);
  e.type = entry_type::file;
  e.mode = 0100644;
  e.size = 1234;
  e.mtime = mtime;
  return e;
}

bool has_line_break(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

TEST(ListLine, MatchesVsftpdColumnsForARecentFile) {
  EXPECT_EQ(format_list_line(file_entry("notes.txt"), now),
            "-rw-r--r--    1 ftp      ftp          1234 Jan 02 15:04 notes.txt");
}

TEST(ListLine, ShowsTheYearForEntriesOlderThanSixMonths) {
  EXPECT_EQ(format_list_line(file_entry("old", jan_2_2020 + 3'600), now),
            "-rw-r--r--    1 ftp      ftp          1234 Jan 02  2020 old");
}

TEST(ListLine, SixMonthsIsHalfAGregorianYearLikeGnuLs) {
  EXPECT_NE(format_list_line(file_entry("f", now - six_months + 1), now).find(":"),
            std::string::npos);
  EXPECT_EQ(format_list_line(file_entry("f", now - six_months), now).find(":"), std::string::npos);
  EXPECT_NE(format_list_line(file_entry("f", now), now).find("12:00"), std::string::npos);
}

TEST(ListLine, FutureTimesShowTheYear) {
  EXPECT_EQ(format_list_line(file_entry("f", now + 60), now),
            "-rw-r--r--    1 ftp      ftp          1234 Jun 15  2021 f");
}

TEST(ListLine, DirectoryWithLinkCountOwnerAndWideSize) {
  entry_info e;
  e.name = "pub";
  e.type = entry_type::directory;
  e.mode = 040755;
  e.size = 4096;
  e.nlink = 12;
  e.owner = "1000";
  e.group = "users";
  e.mtime = jan_2_2021;
  EXPECT_EQ(format_list_line(e, now),
            "drwxr-xr-x   12 1000     users        4096 Jan 02 15:04 pub");
  e.size = 123'456'789'012;
  e.owner = "averylongowner";
  EXPECT_EQ(format_list_line(e, now),
            "drwxr-xr-x   12 averylongowner users    123456789012 Jan 02 15:04 pub");
}

TEST(ListLine, PermissionStringShowsSetuidSetgidAndSticky) {
  auto perms = [](entry_type type, std::uint32_t mode) {
    entry_info e = file_entry("x");
    e.type = type;
    e.mode = mode;
    return format_list_line(e, now).substr(0, 10);
  };
  EXPECT_EQ(perms(entry_type::file, 0104755), "-rwsr-xr-x");
  EXPECT_EQ(perms(entry_type::file, 0104644), "-rwSr--r--");
  EXPECT_EQ(perms(entry_type::file, 0102755), "-rwxr-sr-x");
  EXPECT_EQ(perms(entry_type::file, 0102745), "-rwxr-Sr-x");
  EXPECT_EQ(perms(entry_type::directory, 041777), "drwxrwxrwt");
  EXPECT_EQ(perms(entry_type::directory, 041776), "drwxrwxrwT");
  EXPECT_EQ(perms(entry_type::file, 0100000), "----------");
  EXPECT_EQ(perms(entry_type::file, 0107777), "-rwsrwsrwt");
}

TEST(ListLine, TypeLetterComesFromTheEntryTypeAndForSpecialFilesFromTheMode) {
  auto letter = [](entry_type type, std::uint32_t mode) {
    entry_info e = file_entry("x");
    e.type = type;
    e.mode = mode;
    return format_list_line(e, now).front();
  };
  EXPECT_EQ(letter(entry_type::file, 0644), '-');
  EXPECT_EQ(letter(entry_type::directory, 0755), 'd');
  EXPECT_EQ(letter(entry_type::symlink, 0777), 'l');
  EXPECT_EQ(letter(entry_type::other, 020666), 'c');
  EXPECT_EQ(letter(entry_type::other, 060660), 'b');
  EXPECT_EQ(letter(entry_type::other, 010644), 'p');
  EXPECT_EQ(letter(entry_type::other, 0140755), 's');
  EXPECT_EQ(letter(entry_type::other, 0644), '?');
}

TEST(ListLine, SymlinkShowsItsTarget) {
  entry_info e = file_entry("link");
  e.type = entry_type::symlink;
  e.mode = 0120777;
  e.size = 6;
  e.link_target = "target";
  EXPECT_EQ(format_list_line(e, now),
            "lrwxrwxrwx    1 ftp      ftp             6 Jan 02 15:04 link -> target");
}

TEST(ListLine, HostileNamesStayOnOneLine) {
  for (const std::string_view name : {"x\r\n226 fake", "y\n", "\r"}) {
    const std::string line = format_list_line(file_entry(std::string(name)), now);
    EXPECT_FALSE(has_line_break(line)) << line;
  }
  EXPECT_FALSE(has_line_break(format_list_line(file_entry(std::string("a\0b", 3)), now)));
  EXPECT_EQ(format_list_line(file_entry("x\r\n226 fake"), now),
            "-rw-r--r--    1 ftp      ftp          1234 Jan 02 15:04 x??226 fake");
  // A name that looks like a listing line is just a name.
  EXPECT_EQ(
      format_list_line(file_entry("-rw-r--r-- 1 a a 0 Jan 1 fake"), now),
      "-rw-r--r--    1 ftp      ftp          1234 Jan 02 15:04 -rw-r--r-- 1 a a 0 Jan 1 fake");
}

TEST(ListLine, HostileLinkTargetsAndOwnersStayOnOneLineAndInTheirColumn) {
  entry_info e = file_entry("l");
  e.type = entry_type::symlink;
  e.link_target = "t\r\n550 x";
  e.owner = "evil user\n";
  e.group = "";
  const std::string line = format_list_line(e, now);
  EXPECT_FALSE(has_line_break(line));
  EXPECT_EQ(line, "lrw-r--r--    1 evil_user_ ?            1234 Jan 02 15:04 l -> t??550 x");
}

TEST(SafeName, ReplacesOnlyCrLfAndNul) {
  EXPECT_EQ(safe_name(std::string_view("a\rb\nc\0d", 7)), "a?b?c?d");
  EXPECT_EQ(safe_name("caf\xc3\xa9 \t\x01"), "caf\xc3\xa9 \t\x01");
  EXPECT_EQ(safe_name(""), "");
}

TEST(MlsxLine, CarriesAllFactsInOrderThenOneSpaceAndTheName) {
  entry_info e = file_entry("report 2021.pdf");
  e.device = 0x803;
  e.inode = 0x1f;
  EXPECT_EQ(format_mlsx_line(e, all_facts, "adfrw"),
            "type=file;size=1234;modify=20210102150400;perm=adfrw;unique=803U1F;unix.mode=0644;"
            " report 2021.pdf");
}

TEST(MlsxLine, DirectoriesHaveNoSizeAndMayBeTheCurrentDirectory) {
  entry_info e = file_entry("sub");
  e.type = entry_type::directory;
  e.mode = 042755;
  EXPECT_EQ(format_mlsx_line(e, all_facts, "flcdmpe"),
            "type=dir;modify=20210102150400;perm=flcdmpe;unique=0U0;unix.mode=2755; sub");
  e.name = "/pub";
  EXPECT_EQ(format_mlsx_line(e, fact_type | fact_size, "", "cdir"), "type=cdir; /pub");
}

TEST(MlsxLine, SymlinksAndSpecialFilesUseOsUnixTypes) {
  entry_info e = file_entry("l");
  e.type = entry_type::symlink;
  EXPECT_EQ(format_mlsx_line(e, fact_type | fact_size, ""), "type=OS.unix=symlink; l");
  e.type = entry_type::other;
  e.mode = 020666;
  EXPECT_EQ(format_mlsx_line(e, fact_type | fact_size, ""), "type=OS.unix=chardev; l");
  e.mode = 060600;
  EXPECT_EQ(format_mlsx_line(e, fact_type, ""), "type=OS.unix=blockdev; l");
  e.mode = 010600;
  EXPECT_EQ(format_mlsx_line(e, fact_type, ""), "type=OS.unix=fifo; l");
  e.mode = 0140600;
  EXPECT_EQ(format_mlsx_line(e, fact_type, ""), "type=OS.unix=socket; l");
  e.mode = 0600;
  EXPECT_EQ(format_mlsx_line(e, fact_type, ""), "type=OS.unix=special; l");
}

TEST(MlsxLine, OnlySelectedFactsAppear) {
  const entry_info e = file_entry("f");
  EXPECT_EQ(format_mlsx_line(e, fact_size | fact_modify, "r"),
            "size=1234;modify=20210102150400; f");
  EXPECT_EQ(format_mlsx_line(e, 0, "r"), " f");
  EXPECT_EQ(format_mlsx_line(e, fact_perm, ""), "perm=; f");
}

TEST(MlsxLine, PermCannotMoveWhereTheNameStarts) {
  EXPECT_EQ(format_mlsx_line(file_entry("f"), fact_perm, "r; w=x\r\n"), "perm=rw; f");
}

TEST(MlsxLine, HostileNamesStayOnOneLine) {
  for (const char* name : {"x\r\n226 fake", "y\n", "type=dir; z"}) {
    const std::string line = format_mlsx_line(file_entry(name), all_facts, "r");
    EXPECT_FALSE(has_line_break(line)) << line;
  }
  EXPECT_EQ(format_mlsx_line(file_entry("x\r\n226 fake"), fact_type, ""), "type=file; x??226 fake");
}

TEST(MlstFeature, StarsMarkTheEnabledFacts) {
  EXPECT_EQ(format_mlst_feature(all_facts), "type*;size*;modify*;perm*;unique*;unix.mode*;");
  EXPECT_EQ(format_mlst_feature(fact_type | fact_modify),
            "type*;size;modify*;perm;unique;unix.mode;");
  EXPECT_EQ(format_mlst_feature(0), "type;size;modify;perm;unique;unix.mode;");
}

TEST(MlstOptions, NamesAreCaseInsensitiveAndUnknownOnesIgnored) {
  EXPECT_EQ(parse_mlst_options("type;size;"), fact_type | fact_size);
  EXPECT_EQ(parse_mlst_options("TYPE;Modify;UNIX.mode;"), fact_type | fact_modify | fact_unix_mode);
  EXPECT_EQ(parse_mlst_options("lang;media-type;unique"), fact_unique);
  EXPECT_EQ(parse_mlst_options(""), 0u);
  EXPECT_EQ(parse_mlst_options(";;;"), 0u);
  EXPECT_EQ(parse_mlst_options("type; perm ;"), fact_type | fact_perm);
  EXPECT_EQ(parse_mlst_options("typesize;"), 0u);
  EXPECT_EQ(parse_mlst_options("type;size;modify;perm;unique;unix.mode;"),
            static_cast<unsigned>(all_facts));
}

}  // namespace
}  // namespace portico::protocol
