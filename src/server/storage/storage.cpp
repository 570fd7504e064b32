// The storage error category and the one errno -> storage_errc mapping that
// every backend uses, so that the same failure always gets the same reply.
#include "server/storage/storage.hpp"

#include <cerrno>
#include <string>

namespace portico::server {
namespace {

class storage_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "portico.storage"; }
  std::string message(int value) const override {
    switch (static_cast<storage_errc>(value)) {
      case storage_errc::not_found:
        return "No such file or directory";
      case storage_errc::not_a_directory:
        return "Not a directory";
      case storage_errc::is_a_directory:
        return "Is a directory";
      case storage_errc::already_exists:
        return "File exists";
      case storage_errc::not_empty:
        return "Directory not empty";
      case storage_errc::permission_denied:
        return "Permission denied";
      case storage_errc::outside_root:
        return "Path leads outside the root";
      case storage_errc::invalid_name:
        return "Invalid file name";
      case storage_errc::name_too_long:
        return "File name too long";
      case storage_errc::no_space:
        return "No space left on device";
      case storage_errc::quota_exceeded:
        return "Storage quota exceeded";
      case storage_errc::read_only:
        return "Storage is read-only";
      case storage_errc::busy:
        return "File busy";
      case storage_errc::io_error:
        return "Input/output error";
      case storage_errc::unsupported:
        return "Operation not supported";
      case storage_errc::out_of_descriptors:
        return "The server has run out of file descriptors (raise its limit: ulimit -n, or "
               "LimitNOFILE= in its systemd unit)";
    }
    return "Unknown storage error";
  }
};

}  // namespace

const std::error_category& storage_category() noexcept {
  static const storage_category_impl category;
  return category;
}

std::error_code storage_error_from_errno(int err) noexcept {
  switch (err) {
    case ENOENT:
      return storage_errc::not_found;
    case ENOTDIR:
      return storage_errc::not_a_directory;
    case EISDIR:
      return storage_errc::is_a_directory;
    case EEXIST:
      // rmdir(2) may report a non-empty directory as EEXIST; callers that
      // remove directories map that case themselves.
      return storage_errc::already_exists;
    case ENOTEMPTY:
      return storage_errc::not_empty;
    case EACCES:
    case EPERM:
    case ENXIO:  // opening a FIFO without a reader (O_NONBLOCK) or a socket
      return storage_errc::permission_denied;
    case EXDEV:
      // openat2(RESOLVE_BENEATH) reports an escape as EXDEV. renameat() uses
      // it for "across file systems"; local_storage::rename maps that itself.
      return storage_errc::outside_root;
    case ELOOP:
      // Too many symlinks, a magic link (RESOLVE_NO_MAGICLINKS) or a final
      // symlink under O_NOFOLLOW: all are paths we refuse to follow.
      return storage_errc::outside_root;
    case ENAMETOOLONG:
      return storage_errc::name_too_long;
    case ENOSPC:
      return storage_errc::no_space;
    case EDQUOT:
      return storage_errc::quota_exceeded;
    case EFBIG:
      // A file size limit (RLIMIT_FSIZE, file system maximum) is an
      // allocation limit for the client: 552 rather than 452.
      return storage_errc::quota_exceeded;
    case EROFS:
      return storage_errc::read_only;
    case EBUSY:
    case ETXTBSY:
      return storage_errc::busy;
    case EINVAL:
      return storage_errc::invalid_name;
    case ENOSYS:
    case EOPNOTSUPP:
      return storage_errc::unsupported;
    case EMFILE:
    case ENFILE:
      return storage_errc::out_of_descriptors;
    default:
      return storage_errc::io_error;
  }
}

protocol::entry_info to_entry_info(std::string name, const file_stat& st) {
  protocol::entry_info e;
  e.name = std::move(name);
  e.type = st.type;
  e.mode = st.mode;
  e.size = st.size;
  e.mtime = st.mtime;
  e.nlink = st.nlink;
  e.owner = std::to_string(st.uid);
  e.group = std::to_string(st.gid);
  e.device = st.device;
  e.inode = st.inode;
  return e;
}

}  // namespace portico::server
