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

// An open root directory (O_PATH | O_DIRECTORY). It can be shared by every
// session whose account lives in it, so that an idle session costs one
// descriptor (its socket), not two: see storage_root_cache.
class storage_root {
 public:
  // Opens `dir` (it comes from trusted configuration: resolved normally) and
  // checks that the kernel confines paths beneath it. Fails with
  // local_storage_errc::openat2_unavailable when the kernel lacks openat2.
  static result<std::shared_ptr<const storage_root>> open(const std::string& dir);

  int fd() const noexcept { return fd_.get(); }
  // The directory's identity when it was opened, to notice a replaced home.
  std::uint64_t device() const noexcept { return device_; }
  std::uint64_t inode() const noexcept { return inode_; }
  // False on network and FUSE file systems, whose cached names and
  // attributes may need a round trip: open_read_cached is not tried there.
  bool local() const noexcept { return local_; }

  storage_root(file_handle fd, std::uint64_t device, std::uint64_t inode, bool local)
      : fd_(std::move(fd)), device_(device), inode_(inode), local_(local) {}

 private:
  file_handle fd_;
  std::uint64_t device_ = 0;
  std::uint64_t inode_ = 0;
  bool local_ = false;
};

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

  // Serves beneath `root`, which stays open as long as this storage.
  static std::unique_ptr<local_storage> open(std::shared_ptr<const storage_root> root,
                                             options opts);
  // Opens `root_dir` (storage_root::open) for this storage alone.
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
  // openat2 with RESOLVE_CACHED (Linux >= 5.12): the kernel answers from its
  // name cache or refuses with EAGAIN rather than read a directory from disk.
  // Mount points are not crossed (RESOLVE_NO_XDEV), so a network file system
  // mounted inside a local root is always left to open_read.
  std::optional<file_handle> open_read_cached(std::string_view vpath) override;
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
  local_storage(std::shared_ptr<const storage_root> root, options opts)
      : root_(std::move(root)), opts_(std::move(opts)) {}
  int root_fd() const noexcept { return root_->fd(); }

  std::shared_ptr<const storage_root> root_;
  options opts_;
};

}  // namespace portico::server

template <>
struct std::is_error_code_enum<portico::server::local_storage_errc> : std::true_type {};
