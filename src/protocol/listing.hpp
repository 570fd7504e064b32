// Directory listings as the server sends them: `ls -l` lines for LIST (the
// form every client parses) and RFC 3659 facts for MLSD/MLST.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace portico::protocol {

enum class entry_type { file, directory, symlink, other };

// What the server knows about one directory entry.
struct entry_info {
  std::string name;
  entry_type type = entry_type::file;
  std::uint32_t mode = 0;  // st_mode: type and permission bits
  std::uint64_t size = 0;
  std::int64_t mtime = 0;  // seconds since the epoch, UTC
  std::uint64_t nlink = 1;
  std::string owner = "ftp";
  std::string group = "ftp";
  std::string link_target;  // for symlinks in LIST ("name -> target")
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
};

// Replaces the bytes that could break a listing or reply line apart (CR, LF,
// NUL) with '?', as `ls -q` does, so that a hostile name can never inject a
// line. Everything else, UTF-8 included, is kept.
std::string safe_name(std::string_view name);

// One `ls -l` line, without CRLF: "-rw-r--r-- 1 ftp ftp 1234 Jan 02 15:04 name".
// Like ls, the time of day is shown for entries modified within six months of
// `now` (and not in the future); older ones show the year.
std::string format_list_line(const entry_info& e, std::int64_t now);

// The facts an MLSD/MLST line carries; OPTS MLST selects a subset.
enum mlsx_fact : unsigned {
  fact_type = 1u << 0,
  fact_size = 1u << 1,
  fact_modify = 1u << 2,
  fact_perm = 1u << 3,
  fact_unique = 1u << 4,
  fact_unix_mode = 1u << 5,
  all_facts = (1u << 6) - 1,
};

// Fact names in FEAT order, for "MLST type*;size*;..." and OPTS MLST.
std::string format_mlst_feature(unsigned enabled);
// Parses an OPTS MLST argument ("type;size;") into a fact set; unknown names
// are ignored, as RFC 3659 §7.9 requires.
unsigned parse_mlst_options(std::string_view argument);

// "type=file;size=1234;modify=20201231235959;perm=rw;unique=803U1F;unix.mode=0644; name"
// without CRLF. `perm` is computed by the server from the account's
// permissions (RFC 3659 §7.5.5 letters) and given here as is. The type of the
// listed directory itself may be "cdir" (pass `type_override`).
std::string format_mlsx_line(const entry_info& e, unsigned facts, std::string_view perm,
                             std::string_view type_override = {});

}  // namespace portico::protocol
