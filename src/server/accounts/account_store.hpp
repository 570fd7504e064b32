// The built-in authenticator: anonymous access from the server config plus the
// virtual users of the users file. Immutable once built; a reload builds a new
// one for new sessions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/expected.hpp"
#include "server/accounts/authenticator.hpp"
#include "server/accounts/users_file.hpp"
#include "server/config/server_config.hpp"

namespace portico::server {

class account_store final : public authenticator {
 public:
  // Hashes once (a dummy password, see dummy_hash_like) when there are users.
  account_store(anonymous_config anonymous, std::vector<user_entry> users);

  // Reads config.users_file when set. Fails, with a message for the operator,
  // when the users file is bad, when anonymous access is on without a usable
  // root directory, or when nobody at all could log in.
  static expected<account_store, std::string> load(const server_config& config);

  // "anonymous" and "ftp" in any case log in anonymously with any password
  // (RFC 1635) when anonymous access is enabled. Everyone else needs a user
  // entry and its password. A name without an entry is checked against a
  // dummy hash of the most common method and cost among the users, so that a
  // wrong name costs the same time as a wrong password.
  std::optional<account> authenticate(std::string_view user,
                                      std::string_view password) const override;

  std::size_t user_count() const noexcept { return users_.size(); }
  bool anonymous_enabled() const noexcept { return anonymous_.enabled; }

 private:
  const user_entry* find(std::string_view name) const noexcept;

  anonymous_config anonymous_;
  std::vector<user_entry> users_;  // sorted by name
  std::string dummy_hash_;         // empty when there are no users
};

}  // namespace portico::server
