#include "client/aws_config.h"

#include <algorithm>
#include <set>

#include "client/process.h"
#include "common/file_util.h"
#include "common/strings.h"

namespace sigil::client {
namespace {

Status SaveDocument(const std::string& path, const IniDocument& doc) {
  size_t slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    SIGIL_RETURN_IF_ERROR(MakeDirectories(path.substr(0, slash), 0700));
  }
  return WriteFileAtomically(path, doc.Render(), 0600);
}

StatusOr<IniDocument> LoadDocument(const std::string& path) {
  StatusOr<std::string> text = ReadFile(path);
  if (!text.ok()) {
    if (text.status().code() == StatusCode::kNotFound) return IniDocument::Parse("");
    return text.status();
  }
  return IniDocument::Parse(*text);
}

}  // namespace

AwsFilePaths ResolveAwsFilePaths(const Environment& env) {
  AwsFilePaths paths;
  paths.credentials = ExpandHome(
      env, env.GetNonEmpty("AWS_SHARED_CREDENTIALS_FILE").value_or("~/.aws/credentials"));
  paths.config = ExpandHome(env, env.GetNonEmpty("AWS_CONFIG_FILE").value_or("~/.aws/config"));
  return paths;
}

std::optional<std::string> ProfileOfConfigSection(std::string_view section) {
  if (section == "default") return std::string("default");
  if (!StartsWith(section, "profile")) return std::nullopt;
  auto words = SplitCommandLine(section);
  // botocore checks only that the name starts with "profile" and splits into two words, so
  // "[profilex y]" defines profile y too.
  if (!words || words->size() != 2) return std::nullopt;
  return (*words)[1];
}

StatusOr<AwsConfig> AwsConfig::Load(const Environment& env) {
  AwsConfig config;
  config.paths_ = ResolveAwsFilePaths(env);
  SIGIL_ASSIGN_OR_RETURN(config.credentials_, LoadDocument(config.paths_.credentials));
  SIGIL_ASSIGN_OR_RETURN(config.config_, LoadDocument(config.paths_.config));
  return config;
}

AwsConfig AwsConfig::FromText(AwsFilePaths paths, std::string_view credentials_text,
                              std::string_view config_text) {
  AwsConfig config;
  config.paths_ = std::move(paths);
  config.credentials_ = IniDocument::Parse(credentials_text);
  config.config_ = IniDocument::Parse(config_text);
  return config;
}

std::string AwsConfig::ConfigSection(std::string_view profile) const {
  std::optional<std::string> found;
  for (const std::string& section : config_.SectionNames()) {
    if (ProfileOfConfigSection(section) == profile) found = section;  // the later one wins
  }
  if (found) return *found;
  return profile == "default" ? std::string("default") : "profile " + std::string(profile);
}

std::optional<std::string> AwsConfig::CredentialsValue(std::string_view profile,
                                                       std::string_view key) const {
  return credentials_.Get(profile, key);
}

std::optional<std::string> AwsConfig::ConfigValue(std::string_view profile,
                                                  std::string_view key) const {
  return config_.Get(ConfigSection(profile), key);
}

std::optional<std::string> AwsConfig::Value(std::string_view profile, std::string_view key) const {
  if (auto v = CredentialsValue(profile, key)) return v;
  return ConfigValue(profile, key);
}

bool AwsConfig::HasProfile(std::string_view profile) const {
  return credentials_.HasSection(profile) || config_.HasSection(ConfigSection(profile));
}

std::vector<std::string> AwsConfig::ProfileNames() const {
  std::set<std::string> names;
  for (const std::string& s : credentials_.SectionNames()) names.insert(s);
  for (const std::string& s : config_.SectionNames()) {
    if (auto p = ProfileOfConfigSection(s)) names.insert(*p);
  }
  return {names.begin(), names.end()};
}

std::map<std::string, std::string> AwsConfig::ServiceSettings(std::string_view profile,
                                                              std::string_view service_key) const {
  std::optional<std::string> services = ConfigValue(profile, "services");
  if (!services) return {};
  return config_.Nested("services " + *services, service_key);
}

Status AwsConfig::SaveCredentials() const { return SaveDocument(paths_.credentials, credentials_); }
Status AwsConfig::SaveConfig() const { return SaveDocument(paths_.config, config_); }

}  // namespace sigil::client
