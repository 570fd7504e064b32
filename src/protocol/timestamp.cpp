#include "protocol/timestamp.hpp"

#include <array>

#include "protocol/error.hpp"

namespace portico::protocol {
namespace {

constexpr std::int64_t seconds_per_day = 86'400;

// Howard Hinnant's days_from_civil / civil_from_days
// (http://howardhinnant.github.io/date_algorithms.html): exact for the
// proleptic Gregorian calendar, negative years included, with no table and no
// C library time zone state. Computed in 64 bits so that any int year works.
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<std::int64_t>(y - era * 400);                       // [0, 399]
  const std::int64_t mp = (static_cast<std::int64_t>(m) + 9) % 12;                 // March = 0
  const std::int64_t doy = (153 * mp + 2) / 5 + static_cast<std::int64_t>(d) - 1;  // [0, 365]
  const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;                  // [0, 146096]
  return era * 146'097 + doe - 719'468;
}

struct ymd {
  std::int64_t year;
  unsigned month, day;
};

constexpr ymd civil_from_days(std::int64_t z) noexcept {
  z += 719'468;
  const std::int64_t era = (z >= 0 ? z : z - 146'096) / 146'097;
  const std::int64_t doe = z - era * 146'097;                                        // [0, 146096]
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36'524 - doe / 146'096) / 365;  // [0, 399]
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                  // [0, 365]
  const std::int64_t mp = (5 * doy + 2) / 153;                                       // [0, 11]
  const auto d = static_cast<unsigned>(doy - (153 * mp + 2) / 5 + 1);                // [1, 31]
  const auto m = static_cast<unsigned>(mp < 10 ? mp + 3 : mp - 9);                   // [1, 12]
  return {yoe + era * 400 + (m <= 2 ? 1 : 0), m, d};
}

// to_civil() saturates here so that every result's year fits in an int; the
// full int64 range would reach years of about +-2.9e11.
constexpr std::int64_t min_civil_year = -2'000'000'000;
constexpr std::int64_t max_civil_year = 2'000'000'000;
constexpr std::int64_t min_civil_seconds = days_from_civil(min_civil_year, 1, 1) * seconds_per_day;
constexpr std::int64_t max_civil_seconds =
    days_from_civil(max_civil_year, 12, 31) * seconds_per_day + seconds_per_day - 1;

// MDTM has exactly four year digits, so format_mdtm() clamps to 0000..9999
// rather than emit a timestamp no client could parse back.
constexpr std::int64_t min_mdtm_seconds = days_from_civil(0, 1, 1) * seconds_per_day;
constexpr std::int64_t max_mdtm_seconds =
    days_from_civil(9999, 12, 31) * seconds_per_day + seconds_per_day - 1;

constexpr bool is_leap(std::int64_t y) noexcept {
  return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

constexpr unsigned days_in_month(std::int64_t y, unsigned m) noexcept {
  constexpr std::array<unsigned, 12> days = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (m == 2 && is_leap(y)) return 29;
  return m >= 1 && m <= 12 ? days[m - 1] : 0;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

unsigned digits_value(std::string_view s) {
  unsigned v = 0;
  for (const char c : s) v = v * 10 + static_cast<unsigned>(c - '0');
  return v;
}

void append_digits(std::string& out, std::int64_t value, int width) {
  std::array<char, 24> buf{};
  int n = 0;
  do {
    buf[static_cast<std::size_t>(n++)] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value > 0 && n < static_cast<int>(buf.size()));
  while (n < width) buf[static_cast<std::size_t>(n++)] = '0';
  while (n > 0) out.push_back(buf[static_cast<std::size_t>(--n)]);
}

}  // namespace

civil_time to_civil(std::int64_t unix_seconds) noexcept {
  if (unix_seconds < min_civil_seconds) unix_seconds = min_civil_seconds;
  if (unix_seconds > max_civil_seconds) unix_seconds = max_civil_seconds;
  // Floor division: -1 is 1969-12-31 23:59:59, not 1970-01-01 minus a second.
  std::int64_t days = unix_seconds / seconds_per_day;
  std::int64_t rem = unix_seconds % seconds_per_day;
  if (rem < 0) {
    rem += seconds_per_day;
    --days;
  }
  const ymd date = civil_from_days(days);
  civil_time t;
  t.year = static_cast<int>(date.year);
  t.month = date.month;
  t.day = date.day;
  t.hour = static_cast<unsigned>(rem / 3600);
  t.minute = static_cast<unsigned>(rem % 3600 / 60);
  t.second = static_cast<unsigned>(rem % 60);
  return t;
}

std::int64_t from_civil(const civil_time& t) noexcept {
  // Out-of-range fields are not rejected here (parse_mdtm() does that); they
  // carry over arithmetically, which is what second 60 needs.
  return days_from_civil(t.year, t.month, t.day) * seconds_per_day +
         static_cast<std::int64_t>(t.hour) * 3600 + static_cast<std::int64_t>(t.minute) * 60 +
         static_cast<std::int64_t>(t.second);
}

std::string format_mdtm(std::int64_t unix_seconds) {
  if (unix_seconds < min_mdtm_seconds) unix_seconds = min_mdtm_seconds;
  if (unix_seconds > max_mdtm_seconds) unix_seconds = max_mdtm_seconds;
  const civil_time t = to_civil(unix_seconds);
  std::string out;
  out.reserve(14);
  append_digits(out, t.year, 4);
  append_digits(out, t.month, 2);
  append_digits(out, t.day, 2);
  append_digits(out, t.hour, 2);
  append_digits(out, t.minute, 2);
  append_digits(out, t.second, 2);
  return out;
}

result<std::int64_t> parse_mdtm(std::string_view text) {
  const auto bad = unexpected(make_error_code(errc::bad_timestamp));
  if (text.size() < 14) return bad;
  for (std::size_t i = 0; i < 14; ++i) {
    if (!is_digit(text[i])) return bad;
  }
  // RFC 3659 §2.3: an optional fraction of one or more digits. We accept up
  // to milliseconds, which is all any server sends, and drop it: mtimes are
  // kept in whole seconds.
  if (text.size() > 14) {
    const std::string_view fraction = text.substr(15);
    if (text[14] != '.' || fraction.empty() || fraction.size() > 3) return bad;
    for (const char c : fraction) {
      if (!is_digit(c)) return bad;
    }
  }
  civil_time t;
  t.year = static_cast<int>(digits_value(text.substr(0, 4)));
  t.month = digits_value(text.substr(4, 2));
  t.day = digits_value(text.substr(6, 2));
  t.hour = digits_value(text.substr(8, 2));
  t.minute = digits_value(text.substr(10, 2));
  t.second = digits_value(text.substr(12, 2));
  if (t.month < 1 || t.month > 12) return bad;
  if (t.day < 1 || t.day > days_in_month(t.year, t.month)) return bad;
  // Second 60 is a leap second; from_civil() carries it into the next
  // minute, as POSIX time has no representation of its own for it.
  if (t.hour > 23 || t.minute > 59 || t.second > 60) return bad;
  return from_civil(t);
}

std::string_view month_abbreviation(unsigned month) noexcept {
  constexpr std::array<std::string_view, 12> names = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  // An empty name rather than a crash for a month no civil_time produces.
  if (month < 1 || month > 12) return {};
  return names[month - 1];
}

}  // namespace portico::protocol
