#include "server/storage/local_storage.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <limits>

#include "protocol/limits.hpp"

namespace portico::server {
namespace {

using protocol::entry_type;

constexpr int max_unique_tries = 100;                  // STOU: "name", "name.1" ... "name.99"
constexpr std::string_view exclusive_marker = "new-";  // temp names of create_new uploads

std::error_code last_error() {
  return storage_error_from_errno(errno);
}
unexpected<std::error_code> fail(storage_errc e) {
  return unexpected(make_error_code(e));
}
unexpected<std::error_code> fail_errno() {
  return unexpected(last_error());
}
// The result of a syscall that returns 0 on success and sets errno.
result<void> check(int rc) {
  if (rc != 0) return fail_errno();
  return {};
}

class local_storage_category_impl final : public std::error_category {
 public:
  const char* name() const noexcept override { return "portico.local_storage"; }
  std::string message(int value) const override {
    if (static_cast<local_storage_errc>(value) == local_storage_errc::openat2_unavailable) {
      return "kernel too old: openat2 needed (Linux >= 5.6)";
    }
    return "Unknown local storage error";
  }
};

// A checked virtual path: `parent` relative to the root ("." for the root
// itself) and `name`, its last component ("" for the root).
struct split_path {
  std::string parent;
  std::string name;
  std::string vdir;  // virtual directory with a trailing '/', for results
  std::string relative() const { return name.empty() ? "." : vdir.substr(1) + name; }
};

// SECURITY: the vpath comes from the client (normalised by resolve_vpath).
// We still refuse ".", "..", empty components and NUL bytes here, so that a
// caller bug cannot turn into a lexical escape; the kernel confines the rest.
result<split_path> split(std::string_view vpath) {
  if (vpath.empty() || vpath.front() != '/' || vpath.find('\0') != std::string_view::npos) {
    return fail(storage_errc::invalid_name);
  }
  if (vpath.size() > limits::max_path_length) return fail(storage_errc::name_too_long);
  if (vpath == "/") return split_path{".", "", "/"};
  std::size_t pos = 1;
  for (std::size_t depth = 1;; ++depth) {
    const std::size_t end = vpath.find('/', pos);
    const std::string_view part = vpath.substr(pos, end - pos);
    if (part.empty() || part == "." || part == "..") return fail(storage_errc::invalid_name);
    if (part.size() > NAME_MAX || depth > limits::max_path_depth) {
      return fail(storage_errc::name_too_long);
    }
    if (end == std::string_view::npos) break;
    pos = end + 1;
  }
  const std::size_t last = vpath.rfind('/');
  split_path p;
  p.parent = last == 0 ? "." : std::string(vpath.substr(1, last - 1));
  p.name = std::string(vpath.substr(last + 1));
  p.vdir = std::string(vpath.substr(0, last + 1));
  return p;
}

// File systems whose names and attributes are all in memory once cached.
// Network and FUSE file systems may revalidate them with a round trip, so
// they are never asked from an I/O thread.
bool is_local_file_system(long type) {
  switch (type) {
    case EXT4_SUPER_MAGIC:  // also ext2 and ext3
    case XFS_SUPER_MAGIC:
    case BTRFS_SUPER_MAGIC:
    case TMPFS_MAGIC:
    case OVERLAYFS_SUPER_MAGIC:
    case F2FS_SUPER_MAGIC:
    case 0x2fc12fc1:  // ZFS (not in linux/magic.h)
      return true;
    default:
      return false;
  }
}

// Cleared the first time the kernel rejects RESOLVE_CACHED (Linux < 5.12).
std::atomic<bool> cached_lookup_supported{true};

// Every path is opened here. RESOLVE_BENEATH makes the kernel refuse any
// resolution (a "..", an absolute or climbing symlink, intermediate or final)
// that leaves `dirfd`, with EXDEV; RESOLVE_NO_MAGICLINKS refuses /proc-style
// links, which could point anywhere, with ELOOP.
result<file_handle> open_beneath(int dirfd, const std::string& rel, std::uint64_t flags,
                                 std::uint64_t mode = 0) {
  open_how how{};
  how.flags = flags | O_CLOEXEC;
  how.mode = mode;  // must be 0 unless O_CREAT
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  for (int attempt = 0;; ++attempt) {
    const long fd = ::syscall(SYS_openat2, dirfd, rel.c_str(), &how, sizeof how);
    if (fd >= 0) return file_handle(static_cast<int>(fd));
    // EAGAIN: a concurrent rename kept the kernel from proving that a ".."
    // stayed beneath; retrying is what openat2(2) suggests.
    if (errno == EINTR || (errno == EAGAIN && attempt < 8)) continue;
    return fail_errno();
  }
}

result<file_handle> open_parent(int root, const split_path& p) {
  return open_beneath(root, p.parent, O_PATH | O_DIRECTORY);
}

entry_type type_of(mode_t mode) {
  if (S_ISREG(mode)) return entry_type::file;
  if (S_ISDIR(mode)) return entry_type::directory;
  if (S_ISLNK(mode)) return entry_type::symlink;
  return entry_type::other;
}

file_stat to_file_stat(const struct stat& st) {
  file_stat s;
  s.type = type_of(st.st_mode);
  s.mode = st.st_mode;
  s.size = st.st_size > 0 ? static_cast<std::uint64_t>(st.st_size) : 0;
  s.mtime = st.st_mtim.tv_sec;
  s.nlink = st.st_nlink;
  s.uid = st.st_uid;
  s.gid = st.st_gid;
  s.device = st.st_dev;
  s.inode = st.st_ino;
  return s;
}

result<struct stat> fstat_of(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return fail_errno();
  return st;
}

// Opened with O_NONBLOCK so that a FIFO cannot block the pool thread; once
// the file is known to be regular, I/O is made blocking again.
result<void> require_regular(int fd) {
  auto st = fstat_of(fd);
  if (!st) return unexpected(st.error());
  if (S_ISDIR(st->st_mode)) return fail(storage_errc::is_a_directory);
  if (!S_ISREG(st->st_mode)) return fail(storage_errc::permission_denied);
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags < 0 || ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) return fail_errno();
  return {};
}

// Copies the first `length` bytes of `in` to the start of `out`.
result<void> copy_prefix(int in, int out, std::uint64_t length) {
  loff_t off_in = 0;
  loff_t off_out = 0;
  bool use_copy_file_range = true;
  std::string buffer;
  while (static_cast<std::uint64_t>(off_out) < length) {
    const std::size_t chunk = static_cast<std::size_t>(
        std::min<std::uint64_t>(length - static_cast<std::uint64_t>(off_out), 1u << 30));
    ssize_t n;
    if (use_copy_file_range) {
      n = ::copy_file_range(in, &off_in, out, &off_out, chunk, 0);
      if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
        use_copy_file_range = false;  // another file system or an old kernel
        continue;
      }
    } else {
      buffer.resize(64 * 1024);
      n = ::pread(in, buffer.data(), std::min(chunk, buffer.size()), off_in);
      if (n > 0) {
        const ssize_t w = ::pwrite(out, buffer.data(), static_cast<std::size_t>(n), off_out);
        if (w < 0) return fail_errno();
        n = w;
        off_in += n;
        off_out += n;
      }
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_errno();
    if (n == 0) break;  // the source shrank meanwhile: keep what there is
  }
  return {};
}

result<std::string> random_suffix() {
  unsigned char bytes[8];
  if (::getrandom(bytes, sizeof bytes, 0) != static_cast<ssize_t>(sizeof bytes)) {
    return fail_errno();
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string s;
  for (unsigned char b : bytes) {
    s += hex[b >> 4];
    s += hex[b & 15];
  }
  return s;
}

// Removes a temporary file unless disarmed: every early return of
// begin_atomic cleans up after itself.
struct temp_guard {
  int dirfd = -1;
  std::string name;
  ~temp_guard() {
    if (!name.empty()) ::unlinkat(dirfd, name.c_str(), 0);
  }
};

result<void> rename_paths(int root, const split_path& from, const split_path& to, unsigned flags) {
  if (from.name.empty() || to.name.empty()) return fail(storage_errc::invalid_name);
  auto from_dir = open_parent(root, from);
  if (!from_dir) return unexpected(from_dir.error());
  auto to_dir = open_parent(root, to);
  if (!to_dir) return unexpected(to_dir.error());
  if (::renameat2(from_dir->get(), from.name.c_str(), to_dir->get(), to.name.c_str(), flags) != 0) {
    // Here EXDEV is "across file systems" (a mount inside the root), not an
    // escape: both names were resolved beneath the root already.
    if (errno == EXDEV) return fail(storage_errc::io_error);
    return fail_errno();
  }
  return {};
}

}  // namespace

const std::error_category& local_storage_category() noexcept {
  static const local_storage_category_impl category;
  return category;
}

result<std::shared_ptr<const storage_root>> storage_root::open(const std::string& dir) {
  if (dir.empty() || dir.find('\0') != std::string::npos) return fail(storage_errc::invalid_name);
  open_how how{};
  how.flags = O_PATH | O_DIRECTORY | O_CLOEXEC;
  const long fd = ::syscall(SYS_openat2, AT_FDCWD, dir.c_str(), &how, sizeof how);
  if (fd < 0 && errno == ENOSYS) {
    return unexpected(make_error_code(local_storage_errc::openat2_unavailable));
  }
  if (fd < 0) return fail_errno();
  file_handle root(static_cast<int>(fd));
  // Probe the resolve flags too: a filtered or partial openat2 must not
  // leave us serving without confinement.
  auto probe = open_beneath(root.get(), ".", O_PATH | O_DIRECTORY);
  if (!probe &&
      (probe.error() == storage_errc::unsupported || probe.error() == storage_errc::invalid_name)) {
    return unexpected(make_error_code(local_storage_errc::openat2_unavailable));
  }
  if (!probe) return unexpected(probe.error());
  auto st = fstat_of(root.get());
  if (!st) return unexpected(st.error());
  struct statfs fs {};
  const bool local = ::fstatfs(root.get(), &fs) == 0 && is_local_file_system(fs.f_type);
  return std::make_shared<const storage_root>(std::move(root), st->st_dev, st->st_ino, local);
}

std::unique_ptr<local_storage> local_storage::open(std::shared_ptr<const storage_root> root,
                                                   options opts) {
  opts.file_mode &= 0777;
  opts.dir_mode &= 01777;
  return std::unique_ptr<local_storage>(new local_storage(std::move(root), std::move(opts)));
}

result<std::unique_ptr<local_storage>> local_storage::open(const std::string& root_dir,
                                                           options opts) {
  auto root = storage_root::open(root_dir);
  if (!root) return unexpected(root.error());
  return open(std::move(*root), std::move(opts));
}

result<file_stat> local_storage::stat(std::string_view vpath) {
  auto p = split(vpath);
  if (!p) return unexpected(p.error());
  auto fd = open_beneath(root_fd(), p->relative(), O_PATH);
  if (!fd) return unexpected(fd.error());
  auto st = fstat_of(fd->get());
  if (!st) return unexpected(st.error());
  return to_file_stat(*st);
}

result<file_stat> local_storage::lstat(std::string_view vpath) {
  auto p = split(vpath);
  if (!p) return unexpected(p.error());
  if (p->name.empty()) return stat(vpath);
  auto dir = open_parent(root_fd(), *p);
  if (!dir) return unexpected(dir.error());
  struct stat st {};
  if (::fstatat(dir->get(), p->name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return fail_errno();
  return to_file_stat(st);
}

result<storage::listing> local_storage::list(std::string_view vpath) {
  auto p = split(vpath);
  if (!p) return unexpected(p.error());
  auto fd = open_beneath(root_fd(), p->relative(), O_RDONLY | O_DIRECTORY);
  if (!fd) return unexpected(fd.error());
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::fdopendir(fd->get()), &::closedir);
  if (!dir) return fail_errno();
  fd->release();  // owned by `dir` now
  const int dfd = ::dirfd(dir.get());
  listing out;
  for (;;) {
    errno = 0;
    const dirent* e = ::readdir(dir.get());
    if (e == nullptr) {
      if (errno != 0) return fail_errno();
      break;
    }
    const std::string_view name = e->d_name;
    if (name == "." || name == "..") continue;
    // Uploads in progress (atomic mode) are not part of the directory yet.
    if (name.starts_with(opts_.temp_prefix)) continue;
    // SECURITY: a directory with millions of entries must not exhaust memory.
    if (out.entries.size() >= limits::max_listing_entries) {
      out.truncated = true;
      break;
    }
    struct stat st {};
    if (::fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;  // gone meanwhile
    protocol::entry_info info = to_entry_info(std::string(name), to_file_stat(st));
    if (info.type == entry_type::symlink) {
      char target[PATH_MAX];
      const ssize_t n = ::readlinkat(dfd, e->d_name, target, sizeof target);
      if (n > 0) info.link_target.assign(target, static_cast<std::size_t>(n));
    }
    out.entries.push_back(std::move(info));
  }
  std::sort(out.entries.begin(), out.entries.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  return out;
}

result<file_handle> local_storage::open_read(std::string_view vpath) {
  auto p = split(vpath);
  if (!p) return unexpected(p.error());
  auto fd = open_beneath(root_fd(), p->relative(), O_RDONLY | O_NOCTTY | O_NONBLOCK);
  if (!fd) return unexpected(fd.error());
  if (auto ok = require_regular(fd->get()); !ok) return unexpected(ok.error());
  return std::move(*fd);
}

std::optional<file_handle> local_storage::open_read_cached(std::string_view vpath) {
  if (!root_->local() || !cached_lookup_supported.load(std::memory_order_relaxed)) {
    return std::nullopt;
  }
  auto p = split(vpath);
  if (!p) return std::nullopt;
  open_how how{};
  how.flags = O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_CACHED | RESOLVE_NO_XDEV;
  const std::string rel = p->relative();
  const long fd = ::syscall(SYS_openat2, root_fd(), rel.c_str(), &how, sizeof how);
  if (fd < 0) {
    // EINVAL: a kernel older than 5.12 does not know RESOLVE_CACHED.
    if (errno == EINVAL) cached_lookup_supported.store(false, std::memory_order_relaxed);
    return std::nullopt;
  }
  file_handle file(static_cast<int>(fd));
  // fstat of an open file on a local file system reads only the inode in
  // memory.
  if (!require_regular(file.get())) return std::nullopt;
  return file;
}

namespace {

result<upload> begin_direct(int root, const local_storage::options& opts, const split_path& p,
                            write_mode mode, std::uint64_t offset) {
  upload u;
  u.target = p.vdir + p.name;
  if (mode == write_mode::create_new) {
    auto dir = open_parent(root, p);
    if (!dir) return unexpected(dir.error());
    for (int i = 0; i < max_unique_tries && !u.file; ++i) {
      const std::string name = i == 0 ? p.name : p.name + "." + std::to_string(i);
      // O_EXCL never follows a symlink, so an existing link counts as taken.
      auto fd =
          open_beneath(dir->get(), name, O_WRONLY | O_CREAT | O_EXCL | O_NOCTTY, opts.file_mode);
      if (!fd && fd.error() != storage_errc::already_exists) return unexpected(fd.error());
      if (fd) {
        u.file = std::move(*fd);
        u.target = p.vdir + name;
      }
    }
    if (!u.file) return fail(storage_errc::already_exists);
    return u;
  }
  std::uint64_t flags = O_WRONLY | O_CREAT | O_NOCTTY | O_NONBLOCK;
  if (mode == write_mode::truncate) flags |= O_TRUNC;
  if (mode == write_mode::append) flags |= O_APPEND;
  auto fd = open_beneath(root, p.relative(), flags, opts.file_mode);
  // A FIFO without a reader fails (ENXIO) instead of blocking: O_NONBLOCK.
  if (!fd) return unexpected(fd.error());
  if (auto ok = require_regular(fd->get()); !ok) return unexpected(ok.error());
  if (mode == write_mode::append) {
    auto st = fstat_of(fd->get());
    if (!st) return unexpected(st.error());
    u.offset = static_cast<std::uint64_t>(st->st_size);
  } else if (mode == write_mode::at_offset) {
    const auto off = static_cast<off_t>(offset);
    if (::ftruncate(fd->get(), off) != 0 || ::lseek(fd->get(), off, SEEK_SET) != off) {
      return fail_errno();
    }
    u.offset = offset;
  }
  u.file = std::move(*fd);
  return u;
}

result<upload> begin_atomic(int root, const local_storage::options& opts, const split_path& p,
                            write_mode mode, std::uint64_t offset) {
  auto dir = open_parent(root, p);
  if (!dir) return unexpected(dir.error());
  upload u;
  std::string name = p.name;
  struct stat st {};
  bool exists = ::fstatat(dir->get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
  if (!exists && errno != ENOENT) return fail_errno();
  if (mode == write_mode::create_new) {
    // Picks a free name now, so that the 150 reply can announce it; the final
    // rename refuses to replace whatever appears there meanwhile.
    for (int i = 1; exists && i < max_unique_tries; ++i) {
      name = p.name + "." + std::to_string(i);
      exists = ::fstatat(dir->get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0;
      if (!exists && errno != ENOENT) return fail_errno();
    }
    if (exists) return fail(storage_errc::already_exists);
  }
  if (exists && S_ISDIR(st.st_mode)) return fail(storage_errc::is_a_directory);
  if (exists && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode)) {
    return fail(storage_errc::permission_denied);
  }
  // The existing content to keep, read through a final symlink if need be
  // (confined like any other open).
  file_handle source;
  std::uint64_t source_size = 0;
  if (exists && (mode == write_mode::append || mode == write_mode::at_offset)) {
    auto fd = open_beneath(root, p.relative(), O_RDONLY | O_NOCTTY | O_NONBLOCK);
    if (!fd && fd.error() != storage_errc::not_found) return unexpected(fd.error());
    if (fd) {
      if (auto ok = require_regular(fd->get()); !ok) return unexpected(ok.error());
      auto sst = fstat_of(fd->get());
      if (!sst) return unexpected(sst.error());
      source_size = static_cast<std::uint64_t>(sst->st_size);
      source = std::move(*fd);
    }
  }
  temp_guard guard{dir->get(), {}};
  const std::string marker(mode == write_mode::create_new ? exclusive_marker : "");
  for (int attempt = 0; attempt < 16 && !u.file; ++attempt) {
    auto suffix = random_suffix();
    if (!suffix) return unexpected(suffix.error());
    const std::string temp = opts.temp_prefix + marker + *suffix;
    auto fd = open_beneath(dir->get(), temp, O_RDWR | O_CREAT | O_EXCL | O_NOCTTY, opts.file_mode);
    if (!fd && fd.error() != storage_errc::already_exists) return unexpected(fd.error());
    if (fd) {
      u.file = std::move(*fd);
      guard.name = temp;
    }
  }
  if (!u.file) return fail(storage_errc::already_exists);
  // A replaced file keeps its permission bits, as it would when overwritten
  // in place. SECURITY: never setuid/setgid.
  if (exists && S_ISREG(st.st_mode)) (void)::fchmod(u.file.get(), st.st_mode & 01777);
  if (mode == write_mode::append) offset = source_size;
  if (source && (mode == write_mode::append || mode == write_mode::at_offset)) {
    auto ok = copy_prefix(source.get(), u.file.get(), std::min(offset, source_size));
    if (!ok) return unexpected(ok.error());
  }
  if (mode == write_mode::append || mode == write_mode::at_offset) {
    const auto off = static_cast<off_t>(offset);
    if (::ftruncate(u.file.get(), off) != 0 || ::lseek(u.file.get(), off, SEEK_SET) != off) {
      return fail_errno();
    }
    u.offset = offset;
  }
  u.target = p.vdir + name;
  u.temporary = p.vdir + guard.name;
  guard.name.clear();
  return u;
}

}  // namespace

result<upload> local_storage::begin_upload(std::string_view vpath, write_mode mode,
                                           std::uint64_t offset, bool atomic) {
  if (opts_.read_only) return fail(storage_errc::read_only);
  auto p = split(vpath);
  if (!p) return unexpected(p.error());
  if (p->name.empty()) return fail(storage_errc::is_a_directory);
  // SECURITY: the offset comes from REST; off_t is signed.
  if (offset > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max())) {
    return fail(storage_errc::invalid_name);
  }
  return atomic ? begin_atomic(root_fd(), opts_, *p, mode, offset)
                : begin_direct(root_fd(), opts_, *p, mode, offset);
}

result<void> local_storage::finish_upload(upload& u) {
  if (!u.file) return fail(storage_errc::io_error);
  std::error_code error;
  // fsync, then close: a failed close may be the first report of a lost
  // write (NFS, quotas), so it fails the upload too.
  if (opts_.fsync_uploads && ::fsync(u.file.get()) != 0) error = last_error();
  if (u.file.close() != 0 && !error) error = last_error();
  if (!error && !u.temporary.empty()) {
    auto from = split(u.temporary);
    auto to = split(u.target);
    if (!from || !to) {
      error = make_error_code(storage_errc::invalid_name);
    } else {
      const bool exclusive =
          from->name.starts_with(opts_.temp_prefix + std::string(exclusive_marker));
      auto ok = rename_paths(root_fd(), *from, *to, exclusive ? RENAME_NOREPLACE : 0);
      if (!ok) {
        error = ok.error();
      } else {
        u.temporary.clear();
        if (opts_.fsync_uploads) {
          // Makes the rename itself durable.
          auto d = open_beneath(root_fd(), to->parent, O_RDONLY | O_DIRECTORY);
          if (d && ::fsync(d->get()) != 0) error = last_error();
        }
      }
    }
  }
  if (error) {
    abort_upload(u);
    return unexpected(error);
  }
  return {};
}

void local_storage::abort_upload(upload& u) noexcept {
  u.file.reset();
  if (u.temporary.empty()) return;
  if (auto p = split(u.temporary); p && !p->name.empty()) {
    if (auto dir = open_parent(root_fd(), *p)) ::unlinkat(dir->get(), p->name.c_str(), 0);
  }
  u.temporary.clear();
}

namespace {

// The target of a call that acts on one name: its parent directory, opened
// beneath the root, and the name in it. The root itself has no such name.
struct parent_ref {
  file_handle dir;
  std::string name;
};
result<parent_ref> open_parent_of(int root, bool read_only, std::string_view vpath) {
  if (read_only) return fail(storage_errc::read_only);
  auto p = split(vpath);
  if (!p) return unexpected(p.error());
  if (p->name.empty()) return fail(storage_errc::invalid_name);
  auto dir = open_parent(root, *p);
  if (!dir) return unexpected(dir.error());
  return parent_ref{std::move(*dir), std::move(p->name)};
}

}  // namespace

result<void> local_storage::make_directory(std::string_view vpath) {
  auto t = open_parent_of(root_fd(), opts_.read_only, vpath);
  if (!t) return unexpected(t.error());
  return check(::mkdirat(t->dir.get(), t->name.c_str(), opts_.dir_mode));
}

result<void> local_storage::remove_directory(std::string_view vpath) {
  auto t = open_parent_of(root_fd(), opts_.read_only, vpath);
  if (!t) return unexpected(t.error());
  if (::unlinkat(t->dir.get(), t->name.c_str(), AT_REMOVEDIR) != 0) {
    // POSIX allows EEXIST for a non-empty directory.
    if (errno == ENOTEMPTY || errno == EEXIST) return fail(storage_errc::not_empty);
    return fail_errno();
  }
  return {};
}

result<void> local_storage::remove_file(std::string_view vpath) {
  auto t = open_parent_of(root_fd(), opts_.read_only, vpath);
  if (!t) return unexpected(t.error());
  // Linux's unlink reports a directory as EISDIR; a symlink is removed itself.
  return check(::unlinkat(t->dir.get(), t->name.c_str(), 0));
}

result<void> local_storage::rename(std::string_view from, std::string_view to) {
  if (opts_.read_only) return fail(storage_errc::read_only);
  auto f = split(from);
  if (!f) return unexpected(f.error());
  auto t = split(to);
  if (!t) return unexpected(t.error());
  return rename_paths(root_fd(), *f, *t, 0);
}

result<void> local_storage::set_mode(std::string_view vpath, std::uint32_t mode) {
  auto t = open_parent_of(root_fd(), opts_.read_only, vpath);
  if (!t) return unexpected(t.error());
  // fchmodat() follows a final symlink and Linux < 6.6 has no NOFOLLOW for
  // it, so the file is opened itself. O_PATH first, to learn its type without
  // opening a device or FIFO for real.
  auto path_fd = open_beneath(t->dir.get(), t->name, O_PATH | O_NOFOLLOW);
  if (!path_fd) return unexpected(path_fd.error());
  auto st = fstat_of(path_fd->get());
  if (!st) return unexpected(st.error());
  const bool is_dir = S_ISDIR(st->st_mode);
  if (!is_dir && !S_ISREG(st->st_mode)) return fail(storage_errc::permission_denied);
  const std::uint64_t base =
      O_NOFOLLOW | O_NOCTTY | O_NONBLOCK | (is_dir ? std::uint64_t{O_DIRECTORY} : 0);
  auto fd = open_beneath(t->dir.get(), t->name, base | O_RDONLY);
  // A write-only file (a drop box) can still be chmod-ed by its owner.
  if (!fd && !is_dir && fd.error() == storage_errc::permission_denied) {
    fd = open_beneath(t->dir.get(), t->name, base | O_WRONLY);
  }
  if (!fd) return unexpected(fd.error());
  auto st2 = fstat_of(fd->get());
  if (!st2) return unexpected(st2.error());
  // Swapped between the two opens: refuse rather than guess.
  if (st2->st_dev != st->st_dev || st2->st_ino != st->st_ino) return fail(storage_errc::busy);
  // SECURITY: the client chooses the bits; setuid and setgid are never set.
  return check(::fchmod(fd->get(), static_cast<mode_t>(mode & 01777)));
}

result<void> local_storage::set_mtime(std::string_view vpath, std::int64_t unix_seconds) {
  auto t = open_parent_of(root_fd(), opts_.read_only, vpath);
  if (!t) return unexpected(t.error());
  timespec times[2]{};
  times[0].tv_nsec = UTIME_OMIT;  // atime unchanged
  times[1].tv_sec = static_cast<time_t>(unix_seconds);
  return check(::utimensat(t->dir.get(), t->name.c_str(), times, AT_SYMLINK_NOFOLLOW));
}

}  // namespace portico::server
