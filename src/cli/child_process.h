// Runs a program as a child process, without a shell: for the PostgreSQL client tools that
// `sigil admin backup|restore` call (pg_dump, pg_restore). Thread-compatible (no shared state
// beyond the process's environment, which is only read).
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace sigil::cli {

struct ChildResult {
  int exit_code = 0;        // the exit status, or 128 + the signal that killed it
  std::string stderr_text;  // what it wrote to stderr (the first 64 KiB)
};

// Runs `argv` (argv[0] looked up in PATH; nothing is interpreted by a shell) with this process's
// environment plus `extra_env` ("NAME=value" entries, replacing variables of the same names),
// stdin and stdout on /dev/null, and waits for it. kNotFound when argv[0] is not installed;
// kInternal when it cannot be started; a program that fails is an OK result with its exit code.
StatusOr<ChildResult> RunChild(const std::vector<std::string>& argv,
                               const std::vector<std::string>& extra_env = {});

}  // namespace sigil::cli
