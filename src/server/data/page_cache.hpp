// Whether part of a file can be read without waiting for the disk. sendfile
// runs on an I/O thread, and a page that is not in the page cache would stall
// every session of that thread while the disk seeks; pages that are there
// need no detour through the blocking pool.
#pragma once

#include <cstdint>

namespace portico::server {

// True when the pages probed in [offset, offset + length) are in the page
// cache: the first and the last, and one in every `probe_stride` bytes
// between (readahead fills whole runs, so a hole between two cached probes is
// unlikely and costs at most a short stall). Each probe is a one-byte
// preadv2(RWF_NOWAIT), which fails with EAGAIN instead of reading from disk.
// False on file systems that cannot tell (EOPNOTSUPP): the caller then reads
// ahead on the blocking pool as before.
bool in_page_cache(int fd, std::uint64_t offset, std::uint64_t length);

inline constexpr std::uint64_t probe_stride = 1u << 20;

}  // namespace portico::server
