#include "server/server.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <thread>

#include "net/address.hpp"
#include "protocol/limits.hpp"
#include "protocol/reply.hpp"
#include "protocol/reply_code.hpp"
#include "server/nat/proxy_handshake.hpp"
#include "server/session.hpp"

namespace portico::server {

namespace code = protocol::code;

namespace {

unsigned io_threads(const server_config& c) {
  if (c.threads != 0) return c.threads;
  return std::max(1u, std::thread::hardware_concurrency());
}

unsigned blocking_threads(const server_config& c) {
  if (c.blocking_threads != 0) return c.blocking_threads;
  return std::max(4u, 2 * std::thread::hardware_concurrency());
}

std::string bind_advice(const std::error_code& ec, std::uint16_t port) {
  if (ec == asio::error::access_denied && port < 1024) {
    return fmt::format(
        " Ports below 1024 need root or CAP_NET_BIND_SERVICE; use a port such as "
        "2121 (--listen 0.0.0.0:2121), or start portico as root (it drops "
        "privileges right after binding).");
  }
  if (ec == asio::error::address_in_use) {
    return " Another program (or another portico) already listens there; stop it or pick another "
           "port with --listen.";
  }
  if (ec == std::errc::address_not_available) {
    return " This machine has no such address; use 0.0.0.0 or [::] for all addresses.";
  }
  return {};
}

}  // namespace

server::server(std::shared_ptr<const server_config> config,
               std::shared_ptr<const authenticator> auth, std::shared_ptr<event_sink> events,
               storage_factory open_storage)
    : config_(std::move(config)),
      events_(std::move(events)),
      io_(io_threads(*config_)),
      blocking_(blocking_threads(*config_)),
      services_{blocking_, std::move(auth), std::move(open_storage), *events_},
      ports_(passive_pool_options{config_->passive.min_port, config_->passive.max_port,
                                  config_->passive.share_ports, config_->proxy_protocol.trusted},
             *events_),
      names_(passive_host_names(config_->passive), config_->passive.public_address_refresh) {
  for (std::size_t i = 0; i < io_.size(); ++i) {
    watches_.push_back(std::make_unique<session_watch>(io_.at(i)));
  }
}

session_watch& server::watch_for(const asio::any_io_executor& ex) {
  for (auto& w : watches_) {
    if (&asio::query(ex, asio::execution::context) == &w->context()) return *w;
  }
  return *watches_.front();  // not reached: every session runs on the pool
}

server::~server() {
  if (!stopping_) drain_and_stop();
}

void server::bind() {
  for (const auto& l : config_->listeners) {
    std::error_code ec;
    const auto address = asio::ip::make_address(l.address, ec);
    if (ec) throw std::runtime_error(fmt::format("--listen {}: not an IP address.", l.address));
    const tcp::endpoint ep(address, l.port);
    auto acceptor = std::make_unique<tcp::acceptor>(io_.at(0));
    acceptor->open(ep.protocol(), ec);
    if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
    // [::] serves IPv6 only, so that 0.0.0.0 can be bound beside it on the same port.
    if (!ec && address.is_v6()) acceptor->set_option(asio::ip::v6_only(true), ec);
    if (!ec) acceptor->bind(ep, ec);
    if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      throw std::runtime_error(fmt::format("Cannot listen on {}: {}.{}",
                                           net::from_asio(ep).to_string(), ec.message(),
                                           bind_advice(ec, l.port)));
    }
    acceptors_.push_back(std::move(acceptor));
  }
}

std::vector<tcp::endpoint> server::local_endpoints() const {
  std::vector<tcp::endpoint> out;
  for (const auto& a : acceptors_) {
    std::error_code ec;
    out.push_back(a->local_endpoint(ec));
  }
  return out;
}

void server::start() {
  for (auto& a : acceptors_) {
    asio::co_spawn(io_.at(0), accept_loop(*a),
                   [this](std::exception_ptr e) { log_failure(e, "accept loop ended"); });
  }
  for (auto& w : watches_) w->start();
  io_.start();
}

struct server::admission {
  admission(server* o, const protocol::ip_address& p) : owner(o), peer(p) {}
  admission(const admission&) = delete;
  admission& operator=(const admission&) = delete;
  ~admission() { owner->release(peer); }
  server* owner;
  protocol::ip_address peer;
};

std::shared_ptr<void> server::admit(const protocol::ip_address& peer, std::string& refusal) {
  std::lock_guard lock(mutex_);
  if (sessions_ >= config_->limits.max_sessions) {
    refusal = fmt::format("Too many connections (the server's limit is {}); try again later.",
                          config_->limits.max_sessions);
    return nullptr;
  }
  auto& mine = per_address_[peer];
  if (mine >= config_->limits.max_sessions_per_address) {
    refusal = fmt::format(
        "Too many connections from your address (the limit is {}); close some "
        "and try again.",
        config_->limits.max_sessions_per_address);
    if (mine == 0) per_address_.erase(peer);
    return nullptr;
  }
  ++mine;
  ++sessions_;
  // Constructed in place (a temporary admission would release the slot), in
  // one allocation with its control block.
  return std::make_shared<admission>(this, peer);
}

