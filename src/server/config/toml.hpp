// The one place toml++ is included, so that its headers are compiled with our
// warning flags silenced (they trip -Wconversion, -Wshadow and friends) and
// with one choice of exception mode across the code.
//
// toml++ is header-only unless the build says otherwise; the CMake target of
// Debian's libtomlplusplus-dev passes TOML_HEADER_ONLY=0 TOML_SHARED_LIB=1 and
// links the shared library, which compiles much faster.
#pragma once

#ifndef TOML_EXCEPTIONS
#define TOML_EXCEPTIONS 1
#endif

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wold-style-cast"
#pragma GCC diagnostic ignored "-Wnull-dereference"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#include <toml++/toml.h>
#pragma GCC diagnostic pop

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <string_view>

#include "protocol/expected.hpp"

// Helpers shared by the two TOML readers (config_loader.cpp, users_file.cpp),
// so that both word their errors the same way: "FILE:LINE: dotted.key: what".
namespace portico::server::toml_detail {

inline std::string located(const std::string& file, const toml::source_region& where,
                           std::string_view key, std::string_view message) {
  std::string out = file;
  if (where.begin.line != 0) out += ':' + std::to_string(where.begin.line);
  out += ": ";
  if (!key.empty()) {
    out += key;
    out += ": ";
  }
  out += message;
  return out;
}

inline std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::basic_string<std::size_t> prev(b.size() + 1, 0), cur(b.size() + 1, 0);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitute = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, substitute});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

// "unknown key (did you mean max_sessions?)" or "unknown key (expected one of
// a, b, c)": a typo must never be silently ignored, and the message should
// make the fix obvious.
inline std::string unknown_key_message(std::string_view key,
                                       std::initializer_list<std::string_view> known) {
  std::string_view best;
  std::size_t best_distance = 3;  // suggest only close matches
  for (auto candidate : known) {
    // "listen_on" for "listen" is a typo too, though far in edit distance.
    const bool prefix = std::min(key.size(), candidate.size()) >= 4 &&
                        (key.starts_with(candidate) || candidate.starts_with(key));
    const auto d = prefix ? 1 : edit_distance(key, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  if (!best.empty()) return "unknown key (did you mean " + std::string(best) + "?)";
  std::string list;
  for (auto candidate : known) {
    if (!list.empty()) list += ", ";
    list += candidate;
  }
  return "unknown key (expected one of " + list + ")";
}

// A path from a file, made absolute: relative ones count from the directory of
// the file that names them, so that a config works wherever it is started from.
inline std::string resolve_relative_to(const std::string& file, const std::string& path) {
  std::filesystem::path p(path);
  if (p.is_relative()) p = std::filesystem::path(file).parent_path() / p;
  std::error_code ec;
  auto absolute = std::filesystem::absolute(p, ec);
  if (ec) absolute = p;
  auto normal = absolute.lexically_normal().string();
  while (normal.size() > 1 && normal.back() == '/') normal.pop_back();
  return normal;
}

// Reads and parses a TOML file; `what` names it in errors ("config file").
// The file is read here rather than by toml::parse_file, which reports an
// unreadable file without the reason.
inline expected<toml::table, std::string> parse_file(const std::string& path,
                                                     std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return unexpected(path + ": cannot read " + std::string(what) + ": " + std::strerror(errno));
  }
  std::ostringstream content;
  content << in.rdbuf();
  try {
    return toml::parse(content.str(), path);
  } catch (const toml::parse_error& e) {
    return unexpected(
        located(path, e.source(), "", "invalid TOML: " + std::string(e.description())));
  }
}

// Why `path` cannot be used as a directory, or an empty string when it can.
inline std::string directory_problem(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    if (err == ENOENT) return "directory \"" + path + "\" does not exist";
    return "cannot check directory \"" + path + "\": " + std::strerror(err);
  }
  if (!S_ISDIR(st.st_mode)) return "\"" + path + "\" is not a directory";
  return {};
}

}  // namespace portico::server::toml_detail
