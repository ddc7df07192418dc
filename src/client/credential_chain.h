// The AWS CLI v2's credential chain, in botocore's order: the environment (skipped when
// --profile names a profile explicitly), assume-role profiles (role_arn with source_profile or
// credential_source, mfa_serial, external_id, role_session_name, duration_seconds), static keys
// in the credentials file, credential_process, static keys in the config file. The profile is
// --profile, else AWS_PROFILE / AWS_DEFAULT_PROFILE, else "default". Thread-compatible.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <string_view>

#include "client/aws_api.h"
#include "client/aws_config.h"
#include "client/credentials.h"
#include "client/environment.h"
#include "common/status.h"

namespace sigil::client {

struct ProfileChoice {
  std::string name;
  bool explicit_flag = false;  // named by --profile
};
// --profile, else AWS_PROFILE, else AWS_DEFAULT_PROFILE (the order of the AWS CLI v2's botocore;
// Python botocore reads them the other way round), else "default".
ProfileChoice ChooseProfile(const Environment& env, std::string_view profile_flag);

// Reads a credential_process command's JSON answer (Version 1, AccessKeyId, SecretAccessKey,
// optional SessionToken and Expiration). kInvalidArgument saying what is wrong.
StatusOr<Credentials> ParseCredentialProcessOutput(std::string_view json);

class CredentialChain {
 public:
  // Runs a credential_process command line; returns its stdout (RunProcess in production).
  using ProcessRunner = std::function<StatusOr<std::string>(const std::string& command)>;
  // Asks for the MFA code of a device (a terminal prompt in production).
  using MfaPrompt = std::function<StatusOr<std::string>(const std::string& serial)>;

  CredentialChain(const Environment& env, const AwsConfig& config, const AwsApi& api,
                  ProcessRunner run_process, MfaPrompt mfa_prompt);

  // The credentials the AWS CLI would use for `profile`. kNotFound when the chain finds none
  // (naming what to run), or when an explicitly chosen profile does not exist;
  // kInvalidArgument for contradictory or incomplete profiles; errors of the STS call or the
  // process otherwise.
  StatusOr<Credentials> Resolve(const ProfileChoice& profile);

  // Which provider would answer, without calling anything: "environment", "assume-role",
  // "shared-credentials-file", "credential_process", "config-file" or "none".
  std::string ProviderFor(const ProfileChoice& profile) const;

 private:
  StatusOr<Credentials> FromProfile(const std::string& profile, std::set<std::string>& visited,
                                    bool allow_role);
  StatusOr<Credentials> AssumeRoleProfile(const std::string& profile,
                                          std::set<std::string>& visited);
  std::optional<Credentials> FromEnvironment(Status* error) const;

  const Environment& env_;
  const AwsConfig& config_;
  const AwsApi& api_;
  ProcessRunner run_process_;
  MfaPrompt mfa_prompt_;
};

// Static keys from one file's profile section (credentials file: `section` is the profile;
// config file: its ConfigSection). nullopt when aws_access_key_id is absent.
std::optional<Credentials> StaticKeys(const IniDocument& doc, std::string_view section,
                                      std::string source);

}  // namespace sigil::client
