// Running other programs without a shell: credential_process commands, git. Command lines are
// split as Python's shlex.split does (botocore's rule for credential_process). Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/environment.h"
#include "common/status.h"

namespace sigil::client {

// POSIX shell-like words: whitespace separates; '…' is literal; "…" and bare words honour
// backslash escapes. nullopt on an unterminated quote or a trailing backslash.
std::optional<std::vector<std::string>> SplitCommandLine(std::string_view command);

struct ProcessResult {
  int exit_code = 0;   // 128 + N when killed by signal N
  std::string output;  // stdout
};

// Runs argv[0] (looked up in PATH) with `env` (this process's environment when null), in `cwd`
// (unchanged when empty). stdin and stderr are inherited; stdout is captured. kNotFound when
// the program cannot be started.
StatusOr<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                   const Environment* env = nullptr, const std::string& cwd = "");

// Where argv0 resolves in PATH (or argv0 itself when it has a '/'); nullopt when not found.
std::optional<std::string> FindProgram(const Environment& env, const std::string& argv0);

}  // namespace sigil::client
