#include "server/handlers/common.hpp"

#include <fmt/format.h>

#include "protocol/reply_code.hpp"
#include "protocol/vpath.hpp"
#include "server/storage/storage.hpp"

namespace portico::server::handlers {

namespace code = protocol::code;

expected<std::string, protocol::reply> resolve_path(const context& ctx, std::string_view arg) {
  auto resolved = protocol::resolve_vpath(ctx.state.cwd, arg);
  if (!resolved) {
    return unexpected(protocol::reply{
        code::bad_file_name, fmt::format("Invalid path: {}.", resolved.error().message())});
  }
  return std::move(*resolved);
}

protocol::reply storage_failure(const std::error_code& ec, std::string_view path) {
  int reply_code = code::file_unavailable;
  if (ec.category() == storage_category()) {
    switch (static_cast<storage_errc>(ec.value())) {
      case storage_errc::invalid_name:
      case storage_errc::name_too_long:
        reply_code = code::bad_file_name;
        break;
      case storage_errc::no_space:
        reply_code = code::insufficient_storage;
        break;
      case storage_errc::quota_exceeded:
        reply_code = code::exceeded_storage;
        break;
      case storage_errc::busy:
        reply_code = code::file_busy;
        break;
      case storage_errc::io_error:
      case storage_errc::out_of_descriptors:  // the server's condition: may pass
        reply_code = code::local_error;
        break;
      case storage_errc::unsupported:
        reply_code = code::not_implemented_param;
        break;
      default:
        break;
    }
  } else {
    reply_code = code::local_error;
  }
  return {reply_code, fmt::format("{}: {}.", path, ec.message())};
}

std::string mlsx_perm(const context& ctx, protocol::entry_type type) {
  const permission_set perms =
      ctx.state.logged_in ? ctx.state.logged_in->permissions : permission_set{};
  std::string letters;
  if (type == protocol::entry_type::directory) {
    if (perms.has(permission::write)) letters += 'c';  // may create files in it
    if (perms.has(permission::remove)) letters += 'd';
    if (perms.has(permission::list)) letters += "el";  // may enter and list it
    if (perms.has(permission::rename)) letters += 'f';
    if (perms.has(permission::mkdir)) letters += 'm';
    if (perms.has(permission::remove)) letters += 'p';  // may delete entries in it
  } else {
    if (perms.has(permission::append)) letters += 'a';
    if (perms.has(permission::remove)) letters += 'd';
    if (perms.has(permission::rename)) letters += 'f';
    if (perms.has(permission::read)) letters += 'r';
    if (perms.has(permission::write)) letters += 'w';
  }
  return letters;
}

}  // namespace portico::server::handlers
