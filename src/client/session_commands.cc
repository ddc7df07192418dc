// `sigil session`, `sigil assume`, `sigil exec` and `sigil credential-process`.
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "client/commands.h"
#include "client/terminal.h"
#include "common/crypto.h"
#include "common/time_format.h"

namespace sigil::client {
namespace {

// Single-quoted for POSIX shells.
std::string ShellQuote(const std::string& value) {
  std::string out = "'";
  for (char c : value) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

void PrintCredentials(const Credentials& creds, const OutputFlags& flags) {
  if (flags.json) {
    std::string json = CredentialProcessJson(creds);
    std::printf("%s\n", json.c_str());
    SecureWipe(json);
    return;
  }
  std::printf("export AWS_ACCESS_KEY_ID=%s\n", ShellQuote(creds.access_key_id).c_str());
  std::string secret = ShellQuote(creds.secret_access_key);
  std::string token = ShellQuote(creds.session_token);
  std::printf("export AWS_SECRET_ACCESS_KEY=%s\n", secret.c_str());
  std::printf("export AWS_SESSION_TOKEN=%s\n", token.c_str());
  SecureWipe(secret);
  SecureWipe(token);
  if (creds.expiration) {
    std::printf("export AWS_CREDENTIAL_EXPIRATION=%s\n", FormatIso8601(*creds.expiration).c_str());
  }
  std::fflush(stdout);
}

}  // namespace

int RunSession(ClientContext& ctx, const TemporaryOptions& options, const OutputFlags& flags) {
  StatusOr<Credentials> creds = TemporaryCredentials(ctx, ctx.profile().name, options);
  if (!creds.ok()) return Fail("session", creds.status());
  PrintCredentials(*creds, flags);
  return 0;
}

int RunAssume(ClientContext& ctx, const std::string& role_or_profile, TemporaryOptions options,
              const OutputFlags& flags) {
  std::string profile = ctx.profile().name;
  if (role_or_profile.rfind("arn:", 0) == 0) {
    options.role_arn = role_or_profile;
  } else {
    profile = role_or_profile;
    if (!ctx.config().Value(profile, "role_arn")) {
      return Fail("assume",
                  InvalidArgumentError("profile " + profile +
                                       " has no role_arn: pass a role ARN (sigil assume "
                                       "arn:aws:iam::ACCOUNT:role/NAME) or a profile with role_arn "
                                       "and source_profile"));
    }
  }
  StatusOr<Credentials> creds = TemporaryCredentials(ctx, profile, options);
  if (!creds.ok()) return Fail("assume", creds.status());
  PrintCredentials(*creds, flags);
  return 0;
}

int RunExec(ClientContext& ctx, const TemporaryOptions& options,
            const std::vector<std::string>& command) {
  if (auto outer = ctx.env().GetNonEmpty("SIGIL_EXEC_PROFILE")) {
    return Fail("exec", FailedPreconditionError(
                            "already inside `sigil exec` for profile " + *outer +
                            "; exit that command's shell first (sessions do not nest)"));
  }
  if (command.empty()) {
    return Fail("exec", InvalidArgumentError("no command: sigil exec [--profile P] -- CMD ARGS…"));
  }
  const std::string profile = ctx.profile().name;
  StatusOr<Credentials> creds = TemporaryCredentials(ctx, profile, options);
  if (!creds.ok()) return Fail("exec", creds.status());
  ctx.CloseVault();
  Environment env = ctx.env();
  for (const char* name :
       {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
        "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_CREDENTIAL_EXPIRATION"}) {
    env.Unset(name);
  }
  env.Set("AWS_ACCESS_KEY_ID", creds->access_key_id);
  env.Set("AWS_SECRET_ACCESS_KEY", creds->secret_access_key);
  env.Set("AWS_SESSION_TOKEN", creds->session_token);
  if (creds->expiration) env.Set("AWS_CREDENTIAL_EXPIRATION", FormatIso8601(*creds->expiration));
  if (!env.GetNonEmpty("AWS_REGION") && !env.GetNonEmpty("AWS_DEFAULT_REGION")) {
    env.Set("AWS_REGION", ctx.api().sts.region);
    env.Set("AWS_DEFAULT_REGION", ctx.api().sts.region);
  }
  env.Set("SIGIL_EXEC_PROFILE", profile);
  std::vector<std::string> envp_strings = env.ToEnvp();
  std::vector<char*> envp;
  for (std::string& e : envp_strings) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<char*> argv;
  for (const std::string& a : command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  std::fflush(nullptr);
  ::execvpe(argv[0], argv.data(), envp.data());
  const int err = errno;
  for (std::string& e : envp_strings) SecureWipe(e);
  Fail("exec", Status(StatusCode::kNotFound, "cannot run " + command[0] + ": " +
                                                 std::strerror(err) + " (check the command name)"));
  return 127;
}

int RunCredentialProcess(ClientContext& ctx, const TemporaryOptions& options) {
  if (!ctx.profile().explicit_flag) {
    return Fail("credential-process",
                InvalidArgumentError("name the profile: sigil credential-process --profile P"));
  }
  StatusOr<Credentials> creds = TemporaryCredentials(ctx, ctx.profile().name, options);
  if (!creds.ok()) return Fail("credential-process", creds.status());
  PrintCredentials(*creds, OutputFlags{true});
  return 0;
}

}  // namespace sigil::client
