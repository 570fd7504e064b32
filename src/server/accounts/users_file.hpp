// The users file (`--users FILE`, or users_file in the config): virtual FTP
// accounts, one TOML table each.
//
//   [users.alice]
//   password = "$y$j9T$..."          # crypt(3) hash from `portico passwd`
//   home = "/srv/ftp/alice"           # absolute, or relative to this file
//   permissions = ["list", "read"]    # the default when absent
#pragma once

#include <string>
#include <vector>

#include "protocol/expected.hpp"
#include "server/accounts/permissions.hpp"

namespace portico::server {

struct user_entry {
  std::string name;           // 1..64 of [A-Za-z0-9._-]; never anonymous/ftp
  std::string password_hash;  // checked by check_hash_format()
  std::string home;           // absolute, normalised; an existing directory
  permission_set permissions;
};

// Every problem is reported as "FILE:LINE: users.NAME.KEY: what is wrong";
// several problems are separated by newlines. Users come back sorted by name.
expected<std::vector<user_entry>, std::string> load_users_file(const std::string& path);

}  // namespace portico::server
