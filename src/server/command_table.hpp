// The one list of commands portico serves. Dispatch, HELP and FEAT are all
// generated from it, so the verb list cannot drift between them: per command,
// whether login is needed, what argument it takes, which permission it needs,
// whether it opens a transfer or may run during one, its handler and its help.
#pragma once

#include <span>
#include <string_view>

#include "net/asio.hpp"
#include "server/accounts/permissions.hpp"
#include "server/context.hpp"
#include "server/outcome.hpp"

namespace portico::server {

enum class arg_rule { none, required, optional };

namespace command_flag {
inline constexpr unsigned opens_transfer = 1u << 0;   // needs a prepared data connection
inline constexpr unsigned during_transfer = 1u << 1;  // answered while a transfer runs
inline constexpr unsigned keeps_one_shot = 1u << 2;   // does not clear REST (PASV, TYPE...)
inline constexpr unsigned before_login = 1u << 3;     // allowed before login
}  // namespace command_flag

using handler_fn = net::awaitable<outcome> (*)(context& ctx, std::string_view argument);

struct command_spec {
  std::string_view verb;
  handler_fn handler;
  arg_rule arg;
  permission perm;
  unsigned flags;
  std::string_view feature;  // FEAT line, empty if none
  std::string_view help;     // syntax, for HELP VERB and 501 replies

  bool needs_login() const { return (flags & command_flag::before_login) == 0; }
  bool has(unsigned flag) const { return (flags & flag) != 0; }
};

std::span<const command_spec> command_table() noexcept;

// Case-sensitive lookup of an upper-cased verb; nullptr if not served.
const command_spec* find_command(std::string_view verb) noexcept;

}  // namespace portico::server
