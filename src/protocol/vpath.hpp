// Virtual paths: what the client sees. Always absolute, '/'-separated, with no
// ".", ".." or empty components. Normalisation here is lexical and serves
// PWD, the cwd and logs; confinement is enforced by the storage layer, which
// lets the kernel resolve the path beneath the account's root.
#pragma once

#include <string>
#include <string_view>

#include "protocol/expected.hpp"

namespace portico::protocol {

// Resolves `path` (absolute, or relative to `cwd`, which must already be a
// normalised virtual path) into a normalised virtual path. ".." never climbs
// above "/"; repeated and trailing slashes are folded. A result longer than
// limits::max_path_length or deeper than limits::max_path_depth is an error,
// and so is a NUL byte.
result<std::string> resolve_vpath(std::string_view cwd, std::string_view path);

// "/a/b" -> "/a"; "/a" -> "/"; "/" -> "/".
std::string vpath_parent(std::string_view normalised);

// "/a/b" -> "b"; "/" -> "".
std::string_view vpath_basename(std::string_view normalised);

// "/a/b" -> "a/b": the form the storage layer opens beneath its root ("" is
// the root itself).
std::string_view vpath_relative(std::string_view normalised);

// A path inside the quotes of a 257 reply: embedded '"' doubled (RFC 959
// Appendix II).
std::string quote_path(std::string_view path);

}  // namespace portico::protocol
