// The process environment as an injected value, so the credential chain, endpoint resolution and
// file locations are testable without touching the real environment. Plain value type;
// thread-compatible.
#pragma once

#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sigil::client {

class Environment {
 public:
  Environment() = default;
  Environment(std::initializer_list<std::pair<const std::string, std::string>> vars)
      : vars_(vars) {}
  // A copy of this process's environment.
  static Environment FromProcess();

  // The variable's value; nullopt when unset. An empty value counts as set.
  std::optional<std::string> Get(std::string_view name) const;
  // The value, or nullopt when unset or empty (how botocore treats most AWS_* variables).
  std::optional<std::string> GetNonEmpty(std::string_view name) const;
  void Set(std::string name, std::string value) { vars_[std::move(name)] = std::move(value); }
  void Unset(std::string_view name);
  // "NAME=value" strings for execve.
  std::vector<std::string> ToEnvp() const;

 private:
  std::map<std::string, std::string, std::less<>> vars_;
};

// Expands a leading "~/" with $HOME (as botocore's os.path.expanduser does).
std::string ExpandHome(const Environment& env, std::string_view path);

}  // namespace sigil::client
