// The STS API (query protocol): GetCallerIdentity for every kind of principal, temporary
// credentials (GetSessionToken, AssumeRole, GetFederationToken) sealed into self-contained
// session tokens, GetAccessKeyInfo and DecodeAuthorizationMessage. The returned service is
// immutable; its handlers are thread-safe (every dependency is).
#pragma once

#include <memory>
#include <string_view>

#include "api/operation.h"
#include "auth/session_token.h"
#include "common/crypto.h"
#include "identity/identity_service.h"
#include "identity/session_policies.h"

namespace sigil::sts {

// The purpose under which encoded authorization messages are sealed (SealMessage/OpenMessage).
inline constexpr std::string_view kAuthorizationMessagePurpose = "sts/authorization-message";

struct StsDeps {
  IdentityService& identity;               // MFA verification, the snapshot
  const auth::SessionTokenSealer& sealer;  // seals session tokens and authorization messages
  RandomSource& random;                    // key ids, secrets, nonces
  SessionPolicyCompiler& policies;         // session and trust policies
};

std::unique_ptr<api::QueryService> MakeStsService(const StsDeps& deps);

}  // namespace sigil::sts
