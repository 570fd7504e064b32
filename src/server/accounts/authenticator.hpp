// Who may log in, and what they get. Behind an interface so that other account
// stores (PostgreSQL, PAM) can be added without touching sessions.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "server/accounts/permissions.hpp"

namespace portico::server {

struct account {
  std::string name;  // as logged in; "anonymous" for anonymous sessions
  bool anonymous = false;
  std::string home;  // absolute directory: the root of the account's storage
  permission_set permissions;
};

class authenticator {
 public:
  virtual ~authenticator() = default;

  // Checks a user name and password. Blocking: password hashes are slow on
  // purpose, so callers run this on the blocking pool. Unknown users and wrong
  // passwords are indistinguishable to the caller (and take the same time).
  virtual std::optional<account> authenticate(std::string_view user,
                                              std::string_view password) const = 0;
};

}  // namespace portico::server
