// Talking to the person at the keyboard: prompts go to the terminal (/dev/tty), secrets are read
// without echo, and when stdin is not a terminal answers are read from it line by line (scripts,
// tests). Not thread-safe (one prompt at a time).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace sigil::client {

// True when stdin is a terminal.
bool Interactive();

// Prints `prompt` (on the terminal when stdin is one, else on stderr) and reads one line from
// stdin (echoed). kNotFound at end of input.
StatusOr<std::string> PromptLine(std::string_view prompt);
// As PromptLine, with echo turned off while a terminal reads the answer.
StatusOr<std::string> PromptSecret(std::string_view prompt);

// A progress line on stderr ("sigil: rotate: creating the new key…").
void Progress(std::string_view command, std::string_view message);

}  // namespace sigil::client
