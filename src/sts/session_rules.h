// The rules STS applies when it issues temporary credentials, as pure functions: how long a
// session may last, which tags it carries (and which it inherits through role chaining), how
// large its packed policies and tags may be, and the shape of its access key id. Pure and
// thread-safe; the handlers in sts_service.cc apply them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/session_token.h"
#include "common/crypto.h"
#include "common/status.h"

namespace sigil::sts {

inline constexpr int64_t kOneHour = 3600;
inline constexpr int64_t kSessionTokenDefaultSeconds = 43200;  // GetSessionToken, federation
inline constexpr int64_t kAssumeRoleDefaultSeconds = 3600;
inline constexpr size_t kMaxSessionTags = 50;
// What the packed form of session policies and tags may hold (see PackedPolicyPercent).
inline constexpr size_t kPackedPolicyLimitBytes = 4096;

// GetSessionToken and GetFederationToken: `requested` (the model already bounds it to
// 900..129600) or 43200 by default; a session of the root user lasts at most one hour (AWS caps
// it silently, default included).
int64_t SessionTokenDuration(std::optional<int64_t> requested, bool root_caller);

// AssumeRole: `requested` (900..43200 by the model) or 3600, at most the role's
// MaxSessionDuration, and at most one hour when a role session assumes a role (chaining). The
// errors are AWS's ValidationError messages.
StatusOr<int64_t> AssumeRoleDuration(std::optional<int64_t> requested, int64_t max_session_duration,
                                     bool role_chaining);

struct SessionTagSet {
  std::vector<auth::SessionTag> tags;
  std::vector<std::string> transitive_keys;
};

// The tags of a new role session: those the calling role session marked transitive (inherited,
// and not overridable), then the request's. `TransitiveTagKeys` must name keys of the request's
// tags; keys are compared case-insensitively, as AWS does; at most 50 tags in all. AWS's errors:
// InvalidParameterValue for a repeated key or an attempt to override an inherited transitive
// tag, ValidationError for transitive keys that name no tag of the request.
StatusOr<SessionTagSet> SessionTagsFor(const auth::SessionClaims* caller,
                                       const std::vector<auth::SessionTag>& requested,
                                       const std::vector<std::string>& transitive_keys);

// How full the packed session policies and tags are, in percent of kPackedPolicyLimitBytes
// (rounded up), as AssumeRole's PackedPolicySize reports. AWS compresses the documents with a
// format it does not publish; Sigil counts the policy's bytes without insignificant whitespace
// plus the ARNs and tag keys and values, which keeps AWS's property that a 2048-character
// inline policy fits. PackedPolicyTooLarge (400) beyond 100 percent.
StatusOr<int> PackedPolicyPercent(size_t policy_bytes_without_whitespace,
                                  const std::vector<std::string>& policy_arns,
                                  const std::vector<auth::SessionTag>& tags);

// Temporary access key ids, "ASIA" + 16 base32 characters: the account id in the first 40 bits
// (so GetAccessKeyInfo answers without a lookup, as AWS's key ids encode their account) and 40
// random bits.
std::string NewTemporaryAccessKeyId(std::string_view account_id, RandomSource& random);
// The account a temporary key id names; nullopt when it is not one Sigil made.
std::optional<std::string> AccountOfTemporaryKeyId(std::string_view access_key_id);

// A 40-character secret access key, as IAM's.
std::string NewSecretAccessKey(RandomSource& random);

}  // namespace sigil::sts
