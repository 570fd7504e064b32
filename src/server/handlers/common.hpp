// Helpers shared by the handler families.
#pragma once

#include <string>
#include <string_view>
#include <system_error>

#include "protocol/expected.hpp"
#include "protocol/reply.hpp"
#include "server/context.hpp"

namespace portico::server::handlers {

// The virtual path an argument names, relative to the cwd; a 553/501 reply
// when it cannot be one.
expected<std::string, protocol::reply> resolve_path(const context& ctx, std::string_view arg);

// The reply for a failed storage call on `path` (the one mapping from storage
// errors to reply codes).
protocol::reply storage_failure(const std::error_code& ec, std::string_view path);

// Permission letters of RFC 3659 §7.5.5 for an entry, from the account's
// permissions.
std::string mlsx_perm(const context& ctx, protocol::entry_type type);

}  // namespace portico::server::handlers
