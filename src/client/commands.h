// The client commands behind `sigil configure`, `vault import`, `whoami`, `session`, `assume`,
// `exec`, `credential-process`, `rotate`, `doctor`, `scan` and `mfa enable`. Each takes its
// parsed options, prints results on stdout and progress and errors on stderr ("sigil: CMD: what
// went wrong; what to do"), and returns the process exit code. Secrets are never printed except
// where printing them is the command's purpose (session/assume exports, credential-process).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "client/client_context.h"
#include "client/temporary_credentials.h"

namespace sigil::client {

struct ConfigureFlags {
  bool force = false;      // store root keys anyway
  bool no_verify = false;  // skip GetCallerIdentity (offline)
};
int RunConfigure(ClientContext& ctx, const ConfigureFlags& flags);

// Moves plaintext long-term keys from the AWS files into the vault (every profile, or only the
// one named by --profile).
int RunVaultImport(ClientContext& ctx);

struct OutputFlags {
  bool json = false;
};
int RunWhoami(ClientContext& ctx, const OutputFlags& flags);

// `session` and `assume` print exports (or credential_process JSON with --json).
int RunSession(ClientContext& ctx, const TemporaryOptions& options, const OutputFlags& flags);
int RunAssume(ClientContext& ctx, const std::string& role_or_profile, TemporaryOptions options,
              const OutputFlags& flags);
// Replaces this process with `command` (only returns on failure).
int RunExec(ClientContext& ctx, const TemporaryOptions& options,
            const std::vector<std::string>& command);
int RunCredentialProcess(ClientContext& ctx, const TemporaryOptions& options);

struct MfaEnableFlags {
  std::string device_name;  // default: the user name
  std::string code1;        // --code1/--code2, else prompted (or read from stdin)
  std::string code2;
};
int RunMfaEnable(ClientContext& ctx, const MfaEnableFlags& flags);

// Prints "sigil: COMMAND: message" on stderr; returns 1.
int Fail(std::string_view command, const Status& status);

}  // namespace sigil::client
