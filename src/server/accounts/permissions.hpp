// What an account may do. Each command's entry in the command table names the
// permission it needs; the dispatcher checks it once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/expected.hpp"

namespace portico::server {

enum class permission : std::uint16_t {
  none = 0,
  list = 1 << 0,    // LIST NLST MLSD MLST STAT <path> SIZE MDTM, CWD
  read = 1 << 1,    // RETR
  write = 1 << 2,   // STOR STOU (create and overwrite), MFMT
  append = 1 << 3,  // APPE, REST+STOR
  remove = 1 << 4,  // DELE RMD ("delete" in configuration)
  mkdir = 1 << 5,   // MKD
  rename = 1 << 6,  // RNFR RNTO
  chmod = 1 << 7,   // SITE CHMOD
};

class permission_set {
 public:
  constexpr permission_set() = default;
  constexpr explicit permission_set(std::uint16_t bits) : bits_(bits) {}

  static constexpr permission_set all() { return permission_set{0xff}; }
  static constexpr permission_set read_only() {
    return permission_set{static_cast<std::uint16_t>(permission::list) |
                          static_cast<std::uint16_t>(permission::read)};
  }

  constexpr bool has(permission p) const noexcept {
    return p == permission::none || (bits_ & static_cast<std::uint16_t>(p)) != 0;
  }
  constexpr permission_set with(permission p) const noexcept {
    return permission_set{static_cast<std::uint16_t>(bits_ | static_cast<std::uint16_t>(p))};
  }
  constexpr std::uint16_t bits() const noexcept { return bits_; }
  friend constexpr bool operator==(permission_set, permission_set) = default;

  // The configuration names: list read write append delete mkdir rename chmod.
  static result<permission> parse_name(std::string_view name);
  std::string to_string() const;  // "list,read"

 private:
  std::uint16_t bits_ = 0;
};

std::string_view permission_name(permission p) noexcept;

}  // namespace portico::server
