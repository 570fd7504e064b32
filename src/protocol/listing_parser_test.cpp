#include "protocol/listing_parser.hpp"

#include <gtest/gtest.h>

#include <string>

#include "protocol/error.hpp"
#include "protocol/limits.hpp"
#include "protocol/timestamp.hpp"

namespace portico::protocol {
namespace {

constexpr std::int64_t now = 1'623'758'400;         // 2021-06-15 12:00:00 UTC
constexpr std::int64_t jan_2_2021 = 1'609'599'840;  // 2021-01-02 15:04:00 UTC
constexpr std::int64_t jan_2_2020 = 1'577'923'200;  // 2020-01-02 00:00:00 UTC

std::int64_t at(int y, unsigned mo, unsigned d, unsigned h = 0, unsigned mi = 0) {
  return from_civil({y, mo, d, h, mi, 0});
}

remote_entry unix_ok(std::string_view line, std::int64_t when = now) {
  const auto r = parse_unix_list_line(line, when);
  EXPECT_TRUE(r) << line << ": " << r.error().message();
  return r ? *r : remote_entry{};
}

// --- Unix LIST lines as real servers send them --------------------------------

TEST(UnixList, Vsftpd303NumericIdsAndNameWithDoubleSpaces) {
  const remote_entry e =
      unix_ok("-rw-r--r--    1 1000     1000         1234 Jan 02 15:04 file name with  spaces");
  EXPECT_EQ(e.name, "file name with  spaces");
  EXPECT_EQ(e.type, entry_type::file);
  EXPECT_EQ(e.size, 1234u);
  EXPECT_EQ(e.mtime, jan_2_2021);
  EXPECT_EQ(e.permissions, 0644u);
}

TEST(UnixList, Vsftpd303OldDirectoryWithYear) {
  const remote_entry e = unix_ok("drwxr-xr-x    2 ftp      ftp          4096 Jan 02  2020 pub");
  EXPECT_EQ(e.name, "pub");
  EXPECT_EQ(e.type, entry_type::directory);
  EXPECT_EQ(e.size, 4096u);
  EXPECT_EQ(e.mtime, jan_2_2020);
  EXPECT_EQ(e.permissions, 0755u);
}

TEST(UnixList, Proftpd138SpacePaddedDay) {
  const remote_entry e = unix_ok("-rw-r--r--   1 ftp      ftp          1234 Jan  2 15:04 name");
  EXPECT_EQ(e.name, "name");
  EXPECT_EQ(e.mtime, jan_2_2021);
  EXPECT_EQ(unix_ok("drwxr-xr-x   3 ftp      ftp          4096 Jan  2  2020 d").mtime, jan_2_2020);
}

TEST(UnixList, PureFtpd1050WideOwnerColumns) {
  const remote_entry e =
      unix_ok("-rw-r--r--    1 1000       1000             1234 Jan  2 15:04 name");
  EXPECT_EQ(e.name, "name");
  EXPECT_EQ(e.size, 1234u);
  EXPECT_EQ(e.mtime, jan_2_2021);
}

TEST(UnixList, Pyftpdlib157LeadingSpaceInNameIsKept) {
  const remote_entry e = unix_ok("-rw-r--r--   1 root     root            0 Jun 01 20:35  leading");
  EXPECT_EQ(e.name, " leading");
  EXPECT_EQ(e.size, 0u);
}

TEST(UnixList, SymlinkSplitsAtTheFirstArrow) {
  const remote_entry e =
      unix_ok("lrwxrwxrwx    1 0        0               7 Jan 02 15:04 bin -> usr/bin");
  EXPECT_EQ(e.type, entry_type::symlink);
  EXPECT_EQ(e.name, "bin");
  EXPECT_EQ(e.link_target, "usr/bin");
  const remote_entry two = unix_ok("lrwxrwxrwx 1 u g 4 Jan 02 15:04 a -> b -> c");
  EXPECT_EQ(two.name, "a");
  EXPECT_EQ(two.link_target, "b -> c");
  // Only links are split: a file may hold an arrow in its name.
  EXPECT_EQ(unix_ok("-rw-r--r-- 1 u g 4 Jan 02 15:04 a -> b").name, "a -> b");
}

TEST(UnixList, DevicesHaveNoSize) {
  for (const char* line : {"crw-rw-rw- 1 root root 1, 3 Jan 02 15:04 null",
                           "crw-rw-rw-    1 0        0          1,   3 Jan 02 15:04 null",
                           "brw-rw---- 1 root disk 8,0 Jan 02 15:04 null"}) {
    const remote_entry e = unix_ok(line);
    EXPECT_EQ(e.type, entry_type::other) << line;
    EXPECT_EQ(e.size, std::nullopt) << line;
    EXPECT_EQ(e.name, "null") << line;
    EXPECT_EQ(e.mtime, jan_2_2021) << line;
  }
}

TEST(UnixList, MissingGroupAndLinkCountColumns) {
  const remote_entry e = unix_ok("-rw-r--r-- 1 owner 1234 Jan 02 15:04 f");
  EXPECT_EQ(e.size, 1234u);
  EXPECT_EQ(e.name, "f");
  const remote_entry d = unix_ok("drwxr-xr-x folder 0 Jan 02 15:04 name");
  EXPECT_EQ(d.type, entry_type::directory);
  EXPECT_EQ(d.size, 0u);
  EXPECT_EQ(d.name, "name");
}

TEST(UnixList, AclXattrAndSelinuxMarkersAreAccepted) {
  for (const char* line : {"-rw-rw-r--+ 1 user group 1234 Jan  2 15:04 f",
                           "-rw-r--r--@ 1 user staff 1234 Jan  2 15:04 f",
                           "-rw-r--r--. 1 root root 1234 Jan  2 15:04 f"}) {
    const remote_entry e = unix_ok(line);
    EXPECT_EQ(e.name, "f") << line;
    EXPECT_EQ(e.size, 1234u) << line;
  }
  EXPECT_FALSE(parse_unix_list_line("-rw-r--r--* 1 u g 1 Jan 02 15:04 f", now));
}

TEST(UnixList, OwnersThatLookLikeDatesOrNumbersDoNotShiftColumns) {
  const remote_entry e = unix_ok("-rw-r--r-- 1 Jan Jan 5 Jan 02 15:04 f");
  EXPECT_EQ(e.size, 5u);
  EXPECT_EQ(e.mtime, jan_2_2021);
  EXPECT_EQ(unix_ok("-rw-r--r-- 1 Jan 2 2020 Jan 02 15:04 f").size, 2020u);
}

TEST(UnixList, NamesThatLookLikeListingLinesAreKeptWhole) {
  const remote_entry e = unix_ok("-rw-r--r-- 1 u g 0 Jan 02 15:04 -rw-r--r-- 1 a a 0 Jan 1 fake");
  EXPECT_EQ(e.name, "-rw-r--r-- 1 a a 0 Jan 1 fake");
  EXPECT_EQ(unix_ok("-rw-r--r-- 1 u g 0 Jan 02  2020 Feb 03 10:00 x").name, "Feb 03 10:00 x");
}

TEST(UnixList, SpecialPermissionLettersGiveTheExecuteBit) {
  EXPECT_EQ(unix_ok("-rwsr-xr-x 1 u g 0 Jan 02 15:04 f").permissions, 0755u);
  EXPECT_EQ(unix_ok("-rwSr-Sr-T 1 u g 0 Jan 02 15:04 f").permissions, 0644u);
  EXPECT_EQ(unix_ok("drwxrwxrwt 1 u g 0 Jan 02 15:04 f").permissions, 0777u);
  EXPECT_EQ(unix_ok("prw------- 1 u g 0 Jan 02 15:04 f").type, entry_type::other);
  EXPECT_EQ(unix_ok("srwxr-xr-x 1 u g 0 Jan 02 15:04 f").type, entry_type::other);
}

TEST(UnixList, LongIsoDatesAreAccepted) {
  const remote_entry e = unix_ok("-rw-r--r-- 1 u g 1234 2021-01-02 15:04 name");
  EXPECT_EQ(e.mtime, jan_2_2021);
  EXPECT_EQ(e.name, "name");
}

TEST(UnixList, YearlessDatesFallInTheYearBeforeNowOrJustAfter) {
  // Up to a day ahead is this year (server clocks and zones differ).
  EXPECT_EQ(unix_ok("-rw-r--r-- 1 u g 0 Jun 16 06:00 f").mtime, at(2021, 6, 16, 6));
  EXPECT_EQ(unix_ok("-rw-r--r-- 1 u g 0 Jun 17 12:00 f").mtime, at(2020, 6, 17, 12));
  EXPECT_EQ(unix_ok("-rw-r--r-- 1 u g 0 Dec 31 23:00 f").mtime, at(2020, 12, 31, 23));
  // Just after midnight of New Year on a server ahead of us.
  const std::int64_t new_years_eve = at(2021, 12, 31, 23);
  EXPECT_EQ(unix_ok("-rw-r--r-- 1 u g 0 Jan 01 00:30 f", new_years_eve).mtime,
            at(2022, 1, 1, 0, 30));
}

TEST(UnixList, February29IsPutInALeapYear) {
  EXPECT_EQ(unix_ok("-rw-r--r-- 1 u g 0 Feb 29 10:00 f", at(2021, 3, 1)).mtime,
            at(2020, 2, 29, 10));
  EXPECT_EQ(unix_ok("-rw-r--r-- 1 u g 0 Feb 29 10:00 f", at(2024, 3, 1)).mtime,
            at(2024, 2, 29, 10));
  EXPECT_FALSE(parse_unix_list_line("-rw-r--r-- 1 u g 0 Feb 29 10:00 f", at(2022, 6, 1)));
  EXPECT_FALSE(parse_unix_list_line("-rw-r--r-- 1 u g 0 Feb 29  2021 f", now));
}

TEST(UnixList, MalformedLinesAreErrors) {
  for (const char* line :
       {"total 12", "", "   ", "-rw-r--r-- 1 u g 0 Jan 02 15:04",
        "-rw-r--r-- 1 u g 0 Jan 02 15:04 ", "-rw-r--r-- 1 u g x Jan 02 15:04 f",
        "-rw-r--r-- 1 u g 0 Foo 02 15:04 f", "-rw-r--r-- 1 u g 0 Jan 32 15:04 f",
        "-rw-r--r-- 1 u g 0 Jan 02 25:04 f", "-rw-r--r-- 1 u g 0 Jan 02 15:60 f",
        "-rw-r--r-- 1 u g 0 Jan 02 215:04 f", "-rw-r--r-- 1 u g 0 Jan 02 20201 f",
        "xrw-r--r-- 1 u g 0 Jan 02 15:04 f", "-rw-r--r-x- 1 u g 0 Jan 02 15:04 f",
        "-rwxrwxrwq 1 u g 0 Jan 02 15:04 f", "-rw-r--r-- 1 u g 0 Jan 02 15:04f",
        "-rw-r--r-- 1 u g 99999999999999999999 Jan 02 15:04 f",
        "01-15-21  03:45PM       <DIR>          name"}) {
    const auto r = parse_unix_list_line(line, now);
    ASSERT_FALSE(r) << line;
    EXPECT_EQ(r.error(), errc::bad_listing_line) << line;
  }
}

TEST(UnixList, CrLfNulAndOverlongLinesAreRejected) {
  EXPECT_FALSE(parse_unix_list_line("-rw-r--r-- 1 u g 0 Jan 02 15:04 a\r", now));
  EXPECT_FALSE(parse_unix_list_line("-rw-r--r-- 1 u g 0 Jan 02 15:04 a\nb", now));
  EXPECT_FALSE(
      parse_unix_list_line(std::string_view("-rw-r--r-- 1 u g 0 Jan 02 15:04 a\0b", 35), now));
  const std::string head = "-rw-r--r-- 1 u g 0 Jan 02 15:04 ";
  const std::string fits = head + std::string(limits::max_listing_line - head.size(), 'n');
  EXPECT_TRUE(parse_unix_list_line(fits, now));
  EXPECT_EQ(parse_unix_list_line(fits + "n", now).error(), errc::bad_listing_line);
}

// --- DOS / IIS ----------------------------------------------------------------

TEST(DosList, IisDirectoryAndFileLines) {
  const auto dir = parse_dos_list_line("01-15-21  03:45PM       <DIR>          name");
  ASSERT_TRUE(dir);
  EXPECT_EQ(dir->type, entry_type::directory);
  EXPECT_EQ(dir->name, "name");
  EXPECT_EQ(dir->size, std::nullopt);
  EXPECT_EQ(dir->mtime, at(2021, 1, 15, 15, 45));
  const auto file = parse_dos_list_line("01-15-21  11:05AM                 1234 file name.txt");
  ASSERT_TRUE(file);
  EXPECT_EQ(file->type, entry_type::file);
  EXPECT_EQ(file->size, 1234u);
  EXPECT_EQ(file->name, "file name.txt");
  EXPECT_EQ(file->mtime, at(2021, 1, 15, 11, 5));
}

TEST(DosList, FourDigitYearsAnd24HourClock) {
  const auto e = parse_dos_list_line("01-15-2021  15:45                 1234 x");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->mtime, at(2021, 1, 15, 15, 45));
  EXPECT_EQ(parse_dos_list_line("01/15/2021 03:45 PM 1,234 y")->size, 1234u);
  EXPECT_EQ(parse_dos_list_line("01/15/2021 03:45 PM 1,234 y")->mtime, at(2021, 1, 15, 15, 45));
}

TEST(DosList, TwoDigitYearsPivotAt70AndNoonMidnightAreRight) {
  EXPECT_EQ(parse_dos_list_line("12-31-69  12:00AM  1 y")->mtime, at(2069, 12, 31, 0));
  EXPECT_EQ(parse_dos_list_line("01-01-70  12:00PM  1 y")->mtime, 43'200);
  EXPECT_EQ(parse_dos_list_line("01-15-99  11:05PM  1 y")->mtime, at(1999, 1, 15, 23, 5));
}

TEST(DosList, MalformedLinesAreErrors) {
  for (const char* line :
       {"13-01-21  03:45PM  <DIR> n", "02-30-21  03:45PM  <DIR> n", "01-15-21  13:45PM  <DIR> n",
        "01-15-21  00:45AM  <DIR> n", "01-15-21  03:45PM  <DIR>", "01-15-21  03:45PM  <DIR>   ",
        "01-15-21  03:45PM  12a4 n", "01-15-21  03:45PM  ,12 n", "01-15/21  03:45PM  1 n",
        "1-15-21  03:45PM  1 n", "01-15-21", "", "01-15-21  24:00  1 n",
        "-rw-r--r-- 1 u g 0 Jan 02 15:04 f"}) {
    EXPECT_FALSE(parse_dos_list_line(line)) << line;
  }
}

TEST(ListLine, TriesUnixThenDos) {
  EXPECT_EQ(parse_list_line("-rw-r--r-- 1 u g 7 Jan 02 15:04 f", now)->size, 7u);
  EXPECT_EQ(parse_list_line("01-15-21  03:45PM       <DIR>          d", now)->type,
            entry_type::directory);
  EXPECT_EQ(parse_list_line("total 12", now).error(), errc::bad_listing_line);
  EXPECT_EQ(parse_list_line("01-15-21 garbage", now).error(), errc::bad_listing_line);
}

// --- MLSx ---------------------------------------------------------------------

TEST(Mlsx, Proftpd138FileLine) {
  const auto e = parse_mlsx_line(
      "modify=20210102150400;perm=adfrw;size=1234;type=file;unique=803U1F;UNIX.group=1000;"
      "UNIX.groupname=user;UNIX.mode=0644;UNIX.owner=1000;UNIX.ownername=user; notes.txt");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->name, "notes.txt");
  EXPECT_EQ(e->type, entry_type::file);
  EXPECT_EQ(e->size, 1234u);
  EXPECT_EQ(e->mtime, jan_2_2021);
  EXPECT_EQ(e->permissions, 0644u);
  EXPECT_EQ(e->unique, "803U1F");
}

TEST(Mlsx, DirectoryKindsAndSymlinks) {
  EXPECT_EQ(parse_mlsx_line("type=cdir;perm=flcdmpe; .")->type, entry_type::directory);
  EXPECT_EQ(parse_mlsx_line("type=cdir;perm=flcdmpe; .")->name, ".");
  EXPECT_EQ(parse_mlsx_line("type=pdir; ..")->type, entry_type::directory);
  EXPECT_EQ(parse_mlsx_line("Type=DIR; d")->type, entry_type::directory);
  EXPECT_EQ(parse_mlsx_line("type=OS.unix=symlink;size=7; l")->type, entry_type::symlink);
  const auto slink = parse_mlsx_line("type=OS.unix=slink:/foo/bar; l");
  ASSERT_TRUE(slink);
  EXPECT_EQ(slink->type, entry_type::symlink);
  EXPECT_EQ(slink->link_target, "/foo/bar");
  EXPECT_EQ(parse_mlsx_line("type=OS.unix=chardev; null")->type, entry_type::other);
}

TEST(Mlsx, PureFtpdPyftpdlibAndRfcExampleLines) {
  const auto pure = parse_mlsx_line(
      "type=file;size=1234;modify=20210102150400;UNIX.mode=0644;UNIX.uid=1000;UNIX.gid=1000;"
      "unique=803g1f; notes.txt");
  ASSERT_TRUE(pure);
  EXPECT_EQ(pure->unique, "803g1f");
  const auto py = parse_mlsx_line(
      "modify=20200102100000;perm=r;size=5;type=file;unique=fe00ga72273; file name with  spaces");
  ASSERT_TRUE(py);
  EXPECT_EQ(py->name, "file name with  spaces");
  EXPECT_EQ(py->mtime, at(2020, 1, 2, 10));
  const auto rfc = parse_mlsx_line("Type=file;Size=1024990;Perm=r; /tmp/cap60.pl198.tar.gz");
  ASSERT_TRUE(rfc);
  EXPECT_EQ(rfc->size, 1024990u);
  EXPECT_EQ(rfc->name, "/tmp/cap60.pl198.tar.gz");
  EXPECT_EQ(parse_mlsx_line("type=file;modify=20210102150400.123; f")->mtime, jan_2_2021);
  EXPECT_EQ(parse_mlsx_line("type=dir;sizd=4096; d")->size, 4096u);
}

TEST(Mlsx, NameIsEverythingAfterTheFirstSpaceByteForByte) {
  EXPECT_EQ(parse_mlsx_line("type=file;  two spaces ")->name, " two spaces ");
  EXPECT_EQ(parse_mlsx_line("type=file; a; type=dir; b")->name, "a; type=dir; b");
  EXPECT_EQ(parse_mlsx_line(" no facts")->name, "no facts");
  EXPECT_EQ(parse_mlsx_line(" no facts")->type, entry_type::file);
  EXPECT_EQ(parse_mlsx_line("type=file; caf\xc3\xa9")->name, "caf\xc3\xa9");
}

TEST(Mlsx, UnixModeKeepsOnlyPermissionBits) {
  EXPECT_EQ(parse_mlsx_line("unix.mode=0100644; f")->permissions, 0644u);
  EXPECT_EQ(parse_mlsx_line("unix.mode=4755; f")->permissions, 0755u);
  EXPECT_EQ(parse_mlsx_line("unix.mode=7; f")->permissions, 07u);
}

TEST(Mlsx, MalformedFactsAreErrors) {
  const struct {
    const char* line;
    errc expected;
  } cases[] = {
      {"type=file;", errc::bad_facts},
      {"type=file; ", errc::bad_facts},
      {"type=file;size=12 name", errc::bad_facts},
      {"noequals; x", errc::bad_facts},
      {"=x; n", errc::bad_facts},
      {"type=file;;size=1; n", errc::bad_facts},
      {"type=; n", errc::bad_facts},
      {"", errc::bad_facts},
      {"type=file;size=abc; x", errc::bad_number},
      {"type=file;size=-1; x", errc::bad_number},
      {"type=file;size=18446744073709551616; x", errc::bad_number},
      {"unix.mode=0999; x", errc::bad_number},
      {"unix.mode=01000000; x", errc::bad_number},
      {"type=file;modify=2021; x", errc::bad_timestamp},
      {"type=file;modify=20210230000000; x", errc::bad_timestamp},
      {"type=file; x\r", errc::bad_listing_line},
  };
  for (const auto& c : cases) {
    const auto r = parse_mlsx_line(c.line);
    ASSERT_FALSE(r) << c.line;
    EXPECT_EQ(r.error(), c.expected) << c.line;
  }
  EXPECT_EQ(parse_mlsx_line("size=18446744073709551615; x")->size, 18446744073709551615u);
  const std::string overlong = "type=file; " + std::string(limits::max_listing_line, 'n');
  EXPECT_EQ(parse_mlsx_line(overlong).error(), errc::bad_listing_line);
}

// --- Round trips through portico's own formatter ----------------------------------

entry_info sample(entry_type type, std::string name, std::int64_t mtime) {
  entry_info e;
  e.type = type;
  e.name = std::move(name);
  e.mode = (type == entry_type::directory ? 040000u : 0100000u) | 0754u;
  e.size = type == entry_type::directory ? 4096 : 98'765;
  e.mtime = mtime;
  e.device = 0x803;
  e.inode = 0x1f;
  return e;
}

TEST(RoundTrip, ListLinesParseBackToWhatWasListed) {
  // Every ~11 days over two years around now: recent entries come back to the
  // minute, older and future ones to the day.
  for (std::int64_t t = now - 400 * 86'400; t <= now + 40 * 86'400; t += 11 * 86'400 + 4'321) {
    for (const entry_type type : {entry_type::file, entry_type::directory}) {
      const entry_info e = sample(type, " odd  name -> x ", t);
      const std::string line = format_list_line(e, now);
      const auto r = parse_unix_list_line(line, now);
      ASSERT_TRUE(r) << line;
      EXPECT_EQ(r->name, e.name) << line;
      EXPECT_EQ(r->type, type) << line;
      EXPECT_EQ(r->size, e.size) << line;
      EXPECT_EQ(r->permissions, 0754u) << line;
      const bool recent = t <= now && t > now - 15'778'476;
      const std::int64_t precision = recent ? 60 : 86'400;
      EXPECT_EQ(r->mtime, t - (t % precision + precision) % precision) << line;
    }
  }
}

TEST(RoundTrip, SymlinkListLineKeepsNameAndTarget) {
  entry_info e = sample(entry_type::symlink, "my link", jan_2_2021);
  e.link_target = "../some target";
  const auto r = parse_unix_list_line(format_list_line(e, now), now);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->type, entry_type::symlink);
  EXPECT_EQ(r->name, "my link");
  EXPECT_EQ(r->link_target, "../some target");
}

