#include "server/authenticate.h"

#include "common/crypto.h"

namespace sigil::server {

Principal SessionPrincipal(const auth::SessionClaims& claims) {
  Principal p;
  p.account_id = claims.account_id;
  p.arn = claims.principal_arn;
  p.principal_id = claims.principal_id;
  p.access_key_id = claims.access_key_id;
  switch (claims.kind) {
    case auth::SessionPrincipalKind::kRoot:
      p.type = PrincipalType::kRoot;
      break;
    case auth::SessionPrincipalKind::kUser:
      p.type = PrincipalType::kUser;
      p.user_id = claims.entity_id;
      p.user_name = claims.entity_name;
      break;
    case auth::SessionPrincipalKind::kAssumedRole:
      p.type = PrincipalType::kAssumedRole;
      p.role_id = claims.entity_id;
      p.role_name = claims.entity_name;
      break;
    case auth::SessionPrincipalKind::kFederatedUser:
      p.type = PrincipalType::kFederatedUser;
      p.user_id = claims.entity_id;
      p.user_name = claims.entity_name;
      break;
  }
  p.session = claims;
  p.session->secret_access_key.clear();
  return p;
}

std::variant<Authenticated, auth::AuthError> AuthenticateQueryRequest(
    const http::Request& request, const auth::SignatureClaims& claims,
    const IdentitySnapshot& snapshot, TimePoint now, const AuthenticateOptions& options,
    auth::SigningKeyCache& cache, const auth::SessionTokenSealer& sealer) {
  auth::VerifyOptions verify;
  verify.max_skew = options.max_skew;
  verify.path_mode = auth::PathMode::kNormalized;
  verify.payload_hash = Sha256Hex(request.body);
  return AuthenticateSigV4Request(request, claims, verify, snapshot, now, cache, sealer);
}

std::variant<Authenticated, auth::AuthError> AuthenticateSigV4Request(
    const http::Request& request, const auth::SignatureClaims& claims,
    const auth::VerifyOptions& verify, const IdentitySnapshot& snapshot, TimePoint now,
    auth::SigningKeyCache& cache, const auth::SessionTokenSealer& sealer,
    Sha256Digest* signing_key) {
  if (claims.security_token) {
    auth::SessionOrRejection opened = sealer.Open(*claims.security_token, now);
    if (const auto* rejected = std::get_if<auth::TokenRejection>(&opened)) return rejected->error;
    auth::SessionClaims& session = std::get<auth::SessionClaims>(opened);
    // The token is bound to its key id: another session's token does not vouch for this key.
    if (session.access_key_id != claims.scope.access_key_id) {
      SecureWipe(session.secret_access_key);
      return auth::InvalidTokenError();
    }
    auto error =
        auth::VerifySignature(request, claims, session.secret_access_key, now, verify, cache);
    if (error) {
      SecureWipe(session.secret_access_key);
      return *error;
    }
    if (signing_key != nullptr) *signing_key = cache.Get(session.secret_access_key, claims.scope);
    Principal principal = SessionPrincipal(session);
    SecureWipe(session.secret_access_key);
    return Authenticated{std::move(principal), claims.scope};
  }

  const KeyEntry* key = snapshot.FindKey(claims.scope.access_key_id);
  if (key == nullptr || key->key.status != AccessKeyStatus::kActive) {
    return auth::UnknownAccessKeyError();
  }
  if (auto error = auth::VerifySignature(request, claims, key->secret, now, verify, cache)) {
    return *error;
  }
  if (signing_key != nullptr) *signing_key = cache.Get(key->secret, claims.scope);
  return Authenticated{key->principal, claims.scope};
}

namespace {
Status CannotCallWithSession(std::string_view action) {
  return AwsError(StatusCode::kPermissionDenied, "AccessDenied",
                  "Cannot call " + std::string(action) + " with session credentials");
}
// AWS answers as if the token were invalid for IAM: the service does not accept these sessions.
Status InvalidToken() { return auth::QueryProtocolError(auth::InvalidTokenError()); }
}  // namespace

Status CheckSessionRestrictions(const Principal& principal, std::string_view service,
                                std::string_view action) {
  if (!principal.session) return OkStatus();
  if (service == "sts" && (action == "GetSessionToken" || action == "GetFederationToken")) {
    return CannotCallWithSession(action);
  }
  switch (principal.session->kind) {
    case auth::SessionPrincipalKind::kUser:
    case auth::SessionPrincipalKind::kRoot:
      if (service == "iam" && !principal.session->mfa_authenticated) return InvalidToken();
      if (service == "sts" && action != "AssumeRole" && action != "GetCallerIdentity") {
        return CannotCallWithSession(action);
      }
      break;
    case auth::SessionPrincipalKind::kFederatedUser:
      if (service == "iam") return InvalidToken();
      if (service == "sts" && action != "GetCallerIdentity") return CannotCallWithSession(action);
      break;
    case auth::SessionPrincipalKind::kAssumedRole:
      break;
  }
  return OkStatus();
}

}  // namespace sigil::server
