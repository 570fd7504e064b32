// An in-memory storage for handler tests: a tree of files and directories
// (no symlinks) that hands out real descriptors (memfds), so transfers run the
// same code as with local_storage, and that can be told to fail the next
// change, for the 450/451/452/552 paths.
//
// Semantics follow local_storage where a handler could tell the difference:
// the same error for the same mistake, STOU names "name", "name.1", ...;
// at_offset keeps the first `offset` bytes. Differences: an upload's bytes
// reach the tree only at finish_upload (or, for a non-atomic upload, at
// abort_upload, since a real file would keep them too); a non-atomic upload
// applies its open(2) effects (create, truncate) at begin_upload. Atomic
// uploads change nothing until they finish and an aborted one leaves no
// trace. upload::temporary is an opaque token, set for every upload.
//
// Thread-safe: handlers call it from the blocking pool.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>

#include "server/storage/storage.hpp"

namespace portico::server {

class memory_storage final : public storage {
 public:
  struct options {
    bool read_only = false;
  };
  memory_storage() : memory_storage(options{}) {}
  explicit memory_storage(options opts);

  result<file_stat> stat(std::string_view vpath) override;
  result<file_stat> lstat(std::string_view vpath) override;
  result<listing> list(std::string_view vpath) override;
  result<file_handle> open_read(std::string_view vpath) override;
  result<upload> begin_upload(std::string_view vpath, write_mode mode, std::uint64_t offset,
                              bool atomic) override;
  result<void> finish_upload(upload& u) override;
  void abort_upload(upload& u) noexcept override;
  result<void> make_directory(std::string_view vpath) override;
  result<void> remove_directory(std::string_view vpath) override;
  result<void> remove_file(std::string_view vpath) override;
  result<void> rename(std::string_view from, std::string_view to) override;
  result<void> set_mode(std::string_view vpath, std::uint32_t mode) override;
  result<void> set_mtime(std::string_view vpath, std::int64_t unix_seconds) override;

  // --- For tests --------------------------------------------------------------

  // Creates or replaces a file (mode 0644), creating missing parents.
  void add_file(std::string_view vpath, std::string content, std::int64_t mtime = 0);
  // Creates a directory (mode 0755) and its missing parents.
  void add_directory(std::string_view vpath);
  // A file's content; nullopt for directories and missing paths.
  std::optional<std::string> content(std::string_view vpath) const;
  // Makes the next mutating call (begin_upload, finish_upload, make_directory,
  // remove_*, rename, set_mode, set_mtime) fail with `error`, once. A failed
  // finish_upload aborts the upload, as local_storage does.
  void fail_next(std::error_code error);
  // Uploads begun and neither finished nor aborted: handlers must leave none.
  std::size_t open_uploads() const;

 private:
  struct node {
    protocol::entry_type type = protocol::entry_type::file;
    std::string content;
    std::uint32_t mode = 0644;
    std::int64_t mtime = 0;
    std::uint64_t inode = 0;
  };
  struct pending {
    std::string target;
    write_mode mode = write_mode::truncate;
    bool atomic = false;
  };
  using node_map = std::map<std::string, node, std::less<>>;

  // All of these expect mutex_ held.
  result<node_map::iterator> find(std::string_view vpath);
  result<void> check_parent(std::string_view vpath) const;
  result<void> check_mutable();
  node& put(const std::string& path, protocol::entry_type type);
  bool has_children(const std::string& dir) const;
  void settle(upload& u, bool keep);

  const options opts_;
  mutable std::mutex mutex_;
  node_map nodes_;
  std::map<std::string, pending, std::less<>> uploads_;  // by upload::temporary
  std::optional<std::error_code> fail_next_;
  std::uint64_t next_inode_ = 1;
  std::uint64_t next_upload_ = 1;
};

}  // namespace portico::server
