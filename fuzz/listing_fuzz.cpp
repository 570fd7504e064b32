// Every client-side listing parser on hostile input: none may crash, hang or
// read out of bounds, and what they accept must hold together (a name that is
// not empty and has no line break, since a mirroring client would create it).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "protocol/listing.hpp"
#include "protocol/listing_parser.hpp"
#include "protocol/timestamp.hpp"

namespace {

using namespace portico::protocol;

void check_entry(const portico::result<remote_entry>& r) {
  if (!r) return;
  if (r->name.empty()) std::abort();
  if (r->name.find_first_of(std::string_view("\r\n\0", 3)) != std::string::npos) std::abort();
  if (r->permissions && *r->permissions > 0777) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // A fixed "now" keeps runs reproducible; 2021-06-15 12:00:00 UTC.
  constexpr std::int64_t now = 1'623'758'400;

  check_entry(parse_mlsx_line(input));
  check_entry(parse_unix_list_line(input, now));
  check_entry(parse_dos_list_line(input));
  check_entry(parse_list_line(input, now));

  // Whatever parse_mdtm accepts, format_mdtm writes back to the same second
  // (the fraction is dropped, second 60 carried).
  if (const auto t = parse_mdtm(input)) {
    const auto again = parse_mdtm(format_mdtm(*t));
    if (!again || *again != *t) std::abort();
  }
  return 0;
}
