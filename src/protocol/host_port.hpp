// The encodings of an address and port on the control connection:
// RFC 959 PORT and 227 (h1,h2,h3,h4,p1,p2 with port = p1*256 + p2) and
// RFC 2428 EPRT (|af|address|port|) and 229 (|||port|).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/expected.hpp"
#include "protocol/ip_address.hpp"

namespace portico::protocol {

// "h1,h2,h3,h4,p1,p2": six decimal numbers 0..255, nothing else but optional
// spaces around the commas. The example of the project's documents:
// "80,5,63,7,27,58" is 80.5.63.7 port 6970.
result<endpoint> parse_host_port(std::string_view text);

// The inverse, for an IPv4 endpoint (an IPv4-mapped IPv6 address is written
// as the IPv4 it carries). Returns errc::unsupported_address_family for IPv6.
result<std::string> format_host_port(const endpoint& ep);

// The address in a 227 reply's text as real servers write it: with or without
// parentheses, with words around ("Entering Passive Mode (192,0,2,1,4,1).",
// "=192,0,2,1,4,1", "Entering Passive Mode 192,0,2,1,4,1"). The first run of
// six comma-separated numbers is taken.
result<endpoint> parse_pasv_reply(std::string_view text);

// EPRT's argument: a delimiter d (any printable ASCII 33..126 other than a
// digit, '.', ':' or a hex letter, which could occur in the address), then
// d af d address d port d. af 1 is IPv4, 2 is IPv6 (an IPv4-mapped IPv6
// address is accepted and kept as IPv6 text). Port 1..65535, no leading zeros.
// Errors: bad_delimiter (delimiter or field structure), unsupported_address_family
// (af other than "1"/"2": reply 522), bad_address, bad_port.
result<endpoint> parse_eprt(std::string_view argument);
std::string format_eprt(const endpoint& ep);  // "|1|192.0.2.1|6970|"

// The port in a 229 reply's text: "(|||port|)", any delimiter, words around.
result<std::uint16_t> parse_epsv_reply(std::string_view text);
std::string format_epsv_port(std::uint16_t port);  // "(|||6970|)"

// EPSV's argument: none, "1", "2" or "ALL" (case-insensitive). Any other
// number is errc::unsupported_address_family (reply 522); anything else is
// errc::bad_address (reply 501).
struct epsv_argument {
  enum class kind { any, v4, v6, all } what = kind::any;
  friend bool operator==(const epsv_argument&, const epsv_argument&) = default;
};
result<epsv_argument> parse_epsv_argument(std::string_view argument);

}  // namespace portico::protocol
