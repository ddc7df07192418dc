#include "client/scan.h"

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "client/commands.h"
#include "client/process.h"
#include "client/terminal.h"
#include "common/crypto.h"
#include "common/file_util.h"
#include "common/strings.h"

namespace sigil::client {
namespace {

constexpr int kNearbyLines = 3;
constexpr size_t kMaxFileBytes = 8 << 20;

bool KeyIdChar(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool SecretChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '/' ||
         c == '+';
}

std::vector<std::string> KeyIdsIn(std::string_view text) {
  std::vector<std::string> out;
  for (size_t i = 0; i + 20 <= text.size(); ++i) {
    std::string_view prefix = text.substr(i, 4);
    if (prefix != "AKIA" && prefix != "ASIA" && prefix != "ABIA" && prefix != "ACCA") continue;
    if (i > 0 && KeyIdChar(text[i - 1])) continue;
    size_t end = i + 4;
    while (end < text.size() && KeyIdChar(text[end])) ++end;
    if (end - i == 20) out.emplace_back(text.substr(i, 20));
    i = end - 1;
  }
  return out;
}

// 40 characters of the secret alphabet with upper, lower case and a digit or symbol: a git
// SHA-1 (lower-case hex) or a word never qualifies.
std::vector<std::string> SecretsIn(std::string_view text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    if (!SecretChar(text[i])) {
      ++i;
      continue;
    }
    size_t end = i;
    while (end < text.size() && SecretChar(text[end])) ++end;
    if (end - i == 40 && (end == text.size() || text[end] != '=')) {
      std::string_view token = text.substr(i, 40);
      bool upper = false, lower = false, other = false;
      for (char c : token) {
        upper |= c >= 'A' && c <= 'Z';
        lower |= c >= 'a' && c <= 'z';
        other |= !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'));
      }
      if (upper && lower && other) out.emplace_back(token);
    }
    i = end;
  }
  return out;
}

bool IsExampleKey(std::string_view id) { return id.ends_with("EXAMPLE"); }
bool IsExampleSecret(std::string_view s) { return s.ends_with("EXAMPLEKEY"); }

bool LooksBinary(const std::string& text) {
  return text.substr(0, 8192).find('\0') != std::string::npos;
}

std::vector<ScanLine> LinesOf(const std::string& text) {
  std::vector<ScanLine> lines;
  int n = 0;
  for (std::string_view l : Split(text, '\n')) lines.push_back({++n, std::string(l)});
  return lines;
}

void ScanPath(const std::string& root, bool include_examples, std::vector<ScanHit>& hits) {
  std::error_code ec;
  auto scan_file = [&](const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode) ||
        static_cast<size_t>(st.st_size) > kMaxFileBytes) {
      return;
    }
    StatusOr<std::string> text = ReadFile(path);
    if (!text.ok() || LooksBinary(*text)) return;
    for (ScanHit& h : ScanLines(LinesOf(*text), path, include_examples))
      hits.push_back(std::move(h));
    SecureWipe(*text);
  };
  if (std::filesystem::is_regular_file(root, ec)) {
    scan_file(root);
    return;
  }
  std::filesystem::recursive_directory_iterator it(
      root, std::filesystem::directory_options::skip_permission_denied, ec);
  for (; !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec) && it->path().filename() == ".git") {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file(ec) && !it->is_symlink(ec)) scan_file(it->path().string());
  }
}

