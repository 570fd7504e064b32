#include "server/data/passive_ports.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "net/address.hpp"

namespace portico::server {
namespace {

using protocol::ip_address;

class null_events final : public event_sink {
 public:
  void server_message(log_level, std::string_view t) override { messages.emplace_back(t); }
  void session_opened(const session_info&) override {}
  void session_closed(const session_info&, std::string_view) override {}
  void login(const session_info&, std::string_view, bool) override {}
  void command(const session_info&, std::string_view, std::string_view, int) override {}
  void transfer(const session_info&, const transfer_record&) override {}
  void data_connection_failed(const session_info&, std::string_view) override {}
  std::vector<std::string> messages;
};

const asio::ip::address loopback = asio::ip::make_address("127.0.0.1");

ip_address ip(const char* text) {
  return ip_address::parse(text).value();
}

// A port range of `count` ports that is free right now.
passive_pool_options free_range(std::uint16_t count, bool share) {
  for (std::uint16_t base = 41000; base < 60000; base = static_cast<std::uint16_t>(base + 97)) {
    bool all_free = true;
    asio::io_context probe;
    for (std::uint16_t p = base; p < base + count && all_free; ++p) {
      tcp::acceptor a(probe);
      std::error_code ec;
      a.open(tcp::v4(), ec);
      a.bind({loopback, p}, ec);
      all_free = !ec;
    }
    if (all_free) {
      return {base, static_cast<std::uint16_t>(base + count - 1), share, {}};
    }
  }
  return {};
}

// Connects from `source` (a loopback address) to the port.
tcp::socket connect_from(asio::io_context& io, const char* source, std::uint16_t port) {
  tcp::socket s(io);
  s.open(tcp::v4());
  s.bind({asio::ip::make_address(source), 0});
  s.connect({loopback, port});
  return s;
}

void run_until(asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.run_for(std::chrono::milliseconds(10));
    io.restart();
  }
}

TEST(PassivePorts, ExclusivePortsAreNeverHandedOutTwice) {
  null_events events;
  passive_port_pool pool(free_range(2, false), events);
  asio::io_context io;
  auto a = pool.open(io.get_executor(), loopback, ip("198.51.100.1"));
  auto b = pool.open(io.get_executor(), loopback, ip("198.51.100.2"));
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->port(), b->port());
  auto c = pool.open(io.get_executor(), loopback, ip("198.51.100.3"));
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().find("All 2 passive ports"), std::string::npos) << c.error();
  EXPECT_NE(c.error().find("--share-passive-ports"), std::string::npos) << c.error();
  // Released as soon as its lease goes.
  a = unexpected(std::string("gone"));
  EXPECT_EQ(pool.in_use(), 1u);
  EXPECT_TRUE(pool.open(io.get_executor(), loopback, ip("198.51.100.3")));
}

TEST(PassivePorts, SharedPortsServeDifferentAddressesNeverTheSameOneTwice) {
  null_events events;
  passive_port_pool pool(free_range(1, true), events);
  asio::io_context io;
  auto a = pool.open(io.get_executor(), loopback, ip("127.0.0.2"));
  auto b = pool.open(io.get_executor(), loopback, ip("127.0.0.3"));
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(a->shared());
  EXPECT_EQ(a->port(), b->port());
  auto again = pool.open(io.get_executor(), loopback, ip("127.0.0.2"));
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().find("of your address"), std::string::npos) << again.error();
  EXPECT_EQ(pool.in_use(), 1u);
}

TEST(PassivePorts, ASharedPortHandsEachConnectionToTheSessionOfItsAddress) {
  null_events events;
  passive_port_pool pool(free_range(1, true), events);
  asio::io_context io;
  auto a = pool.open(io.get_executor(), loopback, ip("127.0.0.2"));
  auto b = pool.open(io.get_executor(), loopback, ip("127.0.0.3"));
  ASSERT_TRUE(a && b);
  const std::uint16_t port = a->port();

  // A third address (a thief) is closed and delivered to nobody.
  auto thief = connect_from(io, "127.0.0.9", port);
  auto from_b = connect_from(io, "127.0.0.3", port);
  run_until(io, [&] { return b->waiter().delivered.has_value(); });
  ASSERT_TRUE(b->waiter().delivered.has_value());
  EXPECT_FALSE(a->waiter().delivered.has_value());
  std::error_code ec;
  EXPECT_EQ(b->waiter().delivered->remote_endpoint(ec).address(),
            asio::ip::make_address("127.0.0.3"));
  run_until(io, [&] { return !events.messages.empty(); });
  ASSERT_FALSE(events.messages.empty());
  EXPECT_NE(events.messages[0].find("127.0.0.9"), std::string::npos) << events.messages[0];
  char byte = 0;
  thief.non_blocking(false);
  EXPECT_EQ(thief.read_some(asio::buffer(&byte, 1), ec), 0u);
  EXPECT_EQ(ec, asio::error::eof);

  auto from_a = connect_from(io, "127.0.0.2", port);
  run_until(io, [&] { return a->waiter().delivered.has_value(); });
  ASSERT_TRUE(a->waiter().delivered.has_value());

  // The last lease closes the listener and frees the port.
  a = unexpected(std::string("gone"));
  b = unexpected(std::string("gone"));
  EXPECT_EQ(pool.in_use(), 0u);
  // Lets the posted close of the listener run.
  run_until(
      io, [] { return false; }, std::chrono::milliseconds(100));
  tcp::acceptor rebind(io);
  rebind.open(tcp::v4());
  // As the pool binds: the closed data connections may linger in TIME_WAIT.
  rebind.set_option(asio::socket_base::reuse_address(true));
  rebind.bind({loopback, port}, ec);
  if (!ec) rebind.listen(1, ec);
  EXPECT_FALSE(ec) << ec.message();
}

}  // namespace
}  // namespace portico::server
