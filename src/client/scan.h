// `sigil scan`: finds AWS access key ids (AKIA, ASIA, ABIA, ACCA followed by 16 characters) with
// a 40-character secret nearby, in files, in git history (added lines of every commit) or in the
// staged changes (the pre-commit hook). The documentation's example keys (ids ending in EXAMPLE,
// secrets ending in EXAMPLEKEY) are ignored unless asked. The user's own key ids (from the
// vault, when it opens without a prompt) are matched exactly, and a found pair can be checked
// against the configured endpoint. Secrets are never printed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "client/client_context.h"

namespace sigil::client {

struct ScanFlags {
  std::vector<std::string> paths;  // default "."
  bool git = false;                // the history of the repositories at `paths`
  bool staged = false;             // the staged changes (what the pre-commit hook runs)
  bool include_examples = false;
  bool verify = false;        // GetCallerIdentity with each found pair
  bool install_hook = false;  // write .git/hooks/pre-commit
  bool json = false;
};

struct ScanLine {
  int number = 0;
  std::string text;
};

struct ScanHit {
  std::string location;  // "path:line" or "commit:path:line"
  std::string key_id;
  bool secret_nearby = false;
  bool example = false;
  std::string secret;    // for --verify only; wiped after use, never printed
  std::string yours;     // the vault profile whose key this is
  std::string verified;  // --verify's answer
};

// The hits in `lines` (consecutive lines of one file or one diff hunk; a secret counts as
// nearby within three lines of the key id). `where` prefixes each location.
std::vector<ScanHit> ScanLines(const std::vector<ScanLine>& lines, const std::string& where,
                               bool include_examples);

int RunScan(ClientContext& ctx, const ScanFlags& flags);

}  // namespace sigil::client
