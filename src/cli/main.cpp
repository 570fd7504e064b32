// portico: FTP server and client suite. This file only wires subcommands;
// each lives in its own cmd_*.cpp.
#include <cstdio>

#include "cli/commands.hpp"

int main(int argc, char** argv) {
  CLI::App app{
      "portico: an FTP server and client that gets the data connection through NAT and\n"
      "firewalls, and says exactly why and what to change when it cannot.\n\n"
      "Start a server for the current directory:   portico serve\n"
      "See the options of a subcommand:            portico serve --help",
      "portico"};
  app.set_version_flag("-V,--version", "portico " PORTICO_VERSION);
  app.require_subcommand(0, 1);
  portico::cli::add_serve_command(app);
  portico::cli::add_passwd_command(app);
  CLI11_PARSE(app, argc, argv);
  if (app.get_subcommands().empty()) {
    std::fputs(app.help().c_str(), stdout);
  }
  return 0;
}
