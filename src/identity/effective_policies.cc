#include "identity/effective_policies.h"

namespace sigil {

std::string_view PolicySourceTypeName(PolicySource source) {
  switch (source) {
    case PolicySource::kUserInline:
      return "user";
    case PolicySource::kGroupInline:
      return "group";
    case PolicySource::kRoleInline:
      return "role";
    case PolicySource::kCustomerManaged:
      return "user-managed";
    case PolicySource::kAwsManaged:
      return "aws-managed";
  }
  return "none";
}

std::string ManagedPolicyArn(const std::string& account_id, const std::string& path,
                             const std::string& name) {
  return "arn:aws:iam::" + account_id + ":policy" + path + name;
}

void EffectivePolicies::BindRefs() {
  identity_refs.clear();
  for (const EffectivePolicy& p : identity) identity_refs.push_back({p.policy.get(), p.label});
  boundary_ref.reset();
  if (boundary) boundary_ref = policy::PolicyRef{boundary->policy.get(), boundary->label};
}

StatusOr<std::shared_ptr<const policy::Policy>> PolicyCompileCache::Compile(
    const std::string& text, policy::PolicyKind kind) {
  // The kind is part of the key: the same text may be valid as one kind and not another.
  std::string key = std::string(policy::PolicyKindName(kind)) + '\n' + text;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = by_text_.find(key);
    if (it != by_text_.end()) return it->second;
  }
  SIGIL_ASSIGN_OR_RETURN(auto compiled, policy::ParsePolicy(text, kind));
  std::lock_guard<std::mutex> lock(mu_);
  by_text_.emplace(std::move(key), compiled);
  return compiled;
}

void PolicyCompileCache::Prune() {
  std::lock_guard<std::mutex> lock(mu_);
  std::erase_if(by_text_, [](const auto& entry) { return entry.second.use_count() == 1; });
}

namespace {

constexpr std::string_view kAwsManagedPrefix = "arn:aws:iam::aws:policy/";

// A boundary whose policy no longer exists allows nothing.
StatusOr<std::shared_ptr<const policy::Policy>> AllowsNothing(PolicyCompileCache& cache) {
  return cache.Compile(
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":"*","Resource":"*"}]})",
      policy::PolicyKind::kBoundary);
}

std::string NameFromArn(std::string_view arn) {
  size_t slash = arn.rfind('/');
  return std::string(slash == std::string_view::npos ? arn : arn.substr(slash + 1));
}

class Builder {
 public:
  Builder(const IdentityData& data, const AwsManagedPolicyText& aws_managed,
          PolicyCompileCache& cache)
      : data_(data), aws_managed_(aws_managed), cache_(cache) {}

  StatusOr<EffectivePolicyIndex> Build() {
    // Indexes by owner, so the work is linear in the data rather than users x policies.
    for (const InlinePolicy& p : data_.inline_policies) {
      inline_by_owner_[OwnerKey(p.owner_kind, p.owner_id)].push_back(&p);
    }
    for (const PolicyAttachment& a : data_.attachments) {
      attached_by_owner_[OwnerKey(a.owner_kind, a.owner_id)].push_back(&a);
    }
    for (const GroupMembership& m : data_.memberships) {
      groups_by_user_[m.user_id].push_back(m.group_id);
    }
    SIGIL_RETURN_IF_ERROR(IndexCustomerManaged());
    // Every attached policy is compiled, including those of groups without members (the
    // simulator evaluates groups too).
    for (const PolicyAttachment& a : data_.attachments) {
      SIGIL_RETURN_IF_ERROR(Managed(a.policy_arn, policy::PolicyKind::kIdentity).status());
    }
    for (const User& u : data_.users) {
      SIGIL_ASSIGN_OR_RETURN(EffectivePolicies p, ForUser(u));
      index_.by_user_id.emplace(u.user_id, std::move(p));
    }
    for (const Role& r : data_.roles) {
      SIGIL_ASSIGN_OR_RETURN(EffectivePolicies p, ForRole(r));
      index_.by_role_id.emplace(r.role_id, std::move(p));
    }
    // The views point into the map's values, which no longer move.
    for (auto& [id, p] : index_.by_user_id) p.BindRefs();
    for (auto& [id, p] : index_.by_role_id) p.BindRefs();
    return std::move(index_);
  }

 private:
  // Indexes the default version of every customer managed policy by ARN. Compilation waits
  // until an attachment or a boundary uses the policy: most policies of a large account are
  // attached to nothing, and compiling them all dominated start-up.
  Status IndexCustomerManaged() {
    std::unordered_map<std::string, const PolicyVersion*> defaults;
    for (const PolicyVersion& v : data_.policy_versions) {
      defaults[v.policy_id + "\n" + v.version_id] = &v;
    }
    for (const ManagedPolicy& p : data_.managed_policies) {
      auto it = defaults.find(p.policy_id + "\n" + p.default_version_id);
      if (it == defaults.end()) {
        return InternalError("managed policy " + p.policy_id + " has no default version");
      }
      default_text_by_arn_[ManagedPolicyArn(p.account_id, p.path, p.name)] = &it->second->document;
    }
    return OkStatus();
  }

  static std::string OwnerKey(PolicyOwnerKind kind, const std::string& id) {
    return std::to_string(static_cast<int>(kind)) + ":" + id;
  }

