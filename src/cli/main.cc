// The `sigil` command: `sigil server` runs the endpoint; `sigil admin` works on a data folder
// (accounts, session-token keys). Parses options (flags or SIGIL_* environment variables),
// wires the components together and handles signals; everything else lives in the libraries.
#include <CLI/CLI.hpp>

#include "cli/admin_command.h"
#include "cli/server_command.h"

int main(int argc, char** argv) {
  CLI::App app{"Sigil: a self-hosted, AWS-compatible identity and access endpoint (IAM, STS)."};
  app.require_subcommand(1);
  sigil::cli::ServerFlags server_flags;
  CLI::App* server = app.add_subcommand("server", "Run the endpoint (IAM and STS over SigV4).");
  sigil::cli::AddServerFlags(server, &server_flags);
  sigil::cli::AdminFlags admin_flags;
  sigil::cli::AdminCommands admin = sigil::cli::AddAdminCommands(&app, &admin_flags);
  CLI11_PARSE(app, argc, argv);
  if (server->parsed()) return sigil::cli::RunServer(server_flags);
  if (admin.admin->parsed()) return sigil::cli::RunAdmin(admin, admin_flags);
  return 0;
}
