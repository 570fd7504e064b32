#include "protocol/listing_parser.hpp"

#include <array>
#include <limits>

#include "protocol/error.hpp"
#include "protocol/limits.hpp"
#include "protocol/timestamp.hpp"

namespace portico::protocol {
namespace {

auto fail(errc e) {
  return unexpected(make_error_code(e));
}

// The bound on work and the bytes no line can hold: a server that sends a NUL
// or a CR inside a name is hostile or broken, and such a name must never
// reach the local file system of a mirroring client.
bool acceptable_line(std::string_view line) {
  return line.size() <= limits::max_listing_line &&
         line.find_first_of(std::string_view("\0\r\n", 3)) == std::string_view::npos;
}

char to_lower_ascii(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (to_lower_ascii(a[i]) != to_lower_ascii(b[i])) return false;
  }
  return true;
}

// A date or clock field: 1 to `max_digits` decimal digits, or nothing.
std::optional<unsigned> small_number(std::string_view s, std::size_t max_digits) {
  if (s.empty() || s.size() > max_digits) return {};
  unsigned v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return {};
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  return v;
}

// Decimal (base 10) or octal (base 8) digits only: no sign, no blanks, no
// wrap-around.
result<std::uint64_t> parse_unsigned(std::string_view s, unsigned base) {
  if (s.empty()) return fail(errc::bad_number);
  std::uint64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c >= static_cast<char>('0' + base)) return fail(errc::bad_number);
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (v > (std::numeric_limits<std::uint64_t>::max() - digit) / base) {
      return fail(errc::bad_number);
    }
    v = v * base + digit;
  }
  return v;
}

// A whole civil time, or nothing if a field is out of range for its month
// (a round trip through the calendar catches Feb 30 and Feb 29, 2023).
std::optional<std::int64_t> checked_time(const civil_time& t) {
  if (t.month < 1 || t.month > 12 || t.day < 1 || t.hour > 23 || t.minute > 59) return {};
  const std::int64_t s = from_civil(t);
  if (to_civil(s) != t) return {};
  return s;
}

// --- MLSx -------------------------------------------------------------------

result<void> apply_fact(std::string_view key, std::string_view value, remote_entry& out) {
  if (iequals(key, "type")) {
    if (iequals(value, "file")) {
      out.type = entry_type::file;
    } else if (iequals(value, "dir") || iequals(value, "cdir") || iequals(value, "pdir")) {
      out.type = entry_type::directory;
    } else if (iequals(value, "OS.unix=symlink") || iequals(value, "OS.unix=slink")) {
      out.type = entry_type::symlink;
    } else if (value.size() > 14 && iequals(value.substr(0, 14), "OS.unix=slink:")) {
      // The form of RFC 3659's example carries the target.
      out.type = entry_type::symlink;
      out.link_target = std::string(value.substr(14));
    } else if (value.empty()) {
      return fail(errc::bad_facts);
    } else {
      out.type = entry_type::other;
    }
  } else if (iequals(key, "size") || iequals(key, "sizd")) {
    const auto size = parse_unsigned(value, 10);
    if (!size) return unexpected(size.error());
    out.size = *size;
  } else if (iequals(key, "modify")) {
    const auto mtime = parse_mdtm(value);
    if (!mtime) return unexpected(mtime.error());
    out.mtime = *mtime;
  } else if (iequals(key, "unix.mode")) {
    // Some servers send the whole st_mode ("0100644"); either way only the
    // rwx bits are kept, so that a hostile server cannot have a mirroring
    // client create set-user-ID files.
    const auto mode = parse_unsigned(value, 8);
    if (!mode || *mode > 0177777) return fail(errc::bad_number);
    out.permissions = static_cast<std::uint32_t>(*mode & 0777);
  } else if (iequals(key, "unique")) {
    out.unique = std::string(value);
  }
  // Every other fact (perm, create, unix.owner, lang, ...) is ignored.
  return {};
}

// --- Unix ls -l -------------------------------------------------------------

