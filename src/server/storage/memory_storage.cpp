#include "server/storage/memory_storage.hpp"

#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <climits>
#include <ctime>
#include <vector>

#include "protocol/limits.hpp"

namespace portico::server {
namespace {

using protocol::entry_type;

// A test double holds files in RAM: a REST offset past this is refused rather
// than allocated (a fuzzed handler test must not exhaust memory).
constexpr std::uint64_t max_file_size = 256u << 20;

unexpected<std::error_code> fail(storage_errc e) {
  return unexpected(make_error_code(e));
}

std::int64_t now() {
  return static_cast<std::int64_t>(std::time(nullptr));
}

// The same rules as local_storage: absolute, no empty, "." or ".."
// components, no NUL.
result<void> validate(std::string_view vpath) {
  if (vpath.empty() || vpath.front() != '/' || vpath.find('\0') != std::string_view::npos) {
    return fail(storage_errc::invalid_name);
  }
  if (vpath.size() > limits::max_path_length) return fail(storage_errc::name_too_long);
  if (vpath == "/") return {};
  for (std::size_t pos = 1;;) {
    const std::size_t end = vpath.find('/', pos);
    const std::string_view part = vpath.substr(pos, end - pos);
    if (part.empty() || part == "." || part == "..") return fail(storage_errc::invalid_name);
    if (part.size() > NAME_MAX) return fail(storage_errc::name_too_long);
    if (end == std::string_view::npos) return {};
    pos = end + 1;
  }
}

result<file_handle> make_memfd(std::string_view content) {
  file_handle fd(::memfd_create("portico-memory-storage", MFD_CLOEXEC));
  if (!fd) return unexpected(storage_error_from_errno(errno));
  for (std::size_t done = 0; done < content.size();) {
    const ssize_t n = ::write(fd.get(), content.data() + done, content.size() - done);
    if (n < 0) return unexpected(storage_error_from_errno(errno));
    done += static_cast<std::size_t>(n);
  }
  if (::lseek(fd.get(), 0, SEEK_SET) != 0) return unexpected(storage_error_from_errno(errno));
  return fd;
}

result<std::string> read_memfd(int fd) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) return unexpected(storage_error_from_errno(errno));
  std::string data(static_cast<std::size_t>(st.st_size), '\0');
  for (std::size_t done = 0; done < data.size();) {
    const ssize_t n = ::pread(fd, data.data() + done, data.size() - done, static_cast<off_t>(done));
    if (n < 0) return unexpected(storage_error_from_errno(errno));
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  return data;
}

}  // namespace

memory_storage::memory_storage(options opts) : opts_(opts) {
  put("/", entry_type::directory);
}

memory_storage::node& memory_storage::put(const std::string& path, entry_type type) {
  node& n = nodes_[path];
  if (n.inode == 0) {
    n.inode = next_inode_++;
    n.mode = type == entry_type::directory ? 0755 : 0644;
    n.mtime = now();
  }
  n.type = type;
  return n;
}

// Every proper ancestor of `vpath` must be an existing directory.
result<void> memory_storage::check_parent(std::string_view vpath) const {
  if (auto ok = validate(vpath); !ok) return ok;
  for (std::size_t pos = vpath.find('/', 1); pos != std::string_view::npos;
       pos = vpath.find('/', pos + 1)) {
    const auto it = nodes_.find(vpath.substr(0, pos));
    if (it == nodes_.end()) return fail(storage_errc::not_found);
    if (it->second.type != entry_type::directory) return fail(storage_errc::not_a_directory);
  }
  return {};
}

result<memory_storage::node_map::iterator> memory_storage::find(std::string_view vpath) {
  if (auto ok = check_parent(vpath); !ok) return unexpected(ok.error());
  const auto it = nodes_.find(vpath);
  if (it == nodes_.end()) return fail(storage_errc::not_found);
  return it;
}

