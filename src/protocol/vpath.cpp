#include "protocol/vpath.hpp"

#include <vector>

#include "protocol/error.hpp"
#include "protocol/limits.hpp"

namespace portico::protocol {
namespace {

// Applies the components of `path` to `out`: empty ones (from "//") and "."
// vanish, ".." pops one unless already at the root. Backslashes and "~" are
// ordinary bytes: a Windows-style "..\.." is a file name here, and the
// storage layer never interprets it either, so nothing can climb with it.
void apply_components(std::string_view path, std::vector<std::string_view>& out) {
  std::size_t pos = 0;
  while (pos <= path.size()) {
    std::size_t end = path.find('/', pos);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view part = path.substr(pos, end - pos);
    if (part.empty() || part == ".") {
      // Nothing to do: "a//b" and "a/./b" are "a/b".
    } else if (part == "..") {
      if (!out.empty()) out.pop_back();
    } else {
      out.push_back(part);
    }
    pos = end + 1;
  }
}

}  // namespace

result<std::string> resolve_vpath(std::string_view cwd, std::string_view path) {
  // A NUL would cut the path short when it reaches a system call, so that
  // what is checked and what is opened would differ.
  if (path.find('\0') != std::string_view::npos || cwd.find('\0') != std::string_view::npos) {
    return unexpected(make_error_code(errc::bad_path));
  }
  std::vector<std::string_view> parts;
  // The cwd is normalised again rather than trusted, so that the result is
  // normalised whatever the caller passed (it costs one pass over it).
  if (path.empty() || path.front() != '/') apply_components(cwd, parts);
  apply_components(path, parts);

  // Limits apply to the result, not the input: "a/../" repeated is harmless,
  // while a deep or long result is what the kernel and the logs would see.
  if (parts.size() > limits::max_path_depth) {
    return unexpected(make_error_code(errc::path_too_deep));
  }
  std::size_t length = parts.empty() ? 1 : 0;
  for (const std::string_view part : parts) length += part.size() + 1;
  if (length > limits::max_path_length) return unexpected(make_error_code(errc::path_too_long));

  if (parts.empty()) return std::string("/");
  std::string out;
  out.reserve(length);
  for (const std::string_view part : parts) {
    out.push_back('/');
    out.append(part);
  }
  return out;
}

std::string vpath_parent(std::string_view normalised) {
  const std::size_t slash = normalised.rfind('/');
  if (slash == std::string_view::npos || slash == 0) return "/";
  return std::string(normalised.substr(0, slash));
}

std::string_view vpath_basename(std::string_view normalised) {
  const std::size_t slash = normalised.rfind('/');
  if (slash == std::string_view::npos) return normalised;
  return normalised.substr(slash + 1);
}

std::string_view vpath_relative(std::string_view normalised) {
  if (!normalised.empty() && normalised.front() == '/') normalised.remove_prefix(1);
  return normalised;
}

std::string quote_path(std::string_view path) {
  std::string out;
  out.reserve(path.size() + 2);
  for (const char c : path) {
    out.push_back(c);
    if (c == '"') out.push_back('"');
  }
  return out;
}

}  // namespace portico::protocol