// Parses `git log -p` / `git diff` output into the added lines of each file, per commit.
void ScanDiff(const std::string& diff, bool include_examples, std::vector<ScanHit>& hits) {
  std::string commit;
  std::string file;
  int next_line = 0;
  std::vector<ScanLine> added;
  auto flush = [&] {
    if (!added.empty()) {
      const std::string where = (commit.empty() ? "" : commit.substr(0, 12) + ":") + file;
      for (ScanHit& h : ScanLines(added, where, include_examples)) hits.push_back(std::move(h));
    }
    added.clear();
  };
  for (std::string_view line : Split(diff, '\n')) {
    if (StartsWith(line, "commit ") && line.size() >= 47) {
      flush();
      commit = std::string(line.substr(7, 40));
    } else if (StartsWith(line, "+++ ")) {
      flush();
      std::string_view name = line.substr(4);
      file = std::string(StartsWith(name, "b/") ? name.substr(2) : name);
    } else if (StartsWith(line, "@@ ")) {
      flush();
      size_t plus = line.find('+');
      next_line = plus == std::string_view::npos
                      ? 0
                      : std::atoi(std::string(line.substr(plus + 1)).c_str());
    } else if (StartsWith(line, "+")) {
      added.push_back({next_line++, std::string(line.substr(1))});
    } else if (StartsWith(line, " ")) {
      ++next_line;
    }
  }
  flush();
}

StatusOr<std::string> Git(const std::string& repo, const std::vector<std::string>& args) {
  std::vector<std::string> argv{"git", "-C", repo};
  argv.insert(argv.end(), args.begin(), args.end());
  SIGIL_ASSIGN_OR_RETURN(ProcessResult result, RunProcess(argv));
  if (result.exit_code != 0) {
    return FailedPreconditionError("git failed in " + repo + " (is it a git repository?)");
  }
  return std::move(result.output);
}

Status InstallHook(const std::string& repo) {
  SIGIL_ASSIGN_OR_RETURN(std::string hooks, Git(repo, {"rev-parse", "--git-path", "hooks"}));
  hooks = std::string(TrimWhitespace(hooks));
  if (!hooks.empty() && hooks[0] != '/') hooks = repo + "/" + hooks;
  const std::string hook = hooks + "/pre-commit";
  StatusOr<std::string> existing = ReadFile(hook);
  if (existing.ok() && existing->find("sigil scan") == std::string::npos) {
    return AlreadyExistsError(hook +
                              " exists and is not sigil's; add `sigil scan --staged` to it "
                              "by hand");
  }
  std::string command = SigilCredentialProcessCommand("x");
  command = command.substr(0, command.find(" credential-process"));
  SIGIL_RETURN_IF_ERROR(MakeDirectories(hooks, 0755));
  SIGIL_RETURN_IF_ERROR(WriteFileAtomically(
      hook,
      "#!/bin/sh\n# Installed by `sigil scan --install-hook`: refuses commits that add AWS "
      "access keys.\nexec " +
          command + " scan --staged\n",
      0755));
  std::printf("Installed %s: commits that add AWS access keys will be refused.\n", hook.c_str());
  return OkStatus();
}

// The key ids in the vault (profiles' keys, keys being rotated) by id -> profile.
std::map<std::string, std::string> OwnKeyIds(ClientContext& ctx) {
  std::map<std::string, std::string> out;
  VaultKeySource source = VaultKeySourceFromEnv(ctx.env());
  if (source.key_file.empty() && source.passphrase_file.empty() && !Interactive()) return out;
  if (!std::filesystem::exists(ctx.vault_path())) return out;
  StatusOr<Vault*> vault = ctx.OpenVault(false);
  if (!vault.ok()) return out;
  for (auto& [profile, entry] : (*vault)->data()["keys"].items()) {
    out[entry.value("access_key_id", "")] = profile;
  }
  for (auto& [profile, entry] : (*vault)->data()["rotations"].items()) {
    out[entry.value("new_key_id", "")] = profile + " (rotation in progress)";
    out[entry.value("old_key_id", "")] = profile + " (old key)";
  }
  ctx.CloseVault();
  return out;
}

