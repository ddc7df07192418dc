// The authenticate stage: turns a request's SigV4 claims into a verified Principal. Long-term
// keys are looked up in the identity snapshot; session tokens (ASIA... keys) are opened with the
// session token sealer, without any lookup, so every node verifies every node's tokens. Pure
// apart from the signing-key cache; thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <variant>

#include "auth/session_token.h"
#include "auth/sigv4.h"
#include "common/clock.h"
#include "common/status.h"
#include "http/message.h"
#include "identity/principal.h"
#include "identity/snapshot.h"

namespace sigil::server {

struct AuthenticateOptions {
  std::chrono::seconds max_skew{900};
};

struct Authenticated {
  Principal principal;
  auth::CredentialScope scope;  // region and service the request was signed for
};

// Verifies `request` as a query-protocol (IAM/STS) request: the payload hash is the SHA-256 of
// the body as received, the path is normalized. Refuses unknown or inactive keys, a session
// token that does not open (tampered, truncated, unknown key: InvalidClientTokenId; expired:
// ExpiredToken), a token whose key id differs from the signature's, a long-term key sent with
// a token, and any signature that does not verify; see auth::AuthFailure for the reasons.
// The general form: verifies with the caller's VerifyOptions (S3 passes PathMode::kS3 and the
// x-amz-content-sha256 value as payload hash). When `signing_key` is not null it receives the
// derived signing key of a verified request, for checking aws-chunked chunk signatures; the
// caller wipes it after use.
std::variant<Authenticated, auth::AuthError> AuthenticateSigV4Request(
    const http::Request& request, const auth::SignatureClaims& claims,
    const auth::VerifyOptions& verify, const IdentitySnapshot& snapshot, TimePoint now,
    auth::SigningKeyCache& cache, const auth::SessionTokenSealer& sealer,
    Sha256Digest* signing_key = nullptr);

std::variant<Authenticated, auth::AuthError> AuthenticateQueryRequest(
    const http::Request& request, const auth::SignatureClaims& claims,
    const IdentitySnapshot& snapshot, TimePoint now, const AuthenticateOptions& options,
    auth::SigningKeyCache& cache, const auth::SessionTokenSealer& sealer);

// The principal a session's claims describe (the secret is not copied).
Principal SessionPrincipal(const auth::SessionClaims& claims);

// What AWS refuses to temporary credentials by the call they target, whatever the policies say:
//  - GetSessionToken credentials cannot call IAM unless the session was made with MFA
//    (InvalidClientTokenId, as AWS answers), nor STS except AssumeRole and GetCallerIdentity;
//  - GetFederationToken credentials cannot call IAM, nor STS except GetCallerIdentity;
//  - no session may call GetSessionToken or GetFederationToken ("Cannot call ... with session
//    credentials", AccessDenied).
// OK for long-term keys and for calls a session may make.
Status CheckSessionRestrictions(const Principal& principal, std::string_view service,
                                std::string_view action);

}  // namespace sigil::server
