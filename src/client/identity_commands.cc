// `sigil configure`, `sigil vault import` and `sigil whoami`.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "client/commands.h"
#include "client/session_cache.h"
#include "client/terminal.h"
#include "common/crypto.h"
#include "common/strings.h"
#include "common/time_format.h"

namespace sigil::client {
namespace {

bool LooksLikeLongTermKeyId(const std::string& id) {
  if (id.size() != 20 || id.rfind("AKIA", 0) != 0) return false;
  return id.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == std::string::npos;
}

void StoreKey(Vault& vault, const std::string& profile, const Credentials& key, TimePoint now) {
  nlohmann::json& keys = vault.data()["keys"];
  if (keys.contains(profile)) WipeJson(keys[profile]);
  keys[profile] = {{"access_key_id", key.access_key_id},
                   {"secret_access_key", key.secret_access_key},
                   {"added", FormatIso8601(now)}};
}

// Points the profile at `sigil credential-process` and removes plaintext keys from both files.
void UseCredentialProcess(AwsConfig& config, const std::string& profile) {
  const std::string section = config.ConfigSection(profile);
  for (const char* key : {"aws_access_key_id", "aws_secret_access_key", "aws_session_token"}) {
    config.mutable_credentials().Remove(profile, key);
    config.mutable_config().Remove(section, key);
  }
  if (config.credentials().HasSection(profile) && config.credentials().Entries(profile).empty()) {
    config.mutable_credentials().RemoveSection(profile);
  }
  config.mutable_config().Set(section, "credential_process",
                              SigilCredentialProcessCommand(profile));
}

StatusOr<std::string> AskWithDefault(const std::string& label, const std::string& current) {
  SIGIL_ASSIGN_OR_RETURN(std::string answer,
                         PromptLine(label + " [" + (current.empty() ? "None" : current) + "]: "));
  answer = std::string(TrimWhitespace(answer));
  return answer.empty() ? current : answer;
}

Status Configure(ClientContext& ctx, const ConfigureFlags& flags) {
  const std::string profile = ctx.profile().name;
  AwsConfig& config = ctx.config();
  Credentials key;
  SIGIL_ASSIGN_OR_RETURN(std::string id, PromptLine("AWS Access Key ID: "));
  key.access_key_id = std::string(TrimWhitespace(id));
  if (!LooksLikeLongTermKeyId(key.access_key_id)) {
    return InvalidArgumentError(
        "that is not a long-term access key id (AKIA followed by 16 letters or digits); "
        "temporary ASIA keys come from `sigil session`");
  }
  SIGIL_ASSIGN_OR_RETURN(key.secret_access_key, PromptSecret("AWS Secret Access Key: "));
  std::string trimmed(TrimWhitespace(key.secret_access_key));
  SecureWipe(key.secret_access_key);
  key.secret_access_key = std::move(trimmed);
  if (key.secret_access_key.empty()) return InvalidArgumentError("the secret access key is empty");
  SIGIL_ASSIGN_OR_RETURN(
      std::string region,
      AskWithDefault("Default region name", config.ConfigValue(profile, "region").value_or("")));
  SIGIL_ASSIGN_OR_RETURN(
      std::string output,
      AskWithDefault("Default output format", config.ConfigValue(profile, "output").value_or("")));
  if (!flags.no_verify) {
    Progress("configure", "checking the key with sts:GetCallerIdentity at " + ctx.api().sts.url);
    StatusOr<CallerIdentity> who = GetCallerIdentity(ctx.api(), key);
    if (!who.ok()) {
      return Status(who.status().code(),
                    who.status().message() +
                        " (check the key and the endpoint, or pass --no-verify to store it "
                        "unchecked)");
    }
    if (who->IsRoot() && !flags.force) {
      return Status(StatusCode::kPermissionDenied,
                    "this is an access key of the root user (" + who->arn +
                        "); AWS recommends deleting root keys and using an IAM user's instead. "
                        "Pass --force to store it anyway");
    }
  }
  SIGIL_ASSIGN_OR_RETURN(Vault * vault, ctx.OpenVault(/*create=*/true));
  StoreKey(*vault, profile, key, ctx.clock().Now());
  SIGIL_RETURN_IF_ERROR(vault->Save());
  UseCredentialProcess(config, profile);
  const std::string section = config.ConfigSection(profile);
  if (!region.empty()) config.mutable_config().Set(section, "region", region);
  if (!output.empty()) config.mutable_config().Set(section, "output", output);
  if (!ctx.flags().endpoint_url.empty()) {
    config.mutable_config().Set(section, "endpoint_url", ctx.flags().endpoint_url);
  }
  SIGIL_RETURN_IF_ERROR(config.SaveConfig());
  if (config.credentials().HasSection(profile) || !config.credentials().SectionNames().empty()) {
    SIGIL_RETURN_IF_ERROR(config.SaveCredentials());
  }
  std::printf(
      "Stored %s for profile %s in the vault %s.\nProfile %s now gets temporary "
      "credentials from `sigil credential-process`; no key is written in plaintext.\n",
      key.access_key_id.c_str(), profile.c_str(), vault->path().c_str(), profile.c_str());
  return OkStatus();
}

Status VaultImport(ClientContext& ctx) {
  AwsConfig& config = ctx.config();
  std::vector<std::pair<std::string, Credentials>> found;
  for (const std::string& profile : config.ProfileNames()) {
    if (ctx.profile().explicit_flag && profile != ctx.profile().name) continue;
    std::optional<Credentials> key = StaticKeys(config.credentials(), profile, "credentials");
    if (!key) key = StaticKeys(config.config(), config.ConfigSection(profile), "config");
    if (!key) continue;
    if (key->IsTemporary() || key->access_key_id.rfind("ASIA", 0) == 0) {
      Progress("vault import", "skipping profile " + profile +
                                   ": its key is temporary (remove it when it expires)");
      continue;
    }
    if (key->secret_access_key.empty()) {
      Progress("vault import", "skipping profile " + profile + ": it has no secret");
      continue;
    }
    found.emplace_back(profile, std::move(*key));
  }
  if (found.empty()) {
    std::printf("No plaintext long-term keys found in %s or %s.\n",
                config.paths().credentials.c_str(), config.paths().config.c_str());
    return OkStatus();
  }
  SIGIL_ASSIGN_OR_RETURN(Vault * vault, ctx.OpenVault(/*create=*/true));
  for (const auto& [profile, key] : found) StoreKey(*vault, profile, key, ctx.clock().Now());
  // The vault first: a crash after this leaves the key in both places, never in neither.
  SIGIL_RETURN_IF_ERROR(vault->Save());
  for (const auto& [profile, key] : found) UseCredentialProcess(config, profile);
  SIGIL_RETURN_IF_ERROR(config.SaveConfig());
  SIGIL_RETURN_IF_ERROR(config.SaveCredentials());
  for (const auto& [profile, key] : found) {
    std::printf("Imported %s (profile %s) into the vault.\n", key.access_key_id.c_str(),
                profile.c_str());
  }
  std::printf("%zu key(s) moved to %s; the AWS files no longer hold them.\n", found.size(),
              vault->path().c_str());
  return OkStatus();
}

Status Whoami(ClientContext& ctx, const OutputFlags& flags) {
  const ProfileChoice& choice = ctx.profile();
  Credentials creds;
  std::string mfa = "unknown";
  auto process = ctx.config().Value(choice.name, "credential_process");
  CredentialChain chain = ctx.Chain();
  if (process && IsSigilCredentialProcess(*process) &&
      chain.ProviderFor(choice) == "credential_process") {
    SIGIL_ASSIGN_OR_RETURN(creds, TemporaryCredentials(ctx, choice.name, {}));
    mfa = creds.mfa ? "yes" : "no";
    ctx.CloseVault();
  } else {
    SIGIL_ASSIGN_OR_RETURN(creds, chain.Resolve(choice));
    if (!creds.IsTemporary()) mfa = "no";
  }
  SIGIL_ASSIGN_OR_RETURN(CallerIdentity who, GetCallerIdentity(ctx.api(), creds));
  const std::string expires = creds.expiration ? FormatIso8601(*creds.expiration) : std::string();
  if (flags.json) {
    nlohmann::ordered_json doc;
    doc["Account"] = who.account;
    doc["Arn"] = who.arn;
    doc["UserId"] = who.user_id;
    doc["AccessKeyId"] = creds.access_key_id;
    doc["KeyType"] = KeyType(creds);
    doc["Expiration"] = creds.expiration ? nlohmann::ordered_json(expires) : nullptr;
    doc["MFA"] = mfa;
    doc["Root"] = who.IsRoot();
    doc["Source"] = creds.source;
    std::printf("%s\n", doc.dump(2).c_str());
  } else {
    std::printf(
        "Account:    %s\nArn:        %s\nUserId:     %s\nKey:        %s (%s)\n"
        "Expires:    %s\nMFA:        %s\nSource:     %s\n",
        who.account.c_str(), who.arn.c_str(), who.user_id.c_str(), creds.access_key_id.c_str(),
        KeyType(creds), creds.expiration ? expires.c_str() : "never (long-term key)", mfa.c_str(),
        creds.source.c_str());
    if (who.IsRoot()) {
      std::fprintf(stderr,
                   "sigil: whoami: warning: these are root credentials; use an IAM "
                   "user or role instead\n");
    }
  }
  return OkStatus();
}

}  // namespace

int Fail(std::string_view command, const Status& status) {
  std::fprintf(stderr, "sigil: %.*s: %s\n", static_cast<int>(command.size()), command.data(),
               status.message().c_str());
  return 1;
}

int RunConfigure(ClientContext& ctx, const ConfigureFlags& flags) {
  Status s = Configure(ctx, flags);
  return s.ok() ? 0 : Fail("configure", s);
}

int RunVaultImport(ClientContext& ctx) {
  Status s = VaultImport(ctx);
  return s.ok() ? 0 : Fail("vault import", s);
}

int RunWhoami(ClientContext& ctx, const OutputFlags& flags) {
  Status s = Whoami(ctx, flags);
  return s.ok() ? 0 : Fail("whoami", s);
}

}  // namespace sigil::client
