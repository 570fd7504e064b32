// Client-side parsers for the listings real servers send: MLSD lines
// (RFC 3659), Unix `ls -l` LIST lines (vsftpd, ProFTPD, Pure-FTPd) and
// Windows/IIS DOS-style LIST lines.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "protocol/expected.hpp"
#include "protocol/listing.hpp"

namespace portico::protocol {

struct remote_entry {
  std::string name;
  entry_type type = entry_type::file;
  std::optional<std::uint64_t> size;
  std::optional<std::int64_t> mtime;         // UTC seconds; minute precision for LIST
  std::optional<std::uint32_t> permissions;  // 0777 bits, from LIST or unix.mode
  std::string link_target;                   // "a -> b" in LIST
  std::string unique;                        // MLSx unique fact
  friend bool operator==(const remote_entry&, const remote_entry&) = default;
};

// "fact=value;...; name". type=cdir/pdir entries are returned with type
// directory and name as sent; callers usually skip them.
result<remote_entry> parse_mlsx_line(std::string_view line);

// "drwxr-xr-x 2 user group 4096 Jan 02 15:04 name", "... Jan 02  2020 name",
// symlinks "name -> target", devices ("crw-rw-rw- 1 root root 1, 3 ..."), with
// or without the link count and group columns. A date without a year is put
// in the year that makes it no more than a day or so in the future of `now`
// (as ls chose it). "total N" lines are an error (callers skip errors).
result<remote_entry> parse_unix_list_line(std::string_view line, std::int64_t now);

// "01-15-21  03:45PM       <DIR>          name" and "01-15-2021  15:45  1234 name".
result<remote_entry> parse_dos_list_line(std::string_view line);

// Tries the Unix form, then the DOS form.
result<remote_entry> parse_list_line(std::string_view line, std::int64_t now);

}  // namespace portico::protocol