TEST(RoundTrip, HostileNamesComeBackAsOneEntry) {
  for (const char* name : {"x\r\n226 fake", "y\n", "-rw-r--r-- 1 a a 0 Jan 1 fake"}) {
    const auto r = parse_unix_list_line(
        format_list_line(sample(entry_type::file, name, jan_2_2021), now), now);
    ASSERT_TRUE(r) << name;
    EXPECT_EQ(r->name.find_first_of("\r\n"), std::string::npos);
    EXPECT_EQ(r->size, 98'765u);
    const auto m = parse_mlsx_line(
        format_mlsx_line(sample(entry_type::file, name, jan_2_2021), all_facts, "r"));
    ASSERT_TRUE(m) << name;
    EXPECT_EQ(m->name, r->name);
  }
}

TEST(RoundTrip, MlsxLinesParseBackToWhatWasListed) {
  for (const entry_type type : {entry_type::file, entry_type::directory, entry_type::symlink}) {
    const entry_info e = sample(type, "  name; type=dir; ", jan_2_2021 + 59);
    const std::string line = format_mlsx_line(e, all_facts, "adfrw");
    const auto r = parse_mlsx_line(line);
    ASSERT_TRUE(r) << line;
    EXPECT_EQ(r->name, e.name);
    EXPECT_EQ(r->type, type);
    EXPECT_EQ(r->mtime, jan_2_2021 + 59);
    EXPECT_EQ(r->permissions, 0754u);
    EXPECT_EQ(r->unique, "803U1F");
    EXPECT_EQ(r->size,
              type == entry_type::file ? std::optional<std::uint64_t>(98'765) : std::nullopt);
  }
  const auto cdir = parse_mlsx_line(
      format_mlsx_line(sample(entry_type::directory, "/pub", 0), all_facts, "", "cdir"));
  ASSERT_TRUE(cdir);
  EXPECT_EQ(cdir->type, entry_type::directory);
  EXPECT_EQ(cdir->name, "/pub");
}

}  // namespace
}  // namespace portico::protocol
