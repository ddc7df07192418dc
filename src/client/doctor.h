// `sigil doctor`: one credential-hygiene audit. Offline: file modes and ownership of the AWS
// files and the vault, plaintext long-term keys, plaintext credential caches, credential_process
// programs others can write, and INI constructs botocore reads differently from how they look.
// Online (unless --offline): root keys in use, key age and last use, MFA, and the account's
// credential report where the caller may read it. Exits 1 when anything above "info" is found.
#pragma once

#include <string>
#include <vector>

#include "client/aws_config.h"
#include "client/client_context.h"
#include "client/environment.h"

namespace sigil::client {

struct DoctorFlags {
  bool json = false;
  bool offline = false;
  int max_key_age_days = 90;
};

struct Finding {
  std::string severity;  // "error" | "warning" | "info"
  std::string check;     // e.g. "file-mode", "plaintext-key"
  std::string where;     // a file (and line or profile), or an account principal
  std::string message;
  std::string fix;  // what to do about it
};

// The offline checks over the AWS files and the vault at `vault_path`.
std::vector<Finding> CheckLocalFiles(const AwsConfig& config, const Environment& env,
                                     const std::string& vault_path);

// The credential report's findings (CSV as IAM returns it): root access keys, users without
// MFA, active keys older than `max_age_days` at `now`.
std::vector<Finding> CheckCredentialReport(const std::string& csv, TimePoint now, int max_age_days);

int RunDoctor(ClientContext& ctx, const DoctorFlags& flags);

}  // namespace sigil::client
