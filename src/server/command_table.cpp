#include "server/command_table.hpp"

#include <algorithm>
#include <array>

#include "server/handlers/handlers.hpp"

namespace portico::server {
namespace {

namespace h = handlers;
using enum arg_rule;
using p = permission;
constexpr unsigned login_free = command_flag::before_login;
constexpr unsigned opens = command_flag::opens_transfer;
constexpr unsigned during = command_flag::during_transfer;
constexpr unsigned keeps = command_flag::keeps_one_shot;

// Sorted by verb (find_command uses binary search; a test checks the order).
constexpr std::array table{
    command_spec{"ABOR", h::abor, none, p::none, during | keeps, "", "ABOR (abort the transfer)"},
    command_spec{"ALLO", h::allo, optional, p::none, keeps, "",
                 "ALLO <SP> size (accepted; storage is not reserved)"},
    command_spec{"APPE", h::appe, required, p::append, opens, "",
                 "APPE <SP> path (append to a file)"},
    command_spec{"CDUP", h::cdup, none, p::list, 0, "", "CDUP (go to the parent directory)"},
    command_spec{"CWD", h::cwd, required, p::list, 0, "TVFS", "CWD <SP> path"},
    command_spec{"DELE", h::dele, required, p::remove, 0, "", "DELE <SP> path (delete a file)"},
    command_spec{"EPRT", h::eprt, required, p::none, keeps, "EPRT",
                 "EPRT <SP> |af|address|port| (active mode, RFC 2428)"},
    command_spec{"EPSV", h::epsv, optional, p::none, keeps, "EPSV",
                 "EPSV [<SP> 1 | 2 | ALL] (extended passive mode, RFC 2428)"},
    command_spec{"FEAT", h::feat, none, p::none, login_free, "", "FEAT (list extensions)"},
    command_spec{"HELP", h::help, optional, p::none, login_free, "", "HELP [<SP> command]"},
    command_spec{"HOST", h::host, required, p::none, login_free, "HOST",
                 "HOST <SP> name (virtual host, RFC 7151)"},
    command_spec{"LIST", h::list, optional, p::list, opens, "",
                 "LIST [<SP> path] (ls -l style listing)"},
    command_spec{"MDTM", h::mdtm, required, p::list, 0, "MDTM",
                 "MDTM <SP> path (modification time, UTC)"},
    command_spec{"MFMT", h::mfmt, required, p::write, 0, "MFMT",
                 "MFMT <SP> YYYYMMDDHHMMSS <SP> path (set modification time)"},
    command_spec{"MKD", h::mkd, required, p::mkdir, 0, "", "MKD <SP> path (make a directory)"},
    command_spec{"MLSD", h::mlsd, optional, p::list, opens, "",
                 "MLSD [<SP> path] (machine listing, RFC 3659)"},
    command_spec{"MLST", h::mlst, optional, p::list, 0, "MLST",
                 "MLST [<SP> path] (facts of one entry, RFC 3659)"},
    command_spec{"MODE", h::mode, required, p::none, keeps, "", "MODE <SP> S (stream only)"},
    command_spec{"NLST", h::nlst, optional, p::list, opens, "", "NLST [<SP> path] (names only)"},
    command_spec{"NOOP", h::noop, none, p::none, login_free | during | keeps, "", "NOOP"},
    command_spec{"OPTS", h::opts, required, p::none, login_free, "UTF8",
                 "OPTS <SP> UTF8 ON | MLST facts"},
    command_spec{"PASS", h::pass, optional, p::none, login_free, "", "PASS <SP> password"},
    command_spec{"PASV", h::pasv, none, p::none, keeps, "", "PASV (passive mode, IPv4)"},
    command_spec{"PORT", h::port, required, p::none, keeps, "",
                 "PORT <SP> h1,h2,h3,h4,p1,p2 (active mode, IPv4)"},
    command_spec{"PWD", h::pwd, none, p::none, 0, "", "PWD (print the directory)"},
    command_spec{"QUIT", h::quit, none, p::none, login_free | during, "", "QUIT"},
    command_spec{"REST", h::rest, required, p::none, keeps, "REST STREAM",
                 "REST <SP> offset (restart the next RETR or STOR there)"},
    command_spec{"RETR", h::retr, required, p::read, opens, "", "RETR <SP> path (download)"},
    command_spec{"RMD", h::rmd, required, p::remove, 0, "", "RMD <SP> path (remove a directory)"},
    command_spec{"RNFR", h::rnfr, required, p::rename, 0, "", "RNFR <SP> path (rename from)"},
    command_spec{"RNTO", h::rnto, required, p::rename, 0, "", "RNTO <SP> path (rename to)"},
    command_spec{"SITE", h::site, required, p::none, 0, "", "SITE <SP> CHMOD mode path | HELP"},
    command_spec{"SIZE", h::size, required, p::list, 0, "SIZE", "SIZE <SP> path (size in bytes)"},
    command_spec{"STAT", h::stat, optional, p::none, during, "",
                 "STAT [<SP> path] (status, or a listing on the control connection)"},
    command_spec{"STOR", h::stor, required, p::write, opens, "", "STOR <SP> path (upload)"},
    command_spec{"STOU", h::stou, optional, p::write, opens, "",
                 "STOU [<SP> name] (upload under a unique name)"},
    command_spec{"STRU", h::stru, required, p::none, keeps, "", "STRU <SP> F (file only)"},
    command_spec{"SYST", h::syst, none, p::none, login_free, "", "SYST"},
    command_spec{"TYPE", h::type, required, p::none, keeps, "", "TYPE <SP> A | I | L 8"},
    command_spec{"USER", h::user, required, p::none, login_free, "", "USER <SP> name"},
    command_spec{"XCUP", h::cdup, none, p::list, 0, "", "XCUP (same as CDUP)"},
    command_spec{"XCWD", h::cwd, required, p::list, 0, "", "XCWD <SP> path (same as CWD)"},
    command_spec{"XMKD", h::mkd, required, p::mkdir, 0, "", "XMKD <SP> path (same as MKD)"},
    command_spec{"XPWD", h::pwd, none, p::none, 0, "", "XPWD (same as PWD)"},
    command_spec{"XRMD", h::rmd, required, p::remove, 0, "", "XRMD <SP> path (same as RMD)"},
};

}  // namespace

std::span<const command_spec> command_table() noexcept {
  return table;
}

const command_spec* find_command(std::string_view verb) noexcept {
  auto it = std::lower_bound(table.begin(), table.end(), verb,
                             [](const command_spec& c, std::string_view v) { return c.verb < v; });
  if (it == table.end() || it->verb != verb) return nullptr;
  return &*it;
}

}  // namespace portico::server
