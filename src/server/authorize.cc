#include "server/authorize.h"

#include <nlohmann/json.hpp>

#include "common/strings.h"
#include "common/time_format.h"
#include "policy/evaluator.h"
#include "sts/sts_service.h"

namespace sigil::server {

StatusOr<SourceIpOptions> ParseTrustedProxies(const std::string& list) {
  SourceIpOptions out;
  if (TrimWhitespace(list).empty()) return out;
  for (std::string_view item : Split(list, ',')) {
    std::string entry(TrimWhitespace(item));
    auto range = policy::internal::ParseCidr(entry);
    if (!range) return InvalidArgumentError("not an IP address or CIDR: '" + entry + "'");
    out.trusted_proxies.push_back(*range);
  }
  return out;
}

namespace {

bool IsTrusted(std::string_view address, const SourceIpOptions& options) {
  auto ip = policy::internal::ParseIpAddress(address);
  if (!ip) return false;
  for (const auto& range : options.trusted_proxies) {
    if (policy::internal::IpInRange(*ip, range)) return true;
  }
  return false;
}

}  // namespace

std::string SourceIp(const http::Request& request, const SourceIpOptions& options) {
  if (options.trusted_proxies.empty() || !IsTrusted(request.remote_address, options)) {
    return request.remote_address;
  }
  // Walk X-Forwarded-For from the right: the nearest hop first. Only addresses appended by
  // trusted proxies are believed, so a client cannot spoof its address with the header.
  std::vector<std::string_view> hops;
  for (const http::Header& h : request.headers) {
    if (!EqualsIgnoreCase(h.name, "X-Forwarded-For")) continue;
    for (std::string_view hop : Split(h.value, ',')) hops.push_back(TrimWhitespace(hop));
  }
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    if (!policy::internal::ParseIpAddress(*it)) break;  // garbage: stop believing the header
    if (!IsTrusted(*it, options)) return std::string(*it);
  }
  return request.remote_address;
}

namespace {

std::string_view PrincipalTypeValue(PrincipalType type) {
  switch (type) {
    case PrincipalType::kRoot:
      return "Account";
    case PrincipalType::kUser:
      return "User";
    case PrincipalType::kAssumedRole:
      return "AssumedRole";
    case PrincipalType::kFederatedUser:
      return "FederatedUser";
  }
  return "User";
}

// aws:PrincipalArn: the user's or root's ARN, the role's ARN (not the session's) for a role
// session, the federated user's ARN.
std::string PrincipalArnValue(const Principal& p, const IdentitySnapshot& snapshot) {
  if (p.type == PrincipalType::kAssumedRole) {
    if (const Role* role = snapshot.FindRoleById(p.role_id)) {
      return RoleArn(role->account_id, role->path, role->name);
    }
    return RoleArn(p.account_id, "/", p.role_name);
  }
  return p.arn;
}

}  // namespace

