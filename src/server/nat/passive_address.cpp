#include "server/nat/passive_address.hpp"

#include <algorithm>

#include "protocol/address_class.hpp"

namespace portico::server {

namespace {

bool matches(const std::vector<protocol::cidr>& networks, const protocol::ip_address& a) {
  return networks.empty() || std::any_of(networks.begin(), networks.end(),
                                         [&](const protocol::cidr& n) { return n.contains(a); });
}

}  // namespace

std::string_view choose_passive_address(const passive_config& config,
                                        const protocol::ip_address& client,
                                        const protocol::ip_address& local) {
  const auto c = client.unmapped();
  const auto l = local.unmapped();
  for (const auto& o : config.overrides) {
    if (matches(o.clients, c) && matches(o.server, l)) return o.address;
  }
  if (config.local_address_for_private_clients && protocol::is_private_for_nat(c)) return {};
  return config.public_address;
}

}  // namespace portico::server
