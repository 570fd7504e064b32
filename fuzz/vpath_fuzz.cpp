// resolve_vpath on hostile input. The input is split at the first '\n' into a
// cwd and a path. Every accepted result must be a normalised virtual path, a
// fixed point of resolution from any cwd, and within the limits.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "protocol/limits.hpp"
#include "protocol/vpath.hpp"

namespace {

using namespace portico;

void check_normalised(std::string_view p) {
  if (p.empty() || p.front() != '/') std::abort();
  if (p.find("//") != std::string_view::npos) std::abort();
  if (p.find("/./") != std::string_view::npos) std::abort();
  if (p.find("/../") != std::string_view::npos) std::abort();
  if (p.size() > 1 && p.back() == '/') std::abort();
  // A trailing "." or ".." component would be the same defect at the end.
  if (p.ends_with("/.") || p.ends_with("/..")) std::abort();
  if (p.size() > limits::max_path_length) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t split = input.find('\n');
  const std::string_view cwd = split == std::string_view::npos ? "/" : input.substr(0, split);
  const std::string_view path = split == std::string_view::npos ? input : input.substr(split + 1);

  const auto r = protocol::resolve_vpath(cwd, path);
  if (!r) return 0;
  check_normalised(*r);
  for (const std::string_view other :
       {std::string_view("/"), cwd, path, std::string_view("/x/y")}) {
    const auto again = protocol::resolve_vpath(other, *r);
    // "other" may itself be rejected only for a NUL; the result has none.
    if (!again || *again != *r) std::abort();
  }
  // The helpers agree with the result's shape.
  const std::string parent = protocol::vpath_parent(*r);
  check_normalised(parent);
  const std::string_view base = protocol::vpath_basename(*r);
  if (*r != "/" && base.empty()) std::abort();
  if (protocol::vpath_relative(*r) != std::string_view(*r).substr(1)) std::abort();
  return 0;
}