struct token {
  std::string_view text;
  std::size_t end = 0;  // offset just past the token in the line
};

token next_token(std::string_view line, std::size_t& pos) {
  while (pos < line.size() && line[pos] == ' ') ++pos;
  const std::size_t begin = pos;
  while (pos < line.size() && line[pos] != ' ') ++pos;
  return {line.substr(begin, pos - begin), pos};
}

struct mode_info {
  entry_type type;
  std::uint32_t bits;
  bool device;  // 'c' or 'b': "major, minor" stands where the size would
};

// "drwxr-sr-t" plus an optional ACL ('+'), extended-attribute ('@') or
// SELinux ('.') marker.
std::optional<mode_info> parse_mode(std::string_view s) {
  if (s.size() == 11 && (s[10] == '+' || s[10] == '@' || s[10] == '.')) s.remove_suffix(1);
  if (s.size() != 10) return {};
  constexpr std::string_view type_letters = "-dlcbps";
  constexpr std::array<entry_type, 3> named = {entry_type::file, entry_type::directory,
                                               entry_type::symlink};
  const std::size_t kind = type_letters.find(s[0]);
  if (kind == std::string_view::npos) return {};
  mode_info m{kind < named.size() ? named[kind] : entry_type::other, 0, kind == 3 || kind == 4};
  for (std::size_t i = 0; i < 9; ++i) {
    const char c = s[i + 1];
    // In the execute slots, s/t mean "and executable", S/T "but not".
    const char special = i % 3 != 2 ? '\0' : i == 8 ? 't' : 's';
    const bool set = c == "rwxrwxrwx"[i] || (special != '\0' && c == special);
    if (!set && c != '-' && (special == '\0' || c != special - 'a' + 'A')) return {};
    if (set) m.bits |= 0400u >> i;
  }
  return m;
}

std::optional<unsigned> parse_month(std::string_view s) {
  for (unsigned m = 1; m <= 12; ++m) {
    if (iequals(s, month_abbreviation(m))) return m;
  }
  return {};
}

// "15:04" or "9:05".
bool parse_clock(std::string_view s, unsigned& hour, unsigned& minute) {
  const std::size_t colon = s.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 2 || s.size() != colon + 3) {
    return false;
  }
  const auto h = small_number(s.substr(0, colon), 2);
  const auto m = small_number(s.substr(colon + 1), 2);
  if (!h || !m) return false;
  hour = *h;
  minute = *m;
  return hour < 24 && minute < 60;
}

// Picks the year ls must have meant for "Mon DD HH:MM": the latest one that
// puts the time no more than a day after `now` (a day absorbs the server's
// time zone; ls shows future times with the year).
std::optional<std::int64_t> infer_year(civil_time t, std::int64_t now) {
  constexpr std::int64_t slack = 86'400;
  const std::int64_t latest =
      now > std::numeric_limits<std::int64_t>::max() - slack ? now : now + slack;
  const int this_year = to_civil(now).year;
  for (int y = this_year + 1; y >= this_year - 1; --y) {
    t.year = y;
    const auto s = checked_time(t);
    if (s && *s <= latest) return s;
  }
  return {};
}

struct date_match {
  std::int64_t mtime;
  std::size_t last;  // index of the date's last token
};

// "Jan 02 15:04", "Jan  2  2020", or long-iso "2020-01-02 15:04".
std::optional<date_match> match_date(const token* toks, std::size_t i, std::size_t n,
                                     std::int64_t now) {
  if (i + 1 >= n) return {};
  civil_time t;
  const std::string_view first = toks[i].text;
  if (first.size() == 10 && first[4] == '-' && first[7] == '-') {
    const auto y = small_number(first.substr(0, 4), 4);
    const auto mo = small_number(first.substr(5, 2), 2);
    const auto d = small_number(first.substr(8, 2), 2);
    if (!y || !mo || !d || !parse_clock(toks[i + 1].text, t.hour, t.minute)) return {};
    t = {static_cast<int>(*y), *mo, *d, t.hour, t.minute, 0};
    const auto s = checked_time(t);
    if (!s) return {};
    return date_match{*s, i + 1};
  }
  const auto month = parse_month(first);
  const auto day = i + 2 < n ? small_number(toks[i + 1].text, 2) : std::nullopt;
  if (!month || !day) return {};
  const std::string_view last = toks[i + 2].text;
  t.month = *month;
  t.day = *day;
  std::optional<std::int64_t> s;
  if (const auto year = last.size() == 4 ? small_number(last, 4) : std::nullopt) {
    t.year = static_cast<int>(*year);
    s = checked_time(t);
  } else if (parse_clock(last, t.hour, t.minute)) {
    s = infer_year(t, now);
  }
  if (!s) return {};
  return date_match{*s, i + 2};
}

