// Transfer parameter commands: RFC 959 §4.1.2 (TYPE MODE STRU ALLO) and
// RFC 3659 §5 (REST STREAM).
#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <limits>

#include "protocol/reply_code.hpp"
#include "server/handlers/handlers.hpp"

namespace portico::server::handlers {

namespace code = protocol::code;

namespace {

std::string normalised_upper(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == ' ' && (out.empty() || out.back() == ' ')) continue;  // fold spaces
    out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace

awaitable<outcome> type(context& ctx, std::string_view arg) {
  const std::string t = normalised_upper(arg);
  if (t == "I" || t == "L 8" || t == "L8") {
    ctx.state.type = transfer_type::binary;
    co_return outcome{code::ok, "Switching to Binary mode."};
  }
  if (t == "A" || t == "A N") {
    ctx.state.type = transfer_type::ascii;
    co_return outcome{code::ok, "Switching to ASCII mode."};
  }
  co_return outcome{code::not_implemented_param,
                    fmt::format("TYPE {} is not supported; use A (text) or I (binary).", t)};
}

awaitable<outcome> mode(context&, std::string_view arg) {
  if (normalised_upper(arg) == "S") co_return outcome{code::ok, "Mode set to S."};
  co_return outcome{code::not_implemented_param, "Only MODE S (stream) is supported."};
}

awaitable<outcome> stru(context&, std::string_view arg) {
  if (normalised_upper(arg) == "F") co_return outcome{code::ok, "Structure set to F."};
  co_return outcome{code::not_implemented_param, "Only STRU F (file) is supported."};
}

awaitable<outcome> allo(context&, std::string_view) {
  co_return outcome{code::superfluous, "ALLO is not needed on this server."};
}

awaitable<outcome> rest(context& ctx, std::string_view arg) {
  // SECURITY: a strict decimal parse with no sign and no wrap-around (ProFTPD
  // issue 2286): offsets past INT64_MAX cannot be file positions.
  std::uint64_t offset = 0;
  const auto* end = arg.data() + arg.size();
  auto [ptr, ec] = std::from_chars(arg.data(), end, offset);
  if (ec != std::errc{} || ptr != end || arg.empty() ||
      !std::isdigit(static_cast<unsigned char>(arg[0])) ||
      offset > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    co_return outcome{code::syntax_error_args,
                      "REST needs a byte offset: a decimal number from 0 to 9223372036854775807."};
  }
  ctx.state.rest_offset = offset;
  co_return outcome{
      code::pending_further_info,
      fmt::format("Restarting at {}. Send RETR or STOR to start the transfer.", offset)};
}

}  // namespace portico::server::handlers