result<void> memory_storage::check_mutable() {
  if (opts_.read_only) return fail(storage_errc::read_only);
  if (fail_next_) {
    const std::error_code e = *fail_next_;
    fail_next_.reset();
    return unexpected(e);
  }
  return {};
}

bool memory_storage::has_children(const std::string& dir) const {
  const std::string prefix = dir == "/" ? dir : dir + "/";
  const auto it = nodes_.upper_bound(prefix);
  return it != nodes_.end() && it->first.starts_with(prefix);
}

result<file_stat> memory_storage::stat(std::string_view vpath) {
  std::lock_guard lock(mutex_);
  auto it = find(vpath);
  if (!it) return unexpected(it.error());
  const node& n = (*it)->second;
  file_stat s;
  s.type = n.type;
  s.mode = n.mode | (n.type == entry_type::directory ? S_IFDIR : S_IFREG);
  s.size = n.content.size();
  s.mtime = n.mtime;
  s.nlink = n.type == entry_type::directory ? 2 : 1;
  s.device = 1;
  s.inode = n.inode;
  return s;
}

result<file_stat> memory_storage::lstat(std::string_view vpath) {
  return stat(vpath);
}

result<storage::listing> memory_storage::list(std::string_view vpath) {
  std::lock_guard lock(mutex_);
  auto it = find(vpath);
  if (!it) return unexpected(it.error());
  if ((*it)->second.type != entry_type::directory) return fail(storage_errc::not_a_directory);
  const std::string prefix = vpath == "/" ? "/" : std::string(vpath) + "/";
  listing out;
  // Children of one parent share its prefix, so map order is name order.
  for (auto c = nodes_.upper_bound(prefix); c != nodes_.end() && c->first.starts_with(prefix);
       ++c) {
    const std::string_view name = std::string_view(c->first).substr(prefix.size());
    if (name.find('/') != std::string_view::npos) continue;  // a grandchild
    if (out.entries.size() >= limits::max_listing_entries) {
      out.truncated = true;
      break;
    }
    const node& n = c->second;
    protocol::entry_info e;
    e.name = std::string(name);
    e.type = n.type;
    e.mode = n.mode | (n.type == entry_type::directory ? S_IFDIR : S_IFREG);
    e.size = n.content.size();
    e.mtime = n.mtime;
    e.nlink = n.type == entry_type::directory ? 2 : 1;
    e.device = 1;
    e.inode = n.inode;
    out.entries.push_back(std::move(e));
  }
  return out;
}

result<file_handle> memory_storage::open_read(std::string_view vpath) {
  std::lock_guard lock(mutex_);
  auto it = find(vpath);
  if (!it) return unexpected(it.error());
  if ((*it)->second.type == entry_type::directory) return fail(storage_errc::is_a_directory);
  return make_memfd((*it)->second.content);
}

result<upload> memory_storage::begin_upload(std::string_view vpath, write_mode mode,
                                            std::uint64_t offset, bool atomic) {
  std::lock_guard lock(mutex_);
  if (auto ok = check_mutable(); !ok) return unexpected(ok.error());
  if (vpath == "/") return fail(storage_errc::is_a_directory);
  if (auto ok = check_parent(vpath); !ok) return unexpected(ok.error());
  if (offset > max_file_size) return fail(storage_errc::quota_exceeded);
  std::string target(vpath);
  if (mode == write_mode::create_new) {
    for (int i = 1; nodes_.contains(target) && i < 100; ++i) {
      target = std::string(vpath) + "." + std::to_string(i);
    }
    if (nodes_.contains(target)) return fail(storage_errc::already_exists);
  }
  const auto it = nodes_.find(target);
  if (it != nodes_.end() && it->second.type == entry_type::directory) {
    return fail(storage_errc::is_a_directory);
  }
  std::string_view old = it == nodes_.end() ? std::string_view() : it->second.content;
  if (mode == write_mode::append) offset = old.size();
  if (mode == write_mode::truncate || mode == write_mode::create_new) offset = 0;
  auto fd = make_memfd(old.substr(0, std::min<std::uint64_t>(offset, old.size())));
  if (!fd) return unexpected(fd.error());
  const auto off = static_cast<off_t>(offset);
  if (::ftruncate(fd->get(), off) != 0 || ::lseek(fd->get(), off, SEEK_SET) != off) {
    return unexpected(storage_error_from_errno(errno));
  }
  if (!atomic) {
    // What open(2) with O_CREAT (and O_TRUNC) or ftruncate would do now.
    node& n = put(target, entry_type::file);
    if (mode != write_mode::append) n.content.resize(static_cast<std::size_t>(offset), '\0');
    n.mtime = now();
  }
  upload u;
  u.file = std::move(*fd);
  u.target = target;
  u.temporary = "memory-upload-" + std::to_string(next_upload_++);
  u.offset = offset;
  uploads_[u.temporary] = pending{target, mode, atomic};
  return u;
}

