// portico: FTP server and client suite. This file only wires subcommands;
// each lives in its own cmd_*.cpp.
#include <CLI/CLI.hpp>
#include <cstdio>

int main(int argc, char** argv) {
  CLI::App app{
      "portico: an FTP server and client that gets the data connection through NAT and\n"
      "firewalls, and says exactly why and what to change when it cannot.",
      "portico"};
  app.set_version_flag("-V,--version", "portico " PORTICO_VERSION);
  app.require_subcommand(0, 1);
  CLI11_PARSE(app, argc, argv);
  if (app.get_subcommands().empty()) {
    std::fputs(app.help().c_str(), stdout);
  }
  return 0;
}
