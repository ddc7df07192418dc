// Managed policies: customer managed policies (create, read, list, delete, versions, tags) and
// the read side of the built-in AWS managed policies (aws_managed_policies.h), which every
// account sees and none can change.
#include <algorithm>

#include "common/strings.h"
#include "iam/aws_managed_policies.h"
#include "iam/iam_common.h"
#include "iam/iam_service.h"
#include "iam/policy_documents.h"

namespace sigil::iam {
namespace {

// A managed policy named by ARN: exactly one of the two pointers is set.
struct PolicyRef {
  std::string arn;
  const ManagedPolicy* customer = nullptr;
  const AwsManagedPolicy* aws = nullptr;
};

Status PolicyNotFound(std::string_view arn) {
  return NoSuchEntityMessage("Policy " + std::string(arn) +
                             " does not exist or is not attachable.");
}

Status VersionNotFound(std::string_view arn, std::string_view version_id) {
  return NoSuchEntityMessage("Policy " + std::string(arn) + " version " + std::string(version_id) +
                             " does not exist or is not attachable.");
}

// Resolves a policy ARN as GetPolicy does: a customer managed policy of the caller's account
// (path and name exactly as in its ARN; ARNs are case-sensitive) or a built-in AWS managed one.
StatusOr<PolicyRef> ResolvePolicy(const CallContext& ctx, const std::string& arn) {
  if (!StartsWith(arn, "arn:") || Split(arn, ':').size() < 6) {
    return InvalidInput("ARN " + arn + " is not valid.");
  }
  PolicyRef ref{arn};
  std::optional<PolicyArnParts> parts = ParsePolicyArn(arn);
  if (parts && parts->account == "aws") {
    ref.aws = FindAwsManagedPolicy(arn);
  } else if (parts && parts->account == ctx.principal.account_id) {
    const ManagedPolicy* p = ctx.snapshot.FindManagedPolicy(parts->account, parts->name);
    if (p != nullptr && p->name == parts->name && p->path == parts->path) ref.customer = p;
  }
  if (ref.customer == nullptr && ref.aws == nullptr) return PolicyNotFound(arn);
  return ref;
}

// AWS managed policies live in AWS's account: changing one is a cross-account write no
// resource policy allows, which AWS refuses with AccessDenied.
Status ForbidAwsManaged(const CallContext& ctx, const PolicyRef& ref, std::string_view action) {
  if (ref.aws == nullptr) return OkStatus();
  return AwsError(
      StatusCode::kPermissionDenied, "AccessDenied",
      "User: " + ctx.principal.arn + " is not authorized to perform: " + std::string(action) +
          " on resource: policy " + ref.arn + " because no resource-based policy allows the " +
          std::string(action) + " action");
}

// A customer managed policy the operation may change.
StatusOr<const ManagedPolicy*> ResolveCustomerPolicy(const CallContext& ctx, const Value& in,
                                                     std::string_view action) {
  SIGIL_ASSIGN_OR_RETURN(PolicyRef ref, ResolvePolicy(ctx, in["PolicyArn"].get<std::string>()));
  SIGIL_RETURN_IF_ERROR(ForbidAwsManaged(ctx, ref, action));
  return ref.customer;
}

int64_t AttachmentCount(const CallContext& ctx, const std::string& arn) {
  return static_cast<int64_t>(
      ctx.snapshot.AttachmentsOfPolicy(ctx.principal.account_id, arn).size());
}

// Users and roles of the caller's account whose permissions boundary is `arn`.
int64_t BoundaryUsageCount(const CallContext& ctx, const std::string& arn) {
  int64_t n = 0;
  for (const User* u : ctx.snapshot.Users(ctx.principal.account_id)) {
    n += u->permissions_boundary_arn == arn ? 1 : 0;
  }
  for (const Role* r : ctx.snapshot.Roles(ctx.principal.account_id)) {
    n += r->permissions_boundary_arn == arn ? 1 : 0;
  }
  return n;
}

// How much of the Policy shape an operation returns: GetPolicy everything, CreatePolicy all but
// the description, ListPolicies neither description nor tags (as AWS documents for each).
enum class PolicyDetail { kList, kCreate, kGet };

Value PolicyToValue(const CallContext& ctx, const PolicyRef& ref, PolicyDetail detail) {
  Value v;
  if (ref.aws != nullptr) {
    const AwsManagedPolicy& p = *ref.aws;
    v = {{"PolicyName", p.name},
         {"PolicyId", p.policy_id},
         {"Arn", p.arn},
         {"Path", p.path},
         {"DefaultVersionId", p.default_version_id},
         {"AttachmentCount", AttachmentCount(ctx, ref.arn)},
         {"PermissionsBoundaryUsageCount", BoundaryUsageCount(ctx, ref.arn)},
         {"IsAttachable", true},
         {"CreateDate", MillisOf(p.create_date)},
         {"UpdateDate", MillisOf(p.update_date)}};
    if (detail == PolicyDetail::kGet) v["Description"] = p.description;
    return v;
  }
  const ManagedPolicy& p = *ref.customer;
  v = {{"PolicyName", p.name},
       {"PolicyId", p.policy_id},
       {"Arn", ref.arn},
       {"Path", p.path},
       {"DefaultVersionId", p.default_version_id},
       {"AttachmentCount", AttachmentCount(ctx, ref.arn)},
       {"PermissionsBoundaryUsageCount", BoundaryUsageCount(ctx, ref.arn)},
       {"IsAttachable", true},
       {"CreateDate", MillisOf(p.created)},
       {"UpdateDate", MillisOf(p.updated)}};
  if (detail == PolicyDetail::kGet && !p.description.empty()) v["Description"] = p.description;
  if (detail != PolicyDetail::kList && !p.tags.empty()) v["Tags"] = TagsToValue(p.tags);
  return v;
}

PolicyRef CustomerRef(const std::string& account_id, const ManagedPolicy& p) {
  return PolicyRef{PolicyArn(account_id, p.path, p.name), &p, nullptr};
}

// ---- Policies ------------------------------------------------------------------------------

StatusOr<Value> CreatePolicy(IdentityService& identity, const CallContext& ctx, const Value& in) {
  const std::string& account = ctx.principal.account_id;
  const std::string name = in["PolicyName"].get<std::string>();
  const std::string path = OptString(in, "Path", "/");
  const std::string document = in["PolicyDocument"].get<std::string>();
  SIGIL_RETURN_IF_ERROR(ValidatePolicyDocument(document, DocumentUse::kManaged));
  SIGIL_ASSIGN_OR_RETURN(std::vector<Tag> tags, TagsFromInput(in));
  SIGIL_ASSIGN_OR_RETURN(tags, MergeTags({}, std::move(tags), "TagsPerPolicy", kMaxTagsPerPolicy));
  auto exists = [&] {
    return AwsError(
        StatusCode::kAlreadyExists, "EntityAlreadyExists",
        "A policy called " + name + " already exists. Duplicate names are not allowed.");
  };
  if (ctx.snapshot.FindManagedPolicy(account, name) != nullptr) return exists();
  auto created = identity.CreateManagedPolicy(account, name, path, OptString(in, "Description"),
                                              document, tags, kMaxManagedPoliciesPerAccount);
  if (!created.ok() && created.status().code() == StatusCode::kAlreadyExists) return exists();
  if (!created.ok() && created.status().code() == StatusCode::kResourceExhausted) {
    return LimitExceeded("PoliciesPerAccount", kMaxManagedPoliciesPerAccount);
  }
  if (!created.ok()) return created.status();
  return Value{
      {"Policy", PolicyToValue(ctx, CustomerRef(account, *created), PolicyDetail::kCreate)}};
}

StatusOr<Value> GetPolicy(const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(PolicyRef ref, ResolvePolicy(ctx, in["PolicyArn"].get<std::string>()));
  return Value{{"Policy", PolicyToValue(ctx, ref, PolicyDetail::kGet)}};
}

StatusOr<Value> ListPolicies(const CallContext& ctx, const Value& in) {
  const std::string scope = OptString(in, "Scope", "All");
  const std::string prefix = OptString(in, "PathPrefix", "/");
  const std::string usage = OptString(in, "PolicyUsageFilter");
  const bool only_attached = in.value("OnlyAttached", false);

  std::vector<PolicyRef> refs;
  if (scope != "Local") {
    for (const AwsManagedPolicy& p : AwsManagedPolicies()) {
      refs.push_back(PolicyRef{std::string(p.arn), nullptr, &p});
    }
  }
  if (scope != "AWS") {
    for (const ManagedPolicy* p : ctx.snapshot.ManagedPolicies(ctx.principal.account_id)) {
      refs.push_back(CustomerRef(ctx.principal.account_id, *p));
    }
  }
  struct Entry {
    std::string key;  // lower-case name, then the ARN: a customer policy may share an AWS name
    Value value;
  };
  std::vector<Entry> entries;
  for (const PolicyRef& ref : refs) {
    Value v = PolicyToValue(ctx, ref, PolicyDetail::kList);
    if (!StartsWith(v["Path"].get<std::string>(), prefix)) continue;
    const bool attached = v["AttachmentCount"].get<int64_t>() > 0;
    const bool boundary = v["PermissionsBoundaryUsageCount"].get<int64_t>() > 0;
    if (only_attached && !attached) continue;
    if (usage == "PermissionsPolicy" && !attached) continue;
    if (usage == "PermissionsBoundary" && !boundary) continue;
    entries.push_back({AsciiLower(v["PolicyName"].get<std::string>()) + "\n" + ref.arn, v});
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.key < b.key; });
  Value out = Value::object();
  SIGIL_RETURN_IF_ERROR(Paginate(
      in, entries, [](const Entry& e) { return e.key; }, [](const Entry& e) { return e.value; },
      "Policies", &out));
  return out;
}

StatusOr<Value> DeletePolicy(IdentityService& identity, const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(const ManagedPolicy* policy,
                         ResolveCustomerPolicy(ctx, in, "iam:DeletePolicy"));
  const std::string arn = in["PolicyArn"].get<std::string>();
  const Status attached = DeleteConflict("Cannot delete a policy attached to entities.");
  if (AttachmentCount(ctx, arn) > 0 || BoundaryUsageCount(ctx, arn) > 0) return attached;
  if (ctx.snapshot.Versions(policy->policy_id).size() > 1) {
    return DeleteConflict(
        "This policy has more than one version. Before you delete a policy, you must delete the "
        "policy's versions. The default version is deleted with the policy.");
  }
  Status s = identity.DeleteManagedPolicy(ctx.principal.account_id, policy->policy_id);
  if (s.code() == StatusCode::kFailedPrecondition) return attached;
  if (s.code() == StatusCode::kNotFound) return PolicyNotFound(arn);
  SIGIL_RETURN_IF_ERROR(s);
  return Value::object();
}

// ---- Versions ------------------------------------------------------------------------------

Value VersionToValue(std::string_view version_id, bool is_default, TimePoint created,
                     const std::string* document) {
  Value v = {{"VersionId", version_id},
             {"IsDefaultVersion", is_default},
             {"CreateDate", MillisOf(created)}};
  // AWS returns documents percent-encoded (RFC 3986); the SDKs decode them.
  if (document != nullptr) v["Document"] = UriEncode(*document);
  return v;
}

StatusOr<Value> CreatePolicyVersion(IdentityService& identity, const CallContext& ctx,
                                    const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(const ManagedPolicy* policy,
                         ResolveCustomerPolicy(ctx, in, "iam:CreatePolicyVersion"));
  const std::string document = in["PolicyDocument"].get<std::string>();
  SIGIL_RETURN_IF_ERROR(ValidatePolicyDocument(document, DocumentUse::kManaged));
  const bool set_as_default = in.value("SetAsDefault", false);
  auto version = identity.CreatePolicyVersion(policy->policy_id, document, set_as_default,
                                              kMaxVersionsPerPolicy);
  if (!version.ok() && version.status().code() == StatusCode::kResourceExhausted) {
    return AwsError(StatusCode::kResourceExhausted, "LimitExceeded",
                    "A managed policy can have up to 5 versions. Before you create a new version, "
                    "you must delete an existing version.");
  }
  if (!version.ok() && version.status().code() == StatusCode::kNotFound) {
    return PolicyNotFound(in["PolicyArn"].get<std::string>());
  }
  if (!version.ok()) return version.status();
  return Value{{"PolicyVersion",
                VersionToValue(version->version_id, set_as_default, version->created, nullptr)}};
}

StatusOr<Value> GetPolicyVersion(const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(PolicyRef ref, ResolvePolicy(ctx, in["PolicyArn"].get<std::string>()));
  const std::string version_id = in["VersionId"].get<std::string>();
  if (ref.aws != nullptr) {
    if (version_id != ref.aws->default_version_id) return VersionNotFound(ref.arn, version_id);
    const std::string document(ref.aws->document);
    return Value{
        {"PolicyVersion", VersionToValue(version_id, true, ref.aws->update_date, &document)}};
  }
  const PolicyVersion* v = ctx.snapshot.FindVersion(ref.customer->policy_id, version_id);
  if (v == nullptr) return VersionNotFound(ref.arn, version_id);
  return Value{{"PolicyVersion",
                VersionToValue(v->version_id, v->version_id == ref.customer->default_version_id,
                               v->created, &v->document)}};
}

StatusOr<Value> ListPolicyVersions(const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(PolicyRef ref, ResolvePolicy(ctx, in["PolicyArn"].get<std::string>()));
  std::vector<Value> versions;  // newest first, as AWS lists them
  if (ref.aws != nullptr) {
    versions.push_back(
        VersionToValue(ref.aws->default_version_id, true, ref.aws->update_date, nullptr));
  } else {
    std::vector<const PolicyVersion*> all = ctx.snapshot.Versions(ref.customer->policy_id);
    for (auto it = all.rbegin(); it != all.rend(); ++it) {
      versions.push_back(VersionToValue((*it)->version_id,
                                        (*it)->version_id == ref.customer->default_version_id,
                                        (*it)->created, nullptr));
    }
  }
  Value out = Value::object();
  SIGIL_RETURN_IF_ERROR(PaginateByPosition(
      in, versions, [](const Value& v) { return v; }, "Versions", &out));
  return out;
}

StatusOr<Value> SetDefaultPolicyVersion(IdentityService& identity, const CallContext& ctx,
                                        const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(const ManagedPolicy* policy,
                         ResolveCustomerPolicy(ctx, in, "iam:SetDefaultPolicyVersion"));
  const std::string arn = in["PolicyArn"].get<std::string>();
  const std::string version_id = in["VersionId"].get<std::string>();
  if (ctx.snapshot.FindVersion(policy->policy_id, version_id) == nullptr) {
    return VersionNotFound(arn, version_id);
  }
  Status s =
      identity.SetDefaultPolicyVersion(ctx.principal.account_id, policy->policy_id, version_id);
  if (s.code() == StatusCode::kNotFound) return VersionNotFound(arn, version_id);
  SIGIL_RETURN_IF_ERROR(s);
  return Value::object();
}

StatusOr<Value> DeletePolicyVersion(IdentityService& identity, const CallContext& ctx,
                                    const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(const ManagedPolicy* policy,
                         ResolveCustomerPolicy(ctx, in, "iam:DeletePolicyVersion"));
  const std::string arn = in["PolicyArn"].get<std::string>();
  const std::string version_id = in["VersionId"].get<std::string>();
  const Status is_default = DeleteConflict("Cannot delete the default version of a policy.");
  if (ctx.snapshot.FindVersion(policy->policy_id, version_id) == nullptr) {
    return VersionNotFound(arn, version_id);
  }
  if (version_id == policy->default_version_id) return is_default;
  Status s = identity.DeletePolicyVersion(ctx.principal.account_id, policy->policy_id, version_id);
  if (s.code() == StatusCode::kFailedPrecondition) return is_default;
  if (s.code() == StatusCode::kNotFound) return VersionNotFound(arn, version_id);
  SIGIL_RETURN_IF_ERROR(s);
  return Value::object();
}

// ---- Entities ------------------------------------------------------------------------------

StatusOr<Value> ListEntitiesForPolicy(const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(PolicyRef ref, ResolvePolicy(ctx, in["PolicyArn"].get<std::string>()));
  const std::string& account = ctx.principal.account_id;
  const std::string filter = OptString(in, "EntityFilter");
  const std::string prefix = OptString(in, "PathPrefix", "/");
  const std::string usage = OptString(in, "PolicyUsageFilter");
  const bool permissions = usage.empty() || usage == "PermissionsPolicy";
  const bool boundaries = usage.empty() || usage == "PermissionsBoundary";

  struct Entity {
    std::string key;  // kind, then lower-case name: the order of the three lists
    const char* list;
    Value value;
  };
  std::vector<Entity> entities;
  auto wanted = [&](const char* kind, const std::string& path) {
    return (filter.empty() || filter == kind) && StartsWith(path, prefix);
  };
  auto add_user = [&](const User& u) {
    if (!wanted("User", u.path)) return;
    entities.push_back({"2" + AsciiLower(u.name), "PolicyUsers",
                        Value{{"UserName", u.name}, {"UserId", u.user_id}}});
  };
  auto add_role = [&](const Role& r) {
    if (!wanted("Role", r.path)) return;
    entities.push_back({"3" + AsciiLower(r.name), "PolicyRoles",
                        Value{{"RoleName", r.name}, {"RoleId", r.role_id}}});
  };
  if (permissions) {
    for (const PolicyAttachment* a : ctx.snapshot.AttachmentsOfPolicy(account, ref.arn)) {
      switch (a->owner_kind) {
        case PolicyOwnerKind::kUser:
          for (const User& u : ctx.snapshot.data().users) {
            if (u.user_id == a->owner_id) add_user(u);
          }
          break;
        case PolicyOwnerKind::kGroup:
          for (const Group& g : ctx.snapshot.data().groups) {
            if (g.group_id != a->owner_id || !wanted("Group", g.path)) continue;
            entities.push_back({"1" + AsciiLower(g.name), "PolicyGroups",
                                Value{{"GroupName", g.name}, {"GroupId", g.group_id}}});
          }
          break;
        case PolicyOwnerKind::kRole:
          if (const Role* r = ctx.snapshot.FindRoleById(a->owner_id)) add_role(*r);
          break;
      }
    }
  }
  if (boundaries) {
    for (const User* u : ctx.snapshot.Users(account)) {
      if (u->permissions_boundary_arn == ref.arn) add_user(*u);
    }
    for (const Role* r : ctx.snapshot.Roles(account)) {
      if (r->permissions_boundary_arn == ref.arn) add_role(*r);
    }
  }
  std::sort(entities.begin(), entities.end(),
            [](const Entity& a, const Entity& b) { return a.key < b.key; });
  // An entity both attached to and bounded by the policy is listed once.
  entities.erase(std::unique(entities.begin(), entities.end(),
                             [](const Entity& a, const Entity& b) { return a.key == b.key; }),
                 entities.end());

  Value page = Value::object();
  SIGIL_RETURN_IF_ERROR(Paginate(
      in, entities, [](const Entity& e) { return e.key; },
      [](const Entity& e) {
        return Value{{"list", e.list}, {"entity", e.value}};
      },
      "Entities", &page));
  Value out = {{"PolicyGroups", Value::array()},
               {"PolicyUsers", Value::array()},
               {"PolicyRoles", Value::array()},
               {"IsTruncated", page["IsTruncated"]}};
  for (const Value& e : page["Entities"]) out[e["list"].get<std::string>()].push_back(e["entity"]);
  if (page.contains("Marker")) out["Marker"] = page["Marker"];
  return out;
}

// ---- Tags ----------------------------------------------------------------------------------

StatusOr<Value> TagPolicy(IdentityService& identity, const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(const ManagedPolicy* policy,
                         ResolveCustomerPolicy(ctx, in, "iam:TagPolicy"));
  SIGIL_ASSIGN_OR_RETURN(std::vector<Tag> added, TagsFromInput(in));
  SIGIL_ASSIGN_OR_RETURN(std::vector<Tag> tags, MergeTags(policy->tags, std::move(added),
                                                          "TagsPerPolicy", kMaxTagsPerPolicy));
  SIGIL_RETURN_IF_ERROR(
      identity.SetManagedPolicyTags(ctx.principal.account_id, policy->policy_id, tags));
  return Value::object();
}

StatusOr<Value> UntagPolicy(IdentityService& identity, const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(const ManagedPolicy* policy,
                         ResolveCustomerPolicy(ctx, in, "iam:UntagPolicy"));
  SIGIL_RETURN_IF_ERROR(identity.SetManagedPolicyTags(ctx.principal.account_id, policy->policy_id,
                                                      RemoveTags(policy->tags, in["TagKeys"])));
  return Value::object();
}

StatusOr<Value> ListPolicyTags(const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(PolicyRef ref, ResolvePolicy(ctx, in["PolicyArn"].get<std::string>()));
  static const std::vector<Tag> kNoTags;
  const std::vector<Tag>& tags = ref.customer != nullptr ? ref.customer->tags : kNoTags;
  Value out = Value::object();
  SIGIL_RETURN_IF_ERROR(PaginateByPosition(
      in, tags,
      [](const Tag& t) {
        return Value{{"Key", t.key}, {"Value", t.value}};
      },
      "Tags", &out));
  return out;
}

// ---- Authorization -------------------------------------------------------------------------

// Operations on one policy are authorized against the ARN the request names, with the
// policy's tags as aws:ResourceTag/KEY.
api::Describer PolicyScoped(const char* action) {
  return [action](const CallContext& ctx, const Value& in) {
    AuthzRequest req{action, in["PolicyArn"].get<std::string>()};
    auto ref = ResolvePolicy(ctx, req.resource);
    if (ref.ok() && ref->customer != nullptr) {
      for (const Tag& t : ref->customer->tags) {
        req.condition_keys["aws:ResourceTag/" + t.key] = {t.value};
      }
    }
    return req;
  };
}

}  // namespace

