#include "server/authorize.h"

#include "common/strings.h"
#include "common/time_format.h"
#include "policy/evaluator.h"

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

policy::RequestContext BuildRequestContext(const AuthorizeInput& in) {
  policy::RequestContext ctx;
  const Principal& p = in.principal;
  ctx.Set("aws:SourceIp", SourceIp(in.request, in.source_ip));
  ctx.Set("aws:SecureTransport", in.request.secure_transport ? "true" : "false");
  ctx.Set("aws:CurrentTime", FormatIso8601(in.now));
  ctx.Set("aws:EpochTime", std::to_string(ToUnixSeconds(in.now)));
  ctx.Set("aws:RequestedRegion", std::string(in.region));
  ctx.Set("aws:PrincipalArn", p.arn);
  ctx.Set("aws:PrincipalAccount", p.account_id);
  ctx.Set("aws:ViaAWSService", "false");
  if (auto ua = in.request.FindHeader("User-Agent")) ctx.Set("aws:UserAgent", std::string(*ua));
  if (auto referer = in.request.FindHeader("Referer")) {
    ctx.Set("aws:Referer", std::string(*referer));
  }
  if (p.type == PrincipalType::kRoot) {
    ctx.Set("aws:PrincipalType", "Account");
    ctx.Set("aws:userid", p.account_id);
  } else {
    ctx.Set("aws:PrincipalType", "User");
    ctx.Set("aws:userid", p.user_id);
    ctx.Set("aws:username", p.user_name);
    if (const User* user = in.snapshot.FindUser(p.account_id, p.user_name)) {
      for (const Tag& t : user->tags) ctx.Set("aws:PrincipalTag/" + t.key, t.value);
    }
  }
  // Long-term access keys carry no MFA or token facts: aws:MultiFactorAuthPresent,
  // aws:MultiFactorAuthAge and aws:TokenIssueTime are absent, as in AWS.
  for (const auto& [key, values] : in.question.condition_keys) ctx.SetValues(key, values);
  return ctx;
}

Status Authorize(const AuthorizeInput& in) {
  const Principal& p = in.principal;
  // AWS answers GetCallerIdentity for every authenticated principal, even under an explicit deny.
  if (in.question.action == "sts:GetCallerIdentity") return OkStatus();
  // The root user is not subject to identity policies in its own account (IAM and STS have no
  // resource policies, and Sigil has no organization SCPs).
  if (p.type == PrincipalType::kRoot) return OkStatus();

  policy::RequestContext context = BuildRequestContext(in);
  const EffectivePolicies* policies = in.snapshot.UserPolicies(p.user_id);
  policy::EvaluationRequest request;
  request.principal.kind = policy::PrincipalKind::kUser;
  request.principal.arn = p.arn;
  request.principal.account_id = p.account_id;
  request.principal.unique_id = p.user_id;
  request.action = in.question.action;
  request.resource = in.question.resource;
  request.context = &context;
  if (policies != nullptr) {
    request.identity_policies = policies->identity_refs;
    request.permissions_boundary = policies->boundary_ref;
  }
  policy::Decision decision = policy::Evaluate(request);
  if (decision.allowed()) return OkStatus();
  return AwsError(
      StatusCode::kPermissionDenied, "AccessDenied",
      policy::AccessDeniedMessage(decision, p.arn, in.question.action, in.question.resource));
}

}  // namespace sigil::server
