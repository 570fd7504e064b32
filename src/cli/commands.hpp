// Each subcommand registers itself on the CLI11 app from its own cmd_*.cpp.
#pragma once

#include <CLI/CLI.hpp>

namespace portico::cli {

void add_serve_command(CLI::App& app);
void add_passwd_command(CLI::App& app);

}  // namespace portico::cli
