// The filesystem an account sees, behind an interface so that handlers can be
// tested against memory_storage and other backends (object stores, quotas)
// can be added later.
//
// Every path given to a storage is a normalised virtual path
// (protocol::resolve_vpath): absolute, with no "." or ".." components. The
// storage alone decides what it maps to; local_storage lets the kernel confine
// it beneath the account's root.
//
// All calls may block: callers run them on the blocking pool, never on an I/O
// thread (open_read_cached alone is meant for I/O threads).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "protocol/expected.hpp"
#include "protocol/listing.hpp"
#include "server/storage/file_handle.hpp"

namespace portico::server {

// What went wrong, in terms that decide the reply code (mapped once, in
// storage_reply.hpp).
enum class storage_errc {
  not_found = 1,       // 550
  not_a_directory,     // 550
  is_a_directory,      // 550
  already_exists,      // 550 (553 for STOU name clashes)
  not_empty,           // 550
  permission_denied,   // 550
  outside_root,        // 550: the path or a symlink on it leads outside
  invalid_name,        // 553
  name_too_long,       // 553
  no_space,            // 452 (552 when a quota is exceeded)
  quota_exceeded,      // 552
  read_only,           // 550
  busy,                // 450
  io_error,            // 451
  unsupported,         // 502/504
  out_of_descriptors,  // 451 (421 at login): EMFILE/ENFILE, the server's limit, not the client's
                       // fault
};

const std::error_category& storage_category() noexcept;
inline std::error_code make_error_code(storage_errc e) noexcept {
  return {static_cast<int>(e), storage_category()};
}
// Maps an errno value from a filesystem call to the storage error it means.
std::error_code storage_error_from_errno(int err) noexcept;

struct file_stat {
  protocol::entry_type type = protocol::entry_type::file;
  std::uint32_t mode = 0;  // st_mode
  std::uint64_t size = 0;
  std::int64_t mtime = 0;  // UTC seconds
  std::uint64_t nlink = 1;
  std::uint32_t uid = 0;
  std::uint32_t gid = 0;
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
};

// An entry of a listing from what stat says of it (owner and group as numeric
// ids: looking names up may do NSS I/O for every entry).
protocol::entry_info to_entry_info(std::string name, const file_stat& st);

enum class write_mode {
  truncate,    // STOR: create or replace
  append,      // APPE: create or append
  at_offset,   // REST + STOR: keep the first `offset` bytes, write from there
  create_new,  // STOU: the name must not exist
};

// An upload in progress. Written through `file`; made visible (or not) by
// finish_upload / abort_upload.
struct upload {
  file_handle file;
  std::string target;        // virtual path the client asked for
  std::string temporary;     // backend's name for the hidden file (atomic mode), else empty
  std::uint64_t offset = 0;  // where writing starts
};

class storage {
 public:
  virtual ~storage() = default;

  // Follows a final symlink (staying beneath the root); lstat does not.
  virtual result<file_stat> stat(std::string_view vpath) = 0;
  virtual result<file_stat> lstat(std::string_view vpath) = 0;

  // The entries of a directory, "." and ".." excluded, sorted by name. At
  // most limits::max_listing_entries are returned; past that `truncated` is
  // set. Each symlink's target is filled in.
  struct listing {
    std::vector<protocol::entry_info> entries;
    bool truncated = false;
  };
  virtual result<listing> list(std::string_view vpath) = 0;

  // A regular file opened for reading.
  virtual result<file_handle> open_read(std::string_view vpath) = 0;
  // The same, but only when that needs no disk or network I/O: this one may
  // be called on an I/O thread. Returns nothing when the answer is not
  // cached, and on every failure, so that the caller asks open_read on the
  // blocking pool for the real answer. Backends that cannot tell return
  // nothing.
  virtual std::optional<file_handle> open_read_cached(std::string_view vpath) {
    (void)vpath;
    return std::nullopt;
  }

  // Starts an upload. `atomic` writes to a hidden temporary file that
  // finish_upload renames over the target, so readers never see a partial file
  // and a failed upload never replaces a good one (for at_offset and append
  // the existing content is copied first). For create_new the storage picks a
  // unique name from `vpath` (used as a prefix/hint) and reports it in
  // upload::target.
  virtual result<upload> begin_upload(std::string_view vpath, write_mode mode, std::uint64_t offset,
                                      bool atomic) = 0;
  // Flushes and closes the file (a failed close is an error), then renames the
  // temporary over the target. After an error the upload is aborted.
  virtual result<void> finish_upload(upload& u) = 0;
  // Closes and, in atomic mode, removes the temporary file.
  virtual void abort_upload(upload& u) noexcept = 0;

  virtual result<void> make_directory(std::string_view vpath) = 0;
  virtual result<void> remove_directory(std::string_view vpath) = 0;
  virtual result<void> remove_file(std::string_view vpath) = 0;
  virtual result<void> rename(std::string_view from, std::string_view to) = 0;
  virtual result<void> set_mode(std::string_view vpath, std::uint32_t mode) = 0;
  virtual result<void> set_mtime(std::string_view vpath, std::int64_t unix_seconds) = 0;
};

}  // namespace portico::server

template <>
struct std::is_error_code_enum<portico::server::storage_errc> : std::true_type {};
