#include "client/credential_chain.h"

#include <ctime>
#include <nlohmann/json.hpp>

#include "common/crypto.h"
#include "common/time_format.h"

namespace sigil::client {

ProfileChoice ChooseProfile(const Environment& env, std::string_view profile_flag) {
  if (!profile_flag.empty()) return {std::string(profile_flag), true};
  if (auto p = env.GetNonEmpty("AWS_PROFILE")) return {*p, false};
  if (auto p = env.GetNonEmpty("AWS_DEFAULT_PROFILE")) return {*p, false};
  return {"default", false};
}

StatusOr<Credentials> ParseCredentialProcessOutput(std::string_view json) {
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return InvalidArgumentError("its output is not a JSON object");
  if (!doc.contains("Version") || doc["Version"] != 1) {
    return InvalidArgumentError("its output must have \"Version\": 1");
  }
  Credentials out;
  auto text = [&](const char* name) {
    return doc.contains(name) && doc[name].is_string() ? doc[name].get<std::string>() : "";
  };
  out.access_key_id = text("AccessKeyId");
  out.secret_access_key = text("SecretAccessKey");
  out.session_token = text("SessionToken");
  std::string expiration = text("Expiration");
  for (auto& [key, value] : doc.items()) {
    if (value.is_string()) SecureWipe(value.get_ref<std::string&>());
  }
  if (out.access_key_id.empty() || out.secret_access_key.empty()) {
    return InvalidArgumentError("its output lacks AccessKeyId or SecretAccessKey");
  }
  if (!expiration.empty()) {
    out.expiration = ParseIso8601(expiration);
    if (!out.expiration) {
      return InvalidArgumentError("its Expiration is not an ISO 8601 time: " + expiration);
    }
  }
  return out;
}

std::optional<Credentials> StaticKeys(const IniDocument& doc, std::string_view section,
                                      std::string source) {
  auto id = doc.Get(section, "aws_access_key_id");
  if (!id) return std::nullopt;
  Credentials out;
  out.access_key_id = *id;
  out.secret_access_key = doc.Get(section, "aws_secret_access_key").value_or("");
  out.session_token = doc.Get(section, "aws_session_token").value_or("");
  out.source = std::move(source);
  return out;
}

CredentialChain::CredentialChain(const Environment& env, const AwsConfig& config, const AwsApi& api,
                                 ProcessRunner run_process, MfaPrompt mfa_prompt)
    : env_(env),
      config_(config),
      api_(api),
      run_process_(std::move(run_process)),
      mfa_prompt_(std::move(mfa_prompt)) {}

std::optional<Credentials> CredentialChain::FromEnvironment(Status* error) const {
  auto id = env_.GetNonEmpty("AWS_ACCESS_KEY_ID");
  auto secret = env_.GetNonEmpty("AWS_SECRET_ACCESS_KEY");
  // As botocore: the key id decides; a secret alone is ignored, a key id alone is an error.
  if (!id) return std::nullopt;
  if (!secret) {
    *error = InvalidArgumentError(
        "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not; set both or neither");
    return std::nullopt;
  }
  Credentials out;
  out.access_key_id = *id;
  out.secret_access_key = *secret;
  out.session_token = env_.GetNonEmpty("AWS_SESSION_TOKEN")
                          .value_or(env_.GetNonEmpty("AWS_SECURITY_TOKEN").value_or(""));
  if (auto exp = env_.GetNonEmpty("AWS_CREDENTIAL_EXPIRATION")) out.expiration = ParseIso8601(*exp);
  out.source = "environment";
  return out;
}

std::string CredentialChain::ProviderFor(const ProfileChoice& profile) const {
  if (!profile.explicit_flag && env_.GetNonEmpty("AWS_ACCESS_KEY_ID")) return "environment";
  if (config_.Value(profile.name, "role_arn")) return "assume-role";
  if (config_.CredentialsValue(profile.name, "aws_access_key_id")) return "shared-credentials-file";
  if (config_.Value(profile.name, "credential_process")) return "credential_process";
  if (config_.ConfigValue(profile.name, "aws_access_key_id")) return "config-file";
  return "none";
}

StatusOr<Credentials> CredentialChain::Resolve(const ProfileChoice& profile) {
  if (!profile.explicit_flag) {
    Status error;
    if (auto creds = FromEnvironment(&error)) return std::move(*creds);
    SIGIL_RETURN_IF_ERROR(error);
  }
  if (!config_.HasProfile(profile.name) && (profile.explicit_flag || profile.name != "default")) {
    return NotFoundError("the config profile (" + profile.name + ") could not be found in " +
                         config_.paths().config + " or " + config_.paths().credentials +
                         "; run `sigil configure --profile " + profile.name + "`");
  }
  std::set<std::string> visited;
  return FromProfile(profile.name, visited, /*allow_role=*/true);
}

StatusOr<Credentials> CredentialChain::FromProfile(const std::string& profile,
                                                   std::set<std::string>& visited,
                                                   bool allow_role) {
  if (allow_role && config_.Value(profile, "role_arn")) return AssumeRoleProfile(profile, visited);
  if (auto creds = StaticKeys(config_.credentials(), profile,
                              "shared credentials file (profile " + profile + ")")) {
    if (creds->secret_access_key.empty()) {
      return InvalidArgumentError("profile " + profile + " in " + config_.paths().credentials +
                                  " has aws_access_key_id but no aws_secret_access_key");
    }
    return std::move(*creds);
  }
  if (auto command = config_.Value(profile, "credential_process")) {
    StatusOr<std::string> output = run_process_(*command);
    if (!output.ok()) {
      return Status(output.status().code(),
                    "credential_process of profile " + profile + ": " + output.status().message());
    }
    StatusOr<Credentials> creds = ParseCredentialProcessOutput(*output);
    SecureWipe(*output);
    if (!creds.ok()) {
      return InvalidArgumentError("credential_process of profile " + profile + ": " +
                                  creds.status().message());
    }
    creds->source = "credential_process (profile " + profile + ")";
    return creds;
  }
  if (auto creds = StaticKeys(config_.config(), config_.ConfigSection(profile),
                              "config file (profile " + profile + ")")) {
    return std::move(*creds);
  }
  return NotFoundError("unable to locate credentials for profile " + profile +
                       ": run `sigil configure --profile " + profile + "`");
}

StatusOr<Credentials> CredentialChain::AssumeRoleProfile(const std::string& profile,
                                                         std::set<std::string>& visited) {
  if (!visited.insert(profile).second) {
    return InvalidArgumentError("the source_profile chain of profile " + profile +
                                " loops back to itself; fix source_profile in " +
                                config_.paths().config);
  }
  auto source_profile = config_.Value(profile, "source_profile");
  auto credential_source = config_.Value(profile, "credential_source");
  if (source_profile && credential_source) {
    return InvalidArgumentError("profile " + profile +
                                " has both source_profile and credential_source; keep one");
  }
  Credentials source;
  if (source_profile) {
    // A profile naming itself as its source uses its own static keys (botocore's rule).
    bool self_with_keys =
        *source_profile == profile && config_.Value(profile, "aws_access_key_id").has_value();
    if (!config_.HasProfile(*source_profile)) {
      return NotFoundError("the source_profile " + *source_profile + " of profile " + profile +
                           " does not exist");
    }
    SIGIL_ASSIGN_OR_RETURN(source, FromProfile(*source_profile, visited, !self_with_keys));
  } else if (credential_source) {
    if (*credential_source != "Environment") {
      return Status(StatusCode::kUnimplemented,
                    "credential_source = " + *credential_source + " of profile " + profile +
                        " is not supported by sigil (only Environment); use source_profile");
    }
    Status error;
    std::optional<Credentials> env_creds = FromEnvironment(&error);
    SIGIL_RETURN_IF_ERROR(error);
    if (!env_creds) {
      return NotFoundError("profile " + profile +
                           " takes its source credentials from the environment, but "
                           "AWS_ACCESS_KEY_ID is not set");
    }
    source = std::move(*env_creds);
  } else {
    return InvalidArgumentError("profile " + profile +
                                " has role_arn but neither source_profile nor credential_source");
  }
  AssumeRoleInput input;
  input.role_arn = *config_.Value(profile, "role_arn");
  input.session_name = config_.Value(profile, "role_session_name")
                           .value_or("sigil-session-" + std::to_string(::time(nullptr)));
  input.external_id = config_.Value(profile, "external_id").value_or("");
  if (auto d = config_.Value(profile, "duration_seconds")) {
    try {
      input.duration_seconds = std::stoi(*d);
    } catch (...) {
      return InvalidArgumentError("duration_seconds of profile " + profile +
                                  " is not a number: " + *d);
    }
  }
  if (auto serial = config_.Value(profile, "mfa_serial")) {
    input.mfa.serial_number = *serial;
    SIGIL_ASSIGN_OR_RETURN(input.mfa.token_code, mfa_prompt_(*serial));
  }
  SIGIL_ASSIGN_OR_RETURN(Credentials out, AssumeRole(api_, source, input));
  out.source = "assume-role (profile " + profile + ")";
  return out;
}

}  // namespace sigil::client
