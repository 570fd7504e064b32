// The PROXY protocol of HAProxy's proxy-protocol.txt, versions 1 (a text line)
// and 2 (binary): the header a TCP load balancer puts in front of the client's
// bytes to tell the server who the client really is.
//
// Pure parsing. The server peeks at the start of a connection (MSG_PEEK, at
// most limits::max_proxy_header bytes), measures the header, reads exactly
// that many bytes and parses them, so that the FTP bytes behind the header
// stay in the socket for the control connection's reader.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <system_error>

#include "protocol/expected.hpp"
#include "protocol/ip_address.hpp"

namespace portico::protocol {

struct proxy_header {
  // proxied: source and destination are the real client and the address it
  //          connected to on the proxy.
  // local:   a version 2 LOCAL command, a version 2 PROXY with an unspecified
  //          family (0x00) or a version 1 "UNKNOWN": a health check or the
  //          proxy itself. Use the connection's own addresses; source and
  //          destination are left empty.
  enum class kind { proxied, local } what = kind::local;
  endpoint source;       // the real client
  endpoint destination;  // the address the client connected to (on the proxy)
  int version = 0;       // 1 or 2
  friend bool operator==(const proxy_header&, const proxy_header&) = default;
};

struct proxy_header_length {
  // incomplete: every byte so far can start a header; peek again.
  // invalid:    no valid header can start with these bytes; close.
  // known:      the header is `length` bytes. When the prefix holds all of
  //             them they are also valid (parse_proxy_header succeeds on
  //             them); a version 2 header whose 16 fixed bytes are here but
  //             not the rest has only those checked.
  enum class status { incomplete, invalid, known } state = status::incomplete;
  std::size_t length = 0;
  // When invalid: an errc (not_proxy_header, bad_proxy_header,
  // proxy_header_too_long, unsupported_address_family, bad_address, bad_port)
  // and a message for the log naming what is wrong and where.
  std::error_code code;
  std::string error;
};

// How long the header at the start of `prefix` is, from as few bytes of it as
// possible. A prefix is invalid as soon as a byte rules out every header: the
// first byte that differs from "PROXY " or from the version 2 signature, a
// version 2 version, command, family or length that is refused, a version 1
// byte that is no printable ASCII, a bare CR or LF, or no CRLF within
// limits::max_proxy_v1_header bytes. A complete version 1 line or version 2
// header is then checked whole, as parse_proxy_header does.
proxy_header_length measure_proxy_header(std::span<const std::uint8_t> prefix);

// Parses exactly one whole header: `data` must be the measured length.
// Version 1: "PROXY TCP4 <src> <dst> <sport> <dport>\r\n" (TCP6 alike) with
// single spaces, addresses of the declared family, decimal ports 0-65535
// without leading zeros; "PROXY UNKNOWN" and anything printable up to CRLF.
// Version 2: the PROXY command with TCP over IPv4 (0x11) or IPv6 (0x21), whose
// TLVs must tile the rest of the header and are skipped, or with the
// unspecified family (0x00); the LOCAL command with anything after it. An
// IPv4-mapped address in TCP6 stays IPv6.
result<proxy_header> parse_proxy_header(std::span<const std::uint8_t> data);

}  // namespace portico::protocol
