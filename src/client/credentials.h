// A set of AWS credentials as the client holds them in memory: long-term (AKIA…) or temporary
// (ASIA… with a session token and an expiry). The secret and token are wiped when the value is
// destroyed. Plain value type; thread-compatible.
#pragma once

#include <optional>
#include <string>

#include "common/clock.h"

namespace sigil::client {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term keys
  std::optional<TimePoint> expiration;
  std::string source;  // where they came from, e.g. "environment", "vault profile dev"
  bool mfa = false;    // issued by an STS call that presented an MFA code

  Credentials() = default;
  Credentials(const Credentials&) = default;
  Credentials(Credentials&&) = default;
  Credentials& operator=(const Credentials&) = default;
  Credentials& operator=(Credentials&&) = default;
  ~Credentials() { Wipe(); }

  bool IsTemporary() const { return !session_token.empty(); }
  // Overwrites the secret and the token.
  void Wipe();
};

// "long-term" for AKIA… keys, "temporary" for ASIA… ones (AWS's key id prefixes).
const char* KeyType(const Credentials& credentials);

}  // namespace sigil::client