void server::release(const protocol::ip_address& peer) {
  std::lock_guard lock(mutex_);
  --sessions_;
  auto it = per_address_.find(peer);
  if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
}

std::size_t server::session_count() const {
  std::lock_guard lock(mutex_);
  return sessions_;
}

net::awaitable<void> server::accept_loop(tcp::acceptor& acceptor) {
  for (;;) {
    auto& ctx = io_.next();
    auto [ec, socket] = co_await acceptor.async_accept(ctx, net::use_tuple);
    if (stopping_) co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) co_return;
      // Out of descriptors and the like: back off instead of spinning.
      events_->server_message(log_level::warn, fmt::format("accept failed: {}", ec.message()));
      asio::steady_timer pause(acceptor.get_executor(), std::chrono::milliseconds(100));
      co_await pause.async_wait(net::use_tuple);
      continue;
    }
    asio::co_spawn(ctx, open_session(std::move(socket)),
                   [this](std::exception_ptr e) { log_failure(e, "session ended by an error"); });
  }
}

net::awaitable<void> server::open_session(tcp::socket socket) {
  session_info info;
  std::error_code ec;
  info.peer = net::from_asio(socket.remote_endpoint(ec));
  if (ec) co_return;
  info.local = net::from_asio(socket.local_endpoint(ec));
  if (ec) co_return;
  info.peer.address = info.peer.address.unmapped();
  info.server_address = info.local.address.unmapped();

  std::shared_ptr<const server_config> config;
  std::optional<services> snapshot;
  {
    std::lock_guard lock(mutex_);
    config = config_;
    snapshot.emplace(services_);
  }
  if (is_trusted_proxy(config->proxy_protocol.trusted, info.peer.address)) {
    // SECURITY: only a trusted load balancer may say who the client is.
    const auto deadline = std::chrono::steady_clock::now() + limits::proxy_header_timeout;
    auto header = co_await read_proxy_header(socket, deadline);
    if (!header) {
      events_->server_message(log_level::warn, fmt::format("dropped a connection from proxy {}: {}",
                                                           info.peer.to_string(), header.error()));
      co_return;
    }
    if (header->what == protocol::proxy_header::kind::proxied) {
      info.proxy = info.peer;
      info.peer = header->source;
      info.peer.address = info.peer.address.unmapped();
      info.local = header->destination;
      info.local.address = info.local.address.unmapped();
    }
  }

  std::string refusal;
  auto ticket = admit(info.peer.address, refusal);
  if (!ticket) {
    // A short best-effort reply; the socket is not read.
    const std::string text = protocol::format_reply({code::service_unavailable, refusal});
    std::error_code ignored;
    socket.non_blocking(true, ignored);
    asio::write(socket, asio::buffer(text), ignored);
    socket.close(ignored);
    co_return;
  }
  info.id = next_id_.fetch_add(1);
  auto s = std::make_shared<session>(std::move(socket), std::move(info), std::move(config),
                                     std::move(*snapshot), ports_, names_, std::move(ticket));
  {
    std::lock_guard lock(mutex_);
    std::erase_if(live_, [](const std::weak_ptr<session>& w) { return w.expired(); });
    live_.push_back(s);
  }
  watch_for(s->executor()).add(s);
  if (stopping_) s->request_shutdown();
  // Spawned rather than awaited, so that this frame (and the header and
  // addresses on it) is freed now instead of living as long as the session.
  session::start(std::move(s),
                 [this](std::exception_ptr e) { log_failure(e, "session ended by an error"); });
}

void server::log_failure(const std::exception_ptr& e, std::string_view what) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    events_->server_message(log_level::error, fmt::format("{}: {}", what, ex.what()));
  }
}

void server::reload(std::shared_ptr<const server_config> config,
                    std::shared_ptr<const authenticator> auth) {
  std::lock_guard lock(mutex_);
  config_ = std::move(config);
  services_.auth = std::move(auth);
}

void server::drain_and_stop() {
  if (stopping_.exchange(true)) return;
  for (auto& a : acceptors_) {
    asio::post(io_.at(0), [acc = a.get()] {
      std::error_code ignored;
      acc->close(ignored);
    });
  }
  std::vector<std::shared_ptr<session>> sessions;
  {
    std::lock_guard lock(mutex_);
    for (auto& w : live_) {
      if (auto s = w.lock()) sessions.push_back(std::move(s));
    }
  }
  for (auto& s : sessions) s->request_shutdown();
  sessions.clear();
  const auto deadline = std::chrono::steady_clock::now() + config_->timeouts.shutdown_grace;
  while (session_count() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  {
    std::lock_guard lock(mutex_);
    for (auto& w : live_) {
      if (auto s = w.lock()) s->force_close();
    }
  }
  const auto hard_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (session_count() > 0 && std::chrono::steady_clock::now() < hard_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  io_.stop();
  io_.join();
}

}  // namespace portico::server
