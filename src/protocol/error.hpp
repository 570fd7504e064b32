// Error codes of the protocol library: what a parser or codec reports when its
// input is malformed. Each is a std::error_code in portico's protocol
// category, so that callers can test for a specific condition and log a
// readable message.
#pragma once

#include <system_error>

namespace portico::protocol {

enum class errc {
  // Control lines (command parser)
  empty_line = 1,
  line_too_long,
  nul_in_line,
  bare_cr_in_line,
  bad_verb,
  incomplete_telnet_sequence,
  // Replies
  bad_reply_code,
  bad_reply_separator,
  reply_too_long,
  reply_too_many_lines,
  reply_code_mismatch,
  // Addresses and ports
  bad_host_port,
  bad_address,
  bad_port,
  unsupported_address_family,
  bad_delimiter,
  bad_pasv_reply,
  bad_epsv_reply,
  bad_cidr,
  // Paths
  path_too_long,
  path_too_deep,
  bad_path,
  // Listings
  bad_listing_line,
  bad_facts,
  bad_timestamp,
  bad_number,
  // PROXY protocol headers
  not_proxy_header,
  bad_proxy_header,
  proxy_header_too_long,
};

const std::error_category& protocol_category() noexcept;

inline std::error_code make_error_code(errc e) noexcept {
  return {static_cast<int>(e), protocol_category()};
}

}  // namespace portico::protocol

template <>
struct std::is_error_code_enum<portico::protocol::errc> : std::true_type {};
