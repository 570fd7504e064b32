// Every bound portico enforces, in one place: protocol sizes, resource limits
// and the defaults of every timeout. Configuration may lower or raise the
// runtime ones; the protocol ones are fixed.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace portico::limits {

using namespace std::chrono_literals;

// --- Control connection -----------------------------------------------------

// Longest command line accepted, CRLF included (vsftpd and ftpserverlib use
// 4096 too). A longer line gets "500 line too long" and the session is closed,
// since the rest of the line cannot be parsed reliably.
inline constexpr std::size_t max_command_line = 4096;

// Longest single reply line the client-side reply parser accepts, and the most
// lines and bytes one (multi-line) reply may have before it is rejected.
inline constexpr std::size_t max_reply_line = 8192;
inline constexpr std::size_t max_reply_lines = 10'000;
inline constexpr std::size_t max_reply_bytes = 1 << 20;

// Longest verb: the longest real one is four letters; allow some slack for
// site-specific extensions while bounding garbage.
inline constexpr std::size_t max_verb_length = 16;

// --- PROXY protocol (HAProxy's proxy-protocol.txt) ---------------------------

// Longest version 1 header, CRLF included, as the specification fixes it:
// "PROXY UNKNOWN" followed by two full IPv6 addresses and two 5-digit ports.
inline constexpr std::size_t max_proxy_v1_header = 107;

// Longest version 2 header accepted (16 fixed bytes, addresses and TLVs); a
// longer one is refused as invalid. The specification says a sender emits the
// header at once because it is "always smaller than an MSS", and 536 bytes is
// the smallest IPv4 MSS. It also bounds the peek buffer of a caller, which
// covers version 1 as well.
inline constexpr std::size_t max_proxy_header = 536;

// --- Paths and listings -----------------------------------------------------

inline constexpr std::size_t max_path_length = 4096;         // bytes of a virtual path
inline constexpr std::size_t max_path_depth = 256;           // components
inline constexpr std::size_t max_listing_entries = 100'000;  // per LIST/MLSD

// Longest listing line the client-side parsers accept.
inline constexpr std::size_t max_listing_line = 16'384;

// --- Sessions and logins ----------------------------------------------------

inline constexpr std::size_t default_max_sessions = 2000;
inline constexpr std::size_t default_max_sessions_per_address = 50;
inline constexpr unsigned default_max_login_failures = 3;
inline constexpr auto default_login_failure_delay = 1000ms;

// --- Timeouts ---------------------------------------------------------------

inline constexpr auto default_login_timeout = 60s;
inline constexpr auto default_idle_timeout = 300s;
// Kept short so that a NAT or firewall failure is reported quickly.
inline constexpr auto default_data_connect_timeout = 30s;
inline constexpr auto default_data_accept_timeout = 30s;
inline constexpr auto default_stall_timeout = 120s;
inline constexpr auto default_shutdown_grace = 30s;
// How often the login and idle deadlines of sessions are checked; a timeout
// fires up to this much late.
inline constexpr auto session_watch_tick = 250ms;
// A load balancer sends its PROXY header at once; a connection from a trusted
// proxy that stays silent this long is dropped.
inline constexpr auto proxy_header_timeout = 10s;

// --- Transfers ----------------------------------------------------------------

inline constexpr std::size_t transfer_buffer_size = 256 * 1024;
inline constexpr std::size_t ascii_buffer_size = 64 * 1024;
// An upload is read into one block while the previous one is written, so each
// upload holds two of these. Larger blocks mean fewer hops to the blocking
// pool (two wake-ups each) per GiB.
inline constexpr std::size_t upload_block_size = 512 * 1024;

// Default passive range when none is configured: the IANA dynamic range.
inline constexpr std::uint16_t default_passive_min = 49152;
inline constexpr std::uint16_t default_passive_max = 65534;
// How often a host name given as the public (masquerade) address is resolved
// again, so that a dynamic-DNS change is followed.
inline constexpr auto default_public_address_refresh = 60s;

}  // namespace portico::limits
