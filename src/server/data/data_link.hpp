// How a handler prepares the data connection without touching a socket: the
// session implements this with real listeners and connections, handler tests
// with a fake.
#pragma once

#include <cstdint>
#include <string>

#include "net/asio.hpp"
#include "protocol/expected.hpp"
#include "protocol/ip_address.hpp"

namespace portico::server {

// Why a passive listener could not be opened, with the text for the 425.
struct passive_failure {
  std::string reason;
};

class data_link {
 public:
  virtual ~data_link() = default;

  // Opens a passive listener and returns the endpoint to advertise: the port
  // of the listener and, when `with_address` (PASV; EPSV sends no address),
  // the address of `family` chosen by the NAT policy. Replaces any data
  // connection prepared before.
  virtual net::awaitable<expected<protocol::endpoint, passive_failure>> open_passive(
      protocol::ip_address::family family, bool with_address) = 0;

  // Records the target of an active-mode connection (already checked by the
  // handler); the connection is made when a transfer starts.
  virtual void set_active(const protocol::endpoint& target) = 0;

  // Drops whatever was prepared.
  virtual void reset() noexcept = 0;

  virtual bool prepared() const noexcept = 0;
};

}  // namespace portico::server
