// The client commands on the `sigil` command line (configure, vault import, whoami, session,
// assume, exec, credential-process, rotate, doctor, scan, mfa enable): option parsing only; the
// work is in src/client. Called once from main.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "client/commands.h"
#include "client/doctor.h"
#include "client/rotate.h"
#include "client/scan.h"

namespace sigil::cli {

struct ClientFlags {
  client::CommonFlags common;
  client::ConfigureFlags configure;
  client::OutputFlags output;
  client::TemporaryOptions temporary;
  std::vector<std::string> tags;     // --tag K=V
  std::string role_or_profile;       // assume ROLE|PROFILE
  std::vector<std::string> command;  // exec -- CMD…
  client::RotateFlags rotate;
  client::DoctorFlags doctor;
  client::ScanFlags scan;
  client::MfaEnableFlags mfa;
};

// Registers the client commands on `app`, storing their options in `flags`; returns them.
std::vector<CLI::App*> AddClientCommands(CLI::App* app, ClientFlags* flags);

// Runs the client command that was parsed; -1 when none was.
int RunClientCommand(const std::vector<CLI::App*>& commands, ClientFlags& flags);

}  // namespace sigil::cli
