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

// Brings [offset, offset + length) into the page cache, waiting for the disk:
// runs on the blocking pool. It reads through a scratch buffer instead of
// calling readahead(2): readahead(2) and POSIX_FADV_WILLNEED fill the cache
// with single 4 KiB pages, while a read goes through the kernel's own
// readahead, which allocates large folios (81 pages each on average, measured
// here). A 64 KiB sendfile call then moves one piece instead of up to 16:
// 0.30-0.36 against 0.50-0.55 CPU s/GiB on loopback (docs/PERFORMANCE.md).
// Errors are left for sendfile to report.
void read_into_page_cache(int fd, std::uint64_t offset, std::uint64_t length);

}  // namespace portico::server
