#include "server/accounts/account_store.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>

#include "server/accounts/password_hash.hpp"

namespace portico::server {
namespace {

bool is_anonymous_name(std::string_view user) noexcept {
  auto equals_ignoring_case = [](std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             auto lower = [](char c) {
               return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
             };
             return lower(x) == lower(y);
           });
  };
  return equals_ignoring_case(user, "anonymous") || equals_ignoring_case(user, "ftp");
}

// The representative for the dummy: a user whose method and cost are the most
// common, so that most real names and all unknown ones take the same time.
std::string pick_dummy(const std::vector<user_entry>& users) {
  std::map<std::string, std::size_t> counts;
  for (const auto& u : users) ++counts[hash_cost_prefix(u.password_hash)];
  std::string best;
  std::size_t best_count = 0;
  for (const auto& [prefix, count] : counts) {
    if (count > best_count) {
      best = prefix;
      best_count = count;
    }
  }
  for (const auto& u : users) {
    if (hash_cost_prefix(u.password_hash) == best) return dummy_hash_like(u.password_hash);
  }
  return {};
}

}  // namespace

account_store::account_store(anonymous_config anonymous, std::vector<user_entry> users)
    : anonymous_(std::move(anonymous)), users_(std::move(users)) {
  std::sort(users_.begin(), users_.end(),
            [](const user_entry& a, const user_entry& b) { return a.name < b.name; });
  dummy_hash_ = pick_dummy(users_);
}

expected<account_store, std::string> account_store::load(const server_config& config) {
  std::vector<user_entry> users;
  if (!config.users_file.empty()) {
    auto loaded = load_users_file(config.users_file);
    if (!loaded) return unexpected(loaded.error());
    users = std::move(*loaded);
  }
  if (config.anonymous.enabled) {
    const auto& root = config.anonymous.root;
    struct stat st {};
    if (root.empty()) {
      return unexpected(
          std::string("anonymous access is enabled but no directory is served "
                      "(give `portico serve DIR` or root in the config)"));
    }
    if (::stat(root.c_str(), &st) != 0) {
      return unexpected("anonymous root \"" + root + "\": " + std::strerror(errno));
    }
    if (!S_ISDIR(st.st_mode)) {
      return unexpected("anonymous root \"" + root + "\" is not a directory");
    }
  }
  if (!config.anonymous.enabled && users.empty()) {
    return unexpected(
        std::string("nobody can log in: give a users file (--users FILE or "
                    "users_file) or allow anonymous access (--anonymous)"));
  }
  return account_store(config.anonymous, std::move(users));
}

const user_entry* account_store::find(std::string_view name) const noexcept {
  auto it = std::lower_bound(users_.begin(), users_.end(), name,
                             [](const user_entry& u, std::string_view n) { return u.name < n; });
  return it != users_.end() && it->name == name ? &*it : nullptr;
}

std::optional<account> account_store::authenticate(std::string_view user,
                                                   std::string_view password) const {
  if (anonymous_.enabled && is_anonymous_name(user)) {
    // RFC 1635: the password is conventionally an e-mail address; it is not
    // checked, and it is not a secret.
    return account{"anonymous", true, anonymous_.root, anonymous_.permissions};
  }
  const user_entry* entry = find(user);
  if (entry == nullptr) {
    // Burn the same time as a real check; the result is thrown away.
    if (!dummy_hash_.empty()) static_cast<void>(verify_password(password, dummy_hash_));
    return std::nullopt;
  }
  if (!verify_password(password, entry->password_hash)) return std::nullopt;
  return account{entry->name, false, entry->home, entry->permissions};
}

}  // namespace portico::server
