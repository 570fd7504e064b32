// Feeds arbitrary bytes to measure_proxy_header and parse_proxy_header and
// checks what the server relies on when it peeks at a connection: the answer
// for a prefix never contradicts the answer for a longer one (an invalid
// prefix stays invalid, a known length stays that length), the length is
// bounded, parse accepts exactly the measured bytes of a known header, and
// every header it accepts, written out again, parses back the same with no
// prefix of it measured invalid.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "protocol/limits.hpp"
#include "protocol/proxy_header.hpp"

namespace {

using namespace portico;
using namespace portico::protocol;
using status = proxy_header_length::status;
using bytes = std::span<const std::uint8_t>;

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "invariant failed: %s\n", what);
    std::abort();
  }
}

// The message may quote more of the bytes as more arrive; the rest is equal.
bool same(const proxy_header_length& a, const proxy_header_length& b) {
  return a.state == b.state && a.length == b.length && a.code == b.code;
}

void check_shape(const proxy_header_length& m, bytes data) {
  if (m.state == status::invalid) {
    check(m.code && !m.error.empty() && m.length == 0, "invalid has a code and a message");
    return;
  }
  check(!m.code && m.error.empty(), "only invalid has an error");
  if (m.state == status::incomplete) {
    check(m.length == 0, "incomplete has no length");
    return;
  }
  check(m.length >= 8 && m.length <= limits::max_proxy_header, "known length is bounded");
  if (data[0] == 'P') check(m.length <= limits::max_proxy_v1_header, "v1 within 107 bytes");
  if (m.length > data.size()) {
    check(data[0] == 0x0d && data.size() >= 16, "only v2 knows its length before its end");
  }
}

// The answers for the prefixes of `data` agree with each other, so that a
// caller peeking again after more bytes arrived never sees a contradiction.
void check_prefixes(bytes data) {
  check(measure_proxy_header(data.first(0)).state == status::incomplete, "empty is incomplete");
  const std::size_t n = std::min(data.size(), limits::max_proxy_header + 1);
  proxy_header_length before;  // the answer for one byte less
  for (std::size_t k = 1; k <= n; ++k) {
    const proxy_header_length m = measure_proxy_header(data.first(k));
    check_shape(m, data.first(k));
    if (before.state == status::invalid) {
      check(same(m, before), "an invalid prefix stays invalid, for the same reason");
    } else if (before.state == status::known) {
      const std::size_t length = before.length;
      if (k < length) {
        // Until the header is whole only its length is known.
        check(m.state == status::known && m.length == length, "a known length stays");
      } else if (k == length) {
        check(m.state == status::invalid || (m.state == status::known && m.length == length),
              "a whole header is known or invalid");
      } else {
        check(same(m, before), "bytes after a header change nothing");
      }
    }
    if (m.state == status::known && m.length < k) {
      check(before.state == status::known && before.length == m.length,
            "a header is known as soon as it is whole");
    }
    before = m;
  }
}

std::string v1_text(const proxy_header& h) {
  if (h.what == proxy_header::kind::local) return "PROXY UNKNOWN\r\n";
  return std::string("PROXY ") + (h.source.address.is_v4() ? "TCP4 " : "TCP6 ") +
         h.source.address.to_string() + " " + h.destination.address.to_string() + " " +
         std::to_string(h.source.port) + " " + std::to_string(h.destination.port) + "\r\n";
}

std::vector<std::uint8_t> v2_bytes(const proxy_header& h) {
  std::vector<std::uint8_t> out = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51,
                                   0x55, 0x49, 0x54, 0x0a, 0x20, 0x00, 0x00, 0x00};
  if (h.what == proxy_header::kind::local) return out;
  const bool v4 = h.source.address.is_v4();
  out[12] = 0x21;
  out[13] = v4 ? 0x11 : 0x21;
  out[15] = v4 ? 12 : 36;
  for (const endpoint* e : {&h.source, &h.destination}) {
    if (v4) {
      for (const std::uint8_t b : e->address.v4_bytes()) out.push_back(b);
    } else {
      for (const std::uint8_t b : e->address.v6_bytes()) out.push_back(b);
    }
  }
  for (const endpoint* e : {&h.source, &h.destination}) {
    out.push_back(static_cast<std::uint8_t>(e->port >> 8));
    out.push_back(static_cast<std::uint8_t>(e->port & 0xff));
  }
  return out;
}

// A header written out from a parsed one parses back the same, and no prefix
// of it is invalid: what a real sender emits is never cut off early.
void check_round_trip(const proxy_header& h) {
  std::vector<std::uint8_t> wire;
  if (h.version == 1) {
    const std::string line = v1_text(h);
    wire.assign(line.begin(), line.end());
  } else {
    wire = v2_bytes(h);
  }
  for (std::size_t k = 0; k < wire.size(); ++k) {
    const proxy_header_length m = measure_proxy_header(bytes(wire).first(k));
    check(m.state == status::incomplete ||
              (h.version == 2 && k >= 16 && m.state == status::known && m.length == wire.size()),
          "no prefix of a valid header is invalid");
  }
  const proxy_header_length m = measure_proxy_header(wire);
  check(m.state == status::known && m.length == wire.size(), "a written header measures whole");
  const auto again = parse_proxy_header(wire);
  check(again.has_value() && *again == h, "a written header parses back the same");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Nothing past limits::max_proxy_header bytes can matter to measure.
  if (size > 2 * limits::max_proxy_header) return 0;
  const bytes input(data, size);
  const proxy_header_length m = measure_proxy_header(input);
  if (size > 0) check_shape(m, input);
  check_prefixes(input);

  const auto parsed = parse_proxy_header(input);
  check(parsed.has_value() == (m.state == status::known && m.length == size),
        "parse accepts exactly a header measured whole");
  if (!parsed && m.state == status::invalid) {
    check(parsed.error() == m.code, "parse and measure give the same error");
  }
  if (m.state != status::known || m.length > size) return 0;

  const auto header = parse_proxy_header(input.first(m.length));
  check(header.has_value(), "a header measured whole parses");
  check(header->version == (data[0] == 'P' ? 1 : 2), "version follows the first byte");
  if (header->what == proxy_header::kind::local) {
    check(header->source == endpoint{} && header->destination == endpoint{},
          "local leaves the addresses empty");
  } else {
    check(header->source.address.af() == header->destination.address.af(),
          "both addresses of one family");
  }
  check_round_trip(*header);
  return 0;
}
