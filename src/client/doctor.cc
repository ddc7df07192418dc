#include "client/doctor.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "client/commands.h"
#include "client/process.h"
#include "common/crypto.h"
#include "common/file_util.h"
#include "common/strings.h"
#include "common/time_format.h"

namespace sigil::client {
namespace {

std::string Octal(mode_t mode) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "%04o", static_cast<unsigned>(mode & 07777));
  return buffer;
}

void CheckPrivateFile(const std::string& path, bool is_dir, std::vector<Finding>& out) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return;
  if (st.st_uid != ::getuid()) {
    out.push_back({"error", "file-owner", path,
                   "owned by uid " + std::to_string(st.st_uid) + ", not by you",
                   "chown $(id -u) " + path});
  }
  const mode_t others = is_dir ? 022 : 077;
  if ((st.st_mode & others) != 0) {
    out.push_back({"warning", "file-mode", path,
                   (is_dir ? "folder mode " : "mode ") + Octal(st.st_mode) +
                       (is_dir ? ": others can add or replace files in it"
                               : ": others can read or change it"),
                   std::string("chmod ") + (is_dir ? "700 " : "600 ") + path});
  }
}

void CheckPlaintextKeys(const AwsConfig& config, std::vector<Finding>& out) {
  for (const std::string& profile : config.ProfileNames()) {
    for (bool in_credentials : {true, false}) {
      const IniDocument& doc = in_credentials ? config.credentials() : config.config();
      const std::string section = in_credentials ? profile : config.ConfigSection(profile);
      auto id = doc.Get(section, "aws_access_key_id");
      if (!id || !doc.Get(section, "aws_secret_access_key")) continue;
      const std::string file = in_credentials ? config.paths().credentials : config.paths().config;
      if (doc.Get(section, "aws_session_token")) {
        out.push_back({"info", "plaintext-session", file + " [" + section + "]",
                       "temporary credentials " + *id + " stored in plaintext",
                       "remove them once expired; `sigil exec` keeps sessions out of files"});
      } else {
        out.push_back({"error", "plaintext-key", file + " [" + section + "]",
                       "long-term access key " + *id + " stored in plaintext",
                       "sigil vault import --profile " + profile});
      }
    }
  }
}

void CheckPlaintextCaches(const AwsConfig& config, std::vector<Finding>& out) {
  const std::string aws_dir = DirName(config.paths().config);
  for (const char* sub : {"/cli/cache", "/boto/cache", "/sso/cache"}) {
    const std::string dir = aws_dir + sub;
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) continue;
    while (dirent* entry = ::readdir(d)) {
      std::string name = entry->d_name;
      if (name == "." || name == "..") continue;
      const std::string path = dir + "/" + name;
      StatusOr<std::string> text = ReadFile(path);
      if (!text.ok()) continue;
      if (text->find("SecretAccessKey") != std::string::npos ||
          text->find("accessToken") != std::string::npos) {
        out.push_back({"warning", "plaintext-cache", path, "cached credentials stored in plaintext",
                       "rm " + path + " (sigil caches sessions encrypted in its vault)"});
      }
      SecureWipe(*text);
    }
    ::closedir(d);
  }
}

void CheckCredentialProcesses(const AwsConfig& config, const Environment& env,
                              std::vector<Finding>& out) {
  for (const std::string& profile : config.ProfileNames()) {
    auto command = config.Value(profile, "credential_process");
    if (!command) continue;
    const std::string where = config.paths().config + " [" + config.ConfigSection(profile) + "]";
    auto argv = SplitCommandLine(*command);
    if (!argv || argv->empty()) {
      out.push_back({"error", "credential-process", where,
                     "credential_process cannot be split into words (unbalanced quotes)",
                     "fix the quoting of credential_process"});
      continue;
    }
    auto program = FindProgram(env, (*argv)[0]);
    if (!program) {
      out.push_back({"warning", "credential-process", where,
                     "credential_process program " + (*argv)[0] + " is not found in PATH",
                     "use an absolute path"});
      continue;
    }
    // The program and every folder above it: whoever can write any of them can run code with
    // your credentials.
    std::string path = *program;
    if (path.find('/') != 0) {
      StatusOr<std::string> absolute = AbsolutePath(path);
      if (absolute.ok()) path = *absolute;
    }
    for (std::string p = path; !p.empty(); p = p == "/" ? "" : DirName(p)) {
      struct stat st {};
      if (::stat(p.c_str(), &st) != 0) break;
      const bool trusted_owner = st.st_uid == 0 || st.st_uid == ::getuid();
      const bool others_write =
          (st.st_mode & 022) != 0 && !(S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX));
      if (!trusted_owner || others_write) {
        out.push_back(
            {"error", "credential-process", where,
             "credential_process runs " + path + ", and " + p +
                 (trusted_owner ? " is writable by others (mode " + Octal(st.st_mode) + ")"
                                : " belongs to uid " + std::to_string(st.st_uid)),
             "chmod go-w " + p +
                 " (or install the program somewhere only you and root "
                 "can write)"});
        break;
      }
      if (p == "/" || p == ".") break;
    }
  }
}

