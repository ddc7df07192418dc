#include "client/terminal.h"

#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

namespace sigil::client {

bool Interactive() { return ::isatty(STDIN_FILENO) == 1; }

StatusOr<std::string> PromptLine(std::string_view prompt) {
  // On a terminal the prompt goes to the terminal itself: a program running sigil as its
  // credential_process (botocore) captures sigil's stderr, and the person would see nothing.
  FILE* out = Interactive() ? std::fopen("/dev/tty", "w") : nullptr;
  std::fprintf(out != nullptr ? out : stderr, "%.*s", static_cast<int>(prompt.size()),
               prompt.data());
  if (out != nullptr) {
    std::fclose(out);
  } else {
    std::fflush(stderr);
  }
  std::string line;
  if (!std::getline(std::cin, line)) return NotFoundError("no answer: standard input ended");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

StatusOr<std::string> PromptSecret(std::string_view prompt) {
  termios saved{};
  const bool tty = Interactive() && ::tcgetattr(STDIN_FILENO, &saved) == 0;
  if (tty) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  StatusOr<std::string> line = PromptLine(prompt);
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::fputs("\n", stderr);
  }
  return line;
}

void Progress(std::string_view command, std::string_view message) {
  std::fprintf(stderr, "sigil: %.*s: %.*s\n", static_cast<int>(command.size()), command.data(),
               static_cast<int>(message.size()), message.data());
}

}  // namespace sigil::client
