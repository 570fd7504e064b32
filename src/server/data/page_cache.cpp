#include "server/data/page_cache.hpp"

#include <sys/types.h>
#include <sys/uio.h>

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

}  // namespace portico::server
