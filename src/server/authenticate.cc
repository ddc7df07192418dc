#include "server/authenticate.h"

#include "common/crypto.h"

namespace sigil::server {

std::variant<Authenticated, auth::AuthError> AuthenticateQueryRequest(
    const http::Request& request, const auth::SignatureClaims& claims,
    const IdentitySnapshot& snapshot, TimePoint now, const AuthenticateOptions& options,
    auth::SigningKeyCache& cache) {
  const KeyEntry* key = snapshot.FindKey(claims.scope.access_key_id);
  if (key == nullptr || key->key.status != AccessKeyStatus::kActive) {
    return auth::UnknownAccessKeyError();
  }
  if (claims.security_token) {
    // Long-term keys carry no session token, and no temporary credentials exist yet.
    return auth::InvalidTokenError();
  }
  auth::VerifyOptions verify;
  verify.max_skew = options.max_skew;
  verify.path_mode = auth::PathMode::kNormalized;
  verify.payload_hash = Sha256Hex(request.body);
  if (auto error = auth::VerifySignature(request, claims, key->secret, now, verify, cache)) {
    return *error;
  }
  return Authenticated{key->principal, claims.scope};
}

}  // namespace sigil::server
