// Informational commands: NOOP SYST STAT HELP SITE (RFC 959 §4.1.3), FEAT and
// OPTS (RFC 2389). FEAT and HELP are generated from the command table.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <chrono>

#include "protocol/listing.hpp"
#include "protocol/reply_code.hpp"
#include "server/command_table.hpp"
#include "server/handlers/handlers.hpp"

namespace portico::server::handlers {

namespace code = protocol::code;

namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

std::pair<std::string_view, std::string_view> split_word(std::string_view s) {
  const auto space = s.find(' ');
  if (space == std::string_view::npos) return {s, {}};
  auto rest = s.substr(space + 1);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  return {s.substr(0, space), rest};
}

}  // namespace

awaitable<outcome> noop(context&, std::string_view) {
  co_return outcome{code::ok, "NOOP ok."};
}

awaitable<outcome> syst(context&, std::string_view) {
  // What every client expects from a Unix-like server: "L8" tells them to
  // parse ls-style listings.
  co_return outcome{code::system_type, "UNIX Type: L8"};
}

awaitable<outcome> feat(context& ctx, std::string_view) {
  std::vector<std::string> lines{"Features:"};
  std::vector<std::string> features;
  for (const auto& spec : command_table()) {
    if (spec.feature.empty()) continue;
    if (spec.feature == "MLST") {
      features.push_back("MLST " + protocol::format_mlst_feature(ctx.state.mlst_facts));
    } else {
      features.emplace_back(spec.feature);
    }
  }
  std::sort(features.begin(), features.end());
  // RFC 2389 §3.2: each feature line starts with a space.
  for (auto& f : features) lines.push_back(" " + f);
  lines.emplace_back("End");
  co_return outcome{protocol::reply{code::system_status, std::move(lines)}};
}

awaitable<outcome> opts(context& ctx, std::string_view arg) {
  auto [name, value] = split_word(arg);
  const std::string option = upper(name);
  if (option == "UTF8") {
    // Names are always sent as the bytes stored, which on this server are
    // UTF-8: there is nothing to switch (RFC 2640 §3.1 lets OFF be refused).
    if (upper(value) == "OFF") {
      co_return outcome{code::not_implemented_param, "UTF8 cannot be switched off."};
    }
    co_return outcome{code::ok, "Always in UTF8 mode."};
  }
  if (option == "MLST") {
    ctx.state.mlst_facts = protocol::parse_mlst_options(value);
    std::string enabled = protocol::format_mlst_feature(ctx.state.mlst_facts);
    enabled.erase(std::remove(enabled.begin(), enabled.end(), '*'), enabled.end());
    co_return outcome{code::ok, fmt::format("MLST OPTS {}", enabled)};
  }
  co_return outcome{code::syntax_error_args, fmt::format("OPTS {} is not supported.", option)};
}

awaitable<outcome> help(context&, std::string_view arg) {
  if (!arg.empty()) {
    const std::string verb = upper(arg);
    if (verb == "SITE") {
      co_return outcome{code::help, "SITE commands: CHMOD <mode> <path>, HELP."};
    }
    const command_spec* spec = find_command(verb);
    if (spec == nullptr) {
      co_return outcome{code::syntax_error_args, fmt::format("Unknown command '{}'.", verb)};
    }
    co_return outcome{code::help, fmt::format("Syntax: {}", spec->help)};
  }
  std::vector<std::string> lines{"The following commands are recognized:"};
  std::string row;
  int in_row = 0;
  for (const auto& spec : command_table()) {
    row += fmt::format(" {:<5}", spec.verb);
    if (++in_row == 8) {
      lines.push_back(std::move(row));
      row.clear();
      in_row = 0;
    }
  }
  if (!row.empty()) lines.push_back(std::move(row));
  lines.emplace_back("Help OK.");
  co_return outcome{protocol::reply{code::help, std::move(lines)}};
}

awaitable<outcome> stat(context& ctx, std::string_view arg) {
  if (!arg.empty() && !ctx.state.transfer) co_return co_await stat_listing(ctx, arg);
  std::vector<std::string> lines{"portico FTP server status:"};
  lines.push_back(fmt::format(" Connected from {}", ctx.peer().address.to_string()));
  if (ctx.state.logged_in) {
    lines.push_back(fmt::format(" Logged in as {}", ctx.state.logged_in->name));
  } else {
    lines.emplace_back(" Not logged in");
  }
  lines.push_back(fmt::format(" TYPE: {}, STRU: File, MODE: Stream",
                              ctx.state.type == transfer_type::ascii ? "ASCII" : "BINARY"));
  if (ctx.state.transfer) {
    const auto& t = *ctx.state.transfer;
    const auto seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t.started);
    std::string total = t.total ? fmt::format(" of {}", *t.total) : std::string{};
    lines.push_back(fmt::format(" {} {}: {}{} bytes in {:.1f} s", t.verb, t.path, t.bytes, total,
                                seconds.count()));
  } else {
    lines.emplace_back(" No transfer in progress");
  }
  lines.emplace_back("End of status");
  co_return outcome{protocol::reply{code::system_status, std::move(lines)}};
}

awaitable<outcome> site(context& ctx, std::string_view arg) {
  auto [name, rest] = split_word(arg);
  const std::string sub = upper(name);
  if (sub == "CHMOD") {
    if (!ctx.state.logged_in->permissions.has(permission::chmod)) {
      co_return outcome{code::file_unavailable,
                        "Permission denied: this account may not change modes (it needs the "
                        "'chmod' permission)."};
    }
    co_return co_await site_chmod(ctx, rest);
  }
  if (sub == "HELP") co_return outcome{code::help, "SITE commands: CHMOD <mode> <path>, HELP."};
  // SECURITY: no SITE EXEC or any other command that runs programs.
  co_return outcome{code::not_implemented, fmt::format("SITE {} is not supported.", sub)};
}

}  // namespace portico::server::handlers