void CheckIni(const AwsConfig& config, std::vector<Finding>& out) {
  for (bool credentials : {true, false}) {
    const IniDocument& doc = credentials ? config.credentials() : config.config();
    const std::string& file = credentials ? config.paths().credentials : config.paths().config;
    for (const IniProblem& p : doc.problems()) {
      out.push_back({"warning", "ambiguous-ini", file + ":" + std::to_string(p.line), p.message,
                     "edit the line so it means one thing to botocore"});
    }
    for (const std::string& section : doc.SectionNames()) {
      if (credentials && StartsWith(section, "profile ")) {
        out.push_back(
            {"warning", "ambiguous-ini", file + " [" + section + "]",
             "in the credentials file this is a profile literally named \"" + section + "\"",
             "rename the section to [" + section.substr(8) + "]"});
      }
      if (!credentials && !ProfileOfConfigSection(section) && !StartsWith(section, "services ") &&
          !StartsWith(section, "sso-session ") && section != "plugins" && section != "preview") {
        out.push_back({"warning", "ambiguous-ini", file + " [" + section + "]",
                       "the AWS CLI ignores this section in the config file",
                       "rename it to [profile " + section + "]"});
      }
    }
  }
}

std::vector<std::string> SplitCsvLine(std::string_view line) {
  std::vector<std::string> out;
  for (std::string_view field : Split(line, ',')) out.emplace_back(field);
  return out;
}

void AddOnlineFindings(ClientContext& ctx, const DoctorFlags& flags, std::vector<Finding>& out) {
  const std::string profile = ctx.profile().name;
  StatusOr<Credentials> key = ctx.LongTermKey(profile);
  ctx.CloseVault();
  if (!key.ok()) {
    out.push_back({"info", "online", "profile " + profile,
                   "online checks skipped: " + key.status().message(), "or pass --offline"});
    return;
  }
  StatusOr<CallerIdentity> who = GetCallerIdentity(ctx.api(), *key);
  if (!who.ok()) {
    out.push_back({"warning", "online", "profile " + profile,
                   "the profile's key does not work: " + who.status().message(),
                   "sigil configure --profile " + profile + ", or check the endpoint"});
    return;
  }
  if (who->IsRoot()) {
    out.push_back({"error", "root-key", "profile " + profile,
                   "profile " + profile + " uses the root user's access key " + key->access_key_id,
                   "create an IAM user for daily work and delete the root key"});
  }
  const TimePoint now = ctx.clock().Now();
  const std::string user = who->UserName();
  if (!user.empty()) {
    StatusOr<std::vector<AccessKeyInfo>> keys = ListAccessKeys(ctx.api(), *key, user);
    if (keys.ok()) {
      for (const AccessKeyInfo& k : *keys) {
        std::optional<TimePoint> created = ParseIso8601(k.create_date);
        const int64_t age_days =
            created ? (ToUnixSeconds(now) - ToUnixSeconds(*created)) / 86400 : 0;
        if (k.status == "Active" && age_days >= flags.max_key_age_days) {
          out.push_back({"warning", "key-age", user + " " + k.access_key_id,
                         "active key is " + std::to_string(age_days) + " days old (limit " +
                             std::to_string(flags.max_key_age_days) + ")",
                         "sigil rotate --profile " + profile});
        }
        StatusOr<std::string> last = GetAccessKeyLastUsed(ctx.api(), *key, k.access_key_id);
        if (!last.ok() || k.status != "Active" || k.access_key_id == key->access_key_id) continue;
        std::optional<TimePoint> used = ParseIso8601(*last);
        if (!used) {
          out.push_back({"warning", "key-unused", user + " " + k.access_key_id,
                         "active key has never been used", "deactivate and delete it if unneeded"});
        } else if ((ToUnixSeconds(now) - ToUnixSeconds(*used)) / 86400 >= flags.max_key_age_days) {
          out.push_back({"warning", "key-unused", user + " " + k.access_key_id,
                         "active key was last used " + *last,
                         "deactivate and delete it if unneeded"});
        }
      }
    }
    StatusOr<std::vector<std::string>> mfa = ListMfaDevices(ctx.api(), *key, user);
    if (mfa.ok() && mfa->empty()) {
      out.push_back({"warning", "no-mfa", who->arn, "the user has no MFA device",
                     "sigil mfa enable --profile " + profile});
    }
  }
  StatusOr<std::string> report = FetchCredentialReport(ctx.api(), *key);
  if (!report.ok()) {
    out.push_back({"info", "credential-report", who->arn,
                   "the credential report is not readable: " + report.status().message(),
                   "grant iam:GenerateCredentialReport and iam:GetCredentialReport to audit the "
                   "whole account"});
    return;
  }
  for (Finding& f : CheckCredentialReport(*report, now, flags.max_key_age_days)) {
    out.push_back(std::move(f));
  }
}

}  // namespace

