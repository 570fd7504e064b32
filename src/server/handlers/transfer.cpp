// File transfer commands: RFC 959 RETR STOR STOU APPE, with RFC 3659 §5 REST.
// Each checks and opens what it needs, then hands a transfer_request to the
// session, which moves the bytes on the data connection.
#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>

#include "protocol/reply_code.hpp"
#include "protocol/vpath.hpp"
#include "server/handlers/common.hpp"
#include "server/handlers/handlers.hpp"

namespace portico::server::handlers {

namespace code = protocol::code;

namespace {

std::string_view mode_name(const context& ctx) {
  return ctx.state.type == transfer_type::ascii ? "ASCII" : "BINARY";
}

std::optional<outcome> refuse_rest_in_ascii(const context& ctx) {
  // A restart offset in TYPE A would be ambiguous (bytes of the file or of the
  // converted stream?), so it is refused, as vsftpd does.
  if (ctx.state.rest_offset > 0 && ctx.state.type == transfer_type::ascii) {
    return outcome{code::invalid_rest, "REST is not supported in ASCII mode; send TYPE I first."};
  }
  return std::nullopt;
}

awaitable<outcome> begin_receive(context& ctx, std::string verb, std::string path, write_mode mode,
                                 std::uint64_t offset) {
  const bool atomic = ctx.config.atomic_uploads;
  auto up =
      co_await ctx.blocking([&] { return ctx.fs().begin_upload(path, mode, offset, atomic); });
  if (!up) co_return outcome{storage_failure(up.error(), path)};
  transfer_request t;
  t.what = transfer_request::kind::receive_file;
  t.verb = std::move(verb);
  t.path = up->target;
  t.ascii = ctx.state.type == transfer_type::ascii;
  if (mode == write_mode::create_new) {
    // RFC 1123 §4.1.2.9: the unique name goes in the preliminary reply.
    t.opening_text = fmt::format("FILE: {}", protocol::vpath_basename(up->target));
    t.done_text = fmt::format("Transfer complete; stored as {}.", up->target);
  } else {
    t.opening_text = fmt::format("Opening {} mode data connection for {}.", mode_name(ctx), path);
  }
  t.up = std::move(*up);
  co_return outcome::start(std::move(t));
}

}  // namespace

awaitable<outcome> retr(context& ctx, std::string_view arg) {
  if (auto refused = refuse_rest_in_ascii(ctx)) co_return std::move(*refused);
  auto path = resolve_path(ctx, arg);
  if (!path) co_return outcome{path.error()};
  // The size comes from the opened file itself, so that it describes exactly
  // what will be sent.
  std::uint64_t size = 0;
  auto with_size = [&size](result<file_handle> file) -> result<file_handle> {
    if (!file) return file;
    struct ::stat st {};
    if (::fstat(file->get(), &st) != 0) return unexpected(storage_error_from_errno(errno));
    size = static_cast<std::uint64_t>(st.st_size);
    return file;
  };
  // A file whose name is cached opens here, on the I/O thread: the two
  // thread hops of the blocking pool cost more than a small file's transfer.
  // Anything else, errors included, is answered by open_read on the pool.
  result<file_handle> opened = unexpected(make_error_code(storage_errc::io_error));
  if (auto cached = ctx.fs().open_read_cached(*path)) opened = with_size(std::move(*cached));
  if (!opened) opened = co_await ctx.blocking([&] { return with_size(ctx.fs().open_read(*path)); });
  if (!opened) co_return outcome{storage_failure(opened.error(), *path)};

  const std::uint64_t offset = ctx.state.rest_offset;
  if (offset > size) {
    co_return outcome{
        code::invalid_rest,
        fmt::format("REST offset {} is past the end of {} ({} bytes).", offset, *path, size)};
  }
  transfer_request t;
  t.what = transfer_request::kind::send_file;
  t.verb = "RETR";
  t.path = *path;
  t.ascii = ctx.state.type == transfer_type::ascii;
  t.file = std::move(*opened);
  t.offset = offset;
  t.size = size - offset;
  t.opening_text = fmt::format("Opening {} mode data connection for {} ({} bytes).", mode_name(ctx),
                               *path, size);
  co_return outcome::start(std::move(t));
}

awaitable<outcome> stor(context& ctx, std::string_view arg) {
  if (auto refused = refuse_rest_in_ascii(ctx)) co_return std::move(*refused);
  auto path = resolve_path(ctx, arg);
  if (!path) co_return outcome{path.error()};
  const std::uint64_t offset = ctx.state.rest_offset;
  if (offset > 0 && !ctx.state.logged_in->permissions.has(permission::append)) {
    co_return outcome{code::file_unavailable,
                      "Permission denied: resuming an upload needs the 'append' permission."};
  }
  co_return co_await begin_receive(ctx, "STOR", std::move(*path),
                                   offset > 0 ? write_mode::at_offset : write_mode::truncate,
                                   offset);
}

awaitable<outcome> appe(context& ctx, std::string_view arg) {
  if (ctx.state.rest_offset > 0) {
    co_return outcome{code::bad_sequence, "REST cannot be combined with APPE; use STOR."};
  }
  auto path = resolve_path(ctx, arg);
  if (!path) co_return outcome{path.error()};
  co_return co_await begin_receive(ctx, "APPE", std::move(*path), write_mode::append, 0);
}

awaitable<outcome> stou(context& ctx, std::string_view arg) {
  if (ctx.state.rest_offset > 0) {
    co_return outcome{code::bad_sequence, "REST cannot be combined with STOU."};
  }
  auto path = resolve_path(ctx, arg.empty() ? std::string_view{"file"} : arg);
  if (!path) co_return outcome{path.error()};
  co_return co_await begin_receive(ctx, "STOU", std::move(*path), write_mode::create_new, 0);
}

}  // namespace portico::server::handlers
