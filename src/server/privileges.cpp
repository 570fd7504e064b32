#include "server/privileges.hpp"

#include <fmt/format.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace portico::server {

namespace {

// capset(2) without libcap: only CAP_NET_BIND_SERVICE, permitted and effective.
bool keep_only_bind_service() {
  __user_cap_header_struct header{};
  header.version = _LINUX_CAPABILITY_VERSION_3;
  header.pid = 0;
  __user_cap_data_struct data[2] = {};
  data[0].permitted = 1u << CAP_NET_BIND_SERVICE;
  data[0].effective = 1u << CAP_NET_BIND_SERVICE;
  return ::syscall(SYS_capset, &header, data) == 0;
}

}  // namespace

expected<void, std::string> drop_privileges(const std::string& user, bool keep_bind_service) {
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
  // Capabilities survive setuid only with KEEPCAPS; everything but the one
  // wanted is dropped right after.
  if (keep_bind_service) ::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0);
  if (::setgroups(1, &gid) != 0 || ::setgid(gid) != 0 || ::setuid(uid) != 0) {
    return unexpected(fmt::format("Cannot switch to user '{}': {}.", user, std::strerror(errno)));
  }
  if (keep_bind_service) {
    ::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
    if (!keep_only_bind_service()) {
      return unexpected(
          fmt::format("Cannot keep CAP_NET_BIND_SERVICE for port 20: {}.", std::strerror(errno)));
    }
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
