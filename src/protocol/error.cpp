#include "protocol/error.hpp"

#include <string>

namespace portico::protocol {
namespace {

class category final : public std::error_category {
 public:
  const char* name() const noexcept override { return "portico.protocol"; }

  std::string message(int value) const override {
    switch (static_cast<errc>(value)) {
      case errc::empty_line:
        return "empty command line";
      case errc::line_too_long:
        return "line too long";
      case errc::nul_in_line:
        return "NUL byte in line";
      case errc::bare_cr_in_line:
        return "bare CR in line";
      case errc::bad_verb:
        return "malformed command verb";
      case errc::incomplete_telnet_sequence:
        return "incomplete Telnet sequence";
      case errc::bad_reply_code:
        return "malformed reply code";
      case errc::bad_reply_separator:
        return "reply code not followed by space or hyphen";
      case errc::reply_too_long:
        return "reply too long";
      case errc::reply_too_many_lines:
        return "reply has too many lines";
      case errc::reply_code_mismatch:
        return "multi-line reply ends with another code";
      case errc::bad_host_port:
        return "malformed host-port (expected h1,h2,h3,h4,p1,p2)";
      case errc::bad_address:
        return "malformed network address";
      case errc::bad_port:
        return "port out of range";
      case errc::unsupported_address_family:
        return "unsupported network protocol";
      case errc::bad_delimiter:
        return "malformed delimiter";
      case errc::bad_pasv_reply:
        return "no host-port in 227 reply";
      case errc::bad_epsv_reply:
        return "no (|||port|) in 229 reply";
      case errc::bad_cidr:
        return "malformed CIDR network";
      case errc::path_too_long:
        return "path too long";
      case errc::path_too_deep:
        return "path has too many components";
      case errc::bad_path:
        return "malformed path";
      case errc::bad_listing_line:
        return "unrecognised listing line";
      case errc::bad_facts:
        return "malformed MLSx facts";
      case errc::bad_timestamp:
        return "malformed timestamp";
      case errc::bad_number:
        return "malformed number";
      case errc::not_proxy_header:
        return "no PROXY protocol header (not connected through the proxy?)";
      case errc::bad_proxy_header:
        return "malformed PROXY protocol header";
      case errc::proxy_header_too_long:
        return "PROXY protocol header too long";
    }
    return "unknown protocol error";
  }
};

}  // namespace

const std::error_category& protocol_category() noexcept {
  static const category instance;
  return instance;
}

}  // namespace portico::protocol