  // The compiled managed policy for an ARN (customer or AWS), or null when none exists.
  StatusOr<std::shared_ptr<const policy::Policy>> Managed(const std::string& arn,
                                                          policy::PolicyKind kind) {
    if (kind == policy::PolicyKind::kIdentity) {
      auto it = index_.managed_by_arn.find(arn);
      if (it != index_.managed_by_arn.end()) return it->second;
      auto text = default_text_by_arn_.find(arn);
      if (text != default_text_by_arn_.end()) {
        auto compiled = cache_.Compile(*text->second, kind);
        if (!compiled.ok()) {
          return InternalError("stored policy " + arn +
                               " no longer compiles: " + compiled.status().message());
        }
        index_.managed_by_arn[arn] = *compiled;
        return compiled;
      }
    }
    if (arn.rfind(kAwsManagedPrefix, 0) == 0 && aws_managed_) {
      std::string_view text = aws_managed_(arn);
      if (!text.empty()) {
        auto compiled = cache_.Compile(std::string(text), kind);
        if (!compiled.ok()) return InternalError("AWS managed policy " + arn + " does not compile");
        if (kind == policy::PolicyKind::kIdentity) index_.managed_by_arn[arn] = *compiled;
        return compiled;
      }
    }
    if (kind == policy::PolicyKind::kBoundary) {
      // A boundary is compiled as its own kind from the customer policy's default version.
      auto it = default_text_by_arn_.find(arn);
      if (it != default_text_by_arn_.end()) return cache_.Compile(*it->second, kind);
    }
    return std::shared_ptr<const policy::Policy>();
  }

  Status AddOwned(PolicyOwnerKind kind, const std::string& owner_id, PolicySource inline_source,
                  EffectivePolicies* out) {
    const std::string key = OwnerKey(kind, owner_id);
    for (const InlinePolicy* ip : inline_by_owner_[key]) {
      const InlinePolicy& p = *ip;
      auto compiled = cache_.Compile(p.document, policy::PolicyKind::kIdentity);
      if (!compiled.ok()) {
        return InternalError("stored inline policy " + p.name +
                             " no longer compiles: " + compiled.status().message());
      }
      out->identity.push_back({*compiled, p.name, inline_source, ""});
    }
    for (const PolicyAttachment* ap : attached_by_owner_[key]) {
      const PolicyAttachment& a = *ap;
      SIGIL_ASSIGN_OR_RETURN(auto compiled, Managed(a.policy_arn, policy::PolicyKind::kIdentity));
      if (!compiled) continue;  // attached policy deleted meanwhile: it grants nothing
      PolicySource source = a.policy_arn.rfind(kAwsManagedPrefix, 0) == 0
                                ? PolicySource::kAwsManaged
                                : PolicySource::kCustomerManaged;
      out->identity.push_back({compiled, NameFromArn(a.policy_arn), source, a.policy_arn});
    }
    return OkStatus();
  }

  Status AddBoundary(const std::string& arn, EffectivePolicies* out) {
    if (arn.empty()) return OkStatus();
    SIGIL_ASSIGN_OR_RETURN(auto compiled, Managed(arn, policy::PolicyKind::kBoundary));
    if (!compiled) {
      SIGIL_ASSIGN_OR_RETURN(compiled, AllowsNothing(cache_));
    }
    PolicySource source = arn.rfind(kAwsManagedPrefix, 0) == 0 ? PolicySource::kAwsManaged
                                                               : PolicySource::kCustomerManaged;
    out->boundary = EffectivePolicy{compiled, NameFromArn(arn), source, arn};
    return OkStatus();
  }

  StatusOr<EffectivePolicies> ForUser(const User& u) {
    EffectivePolicies out;
    SIGIL_RETURN_IF_ERROR(
        AddOwned(PolicyOwnerKind::kUser, u.user_id, PolicySource::kUserInline, &out));
    for (const std::string& group_id : groups_by_user_[u.user_id]) {
      SIGIL_RETURN_IF_ERROR(
          AddOwned(PolicyOwnerKind::kGroup, group_id, PolicySource::kGroupInline, &out));
    }
    SIGIL_RETURN_IF_ERROR(AddBoundary(u.permissions_boundary_arn, &out));
    return out;
  }

  StatusOr<EffectivePolicies> ForRole(const Role& r) {
    EffectivePolicies out;
    SIGIL_RETURN_IF_ERROR(
        AddOwned(PolicyOwnerKind::kRole, r.role_id, PolicySource::kRoleInline, &out));
    SIGIL_RETURN_IF_ERROR(AddBoundary(r.permissions_boundary_arn, &out));
    return out;
  }

  const IdentityData& data_;
  const AwsManagedPolicyText& aws_managed_;
  PolicyCompileCache& cache_;
  EffectivePolicyIndex index_;
  std::unordered_map<std::string, std::vector<const InlinePolicy*>> inline_by_owner_;
  std::unordered_map<std::string, std::vector<const PolicyAttachment*>> attached_by_owner_;
  std::unordered_map<std::string, std::vector<std::string>> groups_by_user_;
  std::unordered_map<std::string, const std::string*> default_text_by_arn_;
};

}  // namespace

StatusOr<EffectivePolicyIndex> BuildEffectivePolicies(const IdentityData& data,
                                                      const AwsManagedPolicyText& aws_managed,
                                                      PolicyCompileCache& cache) {
  return Builder(data, aws_managed, cache).Build();
}

}  // namespace sigil
