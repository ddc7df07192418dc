// The IAM decision procedure, as AWS's "Policy evaluation logic" documentation lays it out: an
// explicit deny in any applicable policy wins; within one account an allow from an identity
// policy or a resource policy suffices, subject to the permissions boundary and session policies
// (with the documented special cases for resource policies naming a user or session ARN); across
// accounts both sides must allow. The live request path and the policy simulator both call
// Evaluate, so they cannot disagree. Pure (no I/O, no clock: aws:CurrentTime comes in the
// context); thread-safe.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "policy/context.h"
#include "policy/document.h"

namespace sigil::policy {

// Who is asking. kUser, kAssumedRole and kFederatedUser are IAM principals with identity
// policies; kRoot is the account itself; kService, kWebIdentity and kAnonymous have no identity
// side and are allowed only by a resource (or trust) policy.
enum class PrincipalKind {
  kRoot,
  kUser,
  kAssumedRole,    // a role session (AssumeRole*)
  kFederatedUser,  // a GetFederationToken session
  kService,        // an AWS service principal, e.g. ec2.amazonaws.com assuming a role
  kWebIdentity,    // a SAML or OIDC identity (the Federated principal)
  kAnonymous,
};

// The facts about the principal that Principal/NotPrincipal elements and the decision procedure
// need. Views: the caller keeps the strings alive during Evaluate.
struct PrincipalFacts {
  PrincipalKind kind = PrincipalKind::kUser;
  // The caller's own ARN: arn:aws:iam::111122223333:user/alice, ...:root,
  // arn:aws:sts::111122223333:assumed-role/Name/session, ...:federated-user/name.
  std::string_view arn;
  std::string_view account_id;
  // What the session was made from: the role's ARN (with its path) for kAssumedRole, the IAM
  // user's ARN for kFederatedUser; empty otherwise.
  std::string_view source_arn;
  // The unique id (AIDA... for users, AROA... for roles) for principals named by id.
  std::string_view unique_id;
  std::string_view service;             // kService: "ec2.amazonaws.com"
  std::string_view federated_provider;  // kWebIdentity: "cognito-identity.amazonaws.com", ...
  std::string_view canonical_user_id;   // S3 canonical user, when known
};

// A policy together with the label the simulator and messages name it by, e.g.
// "arn:aws:iam::111122223333:policy/Foo" or "user/alice inline Foo".
struct PolicyRef {
  const Policy* policy = nullptr;
  std::string_view label;
};

struct EvaluationRequest {
  PrincipalFacts principal;
  std::string_view action;    // "s3:GetObject" (case-insensitive)
  std::string_view resource;  // an ARN, or "*" for actions without a resource
  // The account owning the resource; empty means the principal's own account.
  std::string_view resource_account;
  const RequestContext* context = nullptr;  // null: an empty context

  std::span<const PolicyRef> identity_policies;  // user + group + role policies, managed and inline
  std::optional<PolicyRef> permissions_boundary;
  std::span<const PolicyRef> session_policies;  // empty: the session has none
  // A resource-based policy (PolicyKind::kResource) or a role trust policy (kTrust: the request
  // is sts:AssumeRole* on the role and the trust policy must allow it).
  std::optional<PolicyRef> resource_policy;
};

enum class EvalEffect { kAllowed, kExplicitDeny, kImplicitDeny };
// The AWS simulator's spelling: "allowed", "explicitDeny", "implicitDeny".
std::string_view EvalEffectName(EvalEffect effect);

enum class PolicyType { kNone, kIdentity, kResource, kBoundary, kSession };
// "none", "identity", "resource", "boundary", "session".
std::string_view PolicyTypeName(PolicyType type);

// A statement that decided, for MatchedStatements and the audit log. Refers to the request's
// policies and labels: valid while they are.
struct MatchedStatement {
  PolicyType type = PolicyType::kNone;
  std::string_view label;
  const StatementInfo* statement = nullptr;  // sid, index, start/end position
};

struct Decision {
  EvalEffect effect = EvalEffect::kImplicitDeny;
  // Allowed: the policy type whose allow granted access (kNone for the root user in its own
  // account). Explicit deny: the type holding the (first) deny. Implicit deny: the type whose
  // missing allow denied; this chooses the AccessDenied wording.
  PolicyType decided_by = PolicyType::kNone;
  // Allowed: the allow statements that matched (identity and resource policies). Explicit deny:
  // the deny statements that matched. Implicit deny: none.
  std::vector<MatchedStatement> matched;
  // Context keys (as written in the policies) that statements needed but the context lacked:
  // condition keys and policy variables. Each once, case-insensitively.
  std::vector<std::string_view> missing_context_keys;
  // Set when a permissions boundary was given: whether it allows the request (no explicit deny
  // in it and an allow), as PermissionsBoundaryDecisionDetail reports.
  std::optional<bool> allowed_by_boundary;

  bool allowed() const { return effect == EvalEffect::kAllowed; }
};

// Runs the decision procedure. Never fails: malformed input (an empty action, a resource that
// is no ARN) simply matches fewer statements.
Decision Evaluate(const EvaluationRequest& request);

// AWS's AccessDenied message for a denied decision, e.g. "User: arn:aws:iam::1:user/a is not
// authorized to perform: s3:GetObject on resource: arn:aws:s3:::b/k because no identity-based
// policy allows the s3:GetObject action". For an allowed decision, an empty string.
std::string AccessDeniedMessage(const Decision& decision, std::string_view principal_arn,
                                std::string_view action, std::string_view resource);

}  // namespace sigil::policy
