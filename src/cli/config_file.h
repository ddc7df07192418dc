// `sigil server --config FILE`: every server option may also be set in a TOML file, keyed by the
// option's long name (`listen = "0.0.0.0:9000"`, `threads = 4`, `access-log = false`), at the
// top level or in a [server] table. Flags win over SIGIL_* environment variables, which win over
// the file, which wins over the defaults. Also renders the effective configuration
// (`--print-config`) in the same format. Not thread-safe (start-up only).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "common/status.h"

namespace sigil::cli {

// Applies the TOML file at `path` to the options of the parsed `command` that the command line
// and the environment left unset, validating each value as the flag would (ranges, choices).
// kInvalidArgument, naming the file and key, for a syntax error, an unknown key, a value of the
// wrong kind or one the option refuses; kNotFound when the file does not exist.
Status ApplyConfigFile(CLI::App& command, const std::string& path);

// The effective value of every option of `command` (after ApplyConfigFile) as a TOML file that
// --config accepts, each preceded by its help text as a comment.
std::string RenderConfig(const CLI::App& command);

}  // namespace sigil::cli
