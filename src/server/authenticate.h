// The authenticate stage: turns a request's SigV4 claims into a verified Principal, using the
// identity snapshot for the key's secret and status. Pure apart from the signing-key cache;
// thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <variant>

#include "auth/sigv4.h"
#include "common/clock.h"
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
// the body as received, the path is normalized. Unknown or inactive keys and (until STS issues
// them) any session token are refused; see auth::AuthFailure for the reasons.
std::variant<Authenticated, auth::AuthError> AuthenticateQueryRequest(
    const http::Request& request, const auth::SignatureClaims& claims,
    const IdentitySnapshot& snapshot, TimePoint now, const AuthenticateOptions& options,
    auth::SigningKeyCache& cache);

}  // namespace sigil::server