// Ends an upload: with `keep`, the memfd's bytes become the target's content.
void memory_storage::settle(upload& u, bool keep) {
  const auto p = uploads_.find(u.temporary);
  if (p != uploads_.end() && keep && u.file && check_parent(p->second.target)) {
    if (auto data = read_memfd(u.file.get())) {
      node& n = put(p->second.target, entry_type::file);
      n.content = std::move(*data);
      n.mtime = now();
    }
  }
  if (p != uploads_.end()) uploads_.erase(p);
  u.file.reset();
  u.temporary.clear();
}

result<void> memory_storage::finish_upload(upload& u) {
  std::lock_guard lock(mutex_);
  const auto p = uploads_.find(u.temporary);
  if (!u.file || p == uploads_.end()) return fail(storage_errc::io_error);
  const pending info = p->second;
  std::error_code error;
  if (auto ok = check_mutable(); !ok) error = ok.error();
  const auto it = nodes_.find(info.target);
  if (!error && info.atomic && it != nodes_.end()) {
    // Mirrors renameat2(RENAME_NOREPLACE) and rename over a directory.
    if (info.mode == write_mode::create_new) error = make_error_code(storage_errc::already_exists);
    if (it->second.type == entry_type::directory) {
      error = make_error_code(storage_errc::is_a_directory);
    }
  }
  settle(u, !error || !info.atomic);
  if (error) return unexpected(error);
  return {};
}

void memory_storage::abort_upload(upload& u) noexcept {
  std::lock_guard lock(mutex_);
  const auto p = uploads_.find(u.temporary);
  // A real file written in place keeps what reached it.
  settle(u, p != uploads_.end() && !p->second.atomic);
}

result<void> memory_storage::make_directory(std::string_view vpath) {
  std::lock_guard lock(mutex_);
  if (auto ok = check_mutable(); !ok) return ok;
  if (vpath == "/") return fail(storage_errc::invalid_name);
  if (auto ok = check_parent(vpath); !ok) return ok;
  if (nodes_.contains(vpath)) return fail(storage_errc::already_exists);
  put(std::string(vpath), entry_type::directory);
  return {};
}

result<void> memory_storage::remove_directory(std::string_view vpath) {
  std::lock_guard lock(mutex_);
  if (auto ok = check_mutable(); !ok) return ok;
  if (vpath == "/") return fail(storage_errc::invalid_name);
  auto it = find(vpath);
  if (!it) return unexpected(it.error());
  if ((*it)->second.type != entry_type::directory) return fail(storage_errc::not_a_directory);
  if (has_children((*it)->first)) return fail(storage_errc::not_empty);
  nodes_.erase(*it);
  return {};
}

result<void> memory_storage::remove_file(std::string_view vpath) {
  std::lock_guard lock(mutex_);
  if (auto ok = check_mutable(); !ok) return ok;
  if (vpath == "/") return fail(storage_errc::invalid_name);
  auto it = find(vpath);
  if (!it) return unexpected(it.error());
  if ((*it)->second.type == entry_type::directory) return fail(storage_errc::is_a_directory);
  nodes_.erase(*it);
  return {};
}

