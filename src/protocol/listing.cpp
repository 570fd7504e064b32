#include "protocol/listing.hpp"

#include <array>
#include <limits>

#include "protocol/timestamp.hpp"

namespace portico::protocol {
namespace {

// st_mode bits, spelled out so that this pure library needs no <sys/stat.h>
// (and its values are the same on every Unix portico targets).
constexpr std::uint32_t type_mask = 0170000;
constexpr std::uint32_t type_socket = 0140000;
constexpr std::uint32_t type_block = 0060000;
constexpr std::uint32_t type_char = 0020000;
constexpr std::uint32_t type_fifo = 0010000;
constexpr std::uint32_t set_uid = 04000;
constexpr std::uint32_t set_gid = 02000;
constexpr std::uint32_t sticky = 01000;

// GNU ls: "six months" is half of an average Gregorian year.
constexpr std::int64_t six_months = 31'556'952 / 2;

// The type letter of `ls -l`. The entry_type decides for files, directories
// and symlinks (the storage layer sets it from lstat); only for "other" does
// the mode tell which kind of special file it is.
char type_letter(const entry_info& e) {
  switch (e.type) {
    case entry_type::file:
      return '-';
    case entry_type::directory:
      return 'd';
    case entry_type::symlink:
      return 'l';
    case entry_type::other:
      break;
  }
  switch (e.mode & type_mask) {
    case type_char:
      return 'c';
    case type_block:
      return 'b';
    case type_fifo:
      return 'p';
    case type_socket:
      return 's';
    default:
      return '?';
  }
}

std::string permission_string(const entry_info& e) {
  std::string p = "----------";
  p[0] = type_letter(e);
  constexpr std::string_view letters = "rwxrwxrwx";
  for (std::size_t i = 0; i < 9; ++i) {
    if ((e.mode & (0400u >> i)) != 0) p[i + 1] = letters[i];
  }
  // As ls and vsftpd: lower case when the execute bit is also set.
  if ((e.mode & set_uid) != 0) p[3] = p[3] == 'x' ? 's' : 'S';
  if ((e.mode & set_gid) != 0) p[6] = p[6] == 'x' ? 's' : 'S';
  if ((e.mode & sticky) != 0) p[9] = p[9] == 'x' ? 't' : 'T';
  return p;
}

// Owner and group are columns: a space inside one would shift every field a
// client parses after it, so blanks and control bytes become '_'.
std::string column_safe(std::string_view s) {
  if (s.empty()) return "?";
  std::string out(s);
  for (char& c : out) {
    const auto b = static_cast<unsigned char>(c);
    if (b <= 0x20 || b == 0x7f) c = '_';
  }
  return out;
}

void pad_left(std::string& out, std::string_view s, std::size_t width) {
  if (s.size() < width) out.append(width - s.size(), ' ');
  out.append(s);
}

void pad_right(std::string& out, std::string_view s, std::size_t width) {
  out.append(s);
  if (s.size() < width) out.append(width - s.size(), ' ');
}

void append_two_digits(std::string& out, unsigned v) {
  out.push_back(static_cast<char>('0' + v / 10 % 10));
  out.push_back(static_cast<char>('0' + v % 10));
}

// "Jan 02 15:04" or "Jan 02  2020": vsftpd's "%b %d %H:%M" / "%b %d  %Y" (a
// zero-padded day, unlike GNU ls's "%e"), which every client parses.
std::string list_date(std::int64_t mtime, std::int64_t now) {
  const bool not_future = mtime <= now;
  const bool within_six_months =
      now < std::numeric_limits<std::int64_t>::min() + six_months || mtime > now - six_months;
  const bool recent = not_future && within_six_months;
  // Four-digit years only (the format_mdtm range), so the year column keeps
  // its width and parsers keep working.
  std::int64_t shown = mtime;
  const std::int64_t year_0 = from_civil({0, 1, 1, 0, 0, 0});
  const std::int64_t year_9999_end = from_civil({9999, 12, 31, 23, 59, 59});
  if (shown < year_0) shown = year_0;
  if (shown > year_9999_end) shown = year_9999_end;
  const civil_time t = to_civil(shown);

  std::string out(month_abbreviation(t.month));
  out.push_back(' ');
  append_two_digits(out, t.day);
  out.push_back(' ');
  if (recent) {
    append_two_digits(out, t.hour);
    out.push_back(':');
    append_two_digits(out, t.minute);
  } else {
    out.push_back(' ');
    const auto y = static_cast<unsigned>(t.year);
    append_two_digits(out, y / 100);
    append_two_digits(out, y % 100);
  }
  return out;
}

std::string mlsx_type(const entry_info& e, std::string_view type_override) {
  if (!type_override.empty()) return std::string(type_override);
  switch (e.type) {
    case entry_type::file:
      return "file";
    case entry_type::directory:
      return "dir";
    // ProFTPD's spelling; RFC 3659's example "OS.unix=slink" is parsed too.
    case entry_type::symlink:
      return "OS.unix=symlink";
    case entry_type::other:
      break;
  }
  switch (e.mode & type_mask) {
    case type_char:
      return "OS.unix=chardev";
    case type_block:
      return "OS.unix=blockdev";
    case type_fifo:
      return "OS.unix=fifo";
    case type_socket:
      return "OS.unix=socket";
    default:
      return "OS.unix=special";
  }
}

void append_hex(std::string& out, std::uint64_t v) {
  constexpr std::string_view digits = "0123456789ABCDEF";
  std::array<char, 16> buf{};
  std::size_t n = 0;
  do {
    buf[n++] = digits[v & 0xf];
    v >>= 4;
  } while (v != 0);
  while (n > 0) out.push_back(buf[--n]);
}

void append_octal4(std::string& out, std::uint32_t v) {
  for (int shift = 9; shift >= 0; shift -= 3) {
    out.push_back(static_cast<char>('0' + ((v >> shift) & 7)));
  }
}

struct fact_name {
  mlsx_fact bit;
  std::string_view name;
};

// FEAT and line order; RFC 3659 leaves the order free, this is the one the
// header documents.
constexpr std::array<fact_name, 6> fact_names = {{{fact_type, "type"},
                                                  {fact_size, "size"},
                                                  {fact_modify, "modify"},
                                                  {fact_perm, "perm"},
                                                  {fact_unique, "unique"},
                                                  {fact_unix_mode, "unix.mode"}}};

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

std::string safe_name(std::string_view name) {
  std::string out(name);
  for (char& c : out) {
    if (c == '\r' || c == '\n' || c == '\0') c = '?';
  }
  return out;
}

std::string format_list_line(const entry_info& e, std::int64_t now) {
  // vsftpd's ls.c layout: perms, nlink right-aligned in 4, owner and group
  // left-aligned in 8, size right-aligned in 8, the date, the name.
  std::string out = permission_string(e);
  out.push_back(' ');
  pad_left(out, std::to_string(e.nlink), 4);
  out.push_back(' ');
  pad_right(out, column_safe(e.owner), 8);
  out.push_back(' ');
  pad_right(out, column_safe(e.group), 8);
  out.push_back(' ');
  pad_left(out, std::to_string(e.size), 8);
  out.push_back(' ');
  out.append(list_date(e.mtime, now));
  out.push_back(' ');
  out.append(safe_name(e.name));
  if (e.type == entry_type::symlink && !e.link_target.empty()) {
    out.append(" -> ");
    out.append(safe_name(e.link_target));
  }
  return out;
}

std::string format_mlst_feature(unsigned enabled) {
  std::string out;
  for (const fact_name& f : fact_names) {
    out.append(f.name);
    if ((enabled & f.bit) != 0) out.push_back('*');
    out.push_back(';');
  }
  return out;
}

unsigned parse_mlst_options(std::string_view argument) {
  unsigned facts = 0;
  while (!argument.empty()) {
    std::size_t end = argument.find(';');
    if (end == std::string_view::npos) end = argument.size();
    std::string_view name = argument.substr(0, end);
    // Tolerate stray blanks ("type; size;"), which some clients send.
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    for (const fact_name& f : fact_names) {
      if (iequals(name, f.name)) facts |= f.bit;
    }
    argument.remove_prefix(end == argument.size() ? end : end + 1);
  }
  return facts;
}

std::string format_mlsx_line(const entry_info& e, unsigned facts, std::string_view perm,
                             std::string_view type_override) {
  std::string out;
  if ((facts & fact_type) != 0) {
    out.append("type=");
    out.append(mlsx_type(e, type_override));
    out.push_back(';');
  }
  // RFC 3659 §7.5.7: the size of a file; a directory's st_size means
  // nothing to a client and would be mistaken for a transfer size.
  if ((facts & fact_size) != 0 && e.type == entry_type::file && type_override.empty()) {
    out.append("size=");
    out.append(std::to_string(e.size));
    out.push_back(';');
  }
  if ((facts & fact_modify) != 0) {
    out.append("modify=");
    out.append(format_mdtm(e.mtime));
    out.push_back(';');
  }
  if ((facts & fact_perm) != 0) {
    out.append("perm=");
    // Only the RFC 3659 §7.5.5 letters, so that no caller mistake can put a
    // ';' or a space into the facts and move where the name starts.
    for (const char c : perm) {
      if (std::string_view("acdeflmprw").find(c) != std::string_view::npos) out.push_back(c);
    }
    out.push_back(';');
  }
  if ((facts & fact_unique) != 0) {
    // ProFTPD's "%lXU%lX": device and inode identify a file across names.
    out.append("unique=");
    append_hex(out, e.device);
    out.push_back('U');
    append_hex(out, e.inode);
    out.push_back(';');
  }
  if ((facts & fact_unix_mode) != 0) {
    out.append("unix.mode=");
    append_octal4(out, e.mode & 07777);
    out.push_back(';');
  }
  // RFC 3659 §7.2: exactly one space, then the name as it is (no facts at
  // all still leaves the space).
  out.push_back(' ');
  out.append(safe_name(e.name));
  return out;
}

}  // namespace portico::protocol
