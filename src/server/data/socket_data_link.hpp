// The data_link of a real session: passive listeners from the port pool and
// active connections, established with timeouts and the port-stealing check.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "net/asio.hpp"
#include "net/stream.hpp"
#include "server/config/server_config.hpp"
#include "server/data/data_link.hpp"
#include "server/data/passive_ports.hpp"
#include "server/events/event_sink.hpp"
#include "server/nat/name_resolver.hpp"

namespace portico::server {

class socket_data_link final : public data_link {
 public:
  socket_data_link(asio::any_io_executor ex, passive_port_pool& ports, name_resolver& names,
                   const server_config& config, const session_info& info, event_sink& events)
      : ex_(std::move(ex)),
        ports_(ports),
        names_(names),
        config_(config),
        info_(info),
        events_(events) {}

  net::awaitable<expected<protocol::endpoint, passive_failure>> open_passive(
      protocol::ip_address::family family, bool with_address) override;
  void set_active(const protocol::endpoint& target) override;
  void reset() noexcept override;
  bool prepared() const noexcept override { return passive_ != nullptr || active_.has_value(); }

  // Makes the prepared connection: waits for the client on the passive port,
  // or connects to its active-mode address. The error text, for a 425, says
  // what failed and the likely cause.
  net::awaitable<expected<std::unique_ptr<net::stream>, std::string>> establish();

  // Stops an establish() in progress (ABOR, session end).
  void cancel() noexcept;

 private:
  // The address PASV advertises to this client (see nat/passive_address.hpp).
  expected<protocol::ip_address, std::string> advertised_address(
      protocol::ip_address::family family);
  net::awaitable<expected<std::unique_ptr<net::stream>, std::string>> accept_passive(
      passive_lease lease);
  net::awaitable<expected<std::unique_ptr<net::stream>, std::string>> wait_on_shared_port(
      passive_lease lease);
  // Who a data connection is from: its source, or the client address in the
  // PROXY header a trusted load balancer sends first.
  net::awaitable<expected<protocol::ip_address, std::string>> data_peer(tcp::socket& socket,
                                                                        const tcp::endpoint& peer);
  std::string accept_timeout_message(std::uint16_t port) const;
  net::awaitable<expected<std::unique_ptr<net::stream>, std::string>> connect_active(
      protocol::endpoint target);

  asio::any_io_executor ex_;
  passive_port_pool& ports_;
  name_resolver& names_;
  const server_config& config_;
  const session_info& info_;
  event_sink& events_;
  // On the heap: most sessions are idle with no listener, and a lease is
  // bigger than the pointer.
  std::unique_ptr<passive_lease> passive_;
  std::optional<protocol::endpoint> active_;
  // What establish() is waiting on, so that cancel() can stop it.
  tcp::acceptor* waiting_acceptor_ = nullptr;
  asio::steady_timer* waiting_timer_ = nullptr;  // shared ports
  tcp::socket* connecting_socket_ = nullptr;
};

}  // namespace portico::server
