#include "server/privileges.hpp"

#include <fmt/format.h>
#include <grp.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace portico::server {

expected<void, std::string> drop_privileges(const std::string& user) {
  if (::geteuid() != 0) return {};
  if (user == "root") return {};
  std::vector<char> buffer(16384);
  passwd pw{};
  passwd* found = nullptr;
  const int err = ::getpwnam_r(user.c_str(), &pw, buffer.data(), buffer.size(), &found);
  if (err != 0 || found == nullptr) {
    return unexpected(
        fmt::format("Cannot switch to user '{}': no such user. Create it, or name "
                    "another with --run-as (run_as in the configuration).",
                    user));
  }
  const gid_t gid = pw.pw_gid;
  const uid_t uid = pw.pw_uid;
  if (::setgroups(1, &gid) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0) {
    return unexpected(fmt::format("Cannot switch to user '{}': {}.", user, std::strerror(errno)));
  }
  // SECURITY: make sure root cannot be regained.
  if (uid != 0 && ::setuid(0) == 0) {
    return unexpected(std::string("Dropping privileges failed: root could be regained."));
  }
  ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  return {};
}

}  // namespace portico::server
