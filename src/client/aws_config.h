// ~/.aws/credentials and ~/.aws/config as the AWS CLI v2 (botocore) reads them: file locations
// from AWS_SHARED_CREDENTIALS_FILE / AWS_CONFIG_FILE, "[profile x]" in config vs "[x]" in
// credentials, a credentials-file value winning over the config file's, "services" sections.
// Edits keep everything else in the files; saves are atomic with mode 0600. Thread-compatible.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/environment.h"
#include "client/ini_file.h"
#include "common/status.h"

namespace sigil::client {

struct AwsFilePaths {
  std::string credentials;  // AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials
  std::string config;       // AWS_CONFIG_FILE, else ~/.aws/config
};
AwsFilePaths ResolveAwsFilePaths(const Environment& env);

// The profile a config-file section defines, as botocore's build_profile_map reads it:
// "default", and a name starting with "profile" that splits like a shell into two words
// ('profile "a b"' is "a b"; even "profilex y" is "y"); nullopt for
// other sections ("services x", "sso-session x", or a bare "[x]", which the CLI ignores).
std::optional<std::string> ProfileOfConfigSection(std::string_view section);

class AwsConfig {
 public:
  // Reads both files; a missing file is empty. kPermissionDenied etc. when one is unreadable.
  static StatusOr<AwsConfig> Load(const Environment& env);
  static AwsConfig FromText(AwsFilePaths paths, std::string_view credentials_text,
                            std::string_view config_text);

  const AwsFilePaths& paths() const { return paths_; }
  const IniDocument& credentials() const { return credentials_; }
  const IniDocument& config() const { return config_; }
  IniDocument& mutable_credentials() { return credentials_; }
  IniDocument& mutable_config() { return config_; }

  // The config-file section holding `profile`: the last of "[default]" / "[profile default]"
  // for default (botocore lets the later one win), "[profile NAME]" otherwise; when the profile
  // has no section yet, the one to create ("default" or "profile NAME").
  std::string ConfigSection(std::string_view profile) const;

  std::optional<std::string> CredentialsValue(std::string_view profile, std::string_view key) const;
  std::optional<std::string> ConfigValue(std::string_view profile, std::string_view key) const;
  // The merged view: the credentials file's value, else the config file's.
  std::optional<std::string> Value(std::string_view profile, std::string_view key) const;
  bool HasProfile(std::string_view profile) const;
  // Every profile of either file, sorted, without duplicates.
  std::vector<std::string> ProfileNames() const;
  // The nested settings for `service_key` (e.g. "sts") of the "[services NAME]" section the
  // profile's `services` key names; empty when there is none.
  std::map<std::string, std::string> ServiceSettings(std::string_view profile,
                                                     std::string_view service_key) const;

  // Atomic writes with mode 0600 (the folder is created 0700 when missing).
  Status SaveCredentials() const;
  Status SaveConfig() const;

 private:
  AwsFilePaths paths_;
  IniDocument credentials_;
  IniDocument config_;
};

}  // namespace sigil::client
