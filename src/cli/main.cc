// The `sigil` command: `sigil server` runs the endpoint; `sigil admin` works on a data folder
// (accounts, session-token keys); the client commands (configure, whoami, session, rotate, …)
// harden the caller's own AWS credentials. Parses options (flags or SIGIL_* environment variables),
// wires the components together and handles signals; everything else lives in the libraries.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>
#include <vector>

#include "cli/admin_command.h"
#include "cli/client_commands.h"
#include "cli/config_file.h"
#include "cli/server_command.h"

int main(int argc, char** argv) {
  CLI::App app{
      "Sigil: a self-hosted, AWS-compatible identity and access endpoint (IAM, STS), and "
      "credential-hardening client commands."};
  app.require_subcommand(1);
  sigil::cli::ServerFlags server_flags;
  CLI::App* server = app.add_subcommand("server", "Run the endpoint (IAM and STS over SigV4).");
  sigil::cli::AddServerFlags(server, &server_flags);
  std::string config_file;
  server
      ->add_option("--config", config_file,
                   "Read options from this TOML file (keys are the long option names, e.g. "
                   "listen = \"0.0.0.0:9000\"); flags and SIGIL_* variables win over it")
      ->envname("SIGIL_CONFIG");
  bool print_config = false;
  server->add_flag("--print-config", print_config,
                   "Print the effective configuration in the --config format and exit");
  sigil::cli::AdminFlags admin_flags;
  sigil::cli::AdminCommands admin = sigil::cli::AddAdminCommands(&app, &admin_flags);
  sigil::cli::ClientFlags client_flags;
  std::vector<CLI::App*> client_commands = sigil::cli::AddClientCommands(&app, &client_flags);
  CLI11_PARSE(app, argc, argv);
  if (server->parsed()) {
    if (!config_file.empty()) {
      sigil::Status applied = sigil::cli::ApplyConfigFile(*server, config_file);
      if (!applied.ok()) {
        std::fprintf(stderr, "sigil: --config: %s\n", applied.message().c_str());
        return 1;
      }
    }
    if (print_config) {
      std::fputs(sigil::cli::RenderConfig(*server).c_str(), stdout);
      return 0;
    }
    return sigil::cli::RunServer(server_flags);
  }
  if (admin.admin->parsed()) return sigil::cli::RunAdmin(admin, admin_flags);
  if (int rc = sigil::cli::RunClientCommand(client_commands, client_flags); rc >= 0) return rc;
  return 0;
}
