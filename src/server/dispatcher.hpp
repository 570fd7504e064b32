// Applies the command table's rules once for every command (500 unknown verb,
// 501 argument, 530 not logged in, 550 permission, 425 no data connection),
// manages the one-shot state, then runs the handler.
#pragma once

#include "net/asio.hpp"
#include "protocol/command.hpp"
#include "server/command_table.hpp"
#include "server/context.hpp"
#include "server/outcome.hpp"

namespace portico::server {

net::awaitable<outcome> dispatch(context& ctx, const protocol::command_line& cmd);

}  // namespace portico::server
