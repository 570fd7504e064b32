#include "server/storage/root_cache.hpp"

#include <sys/stat.h>

#include <algorithm>

namespace portico::server {

std::shared_ptr<const storage_root> storage_root_cache::cached(const std::string& dir) {
  std::lock_guard lock(mutex_);
  auto it = roots_.find(dir);
  return it == roots_.end() ? nullptr : it->second.lock();
}

void storage_root_cache::prune_locked() {
  std::erase_if(roots_, [](const auto& entry) { return entry.second.expired(); });
  // Amortised: the next sweep when the live entries have doubled.
  prune_at_ = std::max<std::size_t>(64, roots_.size() * 2);
}

result<std::shared_ptr<const storage_root>> storage_root_cache::open(const std::string& dir) {
  // The stat and the open run outside the lock, so that one slow home
  // (a hung network mount) does not hold up the logins of the others.
  if (auto root = cached(dir)) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) == 0 && static_cast<std::uint64_t>(st.st_dev) == root->device() &&
        static_cast<std::uint64_t>(st.st_ino) == root->inode()) {
      return root;
    }
  }
  auto opened = storage_root::open(dir);
  if (!opened) return opened;
  std::lock_guard lock(mutex_);
  roots_[dir] = *opened;
  if (roots_.size() >= prune_at_) prune_locked();
  return opened;
}

std::size_t storage_root_cache::size() {
  std::lock_guard lock(mutex_);
  prune_locked();
  return roots_.size();
}

}  // namespace portico::server