result<void> memory_storage::rename(std::string_view from, std::string_view to) {
  std::lock_guard lock(mutex_);
  if (auto ok = check_mutable(); !ok) return ok;
  if (from == "/" || to == "/") return fail(storage_errc::invalid_name);
  auto src = find(from);
  if (!src) return unexpected(src.error());
  if (auto ok = check_parent(to); !ok) return ok;
  if (from == to) return {};
  const bool is_dir = (*src)->second.type == entry_type::directory;
  const std::string from_prefix = std::string(from) + "/";
  // A directory cannot move into itself (EINVAL from rename(2)).
  if (is_dir && to.starts_with(from_prefix)) return fail(storage_errc::invalid_name);
  if (const auto dst = nodes_.find(to); dst != nodes_.end()) {
    const bool dst_dir = dst->second.type == entry_type::directory;
    if (is_dir && !dst_dir) return fail(storage_errc::not_a_directory);
    if (!is_dir && dst_dir) return fail(storage_errc::is_a_directory);
    if (dst_dir && has_children(dst->first)) return fail(storage_errc::not_empty);
    nodes_.erase(dst);
  }
  std::vector<std::string> moved{std::string(from)};
  for (auto c = nodes_.upper_bound(from_prefix);
       c != nodes_.end() && c->first.starts_with(from_prefix); ++c) {
    moved.push_back(c->first);
  }
  for (const std::string& old_key : moved) {
    auto handle = nodes_.extract(old_key);
    handle.key() = std::string(to) + old_key.substr(from.size());
    nodes_.insert(std::move(handle));
  }
  return {};
}

result<void> memory_storage::set_mode(std::string_view vpath, std::uint32_t mode) {
  std::lock_guard lock(mutex_);
  if (auto ok = check_mutable(); !ok) return ok;
  if (vpath == "/") return fail(storage_errc::invalid_name);
  auto it = find(vpath);
  if (!it) return unexpected(it.error());
  (*it)->second.mode = mode & 01777;  // as local_storage: never setuid/setgid
  return {};
}

result<void> memory_storage::set_mtime(std::string_view vpath, std::int64_t unix_seconds) {
  std::lock_guard lock(mutex_);
  if (auto ok = check_mutable(); !ok) return ok;
  if (vpath == "/") return fail(storage_errc::invalid_name);
  auto it = find(vpath);
  if (!it) return unexpected(it.error());
  (*it)->second.mtime = unix_seconds;
  return {};
}

void memory_storage::add_file(std::string_view vpath, std::string content, std::int64_t mtime) {
  std::lock_guard lock(mutex_);
  assert(validate(vpath) && vpath != "/");
  for (std::size_t pos = vpath.find('/', 1); pos != std::string_view::npos;
       pos = vpath.find('/', pos + 1)) {
    put(std::string(vpath.substr(0, pos)), entry_type::directory);
  }
  node& n = put(std::string(vpath), entry_type::file);
  n.content = std::move(content);
  n.mtime = mtime;
}

void memory_storage::add_directory(std::string_view vpath) {
  std::lock_guard lock(mutex_);
  assert(validate(vpath));
  for (std::size_t pos = vpath.find('/', 1);; pos = vpath.find('/', pos + 1)) {
    put(std::string(vpath.substr(0, pos)), entry_type::directory);
    if (pos == std::string_view::npos) break;
  }
}

std::optional<std::string> memory_storage::content(std::string_view vpath) const {
  std::lock_guard lock(mutex_);
  const auto it = nodes_.find(vpath);
  if (it == nodes_.end() || it->second.type != entry_type::file) return std::nullopt;
  return it->second.content;
}

void memory_storage::fail_next(std::error_code error) {
  std::lock_guard lock(mutex_);
  fail_next_ = error;
}

std::size_t memory_storage::open_uploads() const {
  std::lock_guard lock(mutex_);
  return uploads_.size();
}

}  // namespace portico::server
