#include "server/accounts/users_file.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "server/accounts/password_hash.hpp"
#include "server/config/toml.hpp"

namespace portico::server {
namespace {

using toml_detail::located;

constexpr std::size_t max_user_name = 64;
constexpr const char* permission_list = "list, read, write, append, delete, mkdir, rename, chmod";

// Why a name cannot be a user name, or "" when it can.
std::string name_problem(std::string_view name) {
  if (name.empty() || name.size() > max_user_name) {
    return "user names are 1 to 64 characters";
  }
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return "user names may contain only letters, digits, '.', '_' and '-'";
  }
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
  if (lower == "anonymous" || lower == "ftp") {
    return "\"anonymous\" and \"ftp\" are reserved for anonymous login (see [anonymous] in "
           "the server config)";
  }
  return {};
}

class reader {
 public:
  explicit reader(const std::string& file) : file_(file) {}

  void user(const std::string& name, const toml::table& table) {
    const std::string prefix = "users." + name;
    if (auto problem = name_problem(name); !problem.empty()) {
      fail(table.source(), prefix, problem);
      return;
    }
    user_entry entry;
    entry.name = name;
    entry.permissions = permission_set::read_only();
    bool have_password = false;
    bool have_home = false;
    for (auto&& [key, node] : table) {
      const std::string dotted = prefix + "." + std::string(key.str());
      if (key == "password") {
        have_password = true;
        password(node, dotted, entry);
      } else if (key == "home") {
        have_home = true;
        home(node, dotted, entry);
      } else if (key == "permissions") {
        permissions(node, dotted, entry);
      } else if (node.is_table()) {
        // [users.a.b] makes a table "b" inside user "a"; it means user "a.b".
        fail(key.source(), dotted,
             "unexpected table: quote user names that contain '.', e.g. [users.\"" + name + "." +
                 std::string(key.str()) + "\"]");
      } else {
        fail(key.source(), dotted,
             toml_detail::unknown_key_message(key.str(), {"password", "home", "permissions"}));
      }
    }
    if (!have_password) {
      fail(table.source(), prefix,
           "missing password (a crypt(3) hash: make one with `portico passwd`)");
    }
    if (!have_home) fail(table.source(), prefix, "missing home (the user's directory)");
    users_.push_back(std::move(entry));
  }

  void fail(const toml::source_region& where, std::string_view key, std::string_view message) {
    if (!errors_.empty()) errors_ += '\n';
    errors_ += located(file_, where, key, message);
  }

  const std::string& errors() const { return errors_; }
  std::vector<user_entry>& users() { return users_; }

 private:
  void password(const toml::node& node, const std::string& key, user_entry& entry) {
    const auto* value = node.as_string();
    if (value == nullptr) {
      fail(node.source(), key, "must be a string (a crypt(3) hash from `portico passwd`)");
      return;
    }
    if (auto problem = check_hash_format(value->get())) {
      fail(node.source(), key, *problem);
      return;
    }
    entry.password_hash = value->get();
  }

  void home(const toml::node& node, const std::string& key, user_entry& entry) {
    const auto* value = node.as_string();
    if (value == nullptr || value->get().empty()) {
      fail(node.source(), key, "must be a non-empty string (a directory)");
      return;
    }
    entry.home = toml_detail::resolve_relative_to(file_, value->get());
    if (auto problem = toml_detail::directory_problem(entry.home); !problem.empty()) {
      fail(node.source(), key, problem);
    }
  }

  void permissions(const toml::node& node, const std::string& key, user_entry& entry) {
    const auto* array = node.as_array();
    if (array == nullptr) {
      fail(node.source(), key,
           std::string("must be an array of strings, e.g. [\"list\", \"read\"] (one of ") +
               permission_list + ")");
      return;
    }
    permission_set set;
    for (const auto& element : *array) {
      const auto* name = element.as_string();
      if (name == nullptr) {
        fail(element.source(), key, "must contain only strings");
        continue;
      }
      auto parsed = permission_set::parse_name(name->get());
      if (!parsed) {
        fail(
            element.source(), key,
            "unknown permission \"" + name->get() + "\" (expected one of " + permission_list + ")");
        continue;
      }
      set = set.with(*parsed);
    }
    entry.permissions = set;
  }

  const std::string& file_;
  std::string errors_;
  std::vector<user_entry> users_;
};

}  // namespace

expected<std::vector<user_entry>, std::string> load_users_file(const std::string& path) {
  auto parsed = toml_detail::parse_file(path, "users file");
  if (!parsed) return unexpected(parsed.error());
  const toml::table& document = *parsed;

  reader r(path);
  const toml::table* users = nullptr;
  for (auto&& [key, node] : document) {
    if (key == "users" && node.is_table()) {
      users = node.as_table();
    } else if (key == "users") {
      r.fail(node.source(), "users", "must be a table: write each user as [users.NAME]");
    } else {
      r.fail(key.source(), key.str(), "unknown key: write each user as [users.NAME]");
    }
  }
  if (users != nullptr) {
    for (auto&& [name, node] : *users) {
      const std::string dotted = "users." + std::string(name.str());
      if (const auto* table = node.as_table()) {
        r.user(std::string(name.str()), *table);
      } else {
        r.fail(node.source(), dotted,
               "must be a table with password, home and permissions ([" + dotted + "])");
      }
    }
  }
  if (r.errors().empty() && r.users().empty()) {
    r.fail(document.source(), "", "no users: add one as [users.NAME] (see etc/users.example.toml)");
  }
  if (!r.errors().empty()) return unexpected(r.errors());
  auto result = std::move(r.users());
  std::sort(result.begin(), result.end(),
            [](const user_entry& a, const user_entry& b) { return a.name < b.name; });
  return result;
}

}  // namespace portico::server
