// What kind of network an address belongs to. The NAT decisions (which
// passive address to advertise, whether a PORT address looks like it came from
// behind a NAT) depend on it.
#pragma once

#include <cstdint>
#include <string_view>

#include "protocol/expected.hpp"
#include "protocol/ip_address.hpp"

namespace portico::protocol {

enum class address_class {
  unspecified,    // 0.0.0.0/8, ::
  loopback,       // 127.0.0.0/8, ::1
  private_net,    // RFC 1918: 10/8, 172.16/12, 192.168/16
  shared,         // RFC 6598 carrier-grade NAT: 100.64.0.0/10
  link_local,     // 169.254.0.0/16, fe80::/10
  unique_local,   // fc00::/7
  documentation,  // 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32
  multicast,      // 224.0.0.0/4, ff00::/8
  reserved,       // 240.0.0.0/4, 255.255.255.255 and other special-purpose space
  global,         // everything else
};

// IPv4-mapped IPv6 addresses are classified as the IPv4 address they carry.
address_class classify(const ip_address& a) noexcept;

// Private for portico's NAT decisions: loopback, RFC 1918, shared address
// space, link-local and unique-local. Documentation ranges count as public
// (tests use them as internet addresses).
bool is_private_for_nat(const ip_address& a) noexcept;

std::string_view to_string(address_class c) noexcept;

// An address range such as "192.168.0.0/16" or "fd00::/8". A bare address is
// a /32 or /128. An IPv4 range also contains the IPv4-mapped forms of its
// addresses, and so does an IPv6 range inside ::ffff:0:0/96; other IPv6
// ranges (even ::/0) contain neither. Bits set past the prefix are an error
// ("10.0.0.1/8"); the constructor clears them and clamps the prefix.
class cidr {
 public:
  static result<cidr> parse(std::string_view text);
  cidr(ip_address network, unsigned prefix_length);

  bool contains(const ip_address& a) const noexcept;
  const ip_address& network() const noexcept { return network_; }
  unsigned prefix_length() const noexcept { return prefix_; }
  std::string to_string() const;
  friend bool operator==(const cidr&, const cidr&) = default;

 private:
  ip_address network_;
  unsigned prefix_ = 0;
};

}  // namespace portico::protocol
