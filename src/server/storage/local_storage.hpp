// A directory on the local file system as an account's storage.
//
// SECURITY: confinement is the kernel's job, not ours. The root directory is
// held open and every path is resolved beneath it with openat2(2) and
// RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS, so "..", absolute symlinks and
// symlinks (final or intermediate) that climb out fail with outside_root,
// whatever a concurrent client does to the tree meanwhile. Calls that change
// a name (mkdir, unlink, rename, utimensat) open the parent directory that way
// and act on a single, checked component. realpath() is never used.
//
// Symlinks that stay beneath the root work as usual. Needs Linux >= 5.6.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include "server/storage/file_handle.hpp"
#include "server/storage/storage.hpp"

namespace portico::server {

// Failures of local_storage::open that no storage_errc describes.
enum class local_storage_errc {
  openat2_unavailable = 1,  // ENOSYS: kernel older than 5.6, or a seccomp filter
};
const std::error_category& local_storage_category() noexcept;
inline std::error_code make_error_code(local_storage_errc e) noexcept {
  return {static_cast<int>(e), local_storage_category()};
}

class local_storage final : public storage {
 public:
  struct options {
    bool read_only = false;  // every mutating call fails with read_only
    // Permission bits for new files and directories; the process umask
    // applies, as with open(2) and mkdir(2).
    std::uint32_t file_mode = 0644;
    std::uint32_t dir_mode = 0755;
    // Hidden files of atomic uploads are named temp_prefix + random suffix,
    // in the target's directory (so that the final rename cannot cross a
    // file system).
    std::string temp_prefix = ".portico-upload-";
    // fsync the file (and its directory after the rename) before
    // finish_upload reports success.
    bool fsync_uploads = false;
  };

  // Opens `root_dir` (O_PATH | O_DIRECTORY) and keeps it open. Fails with
  // local_storage_errc::openat2_unavailable when the kernel lacks openat2.
  static result<std::unique_ptr<local_storage>> open(const std::string& root_dir, options opts);
  static result<std::unique_ptr<local_storage>> open(const std::string& root_dir) {
    return open(root_dir, options{});
  }

  local_storage(const local_storage&) = delete;
  local_storage& operator=(const local_storage&) = delete;
  ~local_storage() override = default;

  result<file_stat> stat(std::string_view vpath) override;
  result<file_stat> lstat(std::string_view vpath) override;
  result<listing> list(std::string_view vpath) override;
  result<file_handle> open_read(std::string_view vpath) override;
  // at_offset keeps the first `offset` bytes and drops the rest; a file
  // shorter than `offset` is extended with a hole (handlers check SIZE first
  // and refuse REST past the end). In atomic mode a final symlink is replaced
  // by the new file, not followed; the permission bits of a replaced file are
  // kept (setuid/setgid dropped).
  result<upload> begin_upload(std::string_view vpath, write_mode mode, std::uint64_t offset,
                              bool atomic) override;
  result<void> finish_upload(upload& u) override;
  void abort_upload(upload& u) noexcept override;
  result<void> make_directory(std::string_view vpath) override;
  result<void> remove_directory(std::string_view vpath) override;
  result<void> remove_file(std::string_view vpath) override;
  result<void> rename(std::string_view from, std::string_view to) override;
  // Only regular files and directories; setuid and setgid bits are dropped.
  result<void> set_mode(std::string_view vpath, std::uint32_t mode) override;
  result<void> set_mtime(std::string_view vpath, std::int64_t unix_seconds) override;

 private:
  local_storage(file_handle root, options opts) : root_(std::move(root)), opts_(std::move(opts)) {}

  file_handle root_;
  options opts_;
};

}  // namespace portico::server

template <>
struct std::is_error_code_enum<portico::server::local_storage_errc> : std::true_type {};
