#include "net/address.hpp"

namespace portico::net {

protocol::ip_address from_asio(const asio::ip::address& a) noexcept {
  if (a.is_v4()) return protocol::ip_address::v4(a.to_v4().to_bytes());
  return protocol::ip_address::v6(a.to_v6().to_bytes());
}

asio::ip::address to_asio(const protocol::ip_address& a) noexcept {
  if (a.is_v4()) return asio::ip::address_v4(a.v4_bytes());
  return asio::ip::address_v6(a.v6_bytes());
}

}  // namespace portico::net
