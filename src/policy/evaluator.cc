#include "policy/evaluator.h"

#include "common/strings.h"
#include "policy/condition_eval.h"

namespace sigil::policy {

using internal::ActionPattern;
using internal::CompiledStatement;
using internal::ElementMode;
using internal::PrincipalSet;
using internal::ResourcePattern;

namespace {

// How directly a resource policy's allow names the caller; this decides which implicit denies
// still limit it (AWS: "Resource-based policies and implicit denies in other policy types").
enum class Grant {
  kNone,
  // The caller's account (an account id or its root ARN): a delegation to the account, so the
  // caller's identity policies must also allow (within the account this adds nothing).
  kAccount,
  // The IAM entity behind a session: the role ARN for a role session, the IAM user ARN for a
  // federated user. Not limited by identity policies, but by the boundary and session policies.
  kEntity,
  // The caller itself: its user ARN, its session ARN, "*", a service or identity provider, or an
  // Allow with NotPrincipal. Not limited by identity policies, boundaries or session policies.
  kDirect,
};

struct Env {
  const EvaluationRequest& request;
  const RequestContext& context;
  std::string_view action;  // lower case
  std::string_view vendor;
  std::string_view name;
  internal::ArnParts resource;
  internal::MissingKeys missing;
  std::string scratch;
};

bool ActionMatches(const ActionPattern& p, const Env& env) {
  if (p.all) return true;
  if (p.vendor_literal)
    return internal::FastEquals(p.vendor, env.vendor) && p.name.Matches(env.name);
  return p.whole.Matches(env.action);
}

bool ActionApplies(const CompiledStatement& s, const Env& env) {
  bool any = false;
  for (const ActionPattern& p : s.actions) {
    if (ActionMatches(p, env)) {
      any = true;
      break;
    }
  }
  return s.action_mode == ElementMode::kPositive ? any : !any;
}

bool ResourceApplies(const CompiledStatement& s, Env& env) {
  if (s.resource_mode == ElementMode::kAbsent) return true;  // a trust policy: the role itself
  bool any = false;
  bool unresolved = false;
  for (const ResourcePattern& p : s.resources) {
    if (!p.text.has_variables()) {
      if (p.glob.Matches(env.resource, env.request.resource)) {
        any = true;
        break;
      }
      continue;
    }
    if (!p.text.Expand(env.context, &env.scratch, &env.missing)) {
      unresolved = true;  // an unresolvable variable: this entry matches nothing
      continue;
    }
    if (internal::ArnGlobMatch(env.scratch, env.request.resource)) {
      any = true;
      break;
    }
  }
  if (s.resource_mode == ElementMode::kPositive) return any;
  // NotResource: the statement is invalid (does not apply) when an entry could not be resolved,
  // since it cannot be shown that the resource is not that entry.
  return !any && !unresolved;
}

bool IsIamPrincipal(PrincipalKind kind) {
  return kind == PrincipalKind::kUser || kind == PrincipalKind::kAssumedRole ||
         kind == PrincipalKind::kFederatedUser;
}

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  if (value.empty()) return false;
  for (const std::string& s : list) {
    if (s == value) return true;
  }
  return false;
}

bool ContainsIgnoreCase(const std::vector<std::string>& list, std::string_view value) {
  if (value.empty()) return false;
  for (const std::string& s : list) {
    if (EqualsIgnoreCase(s, value)) return true;
  }
  return false;
}

// The strongest way a Principal element names the caller.
Grant PrincipalGrant(const PrincipalSet& set, const PrincipalFacts& p) {
  if (set.everyone) return Grant::kDirect;
  switch (p.kind) {
    case PrincipalKind::kService:
      return ContainsIgnoreCase(set.services, p.service) ? Grant::kDirect : Grant::kNone;
    case PrincipalKind::kWebIdentity:
      return Contains(set.federated, p.federated_provider) ? Grant::kDirect : Grant::kNone;
    case PrincipalKind::kAnonymous:
      return Grant::kNone;
    default:
      break;
  }
  if (Contains(set.arns, p.arn) || Contains(set.canonical_users, p.canonical_user_id)) {
    return Grant::kDirect;
  }
  if (Contains(set.unique_ids, p.unique_id)) {
    // A user's id names the user; a role's id names the role, not this session.
    return p.kind == PrincipalKind::kUser ? Grant::kDirect : Grant::kEntity;
  }
  if (Contains(set.arns, p.source_arn)) return Grant::kEntity;
  if (Contains(set.accounts, p.account_id)) return Grant::kAccount;
  return Grant::kNone;
}

// NotPrincipal: the statement applies unless the caller is excluded, and a caller is excluded
// only when every identity in its chain (account, then role or parent user, then the caller
// itself) is listed. This is AWS's documented advice read strictly ("AWS might validate the
// account first, then the role, and then the assumed-role user"): listing a user without its
// account does not exempt the user from a Deny.
bool NotPrincipalExcludes(const PrincipalSet& set, const PrincipalFacts& p) {
  if (set.everyone) return true;
  switch (p.kind) {
    case PrincipalKind::kService:
      return ContainsIgnoreCase(set.services, p.service);
    case PrincipalKind::kWebIdentity:
      return Contains(set.federated, p.federated_provider);
    case PrincipalKind::kAnonymous:
      return false;
    default:
      break;
  }
  if (!Contains(set.accounts, p.account_id)) return false;
  if (p.kind == PrincipalKind::kRoot) return true;
  if (!p.source_arn.empty() && !Contains(set.arns, p.source_arn) &&
      !(p.kind == PrincipalKind::kAssumedRole && Contains(set.unique_ids, p.unique_id))) {
    return false;
  }
  return Contains(set.arns, p.arn) ||
         (p.kind == PrincipalKind::kUser && Contains(set.unique_ids, p.unique_id));
}

struct SetResult {
  bool allow = false;
  bool deny = false;
  Grant grant = Grant::kNone;  // resource policies: the strongest grant among their allows
};

void EvaluatePolicy(const PolicyRef& ref, PolicyType type, Env& env, SetResult* result,
                    std::vector<MatchedStatement>* allows, std::vector<MatchedStatement>* denies) {
  if (ref.policy == nullptr) return;
  const std::vector<CompiledStatement>& statements = ref.policy->compiled();
  for (size_t i = 0; i < statements.size(); ++i) {
    const CompiledStatement& s = statements[i];
    if (!ActionApplies(s, env) || !ResourceApplies(s, env)) continue;
    Grant grant = Grant::kDirect;
    if (s.principal_mode == ElementMode::kPositive) {
      grant = PrincipalGrant(s.principals, env.request.principal);
      if (grant == Grant::kNone) continue;
    } else if (s.principal_mode == ElementMode::kNegated) {
      if (NotPrincipalExcludes(s.principals, env.request.principal)) continue;
    }
    // Every condition is evaluated (no short cut) so MissingContextValues is complete.
    bool conditions_hold = true;
    for (const internal::Condition& c : s.conditions) {
      conditions_hold &= internal::EvaluateCondition(c, env.context, &env.missing);
    }
    if (!conditions_hold) continue;
    const MatchedStatement match{type, ref.label, &ref.policy->statement_info(i)};
    if (s.allow) {
      result->allow = true;
      if (grant > result->grant) result->grant = grant;
      if (allows != nullptr) allows->push_back(match);
    } else {
      result->deny = true;
      denies->push_back(match);
    }
  }
}

}  // namespace

