// Everything a handler may use: the session's protocol state, the account's
// storage, the configuration and the shared services. No sockets.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "net/asio.hpp"
#include "net/blocking_pool.hpp"
#include "protocol/ip_address.hpp"
#include "server/accounts/authenticator.hpp"
#include "server/config/server_config.hpp"
#include "server/data/data_link.hpp"
#include "server/events/event_sink.hpp"
#include "server/session_state.hpp"

namespace portico::server {

// Opens the storage of an account once it has logged in (blocking; run on the
// pool). local_storage in the server, memory_storage in tests.
using storage_factory =
    std::function<result<std::unique_ptr<storage>>(const account&, const server_config&)>;

struct services {
  net::blocking_pool& blocking;
  std::shared_ptr<const authenticator> auth;
  storage_factory open_storage;
  event_sink& events;
};

struct context {
  const server_config& config;
  services& svc;
  session_state& state;
  data_link& data;
  session_info& info;  // ids and addresses, for logs

  // Runs a blocking call on the pool.
  template <class F>
  net::awaitable<std::invoke_result_t<F>> blocking(F fn) {
    return svc.blocking.run(std::move(fn));
  }

  // The storage; valid only after login (the dispatcher ensures it).
  storage& fs() { return *state.fs; }

  // Current time (UTC seconds), for listings.
  std::int64_t now() const {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  const protocol::endpoint& peer() const { return info.peer; }
  const protocol::endpoint& local() const { return info.local; }
};

}  // namespace portico::server
