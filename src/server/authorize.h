// The authorize stage: builds the request context (the global condition keys AWS sets on every
// request plus the operation's own) and runs the policy engine's decision procedure for the
// authenticated principal. Shares policy::Evaluate with the IAM policy simulator, so the two can
// never disagree. Pure apart from its inputs; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "api/operation.h"
#include "auth/session_token.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "http/message.h"
#include "identity/principal.h"
#include "identity/session_policies.h"
#include "identity/snapshot.h"
#include "policy/context.h"
#include "policy/evaluator.h"
#include "policy/matchers.h"

namespace sigil::server {

// Where aws:SourceIp comes from: the TCP peer, unless the peer is a trusted proxy, in which case
// the right-most X-Forwarded-For address that is not itself a trusted proxy.
struct SourceIpOptions {
  std::vector<policy::internal::IpRange> trusted_proxies;
};

// Parses "10.0.0.0/8,192.168.1.1" (CIDRs or single addresses). kInvalidArgument on a bad entry.
StatusOr<SourceIpOptions> ParseTrustedProxies(const std::string& list);

// The client's address as policies see it.
std::string SourceIp(const http::Request& request, const SourceIpOptions& options);

struct AuthorizeInput {
  const http::Request& request;
  const Principal& principal;
  const IdentitySnapshot& snapshot;
  std::string_view region;  // the signature's region
  TimePoint now;
  const api::AuthzRequest& question;
  const SourceIpOptions& source_ip;
  // Compiles the session policies of temporary credentials (AssumeRole, GetFederationToken).
  SessionPolicyCompiler& session_policies;
};

// Fills the global condition keys for the request and principal (including, for temporary
// credentials, aws:TokenIssueTime, aws:MultiFactorAuthPresent/Age, aws:SourceIdentity,
// aws:RoleSessionName and session tags as aws:PrincipalTag/*), then the operation's keys.
policy::RequestContext BuildRequestContext(const AuthorizeInput& in);

// The outcome of authorizing one request, kept for the encoded authorization message that EC2
// returns with UnauthorizedOperation (see DecodedAuthorizationMessage).
struct AuthorizeResult {
  Status status;                // OK when allowed; else AccessDenied with AWS's message
  std::string decoded_message;  // the JSON DecodeAuthorizationMessage reveals; set on denial
  // On a policy denial, the decision's effect and the policy type that decided (for metrics);
  // kAllowed otherwise, including errors that are not denials.
  policy::EvalEffect effect = policy::EvalEffect::kAllowed;
  policy::PolicyType decided_by = policy::PolicyType::kNone;
};

// Runs the decision procedure for the principal: its identity policies (a user's, or a role's
// for a role session, or the federating user's), permissions boundary, session policies, and the
// operation's resource policy (a role's trust policy for sts:AssumeRole). Denials are
// kPermissionDenied / AccessDenied with AWS's message, which says which kind of policy denied.
AuthorizeResult AuthorizeRequest(const AuthorizeInput& in);
inline Status Authorize(const AuthorizeInput& in) { return AuthorizeRequest(in).status; }

// EC2's wording of a denial: UnauthorizedOperation (403), "You are not authorized to perform
// this operation. Encoded authorization failure message: <msg>", where <msg> is the decision's
// JSON sealed with the session key ring under sts::kAuthorizationMessagePurpose, which
// sts:DecodeAuthorizationMessage opens on any node. A result that is not a policy denial (no
// decoded message) is returned as it is.
Status Ec2UnauthorizedOperation(const AuthorizeResult& denied,
                                const auth::SessionTokenSealer& sealer, RandomSource& random);

// The JSON document sts:DecodeAuthorizationMessage returns for a decision, in AWS's shape:
// {"allowed":false,"explicitDeny":...,"matchedStatements":{"items":[...]},"failures":{"items":[]},
//  "context":{"principal":{"id":...,"name":...,"arn":...},"action":...,"resource":...,
//  "conditions":{"items":[{"key":...,"values":{"items":[{"value":...}]}}]}}}
std::string DecodedAuthorizationMessage(const policy::Decision& decision,
                                        const Principal& principal, std::string_view action,
                                        std::string_view resource,
                                        const policy::RequestContext& context);

}  // namespace sigil::server