// The column before the date: a size, or for devices "major, minor" /
// "major,minor" (no size then). False if it is neither.
bool read_size(const token* toks, std::size_t i, bool device, std::optional<std::uint64_t>& size) {
  const std::string_view prev = toks[i - 1].text;
  if (device) {
    const std::size_t comma = prev.find(',');
    if (comma != std::string_view::npos) {
      return small_number(prev.substr(0, comma), 9) && small_number(prev.substr(comma + 1), 9);
    }
    const std::string_view major = toks[i - 2].text;
    if (small_number(prev, 9) && major.size() > 1 && major.back() == ',' &&
        small_number(major.substr(0, major.size() - 1), 9)) {
      return true;
    }
  }
  const auto v = parse_unsigned(prev, 10);
  if (!v) return false;
  size = *v;
  return true;
}

}  // namespace

result<remote_entry> parse_mlsx_line(std::string_view line) {
  if (!acceptable_line(line)) return fail(errc::bad_listing_line);
  // Fact values hold no spaces (RFC 3659 §7.2), so the first space ends the
  // facts and everything after it, spaces included, is the name.
  const std::size_t space = line.find(' ');
  if (space == std::string_view::npos || space + 1 == line.size()) return fail(errc::bad_facts);
  std::string_view facts = line.substr(0, space);
  remote_entry out;
  while (!facts.empty()) {
    const std::size_t semi = facts.find(';');
    if (semi == std::string_view::npos) return fail(errc::bad_facts);
    const std::string_view fact = facts.substr(0, semi);
    const std::size_t eq = fact.find('=');
    if (eq == std::string_view::npos || eq == 0) return fail(errc::bad_facts);
    const auto applied = apply_fact(fact.substr(0, eq), fact.substr(eq + 1), out);
    if (!applied) return unexpected(applied.error());
    facts.remove_prefix(semi + 1);
  }
  out.name = std::string(line.substr(space + 1));
  return out;
}

result<remote_entry> parse_unix_list_line(std::string_view line, std::int64_t now) {
  if (!acceptable_line(line)) return fail(errc::bad_listing_line);
  std::size_t pos = 0;
  const auto mode = parse_mode(next_token(line, pos).text);
  if (!mode) return fail(errc::bad_listing_line);  // "total 12" ends here too

  // Up to five columns precede the date (links, owner, group, "major,"
  // "minor"), then three date tokens: eight tokens are enough to look at.
  std::array<token, 8> toks{};
  std::size_t n = 0;
  while (n < toks.size()) {
    const token t = next_token(line, pos);
    if (t.text.empty()) break;
    toks[n++] = t;
  }
  // The first place from the left where a size column is followed by a
  // date: owner or group names that look like a month or a number cannot
  // pass for both, and a name that holds a date comes after the real one.
  for (std::size_t i = 2; i <= 5 && i + 1 < n; ++i) {
    const auto date = match_date(toks.data(), i, n, now);
    if (!date) continue;
    remote_entry out;
    if (!read_size(toks.data(), i, mode->device, out.size)) continue;
    // The name is everything after the one space that follows the date,
    // byte for byte: leading and repeated spaces are part of it.
    const std::size_t start = toks[date->last].end + 1;
    if (start >= line.size()) return fail(errc::bad_listing_line);
    std::string_view name = line.substr(start);
    out.type = mode->type;
    out.permissions = mode->bits;
    out.mtime = date->mtime;
    if (mode->type == entry_type::symlink) {
      // Split at the first " -> ": a link name holding " -> " is ambiguous
      // anyway, and targets are paths that more often hold it.
      const std::size_t arrow = name.find(" -> ");
      if (arrow != std::string_view::npos) {
        out.link_target = std::string(name.substr(arrow + 4));
        name = name.substr(0, arrow);
      }
    }
    if (name.empty()) return fail(errc::bad_listing_line);
    out.name = std::string(name);
    return out;
  }
  return fail(errc::bad_listing_line);
}