std::string_view EvalEffectName(EvalEffect effect) {
  switch (effect) {
    case EvalEffect::kAllowed:
      return "allowed";
    case EvalEffect::kExplicitDeny:
      return "explicitDeny";
    case EvalEffect::kImplicitDeny:
      return "implicitDeny";
  }
  return "implicitDeny";
}

std::string_view PolicyTypeName(PolicyType type) {
  switch (type) {
    case PolicyType::kNone:
      return "none";
    case PolicyType::kIdentity:
      return "identity";
    case PolicyType::kResource:
      return "resource";
    case PolicyType::kBoundary:
      return "boundary";
    case PolicyType::kSession:
      return "session";
  }
  return "none";
}

Decision Evaluate(const EvaluationRequest& request) {
  const PrincipalFacts& principal = request.principal;
  const RequestContext no_context;
  const RequestContext& context = request.context != nullptr ? *request.context : no_context;

  // Action names are case-insensitive: lower-case once (on the stack for ordinary names).
  char action_buffer[128];
  std::string action_heap;
  std::string_view action;
  if (request.action.size() <= sizeof(action_buffer)) {
    for (size_t i = 0; i < request.action.size(); ++i) {
      const char c = request.action[i];
      action_buffer[i] = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    }
    action = std::string_view(action_buffer, request.action.size());
  } else {
    action_heap = AsciiLower(request.action);
    action = action_heap;
  }
  const size_t colon = action.find(':');
  Env env{request,
          context,
          action,
          colon == std::string_view::npos ? std::string_view() : action.substr(0, colon),
          colon == std::string_view::npos ? action : action.substr(colon + 1),
          internal::SplitArn(request.resource),
          {},
          {}};

  Decision d;
  std::vector<MatchedStatement> allows;
  std::vector<MatchedStatement> denies;
  SetResult identity, boundary, session, resource;

  const bool iam_principal = IsIamPrincipal(principal.kind);
  if (iam_principal) {
    // Root has no identity policies; service, web-identity and anonymous callers have none.
    for (const PolicyRef& ref : request.identity_policies) {
      EvaluatePolicy(ref, PolicyType::kIdentity, env, &identity, &allows, &denies);
    }
    if (request.permissions_boundary) {
      EvaluatePolicy(*request.permissions_boundary, PolicyType::kBoundary, env, &boundary, nullptr,
                     &denies);
      d.allowed_by_boundary = boundary.allow && !boundary.deny;
    }
    for (const PolicyRef& ref : request.session_policies) {
      EvaluatePolicy(ref, PolicyType::kSession, env, &session, nullptr, &denies);
    }
  }
  if (request.resource_policy) {
    EvaluatePolicy(*request.resource_policy, PolicyType::kResource, env, &resource, &allows,
                   &denies);
  }

  // MissingContextValues: each key once, case-insensitively, first spelling kept.
  for (std::string_view key : env.missing) {
    bool seen = false;
    for (std::string_view k : d.missing_context_keys) seen = seen || EqualsIgnoreCase(k, key);
    if (!seen) d.missing_context_keys.push_back(key);
  }

  // 1. An explicit deny in any applicable policy wins.
  if (identity.deny || resource.deny || boundary.deny || session.deny) {
    d.effect = EvalEffect::kExplicitDeny;
    d.decided_by = identity.deny   ? PolicyType::kIdentity
                   : resource.deny ? PolicyType::kResource
                   : boundary.deny ? PolicyType::kBoundary
                                   : PolicyType::kSession;
    d.matched = std::move(denies);
    return d;
  }

  auto allow = [&](PolicyType by) {
    d.effect = EvalEffect::kAllowed;
    d.decided_by = by;
    d.matched = std::move(allows);
    return d;
  };
  auto implicit_deny = [&](PolicyType by) {
    d.effect = EvalEffect::kImplicitDeny;
    d.decided_by = by;
    return d;
  };

  const Grant grant = resource.grant;

  // 2. Callers without an identity side: only a resource (or trust) policy can allow.
  if (!iam_principal && principal.kind != PrincipalKind::kRoot) {
    return grant != Grant::kNone ? allow(PolicyType::kResource)
                                 : implicit_deny(PolicyType::kResource);
  }

  // 3. The identity side: identity policies, capped by the boundary and the session policies.
  // A role session without session policies has its role's permissions; a federated user
  // session without one has none ("If there is no session policy ... Otherwise, the request is
  // implicitly denied").
  const bool boundary_ok = !request.permissions_boundary || boundary.allow;
  bool session_ok = true;
  if (principal.kind == PrincipalKind::kAssumedRole ||
      principal.kind == PrincipalKind::kFederatedUser) {
    session_ok = request.session_policies.empty() ? principal.kind == PrincipalKind::kAssumedRole
                                                  : session.allow;
  }
  const bool root = principal.kind == PrincipalKind::kRoot;
  const bool identity_ok = root || (identity.allow && boundary_ok && session_ok);
  const PolicyType identity_failure = !identity.allow ? PolicyType::kIdentity
                                      : !boundary_ok  ? PolicyType::kBoundary
                                                      : PolicyType::kSession;

  const bool same_account =
      request.resource_account.empty() || request.resource_account == principal.account_id;
  const bool trust = request.resource_policy && request.resource_policy->policy != nullptr &&
                     request.resource_policy->policy->kind() == PolicyKind::kTrust;

  if (!same_account) {
    // 4. Across accounts both the caller's account (identity side) and the resource's account
    // (its resource policy, naming the caller or its account) must allow.
    if (!identity_ok) return implicit_deny(identity_failure);
    if (grant == Grant::kNone) return implicit_deny(PolicyType::kResource);
    return allow(PolicyType::kResource);
  }

  // 5. Within one account. The root user has full access unless explicitly denied (AWS's
  // default; SCPs are not modelled).
  if (root) {
    if (trust && grant == Grant::kNone) return implicit_deny(PolicyType::kResource);
    return allow(grant != Grant::kNone ? PolicyType::kResource : PolicyType::kNone);
  }
  // A resource policy naming the caller directly suffices on its own; naming the role or the
  // federating user is still capped by the boundary and session policies.
  if (grant == Grant::kDirect) return allow(PolicyType::kResource);
  if (grant == Grant::kEntity && boundary_ok && session_ok) return allow(PolicyType::kResource);
  // Otherwise the identity side must allow. A trust policy must allow in every case (a role's
  // trust policy is required), so there an identity allow counts only when the trust policy
  // names the caller's account.
  if (identity_ok && (!trust || grant == Grant::kAccount)) return allow(PolicyType::kIdentity);
  if (trust && grant == Grant::kNone) return implicit_deny(PolicyType::kResource);
  if (grant == Grant::kEntity) {
    return implicit_deny(!boundary_ok ? PolicyType::kBoundary : PolicyType::kSession);
  }
  return implicit_deny(identity_failure);
}

std::string AccessDeniedMessage(const Decision& decision, std::string_view principal_arn,
                                std::string_view action, std::string_view resource) {
  if (decision.allowed()) return std::string();
  std::string m = "User: " + std::string(principal_arn) +
                  " is not authorized to perform: " + std::string(action);
  if (!resource.empty()) m += " on resource: " + std::string(resource);
  const bool explicit_deny = decision.effect == EvalEffect::kExplicitDeny;
  std::string_view what;
  switch (decision.decided_by) {
    case PolicyType::kResource:
      what = explicit_deny ? "a resource-based policy" : "resource-based policy";
      break;
    case PolicyType::kBoundary:
      what = explicit_deny ? "a permissions boundary" : "permissions boundary";
      break;
    case PolicyType::kSession:
      what = explicit_deny ? "a session policy" : "session policy";
      break;
    case PolicyType::kIdentity:
    case PolicyType::kNone:
      what = explicit_deny ? "an identity-based policy" : "identity-based policy";
      break;
  }
  if (explicit_deny) {
    m += " with an explicit deny in ";
    m += what;
  } else {
    m += " because no ";
    m += what;
    m += " allows the " + std::string(action) + " action";
  }
  return m;
}

}  // namespace sigil::policy