void RegisterPolicyOperations(api::QueryService* svc, IdentityService& identity) {
  auto with_identity = [&identity](auto fn) {
    return
        [&identity, fn](const CallContext& ctx, const Value& in) { return fn(identity, ctx, in); };
  };
  svc->Register(
      "CreatePolicy",
      [](const CallContext& ctx, const Value& in) {
        AuthzRequest req{"iam:CreatePolicy",
                         PolicyArn(ctx.principal.account_id, OptString(in, "Path", "/"),
                                   in["PolicyName"].get<std::string>())};
        AddRequestTagKeys(in, &req);
        return req;
      },
      with_identity(CreatePolicy));
  svc->Register("GetPolicy", PolicyScoped("iam:GetPolicy"), GetPolicy);
  svc->Register(
      "ListPolicies",
      [](const CallContext& ctx, const Value&) {
        return AuthzRequest{"iam:ListPolicies",
                            "arn:aws:iam::" + ctx.principal.account_id + ":policy/"};
      },
      ListPolicies);
  svc->Register("DeletePolicy", PolicyScoped("iam:DeletePolicy"), with_identity(DeletePolicy));
  svc->Register("CreatePolicyVersion", PolicyScoped("iam:CreatePolicyVersion"),
                with_identity(CreatePolicyVersion));
  svc->Register("GetPolicyVersion", PolicyScoped("iam:GetPolicyVersion"), GetPolicyVersion);
  svc->Register("ListPolicyVersions", PolicyScoped("iam:ListPolicyVersions"), ListPolicyVersions);
  svc->Register("SetDefaultPolicyVersion", PolicyScoped("iam:SetDefaultPolicyVersion"),
                with_identity(SetDefaultPolicyVersion));
  svc->Register("DeletePolicyVersion", PolicyScoped("iam:DeletePolicyVersion"),
                with_identity(DeletePolicyVersion));
  svc->Register("ListEntitiesForPolicy", PolicyScoped("iam:ListEntitiesForPolicy"),
                ListEntitiesForPolicy);
  svc->Register(
      "TagPolicy",
      [](const CallContext& ctx, const Value& in) {
        AuthzRequest req = PolicyScoped("iam:TagPolicy")(ctx, in);
        AddRequestTagKeys(in, &req);
        return req;
      },
      with_identity(TagPolicy));
  svc->Register(
      "UntagPolicy",
      [](const CallContext& ctx, const Value& in) {
        AuthzRequest req = PolicyScoped("iam:UntagPolicy")(ctx, in);
        AddRequestTagKeys(in, &req);
        return req;
      },
      with_identity(UntagPolicy));
  svc->Register("ListPolicyTags", PolicyScoped("iam:ListPolicyTags"), ListPolicyTags);
}

}  // namespace sigil::iam