result<remote_entry> parse_dos_list_line(std::string_view line) {
  if (!acceptable_line(line)) return fail(errc::bad_listing_line);
  std::size_t pos = 0;
  const std::string_view date = next_token(line, pos).text;
  // MM-DD-YY or MM-DD-YYYY, '-' or '/' throughout.
  if ((date.size() != 8 && date.size() != 10) || (date[2] != '-' && date[2] != '/') ||
      date[5] != date[2]) {
    return fail(errc::bad_listing_line);
  }
  const auto month = small_number(date.substr(0, 2), 2);
  const auto day = small_number(date.substr(3, 2), 2);
  auto year = small_number(date.substr(6), 4);
  if (!month || !day || !year) return fail(errc::bad_listing_line);
  // Two-digit years pivot like POSIX strptime's %y: 70-99 are 19xx.
  if (date.size() == 8) *year += *year >= 70 ? 1900u : 2000u;
  civil_time t{static_cast<int>(*year), *month, *day, 0, 0, 0};

  std::string_view clock = next_token(line, pos).text;
  std::string_view meridiem;
  if (clock.size() > 2 && (iequals(clock.substr(clock.size() - 2), "AM") ||
                           iequals(clock.substr(clock.size() - 2), "PM"))) {
    meridiem = clock.substr(clock.size() - 2);
    clock.remove_suffix(2);
  }
  if (!parse_clock(clock, t.hour, t.minute)) return fail(errc::bad_listing_line);
  token column = next_token(line, pos);
  if (meridiem.empty() && (iequals(column.text, "AM") || iequals(column.text, "PM"))) {
    meridiem = column.text;  // "03:45 PM"
    column = next_token(line, pos);
  }
  if (!meridiem.empty()) {
    if (t.hour < 1 || t.hour > 12) return fail(errc::bad_listing_line);
    t.hour = t.hour % 12 + (iequals(meridiem, "PM") ? 12u : 0u);
  }
  const auto mtime = checked_time(t);
  if (!mtime) return fail(errc::bad_listing_line);

  remote_entry out;
  out.mtime = *mtime;
  if (iequals(column.text, "<DIR>")) {
    out.type = entry_type::directory;
  } else {
    // Some Windows servers group the digits ("1,234").
    std::string digits;
    for (const char c : column.text) {
      if (c != ',') digits.push_back(c);
    }
    const auto size = parse_unsigned(digits, 10);
    if (!size || column.text.front() == ',') return fail(errc::bad_listing_line);
    out.size = *size;
  }
  // The name starts after the blanks that pad the size column.
  while (pos < line.size() && line[pos] == ' ') ++pos;
  if (pos >= line.size()) return fail(errc::bad_listing_line);
  out.name = std::string(line.substr(pos));
  return out;
}

result<remote_entry> parse_list_line(std::string_view line, std::int64_t now) {
  auto as_unix = parse_unix_list_line(line, now);
  if (as_unix) return as_unix;
  auto as_dos = parse_dos_list_line(line);
  if (as_dos) return as_dos;
  // Report the error of the form the line looked like.
  const std::size_t first = line.find_first_not_of(' ');
  const bool digit = first != std::string_view::npos && line[first] >= '0' && line[first] <= '9';
  return digit ? as_dos : as_unix;
}

}  // namespace portico::protocol
