// Reading the PROXY protocol header (HAProxy, v1 or v2) that a trusted load
// balancer sends at the start of a connection, control or data. The header
// is peeked first and then read exactly, so not one byte of what follows
// (FTP commands, upload data) is taken from the stream.
//
// SECURITY: only connections from proxy_protocol.trusted may carry a header;
// from anyone else a "PROXY ..." line is just an unknown command, so nobody can
// forge their address.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "net/asio.hpp"
#include "protocol/address_class.hpp"
#include "protocol/expected.hpp"
#include "protocol/proxy_header.hpp"

namespace portico::server {

using net::tcp;

bool is_trusted_proxy(const std::vector<protocol::cidr>& trusted, const protocol::ip_address& peer);

// Waits (until `deadline`) for the whole header and consumes it. The error
// says what was wrong, for the log.
net::awaitable<expected<protocol::proxy_header, std::string>> read_proxy_header(
    tcp::socket& socket, std::chrono::steady_clock::time_point deadline);

}  // namespace portico::server
