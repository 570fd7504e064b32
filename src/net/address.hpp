// Conversions between protocol::ip_address (pure) and Asio's addresses.
#pragma once

#include "net/asio.hpp"
#include "protocol/ip_address.hpp"

namespace portico::net {

protocol::ip_address from_asio(const asio::ip::address& a) noexcept;
asio::ip::address to_asio(const protocol::ip_address& a) noexcept;

inline protocol::endpoint from_asio(const tcp::endpoint& ep) noexcept {
  return {from_asio(ep.address()), ep.port()};
}
inline tcp::endpoint to_asio(const protocol::endpoint& ep) noexcept {
  return {to_asio(ep.address), ep.port};
}

}  // namespace portico::net
