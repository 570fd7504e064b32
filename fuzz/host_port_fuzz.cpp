// Feeds arbitrary bytes to every address and host-port parser and checks the
// round-trip invariants the server and client rely on: whatever a parser
// accepts, the matching formatter writes in a form the parser reads back as
// the same value.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "protocol/address_class.hpp"
#include "protocol/host_port.hpp"
#include "protocol/ip_address.hpp"

namespace {

using namespace portico::protocol;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant failed: %s\n", what);
    std::abort();
  }
}

void fuzz_ip_address(std::string_view text) {
  const auto a = ip_address::parse(text);
  if (!a) return;
  const std::string s = a->to_string();
  const auto again = ip_address::parse(s);
  check(again.has_value() && *again == *a, "ip_address::parse(to_string()) round-trips");
  check(again->to_string() == s, "to_string is canonical");
  check(same_host(*a, a->unmapped()), "an address is the same host as its unmapped form");
  check(classify(*a) == classify(a->unmapped()), "mapped classifies as its IPv4");
  (void)to_string(classify(*a));
  const endpoint e{*a, 21};
  check(!e.to_string().empty(), "endpoint::to_string");

  // Every prefix of the address's own range contains it, in either form.
  const unsigned max = a->is_v4() ? 32 : 128;
  const cidr full(*a, max);
  check(full.contains(*a), "an address's /32 or /128 contains it");
  // Any prefix length, derived from the input so that the fuzzer steers it.
  unsigned sum = 0;
  for (const char c : text) sum += static_cast<unsigned char>(c);
  const unsigned prefix = sum % (max + 1);
  const cidr some(*a, prefix);
  if (a->is_v4_mapped() && prefix < 96) {
    // Only a range inside ::ffff:0:0/96 contains IPv4-mapped addresses.
    check(!some.contains(*a), "a wide IPv6 range leaves IPv4-mapped addresses out");
  } else {
    check(some.contains(*a), "every range built from an address contains it");
  }
  if (a->is_v4()) {
    const auto b = a->v4_bytes();
    const auto mapped =
        ip_address::v6({0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, b[0], b[1], b[2], b[3]});
    check(mapped.is_v4_mapped() && mapped.unmapped() == *a, "v4-mapped unmaps to its IPv4");
    check(some.contains(mapped), "an IPv4 range contains the mapped form");
  }
}

void fuzz_cidr(std::string_view text) {
  const auto c = cidr::parse(text);
  if (!c) return;
  check(c->prefix_length() <= (c->network().is_v4() ? 32u : 128u), "prefix in range");
  const auto again = cidr::parse(c->to_string());
  check(again.has_value() && *again == *c, "cidr::parse(to_string()) round-trips");
  check(c->contains(c->network()), "a range contains its network address");
  check(cidr(c->network(), c->prefix_length()) == *c, "parsed cidr is canonical");
}

void fuzz_host_port(std::string_view text) {
  const auto e = parse_host_port(text);
  if (!e) return;
  check(e->address.is_v4() && e->port != 0, "PORT gives an IPv4 endpoint, port != 0");
  const auto s = format_host_port(*e);
  check(s.has_value(), "format_host_port of a parsed endpoint");
  const auto again = parse_host_port(*s);
  check(again.has_value() && *again == *e, "parse_host_port(format()) round-trips");
  const auto pasv = parse_pasv_reply("Entering Passive Mode (" + *s + ").");
  check(pasv.has_value() && *pasv == *e, "a formatted 227 parses back");
  // What PORT accepts, a 227 reply containing exactly it also gives.
  const auto reply = parse_pasv_reply(text);
  check(reply.has_value() && *reply == *e, "PORT text is a valid 227 text");
}

void fuzz_pasv_reply(std::string_view text) {
  const auto e = parse_pasv_reply(text);
  if (!e) return;
  check(e->address.is_v4() && e->port != 0, "227 gives an IPv4 endpoint, port != 0");
  const auto s = format_host_port(*e);
  check(s.has_value(), "format_host_port of a 227 endpoint");
  const auto again = parse_pasv_reply(*s);
  check(again.has_value() && *again == *e, "227 round-trips");
}

void fuzz_eprt(std::string_view text) {
  const auto e = parse_eprt(text);
  if (!e) return;
  check(e->port != 0, "EPRT port != 0");
  const std::string s = format_eprt(*e);
  const auto again = parse_eprt(s);
  check(again.has_value(), "parse_eprt(format_eprt()) succeeds");
  // format_eprt writes a mapped address as |1|, so compare unmapped.
  check(again->port == e->port && again->address == e->address.unmapped(),
        "parse_eprt(format_eprt()) round-trips");
  check(format_eprt(*again) == s, "format_eprt is canonical");
}

void fuzz_epsv(std::string_view text) {
  const auto port = parse_epsv_reply(text);
  if (port) {
    check(*port != 0, "229 port != 0");
    const auto again = parse_epsv_reply(format_epsv_port(*port));
    check(again.has_value() && *again == *port, "229 round-trips");
  }
  const auto arg = parse_epsv_argument(text);
  if (arg) {
    check(text.empty() || text == "1" || text == "2" || text.size() == 3,
          "EPSV argument accepted only for none, 1, 2 or ALL");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // The control line limit bounds every argument a parser is given.
  if (size > 4096) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  fuzz_ip_address(text);
  fuzz_cidr(text);
  fuzz_host_port(text);
  fuzz_pasv_reply(text);
  fuzz_eprt(text);
  fuzz_epsv(text);
  return 0;
}
