// An IPv4 or IPv6 address and an endpoint, without any socket library, so that
// the protocol codecs and the NAT policy stay pure code. The server and the
// client convert to and from asio::ip::address at their edges.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/expected.hpp"

namespace portico::protocol {

class ip_address {
 public:
  enum class family : std::uint8_t { v4, v6 };

  ip_address() = default;  // 0.0.0.0
  static ip_address v4(std::array<std::uint8_t, 4> bytes);
  static ip_address v6(std::array<std::uint8_t, 16> bytes);

  // Dotted quad ("192.0.2.1", exactly four decimal octets, no leading zeros
  // beyond a single "0") or RFC 4291 text ("2001:db8::1", "::ffff:192.0.2.1").
  // No brackets, no zone index, no surrounding space.
  static result<ip_address> parse(std::string_view text);

  family af() const noexcept { return family_; }
  bool is_v4() const noexcept { return family_ == family::v4; }
  bool is_v6() const noexcept { return family_ == family::v6; }

  std::array<std::uint8_t, 4> v4_bytes() const noexcept;  // requires is_v4()
  const std::array<std::uint8_t, 16>& v6_bytes() const noexcept { return bytes_; }

  // ::ffff:a.b.c.d
  bool is_v4_mapped() const noexcept;
  // The IPv4 address an IPv4-mapped IPv6 address carries; any other address
  // unchanged. Compare and classify addresses in this form.
  ip_address unmapped() const noexcept;

  std::string to_string() const;

  friend bool operator==(const ip_address&, const ip_address&) = default;
  friend auto operator<=>(const ip_address&, const ip_address&) = default;

 private:
  family family_ = family::v4;
  // IPv4 uses the first four bytes.
  std::array<std::uint8_t, 16> bytes_{};
};

// True when both name the same host: equal after unmapped().
bool same_host(const ip_address& a, const ip_address& b) noexcept;

struct endpoint {
  ip_address address;
  std::uint16_t port = 0;
  // "192.0.2.1:21" or "[2001:db8::1]:21"
  std::string to_string() const;
  friend bool operator==(const endpoint&, const endpoint&) = default;
};

}  // namespace portico::protocol
