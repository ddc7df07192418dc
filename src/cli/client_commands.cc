#include "cli/client_commands.h"

namespace sigil::cli {
namespace {

void AddCommon(CLI::App* cmd, client::CommonFlags* common) {
  cmd->add_option("--profile", common->profile,
                  "The AWS profile (else AWS_PROFILE, else \"default\")");
  cmd->add_option("--endpoint-url", common->endpoint_url,
                  "Send every STS and IAM call here (else AWS_ENDPOINT_URL_<SERVICE>, "
                  "AWS_ENDPOINT_URL, the profile's services section or endpoint_url)");
  cmd->add_option("--region", common->region, "The region (else AWS_REGION, the profile's)");
  cmd->add_option("--ca-bundle", common->ca_bundle,
                  "PEM CA certificates for HTTPS (else AWS_CA_BUNDLE, else the system store)");
}

void AddTemporary(CLI::App* cmd, ClientFlags* flags, bool with_role_options) {
  cmd->add_option("--mfa-code", flags->temporary.mfa_code,
                  "The current code of the profile's MFA device (else asked on the terminal)");
  cmd->add_option("--duration", flags->temporary.duration_seconds, "Session length in seconds");
  cmd->add_flag("--refresh", flags->temporary.refresh, "Ignore cached sessions");
  if (with_role_options) {
    cmd->add_option("--session-name", flags->temporary.session_name, "RoleSessionName");
    cmd->add_option("--external-id", flags->temporary.external_id, "ExternalId");
    cmd->add_option("--tag", flags->tags, "Session tag KEY=VALUE (repeatable; not cached)");
  }
}

}  // namespace

std::vector<CLI::App*> AddClientCommands(CLI::App* app, ClientFlags* flags) {
  std::vector<CLI::App*> commands;
  auto add = [&](const char* name, const char* help) {
    CLI::App* cmd = app->add_subcommand(name, help);
    AddCommon(cmd, &flags->common);
    commands.push_back(cmd);
    return cmd;
  };
  CLI::App* configure = add("configure",
                            "Like `aws configure`, but the secret goes into the encrypted vault "
                            "and the profile gets credential_process");
  configure->add_flag("--force", flags->configure.force, "Store a root user's key anyway");
  configure->add_flag("--no-verify", flags->configure.no_verify,
                      "Do not check the key with GetCallerIdentity");
  CLI::App* vault = app->add_subcommand("vault", "The encrypted local vault");
  vault->require_subcommand(1);
  CLI::App* import = vault->add_subcommand(
      "import", "Move plaintext long-term keys from ~/.aws/credentials into the vault");
  AddCommon(import, &flags->common);
  commands.push_back(import);
  CLI::App* whoami = add("whoami", "Account, ARN, key id and type, expiry and MFA of a profile");
  whoami->add_flag("--json", flags->output.json, "JSON output");
  CLI::App* session = add("session",
                          "Temporary credentials (GetSessionToken, with MFA when the "
                          "profile has mfa_serial), cached encrypted; prints exports");
  AddTemporary(session, flags, false);
  session->add_flag("--json", flags->output.json, "credential_process JSON instead of exports");
  CLI::App* assume = add("assume", "AssumeRole (a role ARN, or a profile with role_arn), cached");
  assume->add_option("role", flags->role_or_profile, "Role ARN or profile name")->required();
  AddTemporary(assume, flags, true);
  assume->add_flag("--json", flags->output.json, "credential_process JSON instead of exports");
  CLI::App* exec = add("exec", "Run a command with temporary credentials in its environment");
  AddTemporary(exec, flags, false);
  exec->add_option("command", flags->command, "-- CMD ARGS…")->expected(-1);
  CLI::App* process =
      add("credential-process", "The AWS credential_process contract (Version 1, with Expiration)");
  AddTemporary(process, flags, false);
  CLI::App* rotate = add("rotate", "Rotate the profile's access key, crash-safe and resumable");
  rotate->add_option("--grace-period", flags->rotate.grace_seconds,
                     "Keep the deactivated old key this many seconds; a later run deletes it");
  rotate
      ->add_option("--verify-attempts", flags->rotate.verify_attempts,
                   "Tries of the new key (2 s apart) before rolling back")
      ->check(CLI::Range(1, 100));
  rotate->add_flag("--delete-inactive", flags->rotate.delete_inactive,
                   "At the two-key limit, delete the user's other key if it is inactive");
  CLI::App* doctor = add("doctor", "Audit credential hygiene; exits 1 when something is found");
  doctor->add_flag("--json", flags->doctor.json, "JSON output");
  doctor->add_flag("--offline", flags->doctor.offline, "Only the local checks");
  doctor->add_option("--max-key-age", flags->doctor.max_key_age_days,
                     "Warn about active keys at least this many days old");
  CLI::App* scan = add("scan", "Find AWS access keys in files and git history");
  scan->add_option("paths", flags->scan.paths, "Files or folders (default: .)");
  scan->add_flag("--git", flags->scan.git, "Scan the git history of the repositories instead");
  scan->add_flag("--staged", flags->scan.staged, "Scan the staged changes (pre-commit hook)");
  scan->add_flag("--include-examples", flags->scan.include_examples,
                 "Report the AWS documentation's example keys too");
  scan->add_flag("--verify", flags->scan.verify,
                 "Check each found key and secret with GetCallerIdentity at the endpoint");
  scan->add_flag("--install-hook", flags->scan.install_hook,
                 "Install `sigil scan --staged` as the repository's pre-commit hook");
  scan->add_flag("--json", flags->scan.json, "JSON output");
  CLI::App* mfa = app->add_subcommand("mfa", "Multi-factor authentication");
  mfa->require_subcommand(1);
  CLI::App* enable = mfa->add_subcommand(
      "enable", "Create and enable a virtual MFA device for the profile's IAM user");
  AddCommon(enable, &flags->common);
  enable->add_option("--device-name", flags->mfa.device_name, "Default: the user name");
  enable->add_option("--code1", flags->mfa.code1, "First code (else asked)");
  enable->add_option("--code2", flags->mfa.code2, "The next code (else asked)");
  commands.push_back(enable);
  return commands;
}

int RunClientCommand(const std::vector<CLI::App*>& commands, ClientFlags& flags) {
  CLI::App* parsed = nullptr;
  for (CLI::App* cmd : commands) {
    if (cmd->parsed()) parsed = cmd;
  }
  if (parsed == nullptr) return -1;
  const std::string name = parsed->get_name();
  for (const std::string& tag : flags.tags) {
    size_t eq = tag.find('=');
    if (eq == std::string::npos || eq == 0) {
      return client::Fail(name, InvalidArgumentError("--tag takes KEY=VALUE, not " + tag));
    }
    flags.temporary.tags.emplace_back(tag.substr(0, eq), tag.substr(eq + 1));
  }
  auto ctx = client::ClientContext::Create(flags.common, client::Environment::FromProcess());
  if (!ctx.ok()) return client::Fail(name, ctx.status());
  client::ClientContext& c = **ctx;
  if (name == "configure") return client::RunConfigure(c, flags.configure);
  if (name == "import") return client::RunVaultImport(c);
  if (name == "whoami") return client::RunWhoami(c, flags.output);
  if (name == "session") return client::RunSession(c, flags.temporary, flags.output);
  if (name == "assume") {
    return client::RunAssume(c, flags.role_or_profile, flags.temporary, flags.output);
  }
  if (name == "exec") return client::RunExec(c, flags.temporary, flags.command);
  if (name == "credential-process") return client::RunCredentialProcess(c, flags.temporary);
  if (name == "rotate") return client::RunRotate(c, flags.rotate);
  if (name == "doctor") return client::RunDoctor(c, flags.doctor);
  if (name == "scan") return client::RunScan(c, flags.scan);
  if (name == "enable") return client::RunMfaEnable(c, flags.mfa);
  return -1;
}

}  // namespace sigil::cli
