#include "identity/session_policies.h"

#include "common/strings.h"

namespace sigil {

namespace {
// A Deny that matches nothing: a policy with no Allow.
constexpr std::string_view kAllowsNothing =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":"*","Resource":"*"}]})";
}  // namespace

std::string ManagedPolicyText(const IdentitySnapshot& snapshot, std::string_view arn,
                              const AwsManagedPolicyText& aws_managed) {
  if (StartsWith(arn, "arn:aws:iam::aws:policy/")) {
    return aws_managed ? std::string(aws_managed(arn)) : std::string();
  }
  // arn:aws:iam::ACCOUNT:policy/PATH/NAME
  constexpr std::string_view kPrefix = "arn:aws:iam::";
  if (!StartsWith(arn, kPrefix)) return std::string();
  std::string_view rest = arn.substr(kPrefix.size());
  size_t colon = rest.find(':');
  if (colon == std::string_view::npos) return std::string();
  std::string_view account = rest.substr(0, colon);
  std::string_view resource = rest.substr(colon + 1);
  if (!StartsWith(resource, "policy/")) return std::string();
  size_t slash = resource.rfind('/');
  std::string_view name = resource.substr(slash + 1);
  std::string_view path = resource.substr(6, slash - 6 + 1);  // "/.../"
  const ManagedPolicy* p = snapshot.FindManagedPolicy(account, name);
  if (p == nullptr || p->path != path || p->name != name) return std::string();
  const PolicyVersion* v = snapshot.FindVersion(p->policy_id, p->default_version_id);
  return v == nullptr ? std::string() : v->document;
}

StatusOr<std::shared_ptr<const policy::Policy>> SessionPolicyCompiler::Parse(
    std::string_view text, policy::PolicyKind kind) {
  Cache& cache = by_kind_[static_cast<size_t>(kind)];
  {
    std::shared_lock lock(mu_);
    auto it = cache.find(text);
    if (it != cache.end()) return it->second;
  }
  SIGIL_ASSIGN_OR_RETURN(std::shared_ptr<const policy::Policy> compiled,
                         policy::ParsePolicy(text, kind));
  std::unique_lock lock(mu_);
  // Sessions come and go; a full cache starts over rather than tracking recency.
  if (cache.size() >= kMaxCached) cache.clear();
  cache.emplace(std::string(text), compiled);
  return compiled;
}

Status SessionPolicyCompiler::Compile(const auth::SessionClaims& claims,
                                      const IdentitySnapshot& snapshot, SessionPolicySet* out) {
  out->policies.clear();
  out->labels.clear();
  out->refs.clear();
  for (const std::string& text : claims.session_policies) {
    auto compiled = Parse(text);
    if (!compiled.ok()) {
      return InternalError("a session policy no longer compiles: " + compiled.status().message());
    }
    out->policies.push_back(*compiled);
    out->labels.push_back("session policy");
  }
  for (const std::string& arn : claims.session_policy_arns) {
    std::string text = ManagedPolicyText(snapshot, arn, aws_managed_);
    auto compiled = Parse(text.empty() ? kAllowsNothing : std::string_view(text));
    if (!compiled.ok()) {
      return InternalError("managed session policy " + arn +
                           " does not compile: " + compiled.status().message());
    }
    out->policies.push_back(*compiled);
    out->labels.push_back(arn);
  }
  for (size_t i = 0; i < out->policies.size(); ++i) {
    out->refs.push_back(policy::PolicyRef{out->policies[i].get(), out->labels[i]});
  }
  return OkStatus();
}

}  // namespace sigil
