// The IAM policy simulator: SimulatePrincipalPolicy, SimulateCustomPolicy and
// GetContextKeysFor{Principal,Custom}Policy. Every decision comes from policy::Evaluate, the same
// function the request path uses, so the simulator and live enforcement cannot disagree.
#include <optional>

#include "common/crypto.h"
#include "common/strings.h"
#include "iam/iam_common.h"
#include "iam/iam_service.h"
#include "policy/evaluator.h"

namespace sigil::iam {
namespace {

// A policy under simulation with where it came from.
struct SimPolicy {
  std::shared_ptr<const policy::Policy> owned;  // set for documents parsed from the request
  const policy::Policy* policy = nullptr;
  std::string label;
  std::string source_type;  // the simulator's SourcePolicyType
};

struct SimSet {
  std::vector<SimPolicy> identity;
  std::optional<SimPolicy> boundary;
  std::optional<SimPolicy> resource;
};

StatusOr<std::shared_ptr<const policy::Policy>> ParseInput(const std::string& text,
                                                           policy::PolicyKind kind) {
  auto parsed = policy::ParsePolicy(text, kind);
  if (!parsed.ok()) return MalformedPolicyDocument(parsed.status().message());
  return parsed;
}

Status AddInputPolicies(const Value& in, const char* member, policy::PolicyKind kind, SimSet* set) {
  if (!in.contains(member)) return OkStatus();
  int n = 0;
  for (const Value& doc : in[member]) {
    ++n;
    SIGIL_ASSIGN_OR_RETURN(auto parsed, ParseInput(doc.get<std::string>(), kind));
    SimPolicy p{parsed, parsed.get(), std::string(member) + "." + std::to_string(n), "none"};
    if (kind == policy::PolicyKind::kBoundary) {
      set->boundary = std::move(p);  // a boundary given here replaces the principal's
    } else {
      set->identity.push_back(std::move(p));
    }
  }
  return OkStatus();
}

void AddEffective(const EffectivePolicies& e, SimSet* set) {
  for (const EffectivePolicy& p : e.identity) {
    set->identity.push_back(
        {nullptr, p.policy.get(), p.label, std::string(PolicySourceTypeName(p.source))});
  }
  if (e.boundary && !set->boundary) {
    set->boundary = SimPolicy{nullptr, e.boundary->policy.get(), e.boundary->label,
                              std::string(PolicySourceTypeName(e.boundary->source))};
  }
}

// The principal an ARN names in the caller's account, with its policies.
struct SimPrincipal {
  policy::PrincipalKind kind = policy::PrincipalKind::kUser;
  std::string arn;
  std::string unique_id;
};

StatusOr<SimPrincipal> AddPrincipalPolicies(const CallContext& ctx, const std::string& arn,
                                            SimSet* set) {
  const std::string& account = ctx.principal.account_id;
  const std::string prefix = "arn:aws:iam::" + account + ":";
  auto missing = [&] { return NoSuchEntityMessage("Entity " + arn + " does not exist."); };
  if (!StartsWith(arn, prefix)) return missing();
  std::string_view rest = std::string_view(arn).substr(prefix.size());
  size_t slash = rest.rfind('/');
  if (slash == std::string_view::npos) return missing();
  std::string_view type = rest.substr(0, rest.find('/'));
  std::string name(rest.substr(slash + 1));
  SimPrincipal who{policy::PrincipalKind::kUser, arn, ""};
  if (type == "user") {
    const User* u = ctx.snapshot.FindUser(account, name);
    if (u == nullptr || UserArn(account, u->path, u->name) != arn) return missing();
    who.unique_id = u->user_id;
    if (const EffectivePolicies* e = ctx.snapshot.UserPolicies(u->user_id)) AddEffective(*e, set);
    return who;
  }
  if (type == "role") {
    const Role* r = ctx.snapshot.FindRole(account, name);
    if (r == nullptr) return missing();
    who.kind = policy::PrincipalKind::kAssumedRole;
    who.unique_id = r->role_id;
    if (const EffectivePolicies* e = ctx.snapshot.RolePolicies(r->role_id)) AddEffective(*e, set);
    return who;
  }
  if (type == "group") {
    const Group* g = ctx.snapshot.FindGroup(account, name);
    if (g == nullptr) return missing();
    // A group is simulated through its own policies, as a member without other policies.
    for (const InlinePolicy* p :
         ctx.snapshot.InlinePoliciesOf(PolicyOwnerKind::kGroup, g->group_id)) {
      auto parsed = policy::ParsePolicy(p->document, policy::PolicyKind::kIdentity);
      if (parsed.ok()) set->identity.push_back({*parsed, parsed->get(), p->name, "group"});
    }
    for (const PolicyAttachment* a :
         ctx.snapshot.AttachmentsOf(PolicyOwnerKind::kGroup, g->group_id)) {
      const policy::Policy* doc = ctx.snapshot.ManagedPolicyDocument(a->policy_arn);
      if (doc == nullptr) continue;
      std::string source =
          StartsWith(a->policy_arn, "arn:aws:iam::aws:") ? "aws-managed" : "user-managed";
      set->identity.push_back(
          {nullptr, doc, a->policy_arn.substr(a->policy_arn.rfind('/') + 1), source});
    }
    return who;
  }
  return missing();
}

StatusOr<policy::RequestContext> ContextFrom(const Value& in) {
  policy::RequestContext context;
  if (!in.contains("ContextEntries")) return context;
  for (const Value& entry : in["ContextEntries"]) {
    std::string key = entry.value("ContextKeyName", "");
    std::string type = entry.value("ContextKeyType", "string");
    if (key.empty()) return InvalidInput("ContextKeyName is required in every context entry.");
    std::vector<std::string> values;
    for (const Value& v : entry.value("ContextKeyValues", Value::array())) {
      std::string value = v.get<std::string>();
      if (type == "binary" || type == "binaryList") {
        auto raw = Base64Decode(value);
        if (!raw.ok())
          return InvalidInput("Context key " + key + " has a value that is not base64.");
        value = std::move(raw).value();
      }
      values.push_back(std::move(value));
    }
    context.SetValues(key, std::move(values));
  }
  return context;
}

std::string SourceTypeOf(const SimSet& set, const policy::MatchedStatement& m) {
  if (m.type == policy::PolicyType::kResource) return "resource";
  auto same = [&](const SimPolicy& p) { return p.label.data() == m.label.data(); };
  for (const SimPolicy& p : set.identity) {
    if (same(p)) return p.source_type;
  }
  if (set.boundary && same(*set.boundary)) return set.boundary->source_type;
  return "none";
}

Value Position(const policy::TextPosition& pos) {
  return Value{{"Line", pos.line}, {"Column", pos.column}};
}

StatusOr<Value> Simulate(const CallContext& ctx, const Value& in, SimSet set,
                         const SimPrincipal& who) {
  if (in.contains("ResourcePolicy")) {
    SIGIL_ASSIGN_OR_RETURN(auto parsed, ParseInput(in["ResourcePolicy"].get<std::string>(),
                                                   policy::PolicyKind::kResource));
    set.resource = SimPolicy{parsed, parsed.get(), "ResourcePolicy", "resource"};
  }
  SIGIL_ASSIGN_OR_RETURN(policy::RequestContext context, ContextFrom(in));
  std::vector<policy::PolicyRef> identity_refs;
  for (const SimPolicy& p : set.identity) identity_refs.push_back({p.policy, p.label});

  const std::string caller = OptString(in, "CallerArn", who.arn);
  const std::string owner = OptString(in, "ResourceOwner", "");
  std::string owner_account;
  if (!owner.empty()) {
    std::vector<std::string_view> parts = Split(owner, ':');
    owner_account = parts.size() > 4 ? std::string(parts[4]) : owner;
  }
  std::vector<std::string> resources;
  if (in.contains("ResourceArns")) {
    for (const Value& r : in["ResourceArns"]) resources.push_back(r.get<std::string>());
  }
  if (resources.empty()) resources.push_back("*");

  std::vector<Value> results;
  for (const Value& action_value : in["ActionNames"]) {
    const std::string action = action_value.get<std::string>();
    for (const std::string& resource : resources) {
      policy::EvaluationRequest request;
      request.principal.kind = who.kind;
      request.principal.arn = caller;
      request.principal.account_id = ctx.principal.account_id;
      request.principal.unique_id = who.unique_id;
      request.action = action;
      request.resource = resource;
      request.resource_account = owner_account;
      request.context = &context;
      request.identity_policies = identity_refs;
      if (set.boundary)
        request.permissions_boundary = policy::PolicyRef{set.boundary->policy, set.boundary->label};
      if (set.resource)
        request.resource_policy = policy::PolicyRef{set.resource->policy, set.resource->label};
      policy::Decision decision = policy::Evaluate(request);

      Value result = {{"EvalActionName", action},
                      {"EvalResourceName", resource},
                      {"EvalDecision", std::string(policy::EvalEffectName(decision.effect))}};
      Value matched = Value::array();
      for (const policy::MatchedStatement& m : decision.matched) {
        Value statement = {{"SourcePolicyId", std::string(m.label)},
                           {"SourcePolicyType", SourceTypeOf(set, m)}};
        if (m.statement != nullptr) {
          statement["StartPosition"] = Position(m.statement->start);
          statement["EndPosition"] = Position(m.statement->end);
        }
        matched.push_back(std::move(statement));
      }
      result["MatchedStatements"] = std::move(matched);
      Value missing = Value::array();
      for (std::string_view key : decision.missing_context_keys)
        missing.push_back(std::string(key));
      result["MissingContextValues"] = std::move(missing);
      if (decision.allowed_by_boundary) {
        result["PermissionsBoundaryDecisionDetail"] = {
            {"AllowedByPermissionsBoundary", *decision.allowed_by_boundary}};
      }
      results.push_back(std::move(result));
    }
  }
  Value out = Value::object();
  SIGIL_RETURN_IF_ERROR(PaginateByPosition(
      in, results, [](const Value& v) { return v; }, "EvaluationResults", &out));
  return out;
}

StatusOr<Value> SimulatePrincipalPolicy(const CallContext& ctx, const Value& in) {
  SimSet set;
  SIGIL_ASSIGN_OR_RETURN(SimPrincipal who,
                         AddPrincipalPolicies(ctx, in["PolicySourceArn"].get<std::string>(), &set));
  SIGIL_RETURN_IF_ERROR(
      AddInputPolicies(in, "PolicyInputList", policy::PolicyKind::kIdentity, &set));
  SIGIL_RETURN_IF_ERROR(AddInputPolicies(in, "PermissionsBoundaryPolicyInputList",
                                         policy::PolicyKind::kBoundary, &set));
  return Simulate(ctx, in, std::move(set), who);
}

StatusOr<Value> SimulateCustomPolicy(const CallContext& ctx, const Value& in) {
  SimSet set;
  SIGIL_RETURN_IF_ERROR(
      AddInputPolicies(in, "PolicyInputList", policy::PolicyKind::kIdentity, &set));
  SIGIL_RETURN_IF_ERROR(AddInputPolicies(in, "PermissionsBoundaryPolicyInputList",
                                         policy::PolicyKind::kBoundary, &set));
  // Without CallerArn the custom policies are evaluated as an anonymous user of the account.
  SimPrincipal who{policy::PrincipalKind::kUser,
                   OptString(in, "CallerArn",
                             "arn:aws:iam::" + ctx.principal.account_id + ":user/SimulatedUser"),
                   ""};
  return Simulate(ctx, in, std::move(set), who);
}

Value ContextKeys(const SimSet& set) {
  std::vector<std::string> keys;
  auto add = [&](const policy::Policy* p) {
    for (std::string& k : policy::ContextKeysUsed(*p)) {
      bool seen = false;
      for (const std::string& have : keys) seen = seen || EqualsIgnoreCase(have, k);
      if (!seen) keys.push_back(std::move(k));
    }
  };
  for (const SimPolicy& p : set.identity) add(p.policy);
  if (set.boundary) add(set.boundary->policy);
  Value out = Value::array();
  for (std::string& k : keys) out.push_back(std::move(k));
  return Value{{"ContextKeyNames", std::move(out)}};
}

StatusOr<Value> GetContextKeysForPrincipalPolicy(const CallContext& ctx, const Value& in) {
  SimSet set;
  SIGIL_RETURN_IF_ERROR(
      AddPrincipalPolicies(ctx, in["PolicySourceArn"].get<std::string>(), &set).status());
  SIGIL_RETURN_IF_ERROR(
      AddInputPolicies(in, "PolicyInputList", policy::PolicyKind::kIdentity, &set));
  return ContextKeys(set);
}

StatusOr<Value> GetContextKeysForCustomPolicy(const CallContext&, const Value& in) {
  SimSet set;
  SIGIL_RETURN_IF_ERROR(
      AddInputPolicies(in, "PolicyInputList", policy::PolicyKind::kIdentity, &set));
  return ContextKeys(set);
}

api::Describer OnSourceArn(const char* action) {
  return [action](const CallContext&, const Value& in) {
    return AuthzRequest{action, in["PolicySourceArn"].get<std::string>(), {}};
  };
}

api::Describer OnAnything(const char* action) {
  return [action](const CallContext&, const Value&) { return AuthzRequest{action, "*", {}}; };
}

}  // namespace

void RegisterSimulatorOperations(api::QueryService* svc) {
  svc->Register("SimulatePrincipalPolicy", OnSourceArn("iam:SimulatePrincipalPolicy"),
                SimulatePrincipalPolicy);
  svc->Register("SimulateCustomPolicy", OnAnything("iam:SimulateCustomPolicy"),
                SimulateCustomPolicy);
  svc->Register("GetContextKeysForPrincipalPolicy",
                OnSourceArn("iam:GetContextKeysForPrincipalPolicy"),
                GetContextKeysForPrincipalPolicy);
  svc->Register("GetContextKeysForCustomPolicy", OnAnything("iam:GetContextKeysForCustomPolicy"),
                GetContextKeysForCustomPolicy);
}

}  // namespace sigil::iam
