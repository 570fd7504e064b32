// The one place Asio is included from, with the idioms portico uses everywhere:
// coroutines whose operations return (error_code, value) tuples instead of
// throwing (expected failures are values on the hot path).
#pragma once

#include <asio.hpp>
#include <asio/experimental/as_tuple.hpp>

namespace portico::net {

using asio::awaitable;
using tcp = asio::ip::tcp;

// co_await sock.async_read_some(buf, use_tuple) -> std::tuple<error_code, size_t>
inline constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

}  // namespace portico::net
