// One open descriptor per home directory, shared by every session whose
// account lives there. A session then holds a single descriptor of its own
// (the control socket), which is what lets a server under a 20,000-descriptor
// limit keep 10,000 idle sessions.
//
// A cached root is reused only while the path still names the same directory
// (device and inode), so a home that the administrator replaced is opened
// afresh; sessions that started before keep the one they logged into, as they
// would with a descriptor of their own.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "protocol/expected.hpp"
#include "server/storage/local_storage.hpp"

namespace portico::server {

class storage_root_cache {
 public:
  // The open root of `dir`: the cached one if some session still holds it
  // and `dir` still names it, else a newly opened one. May block (stat,
  // openat2): call it on the blocking pool. Thread-safe.
  result<std::shared_ptr<const storage_root>> open(const std::string& dir);

  // Directories with a live entry (for tests and metrics).
  std::size_t size();

 private:
  std::shared_ptr<const storage_root> cached(const std::string& dir);
  void prune_locked();

  std::mutex mutex_;
  std::unordered_map<std::string, std::weak_ptr<const storage_root>> roots_;
  std::size_t prune_at_ = 64;  // expired entries are dropped when the map reaches this
};

}  // namespace portico::server
