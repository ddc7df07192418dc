// The cache of temporary credentials inside the vault: sessions from GetSessionToken (shared by
// every profile with the same MFA device, or the same key without one) and role sessions from
// AssumeRole, each reused until near its expiry. Entries are sealed with the rest of the vault;
// nothing is ever cached in plaintext. Not thread-safe (the vault is locked per process).
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "client/credentials.h"
#include "client/vault.h"
#include "common/clock.h"

namespace sigil::client {

// The cache key of a GetSessionToken session: "mfa|SERIAL" with an MFA device, else
// "key|ACCESS_KEY_ID".
std::string SessionTokenCacheKey(const std::string& access_key_id, const std::string& mfa_serial);
// The cache key of a role session: role, source key, session name, external id and MFA device.
std::string RoleCacheKey(const std::string& role_arn, const std::string& source_key_id,
                         const std::string& session_name, const std::string& external_id,
                         const std::string& mfa_serial);

// A cached session with more than `min_remaining` left at `now`; nullopt otherwise.
std::optional<Credentials> CachedSession(Vault& vault, const std::string& key, TimePoint now,
                                         std::chrono::seconds min_remaining);
// Stores `credentials` (which must have an expiration) under `key`, noting the long-term key
// it came from; drops expired entries. The caller saves the vault.
void StoreSession(Vault& vault, const std::string& key, const Credentials& credentials,
                  const std::string& source_key_id, TimePoint now);
// Removes every session issued from `source_key_id` (after a rotation); returns how many.
int ClearSessions(Vault& vault, const std::string& source_key_id);

}  // namespace sigil::client
