#include "server/accounts/permissions.hpp"

#include <array>
#include <system_error>

namespace portico::server {
namespace {

struct named_permission {
  permission value;
  std::string_view name;
};

// In bit order, which is also the order to_string() prints and the order the
// configuration documentation lists them.
constexpr std::array<named_permission, 8> names = {{
    {permission::list, "list"},
    {permission::read, "read"},
    {permission::write, "write"},
    {permission::append, "append"},
    {permission::remove, "delete"},
    {permission::mkdir, "mkdir"},
    {permission::rename, "rename"},
    {permission::chmod, "chmod"},
}};

}  // namespace

result<permission> permission_set::parse_name(std::string_view name) {
  // Exact and case-sensitive, like every other configuration word: "Read"
  // is as likely a typo as "raed".
  for (const auto& entry : names) {
    if (entry.name == name) return entry.value;
  }
  return unexpected(std::make_error_code(std::errc::invalid_argument));
}

std::string permission_set::to_string() const {
  std::string out;
  for (const auto& entry : names) {
    if (!has(entry.value)) continue;
    if (!out.empty()) out += ',';
    out += entry.name;
  }
  return out;
}

std::string_view permission_name(permission p) noexcept {
  for (const auto& entry : names) {
    if (entry.value == p) return entry.name;
  }
  return p == permission::none ? "none" : "unknown";
}

}  // namespace portico::server
