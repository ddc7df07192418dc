// Temporary credentials for a profile, never the long-term key: AssumeRole for profiles with
// role_arn (their source_profile's long-term key, mfa_serial, external_id, role_session_name,
// duration_seconds), GetSessionToken otherwise (with MFA when the profile has mfa_serial).
// Served from the vault's session cache while more than 15 minutes remain (botocore refreshes
// credential_process credentials 15 minutes before they expire). Not thread-safe.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "client/client_context.h"
#include "client/credentials.h"

namespace sigil::client {

struct TemporaryOptions {
  std::string mfa_code;      // --mfa-code; else a prompt when stdin is a terminal
  int duration_seconds = 0;  // --duration; else the profile's duration_seconds, else AWS's default
  std::string role_arn;      // assume this role with the profile's own key (sigil assume ARN)
  std::string session_name;  // --session-name
  std::string external_id;   // --external-id
  std::vector<std::pair<std::string, std::string>> tags;  // --tag K=V
  bool refresh = false;                                   // ignore the cache
};

// The credentials, from the cache or a new STS call (then cached and the vault saved).
// kFailedPrecondition when an MFA code is needed and none can be asked for, saying to run
// `sigil session --profile P --mfa-code CODE`. Needs the vault: the long-term key lives there
// (or in the AWS files, for profiles not yet imported) and the cache always does.
StatusOr<Credentials> TemporaryCredentials(ClientContext& ctx, const std::string& profile,
                                           const TemporaryOptions& options);

// The JSON a credential_process prints: {"Version": 1, "AccessKeyId", "SecretAccessKey",
// "SessionToken", "Expiration"}.
std::string CredentialProcessJson(const Credentials& credentials);

}  // namespace sigil::client
