// STS session tokens: self-contained and sealed, so any node verifies one without a lookup. The
// token carries the session's claims (who, which secret, until when, with which tags, policies
// and MFA state) in a compact binary encoding, encrypted and authenticated with AES-256-GCM
// under a key ring kept apart from the database. SessionTokenSealer is immutable: thread-safe.
//
// Token (base64 of): version 0x01 | key id (uint32, big-endian) | SecretBox sealed claims
// (0x01 | 12-byte random nonce | ciphertext | 16-byte tag), with associated data
// "sigil/sts/session-token" | version | key id. The key id travels in the clear so a token
// names the key that opens it: adding a key rotates sealing to it while older tokens still open.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "auth/sigv4.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/status.h"

namespace sigil::auth {

// Which STS call made the session, hence how the authorizer finds its policies.
enum class SessionPrincipalKind : uint8_t {
  kUser = 1,           // GetSessionToken by an IAM user: the user's policies
  kRoot = 2,           // GetSessionToken by the account root
  kAssumedRole = 3,    // AssumeRole*: the role's policies (and session policies)
  kFederatedUser = 4,  // GetFederationToken: the calling user's policies ∩ session policies
};

struct SessionTag {
  std::string key;
  std::string value;
  bool operator==(const SessionTag&) const = default;
};

struct SessionClaims {
  std::string access_key_id;      // "ASIA..."; must equal the request's Credential key id
  std::string secret_access_key;  // the session's secret, to verify the request's signature
  std::string account_id;
  SessionPrincipalKind kind = SessionPrincipalKind::kUser;
  // The session's own ARN: the user's or root's ARN, "arn:aws:sts::ACCT:assumed-role/NAME/SESSION"
  // or "arn:aws:sts::ACCT:federated-user/NAME".
  std::string principal_arn;
  // aws:userid: "AIDA..." (user), the account id (root), "AROA...:SESSION" (assumed role),
  // "ACCT:NAME" (federated user).
  std::string principal_id;
  // The IAM entity whose policies apply: the user (also the federation caller) or the role; empty
  // for root.
  std::string entity_id;     // "AIDA..." or "AROA..."
  std::string entity_name;   // user or role name
  std::string session_name;  // role session name or federated user name; empty for user sessions
  std::string source_identity;
  std::vector<SessionTag> tags;                  // session (principal) tags, in request order
  std::vector<std::string> transitive_tag_keys;  // tag keys carried into a chained role session
  std::vector<std::string> session_policies;     // inline session policy documents (JSON text)
  std::vector<std::string> session_policy_arns;  // managed session policies
  bool mfa_authenticated = false;                // aws:MultiFactorAuthPresent
  std::optional<TimePoint> mfa_auth_time;        // for aws:MultiFactorAuthAge
  bool role_chained = false;  // made by a role session assuming a role (1-hour cap)
  TimePoint issued_at;        // aws:TokenIssueTime
  TimePoint expiration;       // the token is expired from this instant on

  bool operator==(const SessionClaims&) const = default;
};

// One key of the ring. The caller persists the ring (its ids and 32-byte keys), apart from the
// database, and chooses ids that grow with each rotation.
struct SessionTokenKey {
  uint32_t id = 0;
  std::string key;  // SecretBox::kKeySize (32) bytes
};

// Why a token was refused. Only the log and metrics see this; the client sees `error`.
enum class TokenDefect {
  kMalformed,     // not a token: too long, not canonical base64, bad version, bad layout
  kUnknownKey,    // names a key id the ring does not hold (retired, or from another deployment)
  kNotAuthentic,  // fails AES-GCM authentication: tampered, truncated or sealed under another key
  kExpired,       // authentic, but `now` is at or past its expiration
};

struct TokenRejection {
  TokenDefect defect;
  // kExpired: ExpiredTokenError() ("The security token included in the request is expired",
  // ExpiredToken); every other defect: InvalidTokenError() (InvalidClientTokenId).
  AuthError error;
};

using SessionOrRejection = std::variant<SessionClaims, TokenRejection>;

// Longest token Seal produces and Open considers (base64 characters).
inline constexpr size_t kMaxSessionTokenSize = 64 * 1024;

class SessionTokenSealer {
 public:
  // Builds a sealer from the key ring. kInvalidArgument when the ring is empty, a key is not 32
  // bytes, or two keys share an id. Tokens are sealed with the key of the highest id.
  static StatusOr<SessionTokenSealer> FromKeyRing(std::span<const SessionTokenKey> keys);

  // Seals `claims` into a token. kInvalidArgument when access_key_id, secret_access_key,
  // account_id or principal_arn is empty, kind is not one of the enumerators, or the token would
  // exceed kMaxSessionTokenSize; kInternal when `random` fails to return a nonce.
  StatusOr<std::string> Seal(const SessionClaims& claims, RandomSource& random) const;

  // Opens a token sent as X-Amz-Security-Token, at time `now`: the claims, or why it is refused
  // (see TokenDefect). Expiry is judged only once the token is authentic. The caller then checks
  // that the request's access key id equals claims.access_key_id and verifies the signature with
  // claims.secret_access_key.
  SessionOrRejection Open(std::string_view token, TimePoint now) const;

  // Seals other small documents every node must open under the same ring, such as the encoded
  // authorization messages EC2 returns with UnauthorizedOperation. `purpose` is bound into the
  // associated data, so a sealed message is never mistaken for a token or for another purpose's
  // message. Output: base64 of version | key id | SecretBox sealed bytes (as tokens).
  StatusOr<std::string> SealMessage(std::string_view purpose, std::string_view plaintext,
                                    RandomSource& random) const;
  // nullopt when `sealed` is malformed, names an unknown key, or fails authentication.
  std::optional<std::string> OpenMessage(std::string_view purpose, std::string_view sealed) const;

  uint32_t current_key_id() const { return keys_.back().id; }

 private:
  struct Entry {
    uint32_t id;
    SecretBox box;
  };
  explicit SessionTokenSealer(std::vector<Entry> keys) : keys_(std::move(keys)) {}
  const SecretBox* FindKey(uint32_t id) const;

  std::vector<Entry> keys_;  // sorted by id; never empty
};

// The claims' binary encoding, exposed for tests and the fuzz target. Each field is
// tag (1 byte) | length (LEB128 varint) | value, tags strictly increasing; strings are raw
// bytes, integers varints (times: zigzag milliseconds since the epoch), lists a varint count then
// length-prefixed items. Tags 0x80 and up are optional extensions an older reader skips; an
// unknown tag below 0x80 makes the claims unreadable, so a field that restricts a session can
// never be silently ignored.
namespace session_token_internal {
std::string EncodeClaims(const SessionClaims& claims);
// nullopt on any malformed input: truncation, an out-of-order or repeated tag, an unknown
// required tag, a missing required field, a value that does not fill its field exactly.
std::optional<SessionClaims> DecodeClaims(std::string_view bytes);
}  // namespace session_token_internal

}  // namespace sigil::auth
