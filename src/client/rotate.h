// `sigil rotate`: AWS's recommended access-key rotation, crash-safe. Every step is recorded in an
// encrypted journal in the vault before the next one starts, so a run killed at any point
// resumes where it stopped: intent (old key, user), create the new key, journal it, verify it
// with retries, switch the profile to it (vault or credentials file) and clear its cached
// sessions, deactivate the old key, delete it (after an optional grace period, or on the next
// run). A new key that fails verification is deleted again (roll back); the two-key limit is
// handled before anything is created. Not thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "client/client_context.h"
#include "common/status.h"

namespace sigil::client {

struct RotateFlags {
  int64_t grace_seconds = 0;     // keep the deactivated old key this long before deleting it
  int verify_attempts = 10;      // GetCallerIdentity tries with the new key, 2 s apart
  bool delete_inactive = false;  // at the two-key limit, delete the user's other, inactive key
};
int RunRotate(ClientContext& ctx, const RotateFlags& flags);

// The journal's steps, in order.
enum class RotationState { kCreating, kCreated, kVerified, kSwitched, kDeactivated };
std::string_view RotationStateName(RotationState state);

struct RotationJournal {
  RotationState state = RotationState::kCreating;
  std::string user;
  std::string old_key_id;
  std::string new_key_id;      // from kCreated on
  std::string new_secret;      // from kCreated on; sealed in the vault with the rest
  std::string storage;         // "vault" | "credentials-file" | "config-file"
  int64_t started = 0;         // unix seconds
  int64_t deactivated_at = 0;  // unix seconds, kDeactivated

  nlohmann::json ToJson() const;
  // kFailedPrecondition for a journal this version cannot read (unknown state, missing keys).
  static StatusOr<RotationJournal> FromJson(const nlohmann::json& json);
};

}  // namespace sigil::client
