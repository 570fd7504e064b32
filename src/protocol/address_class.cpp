#include "protocol/address_class.hpp"

#include <algorithm>
#include <cstddef>
#include <string>

#include "protocol/error.hpp"

namespace portico::protocol {
namespace {

using v6_bytes = std::array<std::uint8_t, 16>;

// True when the first prefix bits of a and b are equal. Both point to at
// least (prefix + 7) / 8 bytes.
bool prefix_matches(const std::uint8_t* a, const std::uint8_t* b, unsigned prefix) noexcept {
  const std::size_t whole = prefix / 8;
  if (!std::equal(a, a + whole, b)) return false;
  const unsigned rest = prefix % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

unsigned max_prefix(const ip_address& a) noexcept {
  return a.is_v4() ? 32 : 128;
}

// Clears every bit past the prefix.
ip_address masked(const ip_address& a, unsigned prefix) noexcept {
  v6_bytes bytes = a.v6_bytes();
  const std::size_t size = a.is_v4() ? 4 : 16;
  for (std::size_t i = 0; i < size; ++i) {
    const unsigned first_bit = static_cast<unsigned>(i) * 8;
    if (first_bit >= prefix) {
      bytes[i] = 0;
    } else if (prefix - first_bit < 8) {
      bytes[i] &= static_cast<std::uint8_t>(0xff << (8 - (prefix - first_bit)));
    }
  }
  if (a.is_v4()) return ip_address::v4({bytes[0], bytes[1], bytes[2], bytes[3]});
  return ip_address::v6(bytes);
}

struct v4_range {
  std::array<std::uint8_t, 4> network;
  unsigned prefix;
  address_class what;
};

// IANA IPv4 Special-Purpose Address Registry (RFC 6890 and successors), the
// entries that matter for deciding whether an address can be reached across
// the internet. The ranges are disjoint, so the order does not matter.
constexpr v4_range v4_ranges[] = {
    {{0, 0, 0, 0}, 8, address_class::unspecified},  // "this network"
    {{10, 0, 0, 0}, 8, address_class::private_net},
    {{100, 64, 0, 0}, 10, address_class::shared},
    {{127, 0, 0, 0}, 8, address_class::loopback},
    {{169, 254, 0, 0}, 16, address_class::link_local},
    {{172, 16, 0, 0}, 12, address_class::private_net},
    {{192, 0, 0, 0}, 24, address_class::reserved},  // IETF protocol assignments
    {{192, 0, 2, 0}, 24, address_class::documentation},
    {{192, 88, 99, 0}, 24, address_class::reserved},  // deprecated 6to4 relay anycast
    {{192, 168, 0, 0}, 16, address_class::private_net},
    {{198, 18, 0, 0}, 15, address_class::reserved},  // benchmarking
    {{198, 51, 100, 0}, 24, address_class::documentation},
    {{203, 0, 113, 0}, 24, address_class::documentation},
    {{224, 0, 0, 0}, 4, address_class::multicast},
    {{240, 0, 0, 0}, 4, address_class::reserved},  // includes 255.255.255.255
};

struct v6_range {
  v6_bytes network;
  unsigned prefix;
  address_class what;
};

// IANA IPv6 Special-Purpose Address Registry. Unlike the IPv4 table these
// ranges nest, and the first match wins. IPv4-mapped addresses never get
// here: they are classified as IPv4.
constexpr v6_range v6_ranges[] = {
    {{}, 128, address_class::unspecified},
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128, address_class::loopback},
    // NAT64 well-known prefix: stands for a public IPv4 address.
    {{0x00, 0x64, 0xff, 0x9b}, 96, address_class::global},
    {{0x00, 0x64, 0xff, 0x9b, 0x00, 0x01}, 48, address_class::reserved},  // local-use NAT64
    // The rest of ::/8, e.g. the deprecated IPv4-compatible ::a.b.c.d.
    {{}, 8, address_class::reserved},
    {{0x01, 0x00}, 64, address_class::reserved},                          // discard-only
    {{0x20, 0x01, 0x00, 0x02, 0x00, 0x00}, 48, address_class::reserved},  // benchmarking
    {{0x20, 0x01, 0x0d, 0xb8}, 32, address_class::documentation},
    {{0x3f, 0xff}, 20, address_class::documentation},  // RFC 9637
    {{0xfc}, 7, address_class::unique_local},
    {{0xfe, 0x80}, 10, address_class::link_local},
    {{0xfe, 0xc0}, 10, address_class::reserved},  // deprecated site-local
    {{0xff}, 8, address_class::multicast},
};

}  // namespace

address_class classify(const ip_address& a) noexcept {
  const ip_address x = a.unmapped();
  if (x.is_v4()) {
    const auto bytes = x.v4_bytes();
    for (const auto& r : v4_ranges) {
      if (prefix_matches(bytes.data(), r.network.data(), r.prefix)) return r.what;
    }
    return address_class::global;
  }
  for (const auto& r : v6_ranges) {
    if (prefix_matches(x.v6_bytes().data(), r.network.data(), r.prefix)) return r.what;
  }
  return address_class::global;
}

bool is_private_for_nat(const ip_address& a) noexcept {
  switch (classify(a)) {
    case address_class::loopback:
    case address_class::private_net:
    case address_class::shared:
    case address_class::link_local:
    case address_class::unique_local:
      return true;
    case address_class::unspecified:
    case address_class::documentation:
    case address_class::multicast:
    case address_class::reserved:
    case address_class::global:
      return false;
  }
  return false;
}

// The enumerators' own spelling, so that a log line can be grepped for the
// name used in the code.
std::string_view to_string(address_class c) noexcept {
  switch (c) {
    case address_class::unspecified:
      return "unspecified";
    case address_class::loopback:
      return "loopback";
    case address_class::private_net:
      return "private_net";
    case address_class::shared:
      return "shared";
    case address_class::link_local:
      return "link_local";
    case address_class::unique_local:
      return "unique_local";
    case address_class::documentation:
      return "documentation";
    case address_class::multicast:
      return "multicast";
    case address_class::reserved:
      return "reserved";
    case address_class::global:
      return "global";
  }
  return "unknown";
}

result<cidr> cidr::parse(std::string_view text) {
  const auto fail = [] { return unexpected(make_error_code(errc::bad_cidr)); };
  const std::size_t slash = text.find('/');
  const auto address = ip_address::parse(text.substr(0, slash));
  if (!address) return fail();
  const unsigned limit = max_prefix(*address);
  if (slash == std::string_view::npos) return cidr(*address, limit);

  // 1 to 3 decimal digits without leading zeros: "/08" or "/ 8" is a typo
  // worth reporting rather than guessing at.
  const std::string_view digits = text.substr(slash + 1);
  if (digits.empty() || digits.size() > 3 || (digits.size() > 1 && digits[0] == '0')) {
    return fail();
  }
  unsigned prefix = 0;
  for (const char c : digits) {
    if (c < '0' || c > '9') return fail();
    prefix = prefix * 10 + static_cast<unsigned>(c - '0');
  }
  if (prefix > limit) return fail();
  // "10.0.0.1/8" is refused rather than silently widened: the writer may have
  // meant the single host, and a silently widened ACL is a security hole.
  if (masked(*address, prefix) != *address) return fail();
  return cidr(*address, prefix);
}

// An over-long prefix is clamped and host bits are cleared, so that every
// cidr is canonical and operator== compares ranges, not spellings of them.
cidr::cidr(ip_address network, unsigned prefix_length)
    : network_(masked(network, std::min(prefix_length, max_prefix(network)))),
      prefix_(std::min(prefix_length, max_prefix(network))) {}

// Portico treats an IPv4-mapped address as the IPv4 address it carries
// everywhere (classify, same_host), so containment does too:
//  - an IPv4 range, or an IPv6 range inside ::ffff:0:0/96 (which is turned
//    into the equivalent IPv4 range), contains IPv4 addresses and their
//    IPv4-mapped forms alike;
//  - any other IPv6 range contains neither, not even ::/0 or ::/80, so that
//    a rule written for IPv6 ("deny ::/0") never catches IPv4 clients.
bool cidr::contains(const ip_address& a) const noexcept {
  ip_address network = network_;
  unsigned prefix = prefix_;
  if (network.is_v4_mapped() && prefix >= 96) {
    network = network.unmapped();
    prefix -= 96;
  }
  const ip_address x = a.unmapped();
  if (x.af() != network.af()) return false;
  return prefix_matches(x.v6_bytes().data(), network.v6_bytes().data(), prefix);
}

std::string cidr::to_string() const {
  return network_.to_string() + "/" + std::to_string(prefix_);
}

}  // namespace portico::protocol
