#include "server/data/page_cache.hpp"

#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

namespace portico::server {
namespace {

bool probe(int fd, std::uint64_t at) {
  char byte = 0;
  iovec one{&byte, 1};
  // 0 (end of file: it shrank meanwhile) reads nothing from disk either; the
  // transfer itself reports the short file.
  return ::preadv2(fd, &one, 1, static_cast<off_t>(at), RWF_NOWAIT) >= 0;
}

}  // namespace

bool in_page_cache(int fd, std::uint64_t offset, std::uint64_t length) {
  if (length == 0) return true;
  const std::uint64_t last = offset + length - 1;
  constexpr std::uint64_t page = 4096;
  for (std::uint64_t at = offset; at / page < last / page; at += probe_stride) {
    if (!probe(fd, at)) return false;
  }
  return probe(fd, last);  // a range within one page needs this probe only
}

void read_into_page_cache(int fd, std::uint64_t offset, std::uint64_t length) {
  // One buffer per pool thread; 1 MiB reads keep the kernel's readahead
  // window large without holding much memory.
  constexpr std::size_t block = 1u << 20;
  thread_local std::vector<char> scratch(block);
  while (length > 0) {
    const auto want = static_cast<std::size_t>(std::min<std::uint64_t>(length, block));
    const ssize_t n = ::pread(fd, scratch.data(), want, static_cast<off_t>(offset));
    if (n <= 0) return;
    offset += static_cast<std::uint64_t>(n);
    length -= static_cast<std::uint64_t>(n);
  }
}

}  // namespace portico::server