namespace {

// The keys every request has (the principal's, the connection's, the time), without the
// operation's own.
policy::RequestContext BuildGlobalContext(const AuthorizeInput& in) {
  policy::RequestContext ctx;
  const Principal& p = in.principal;
  ctx.Set("aws:SourceIp", SourceIp(in.request, in.source_ip));
  ctx.Set("aws:SecureTransport", in.request.secure_transport ? "true" : "false");
  ctx.Set("aws:CurrentTime", FormatIso8601(in.now));
  ctx.Set("aws:EpochTime", std::to_string(ToUnixSeconds(in.now)));
  ctx.Set("aws:RequestedRegion", std::string(in.region));
  ctx.Set("aws:PrincipalArn", PrincipalArnValue(p, in.snapshot));
  ctx.Set("aws:PrincipalAccount", p.account_id);
  ctx.Set("aws:PrincipalType", PrincipalTypeValue(p.type));
  ctx.Set("aws:userid", p.principal_id);
  ctx.Set("aws:ViaAWSService", "false");
  ctx.Set("aws:PrincipalIsAWSService", "false");
  if (auto ua = in.request.FindHeader("User-Agent")) ctx.Set("aws:UserAgent", std::string(*ua));
  if (auto referer = in.request.FindHeader("Referer")) {
    ctx.Set("aws:Referer", std::string(*referer));
  }
  // Principal tags: a user's own; a role's, overridden by the session's tags (which win, as in
  // AWS); a federated user's session tags.
  if (p.type == PrincipalType::kUser) {
    ctx.Set("aws:username", p.user_name);
    if (const User* user = in.snapshot.FindUser(p.account_id, p.user_name)) {
      for (const Tag& t : user->tags) ctx.Set("aws:PrincipalTag/" + t.key, t.value);
    }
  } else if (p.type == PrincipalType::kAssumedRole) {
    if (const Role* role = in.snapshot.FindRoleById(p.role_id)) {
      for (const Tag& t : role->tags) ctx.Set("aws:PrincipalTag/" + t.key, t.value);
    }
  }
  // Temporary credentials carry the session's facts. Long-term access keys carry none:
  // aws:MultiFactorAuthPresent, aws:MultiFactorAuthAge and aws:TokenIssueTime are absent, so
  // "BoolIfExists aws:MultiFactorAuthPresent false" denies them, as AWS documents.
  if (const auto& s = p.session) {
    for (const auth::SessionTag& t : s->tags) ctx.Set("aws:PrincipalTag/" + t.key, t.value);
    ctx.Set("aws:TokenIssueTime", FormatIso8601(s->issued_at));
    ctx.Set("aws:MultiFactorAuthPresent", s->mfa_authenticated ? "true" : "false");
    if (s->mfa_authenticated && s->mfa_auth_time) {
      int64_t age = ToUnixSeconds(in.now) - ToUnixSeconds(*s->mfa_auth_time);
      ctx.Set("aws:MultiFactorAuthAge", std::to_string(age < 0 ? 0 : age));
    }
    if (!s->source_identity.empty()) ctx.Set("aws:SourceIdentity", s->source_identity);
    if (p.type == PrincipalType::kAssumedRole) ctx.Set("aws:RoleSessionName", s->session_name);
  }
  return ctx;
}

}  // namespace

policy::RequestContext BuildRequestContext(const AuthorizeInput& in) {
  policy::RequestContext ctx = BuildGlobalContext(in);
  for (const auto& [key, values] : in.question.condition_keys) ctx.SetValues(key, values);
  return ctx;
}

namespace {

policy::PrincipalKind EvaluatorKind(PrincipalType type) {
  switch (type) {
    case PrincipalType::kRoot:
      return policy::PrincipalKind::kRoot;
    case PrincipalType::kUser:
      return policy::PrincipalKind::kUser;
    case PrincipalType::kAssumedRole:
      return policy::PrincipalKind::kAssumedRole;
    case PrincipalType::kFederatedUser:
      return policy::PrincipalKind::kFederatedUser;
  }
  return policy::PrincipalKind::kUser;
}

}  // namespace

std::string DecodedAuthorizationMessage(const policy::Decision& decision,
                                        const Principal& principal, std::string_view action,
                                        std::string_view resource,
                                        const policy::RequestContext& context) {
  using Json = nlohmann::ordered_json;
  Json matched = Json::array();
  for (const policy::MatchedStatement& m : decision.matched) {
    matched.push_back({{"statementId", m.statement != nullptr ? m.statement->sid : ""},
                       {"effect", m.statement != nullptr && m.statement->allow ? "ALLOW" : "DENY"},
                       {"policyType", policy::PolicyTypeName(m.type)},
                       {"source", m.label}});
  }
  Json conditions = Json::array();
  for (const std::string& key : context.Keys()) {
    policy::RequestContext::Values values = context.Find(key);
    Json items = Json::array();
    for (size_t i = 0; i < values.size(); ++i) items.push_back({{"value", values[i]}});
    conditions.push_back({{"key", key}, {"values", {{"items", items}}}});
  }
  std::string_view name = !principal.user_name.empty()   ? principal.user_name
                          : !principal.role_name.empty() ? principal.role_name
                                                         : principal.account_id;
  Json message = {
      {"allowed", decision.allowed()},
      {"explicitDeny", decision.effect == policy::EvalEffect::kExplicitDeny},
      {"matchedStatements", {{"items", matched}}},
      {"failures", {{"items", Json::array()}}},
      {"context",
       {{"principal", {{"id", principal.principal_id}, {"name", name}, {"arn", principal.arn}}},
        {"action", action},
        {"resource", resource},
        {"conditions", {{"items", conditions}}}}}};
  // Replace invalid UTF-8 (header values are bytes) rather than fail.
  return message.dump(-1, ' ', false, Json::error_handler_t::replace);
}

