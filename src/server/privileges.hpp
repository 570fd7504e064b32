// Dropping root after the listeners are bound: a server started as root (to
// bind port 21) runs every session as an unprivileged user.
#pragma once

#include <string>

#include "protocol/expected.hpp"

namespace portico::server {

// When running as root, switches the whole process to `user` (its uid, gid
// and only that group), forbids regaining privileges (PR_SET_NO_NEW_PRIVS)
// and core dumps (passwords sit in memory). "root" keeps root. Does nothing
// when not root. With `keep_bind_service` the process keeps exactly one
// capability, CAP_NET_BIND_SERVICE, so that active-mode connections can start
// from port 20 (active.from_port_20). The error says what failed.
expected<void, std::string> drop_privileges(const std::string& user,
                                            bool keep_bind_service = false);

}  // namespace portico::server
