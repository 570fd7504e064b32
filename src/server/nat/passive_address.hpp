// Which address a PASV reply advertises. Behind NAT the local address of the
// control connection is not one an internet client can reach, so the
// administrator names the public one; LAN clients of the same server must
// still get the local address (hairpin NAT is rare and slow). The rules, in
// order:
//   1. the first passive.overrides entry matching the client's network and the
//      server address it connected to;
//   2. clients from private, loopback and link-local networks: the local address
//      (unless local_address_for_private_clients is off);
//   3. passive.public_address, when set;
//   4. the local address.
#pragma once

#include <string_view>

#include "protocol/ip_address.hpp"
#include "server/config/server_config.hpp"

namespace portico::server {

// The configured text to advertise: an IP literal, a host name, or "" for the
// local address. Points into `config`.
std::string_view choose_passive_address(const passive_config& config,
                                        const protocol::ip_address& client,
                                        const protocol::ip_address& local);

}  // namespace portico::server