std::vector<Finding> CheckLocalFiles(const AwsConfig& config, const Environment& env,
                                     const std::string& vault_path) {
  std::vector<Finding> out;
  CheckPrivateFile(DirName(config.paths().config), true, out);
  if (DirName(config.paths().credentials) != DirName(config.paths().config)) {
    CheckPrivateFile(DirName(config.paths().credentials), true, out);
  }
  CheckPrivateFile(config.paths().credentials, false, out);
  CheckPrivateFile(config.paths().config, false, out);
  CheckPrivateFile(vault_path, false, out);
  CheckPlaintextKeys(config, out);
  CheckPlaintextCaches(config, out);
  CheckCredentialProcesses(config, env, out);
  CheckIni(config, out);
  return out;
}

std::vector<Finding> CheckCredentialReport(const std::string& csv, TimePoint now,
                                           int max_age_days) {
  std::vector<Finding> out;
  std::vector<std::string_view> lines = Split(csv, '\n');
  if (lines.empty()) return out;
  std::vector<std::string> header = SplitCsvLine(lines[0]);
  auto column = [&](const std::vector<std::string>& row, std::string_view name) -> std::string {
    for (size_t i = 0; i < header.size() && i < row.size(); ++i) {
      if (header[i] == name) return row[i];
    }
    return "";
  };
  for (size_t i = 1; i < lines.size(); ++i) {
    if (TrimWhitespace(lines[i]).empty()) continue;
    std::vector<std::string> row = SplitCsvLine(lines[i]);
    const std::string user = column(row, "user");
    const std::string arn = column(row, "arn");
    const bool root = user == "<root_account>";
    bool any_key = false;
    for (const char* n : {"1", "2"}) {
      const std::string prefix = std::string("access_key_") + n;
      if (column(row, prefix + "_active") != "true") continue;
      any_key = true;
      if (root) {
        out.push_back({"error", "root-key", arn, "the root user has an active access key",
                       "delete the root user's access keys"});
        continue;
      }
      std::optional<TimePoint> rotated =
          ParseIso8601(column(row, prefix + "_last_rotated").substr(0, 19) + "Z");
      if (rotated && (ToUnixSeconds(now) - ToUnixSeconds(*rotated)) / 86400 >= max_age_days) {
        out.push_back({"warning", "key-age", arn,
                       "access key " + std::string(n) + " was last rotated " +
                           column(row, prefix + "_last_rotated"),
                       "rotate it (sigil rotate with that user's profile)"});
      }
    }
    if ((any_key || column(row, "password_enabled") == "true") &&
        column(row, "mfa_active") != "true") {
      out.push_back({"warning", "no-mfa", arn,
                     root ? "the root user has no MFA" : "user " + user + " has no MFA device",
                     root ? "enable MFA for the root user" : "sigil mfa enable (as that user)"});
    }
  }
  return out;
}

int RunDoctor(ClientContext& ctx, const DoctorFlags& flags) {
  std::vector<Finding> findings = CheckLocalFiles(ctx.config(), ctx.env(), ctx.vault_path());
  if (!flags.offline) AddOnlineFindings(ctx, flags, findings);
  int errors = 0;
  int warnings = 0;
  for (const Finding& f : findings) {
    errors += f.severity == "error";
    warnings += f.severity == "warning";
  }
  if (flags.json) {
    nlohmann::ordered_json doc;
    doc["findings"] = nlohmann::ordered_json::array();
    for (const Finding& f : findings) {
      doc["findings"].push_back({{"severity", f.severity},
                                 {"check", f.check},
                                 {"where", f.where},
                                 {"message", f.message},
                                 {"fix", f.fix}});
    }
    doc["errors"] = errors;
    doc["warnings"] = warnings;
    std::printf("%s\n", doc.dump(2).c_str());
  } else {
    for (const Finding& f : findings) {
      std::printf("%-7s %-18s %s: %s\n        fix: %s\n", f.severity.c_str(), f.check.c_str(),
                  f.where.c_str(), f.message.c_str(), f.fix.c_str());
    }
    std::printf("%d error(s), %d warning(s)\n", errors, warnings);
  }
  return errors + warnings > 0 ? 1 : 0;
}

}  // namespace sigil::client
