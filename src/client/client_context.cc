#include "client/client_context.h"

#include <unistd.h>

#include <climits>

#include "client/process.h"
#include "client/terminal.h"
#include "common/crypto.h"

namespace sigil::client {

ClientContext::ClientContext(const CommonFlags& flags, Environment env)
    : flags_(flags), env_(std::move(env)) {}

StatusOr<std::unique_ptr<ClientContext>> ClientContext::Create(const CommonFlags& flags,
                                                               Environment env) {
  SIGIL_ASSIGN_OR_RETURN(AwsConfig config, AwsConfig::Load(env));
  const ProfileChoice profile = ChooseProfile(env, flags.profile);
  CurlOptions curl;
  curl.ca_bundle = flags.ca_bundle;
  if (curl.ca_bundle.empty()) {
    curl.ca_bundle = env.GetNonEmpty("AWS_CA_BUNDLE")
                         .value_or(config.ConfigValue(profile.name, "ca_bundle").value_or(""));
  }
  return CreateWithHttp(flags, std::move(env), MakeCurlHttpClient(curl));
}

StatusOr<std::unique_ptr<ClientContext>> ClientContext::CreateWithHttp(
    const CommonFlags& flags, Environment env, std::unique_ptr<HttpClient> http) {
  std::unique_ptr<ClientContext> ctx(new ClientContext(flags, std::move(env)));
  SIGIL_ASSIGN_OR_RETURN(ctx->config_, AwsConfig::Load(ctx->env_));
  ctx->profile_ = ChooseProfile(ctx->env_, flags.profile);
  ctx->http_ = std::move(http);
  ctx->query_ = std::make_unique<QueryClient>(*ctx->http_, ctx->clock_);
  EndpointFlags endpoint_flags{flags.endpoint_url, flags.region};
  SIGIL_ASSIGN_OR_RETURN(
      ResolvedEndpoint sts,
      ResolveEndpoint(Service::kSts, endpoint_flags, ctx->env_, ctx->config_, ctx->profile_.name));
  SIGIL_ASSIGN_OR_RETURN(
      ResolvedEndpoint iam,
      ResolveEndpoint(Service::kIam, endpoint_flags, ctx->env_, ctx->config_, ctx->profile_.name));
  ctx->api_ = std::make_unique<AwsApi>(AwsApi{*ctx->query_, std::move(sts), std::move(iam)});
  return ctx;
}

StatusOr<Vault*> ClientContext::OpenVault(bool create) {
  if (vault_ == nullptr) {
    SIGIL_ASSIGN_OR_RETURN(vault_, Vault::Open(vault_path(), VaultKeySourceFromEnv(env_), create));
  }
  return vault_.get();
}

StatusOr<Credentials> ClientContext::LongTermKey(const std::string& profile, KeyStorage* storage) {
  std::optional<std::string> process = config_.Value(profile, "credential_process");
  const bool in_vault_expected = process && IsSigilCredentialProcess(*process);
  if (in_vault_expected || !config_.Value(profile, "aws_access_key_id")) {
    StatusOr<Vault*> vault = OpenVault(/*create=*/false);
    if (vault.ok()) {
      const nlohmann::json& keys = (*vault)->data()["keys"];
      if (keys.contains(profile)) {
        Credentials out;
        out.access_key_id = keys[profile].value("access_key_id", "");
        out.secret_access_key = keys[profile].value("secret_access_key", "");
        out.source = "vault (profile " + profile + ")";
        if (storage != nullptr) *storage = KeyStorage::kVault;
        return out;
      }
    } else if (vault.status().code() != StatusCode::kNotFound || in_vault_expected) {
      return vault.status();
    }
  }
  if (auto creds = StaticKeys(config_.credentials(), profile, "credentials file")) {
    if (storage != nullptr) *storage = KeyStorage::kCredentialsFile;
    return std::move(*creds);
  }
  if (auto creds = StaticKeys(config_.config(), config_.ConfigSection(profile), "config file")) {
    if (storage != nullptr) *storage = KeyStorage::kConfigFile;
    return std::move(*creds);
  }
  return NotFoundError("profile " + profile +
                       " has no long-term access key in the vault or the AWS files: run `sigil "
                       "configure --profile " +
                       profile + "` (or `sigil vault import`)");
}

CredentialChain ClientContext::Chain() {
  Environment* env = &env_;
  return CredentialChain(
      env_, config_, *api_,
      [env](const std::string& command) -> StatusOr<std::string> {
        std::optional<std::vector<std::string>> argv = SplitCommandLine(command);
        if (!argv || argv->empty()) {
          return InvalidArgumentError("cannot split the command line (check its quotes)");
        }
        SIGIL_ASSIGN_OR_RETURN(ProcessResult result, RunProcess(*argv, env));
        if (result.exit_code != 0) {
          SecureWipe(result.output);
          return UnavailableError("the command exited with status " +
                                  std::to_string(result.exit_code) + " (see its message above)");
        }
        return std::move(result.output);
      },
      [](const std::string& serial) { return ObtainMfaCode(serial, ""); });
}

std::string SigilCredentialProcessCommand(const std::string& profile) {
  char buffer[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buffer, sizeof buffer - 1);
  std::string exe = n > 0 ? std::string(buffer, static_cast<size_t>(n)) : "sigil";
  auto quote = [](const std::string& word) {
    if (word.find_first_of(" \t'\"\\$") == std::string::npos) return word;
    std::string out = "'";
    for (char c : word) out += c == '\'' ? std::string("'\"'\"'") : std::string(1, c);
    return out + "'";
  };
  return quote(exe) + " credential-process --profile " + quote(profile);
}

bool IsSigilCredentialProcess(const std::string& command) {
  std::optional<std::vector<std::string>> argv = SplitCommandLine(command);
  if (!argv || argv->size() < 2) return false;
  const std::string& program = (*argv)[0];
  std::string base =
      program.substr(program.rfind('/') == std::string::npos ? 0 : program.rfind('/') + 1);
  return base == "sigil" && (*argv)[1] == "credential-process";
}

StatusOr<std::string> ObtainMfaCode(const std::string& serial, const std::string& given) {
  std::string code = given;
  if (code.empty()) {
    if (!Interactive()) {
      return FailedPreconditionError("an MFA code for " + serial +
                                     " is needed and there is no terminal to ask: pass "
                                     "--mfa-code CODE");
    }
    SIGIL_ASSIGN_OR_RETURN(code, PromptLine("Enter MFA code for " + serial + ": "));
  }
  if (code.size() != 6 || code.find_first_not_of("0123456789") != std::string::npos) {
    return InvalidArgumentError("an MFA code is six digits from your authenticator app");
  }
  return code;
}

}  // namespace sigil::client