Status Scan(ClientContext& ctx, const ScanFlags& flags, int* exit_code) {
  std::vector<std::string> paths =
      flags.paths.empty() ? std::vector<std::string>{"."} : flags.paths;
  if (flags.install_hook) {
    for (const std::string& p : paths) SIGIL_RETURN_IF_ERROR(InstallHook(p));
    return OkStatus();
  }
  std::vector<ScanHit> hits;
  for (const std::string& p : paths) {
    if (flags.staged) {
      SIGIL_ASSIGN_OR_RETURN(std::string diff,
                             Git(p, {"diff", "--cached", "--no-color", "--no-ext-diff", "-U3"}));
      ScanDiff(diff, flags.include_examples, hits);
      SecureWipe(diff);
    } else if (flags.git) {
      Progress("scan", "reading the history of " + p);
      SIGIL_ASSIGN_OR_RETURN(std::string log,
                             Git(p, {"log", "--all", "-p", "--no-color", "--no-ext-diff", "-U3",
                                     "--format=commit %H"}));
      ScanDiff(log, flags.include_examples, hits);
      SecureWipe(log);
    } else {
      ScanPath(p, flags.include_examples, hits);
    }
  }
  std::map<std::string, std::string> own = OwnKeyIds(ctx);
  for (ScanHit& h : hits) {
    if (auto it = own.find(h.key_id); it != own.end()) h.yours = it->second;
    if (flags.verify && !h.secret.empty()) {
      Credentials candidate;
      candidate.access_key_id = h.key_id;
      candidate.secret_access_key = h.secret;
      StatusOr<CallerIdentity> who = GetCallerIdentity(ctx.api(), candidate);
      h.verified =
          who.ok() ? "live: " + who->arn : "not accepted (" + who.status().aws_code() + ")";
    }
    SecureWipe(h.secret);
  }
  if (flags.json) {
    nlohmann::ordered_json doc = nlohmann::ordered_json::array();
    for (const ScanHit& h : hits) {
      nlohmann::ordered_json item{{"location", h.location},
                                  {"access_key_id", h.key_id},
                                  {"secret_nearby", h.secret_nearby},
                                  {"example", h.example}};
      if (!h.yours.empty()) item["yours"] = h.yours;
      if (!h.verified.empty()) item["verified"] = h.verified;
      doc.push_back(std::move(item));
    }
    std::printf("%s\n", doc.dump(2).c_str());
  } else {
    for (const ScanHit& h : hits) {
      std::printf("%s: %s%s%s%s%s\n", h.location.c_str(), h.key_id.c_str(),
                  h.secret_nearby ? " with a secret access key nearby" : " (key id only)",
                  h.example ? " [AWS documentation example]" : "",
                  h.yours.empty() ? "" : (" [your key: profile " + h.yours + "]").c_str(),
                  h.verified.empty() ? "" : (" [" + h.verified + "]").c_str());
    }
    if (!hits.empty()) {
      std::fprintf(stderr,
                   "sigil: scan: %zu access key id(s) found; remove them (and rotate any real key "
                   "with `sigil rotate`)%s\n",
                   hits.size(), flags.staged ? "; the commit was refused" : "");
    }
  }
  *exit_code = hits.empty() ? 0 : 1;
  return OkStatus();
}

}  // namespace

std::vector<ScanHit> ScanLines(const std::vector<ScanLine>& lines, const std::string& where,
                               bool include_examples) {
  std::vector<ScanHit> out;
  for (size_t i = 0; i < lines.size(); ++i) {
    for (const std::string& id : KeyIdsIn(lines[i].text)) {
      ScanHit hit;
      hit.key_id = id;
      hit.location = where + ":" + std::to_string(lines[i].number);
      hit.example = IsExampleKey(id);
      if (hit.example && !include_examples) continue;
      for (size_t j = 0; j < lines.size(); ++j) {
        if (std::abs(lines[j].number - lines[i].number) > kNearbyLines) continue;
        for (std::string& secret : SecretsIn(lines[j].text)) {
          if (IsExampleSecret(secret) && !include_examples) {
            SecureWipe(secret);
            continue;
          }
          hit.secret_nearby = true;
          if (hit.secret.empty()) hit.secret = secret;
          SecureWipe(secret);
        }
      }
      out.push_back(std::move(hit));
    }
  }
  return out;
}

int RunScan(ClientContext& ctx, const ScanFlags& flags) {
  int exit_code = 0;
  Status s = Scan(ctx, flags, &exit_code);
  return s.ok() ? exit_code : Fail("scan", s);
}

}  // namespace sigil::client
