// What every client command shares: the environment, the AWS files, the options common to all
// commands (--profile, --endpoint-url, --region, --ca-bundle), the HTTP client, resolved STS and
// IAM endpoints, the vault (opened on first use) and the long-term key of a profile. One per
// command run; not thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "client/aws_api.h"
#include "client/aws_config.h"
#include "client/credential_chain.h"
#include "client/environment.h"
#include "client/http_client.h"
#include "client/query_client.h"
#include "client/vault.h"
#include "common/clock.h"

namespace sigil::client {

// The options every client command accepts.
struct CommonFlags {
  std::string profile;       // --profile
  std::string endpoint_url;  // --endpoint-url
  std::string region;        // --region
  std::string ca_bundle;     // --ca-bundle (else AWS_CA_BUNDLE, else the system store)
};

// Where a profile's long-term key is kept.
enum class KeyStorage { kVault, kCredentialsFile, kConfigFile };

class ClientContext {
 public:
  // Loads the AWS files and resolves the profile and endpoints. Errors: unreadable files, bad
  // endpoint URLs.
  static StatusOr<std::unique_ptr<ClientContext>> Create(const CommonFlags& flags, Environment env);
  // The same over a given HTTP client (tests answer the AWS calls with a fake).
  static StatusOr<std::unique_ptr<ClientContext>> CreateWithHttp(const CommonFlags& flags,
                                                                 Environment env,
                                                                 std::unique_ptr<HttpClient> http);

  const Environment& env() const { return env_; }
  AwsConfig& config() { return config_; }
  const ProfileChoice& profile() const { return profile_; }
  const AwsApi& api() const { return *api_; }
  const Clock& clock() const { return clock_; }
  const CommonFlags& flags() const { return flags_; }
  std::string vault_path() const { return DefaultVaultPath(env_, config_.paths()); }

  // The vault, opened (and created when `create`) on first use and kept open (and locked) until
  // CloseVault or the context ends.
  StatusOr<Vault*> OpenVault(bool create);
  void CloseVault() { vault_.reset(); }

  // The profile's long-term (AKIA…) key: the vault's entry, else static keys in the
  // credentials file, else in the config file. kNotFound saying what to run.
  StatusOr<Credentials> LongTermKey(const std::string& profile, KeyStorage* storage = nullptr);

  // A credential chain over this context, running credential_process commands as the CLI does
  // and prompting for MFA codes on the terminal.
  CredentialChain Chain();

 private:
  ClientContext(const CommonFlags& flags, Environment env);

  CommonFlags flags_;
  Environment env_;
  AwsConfig config_;
  ProfileChoice profile_;
  SystemClock clock_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<QueryClient> query_;
  std::unique_ptr<AwsApi> api_;
  std::unique_ptr<Vault> vault_;
};

// "sigil credential-process --profile P" with this binary's absolute path, quoted for
// credential_process.
std::string SigilCredentialProcessCommand(const std::string& profile);
// Whether a credential_process command line runs `sigil credential-process` (any path).
bool IsSigilCredentialProcess(const std::string& command);

// Reads an MFA code for `serial`: `given` when not empty, else a terminal prompt.
// kFailedPrecondition (saying to pass --mfa-code) when there is no terminal. Checks the six digits.
StatusOr<std::string> ObtainMfaCode(const std::string& serial, const std::string& given);

}  // namespace sigil::client
