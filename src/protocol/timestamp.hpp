// UTC civil time without the C library's time zone state: the timestamp
// formats of MDTM/MFMT/MLSx (RFC 3659 "YYYYMMDDHHMMSS[.sss]") and the dates of
// `ls -l` listings.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/expected.hpp"

namespace portico::protocol {

struct civil_time {
  int year = 1970;
  unsigned month = 1;  // 1..12
  unsigned day = 1;    // 1..31
  unsigned hour = 0, minute = 0, second = 0;
  friend bool operator==(const civil_time&, const civil_time&) = default;
};

civil_time to_civil(std::int64_t unix_seconds) noexcept;
std::int64_t from_civil(const civil_time& t) noexcept;

// "20201231235959"
std::string format_mdtm(std::int64_t unix_seconds);

// "YYYYMMDDHHMMSS" with an optional ".s" to ".sss" fraction (dropped), as
// MFMT and MDTM-with-argument send. Fields are range-checked (month 1..12, day
// valid for the month, hour < 24, minute < 60, second <= 60).
result<std::int64_t> parse_mdtm(std::string_view text);

// "Jan".."Dec" for month 1..12.
std::string_view month_abbreviation(unsigned month) noexcept;

}  // namespace portico::protocol