AuthorizeResult AuthorizeRequest(const AuthorizeInput& in) {
  const Principal& p = in.principal;
  // Calls AWS answers for every authenticated principal, even under an explicit deny.
  if (in.question.exempt) return AuthorizeResult{OkStatus(), ""};
  // The root user is not subject to identity policies in its own account (Sigil has no
  // organization SCPs); a resource in another account, or a trust policy, still decides.
  const bool same_account =
      in.question.resource_account.empty() || in.question.resource_account == p.account_id;
  if (p.type == PrincipalType::kRoot && same_account && in.question.resource_policy == nullptr) {
    return AuthorizeResult{OkStatus(), ""};
  }

  const policy::RequestContext global = BuildGlobalContext(in);
  policy::RequestContext context = global;
  for (const auto& [key, values] : in.question.condition_keys) context.SetValues(key, values);
  const EffectivePolicies* policies = nullptr;
  std::string source_arn;
  if (p.type == PrincipalType::kAssumedRole) {
    policies = in.snapshot.RolePolicies(p.role_id);
    source_arn = std::string(context.Find("aws:PrincipalArn")[0]);
  } else if (p.type != PrincipalType::kRoot) {
    policies = in.snapshot.UserPolicies(p.user_id);
    if (p.type == PrincipalType::kFederatedUser) {
      if (const User* u = in.snapshot.FindUser(p.account_id, p.user_name)) {
        source_arn = UserArn(u->account_id, u->path, u->name);
      }
    }
  }
  SessionPolicySet session_policies;
  if (p.session) {
    if (Status s = in.session_policies.Compile(*p.session, in.snapshot, &session_policies);
        !s.ok()) {
      return AuthorizeResult{s, ""};
    }
  }

  policy::EvaluationRequest request;
  request.principal.kind = EvaluatorKind(p.type);
  request.principal.arn = p.arn;
  request.principal.account_id = p.account_id;
  request.principal.source_arn = source_arn;
  request.principal.unique_id = p.type == PrincipalType::kAssumedRole ? p.role_id : p.user_id;
  request.action = in.question.action;
  request.resource = in.question.resource;
  request.resource_account = in.question.resource_account;
  request.context = &context;
  if (policies != nullptr) {
    request.identity_policies = policies->identity_refs;
    request.permissions_boundary = policies->boundary_ref;
  }
  request.session_policies = session_policies.refs;
  if (in.question.resource_policy != nullptr) {
    request.resource_policy =
        policy::PolicyRef{in.question.resource_policy.get(), in.question.resource_policy_label};
  }
  // Every action the call needs must be allowed; the first denied one is reported.
  std::vector<std::string_view> actions = {in.question.action};
  for (const std::string& also : in.question.also_actions) actions.push_back(also);
  for (std::string_view action : actions) {
    request.action = action;
    policy::Decision decision = policy::Evaluate(request);
    if (decision.allowed()) continue;
    return AuthorizeResult{
        AwsError(StatusCode::kPermissionDenied, "AccessDenied",
                 policy::AccessDeniedMessage(decision, p.arn, action, in.question.resource)),
        DecodedAuthorizationMessage(decision, p, action, in.question.resource, context),
        decision.effect, decision.decided_by};
  }
  // The operation's other resources, each with its own keys, in the caller's account.
  for (const api::AuthzCheck& check : in.question.more_checks) {
    policy::RequestContext check_context = global;
    for (const auto& [key, values] : check.condition_keys) check_context.SetValues(key, values);
    request.action = check.action;
    request.resource = check.resource;
    request.resource_account = {};
    request.resource_policy.reset();
    request.context = &check_context;
    policy::Decision decision = policy::Evaluate(request);
    if (decision.allowed()) continue;
    return AuthorizeResult{
        AwsError(StatusCode::kPermissionDenied, "AccessDenied",
                 policy::AccessDeniedMessage(decision, p.arn, check.action, check.resource)),
        DecodedAuthorizationMessage(decision, p, check.action, check.resource, check_context),
        decision.effect, decision.decided_by};
  }
  return AuthorizeResult{OkStatus(), ""};
}

Status Ec2UnauthorizedOperation(const AuthorizeResult& denied,
                                const auth::SessionTokenSealer& sealer, RandomSource& random) {
  if (denied.decoded_message.empty()) return denied.status;  // not a policy decision
  auto sealed =
      sealer.SealMessage(sts::kAuthorizationMessagePurpose, denied.decoded_message, random);
  if (!sealed.ok()) return sealed.status();
  return AwsError(StatusCode::kPermissionDenied, "UnauthorizedOperation",
                  "You are not authorized to perform this operation. Encoded authorization "
                  "failure message: " +
                      *sealed)
      .WithHttpStatus(403);
}

}  // namespace sigil::server
