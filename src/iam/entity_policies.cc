// The policies of users, groups and roles: inline policies (Put/Get/List/Delete{User,Group,Role}
// Policy), attached managed policies (Attach/Detach/ListAttached{User,Group,Role}Policies) and
// permissions boundaries (Put/Delete{User,Role}PermissionsBoundary). One implementation per
// operation, parameterized by the kind of entity that owns the policy.
#include <algorithm>
#include <optional>

#include "common/strings.h"
#include "iam/iam_common.h"
#include "iam/iam_service.h"
#include "iam/policy_documents.h"

namespace sigil::iam {
namespace {

// What differs between users, groups and roles as policy owners.
struct OwnerKind {
  PolicyOwnerKind kind;
  const char* entity;       // "User": in operation and action names
  const char* noun;         // "user": in AWS's messages
  const char* name_member;  // "UserName": the input and output member naming the owner
  DocumentUse inline_use;
  size_t inline_quota;       // aggregate size of the owner's inline policies, without whitespace
  const char* attach_quota;  // AWS's quota name for attached managed policies
};

constexpr OwnerKind kUserOwner{PolicyOwnerKind::kUser,   "User", "user",           "UserName",
                               DocumentUse::kUserInline, 2048,   "PoliciesPerUser"};
constexpr OwnerKind kGroupOwner{PolicyOwnerKind::kGroup,   "Group", "group",           "GroupName",
                                DocumentUse::kGroupInline, 5120,    "PoliciesPerGroup"};
constexpr OwnerKind kRoleOwner{PolicyOwnerKind::kRole,   "Role", "role",           "RoleName",
                               DocumentUse::kRoleInline, 10240,  "PoliciesPerRole"};

// The user, group or role an operation names, as found in the request's snapshot.
struct Owner {
  std::string id;
  std::string name;  // as stored
  std::string arn;
  std::string boundary_arn;                // users and roles; empty when none
  const std::vector<Tag>* tags = nullptr;  // users and roles
  const Role* role = nullptr;              // roles only
};

std::optional<Owner> LookUpOwner(const CallContext& ctx, const OwnerKind& k,
                                 const std::string& name) {
  const std::string& account = ctx.principal.account_id;
  switch (k.kind) {
    case PolicyOwnerKind::kUser:
      if (const User* u = ctx.snapshot.FindUser(account, name)) {
        return Owner{
            u->user_id, u->name, UserArn(account, u->path, u->name), u->permissions_boundary_arn,
            &u->tags,   nullptr};
      }
      break;
    case PolicyOwnerKind::kGroup:
      if (const Group* g = ctx.snapshot.FindGroup(account, name)) {
        return Owner{g->group_id, g->name, GroupArn(account, g->path, g->name),
                     "",          nullptr, nullptr};
      }
      break;
    case PolicyOwnerKind::kRole:
      if (const Role* r = ctx.snapshot.FindRole(account, name)) {
        return Owner{
            r->role_id, r->name, RoleArn(account, r->path, r->name), r->permissions_boundary_arn,
            &r->tags,   r};
      }
      break;
  }
  return std::nullopt;
}

std::string OwnerName(const OwnerKind& k, const Value& in) {
  return in[k.name_member].get<std::string>();
}

StatusOr<Owner> NamedOwner(const CallContext& ctx, const OwnerKind& k, const Value& in) {
  const std::string name = OwnerName(k, in);
  std::optional<Owner> owner = LookUpOwner(ctx, k, name);
  if (!owner) return NoSuchEntity(k.noun, name);
  return std::move(*owner);
}

// The condition keys an action carries besides the owner's resource tags (AWS's service
// authorization reference for IAM lists them per action).
enum class Keys {
  kNone,
  kBoundary,           // iam:PermissionsBoundary: the owner's current boundary
  kBoundaryAndPolicy,  // ... plus iam:PolicyARN: the PolicyArn of the request
  kPolicy,             // iam:PolicyARN only (groups have no boundary)
  kNewBoundary,        // iam:PermissionsBoundary: the boundary the request sets
};

api::Describer OwnerScoped(const OwnerKind& k, std::string action, Keys keys) {
  return [&k, action = std::move(action), keys](const CallContext& ctx, const Value& in) {
    const std::string name = OwnerName(k, in);
    std::optional<Owner> owner = LookUpOwner(ctx, k, name);
    AuthzRequest req{action, ""};
    if (!owner) {
      const std::string& account = ctx.principal.account_id;
      req.resource = k.kind == PolicyOwnerKind::kUser    ? UserArn(account, "/", name)
                     : k.kind == PolicyOwnerKind::kGroup ? GroupArn(account, "/", name)
                                                         : RoleArn(account, "/", name);
    } else {
      req.resource = owner->arn;
      if (owner->tags != nullptr) AddResourceTagKeys(*owner->tags, &req);
    }
    if ((keys == Keys::kBoundary || keys == Keys::kBoundaryAndPolicy) && owner &&
        !owner->boundary_arn.empty()) {
      req.condition_keys["iam:PermissionsBoundary"] = {owner->boundary_arn};
    }
    if (keys == Keys::kBoundaryAndPolicy || keys == Keys::kPolicy) {
      req.condition_keys["iam:PolicyARN"] = {in["PolicyArn"].get<std::string>()};
    }
    if (keys == Keys::kNewBoundary) {
      req.condition_keys["iam:PermissionsBoundary"] = {
          in["PermissionsBoundary"].get<std::string>()};
    }
    return req;
  };
}

// ---- Inline policies ---------------------------------------------------------------------

Status InlineSizeExceeded(const OwnerKind& k, const Owner& owner) {
  return AwsError(StatusCode::kResourceExhausted, "LimitExceeded",
                  "Maximum policy size of " + std::to_string(k.inline_quota) +
                      " bytes exceeded for " + k.noun + " " + owner.name);
}

StatusOr<Value> PutInlinePolicy(IdentityService& identity, const OwnerKind& k,
                                const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(Owner owner, NamedOwner(ctx, k, in));
  const std::string policy_name = in["PolicyName"].get<std::string>();
  const std::string document = in["PolicyDocument"].get<std::string>();
  SIGIL_RETURN_IF_ERROR(ValidatePolicyDocument(document, k.inline_use, owner.name));
  // The quota covers all of the owner's inline policies together; the one being replaced (same
  // name in any case) no longer counts.
  size_t total = policy::PolicySizeWithoutWhitespace(document);
  for (const InlinePolicy* p : ctx.snapshot.InlinePoliciesOf(k.kind, owner.id)) {
    if (!EqualsIgnoreCase(p->name, policy_name))
      total += policy::PolicySizeWithoutWhitespace(p->document);
  }
  if (total > k.inline_quota) return InlineSizeExceeded(k, owner);
  Status s = identity.PutInlinePolicy(
      InlinePolicy{ctx.principal.account_id, k.kind, owner.id, policy_name, document});
  if (s.code() == StatusCode::kNotFound) return NoSuchEntity(k.noun, owner.name);
  SIGIL_RETURN_IF_ERROR(s);
  return Value::object();
}

Status NoSuchInlinePolicy(const OwnerKind& k, const std::string& policy_name) {
  return NoSuchEntity(std::string(k.noun) + " policy", policy_name);
}

StatusOr<Value> GetInlinePolicy(const OwnerKind& k, const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(Owner owner, NamedOwner(ctx, k, in));
  const std::string policy_name = in["PolicyName"].get<std::string>();
  const InlinePolicy* policy = ctx.snapshot.FindInlinePolicy(k.kind, owner.id, policy_name);
  if (policy == nullptr) return NoSuchInlinePolicy(k, policy_name);
  // AWS returns documents percent-encoded (RFC 3986); the SDKs decode them.
  return Value{{k.name_member, owner.name},
               {"PolicyName", policy->name},
               {"PolicyDocument", UriEncode(policy->document)}};
}

StatusOr<Value> ListInlinePolicies(const OwnerKind& k, const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(Owner owner, NamedOwner(ctx, k, in));
  Value out = Value::object();
  SIGIL_RETURN_IF_ERROR(Paginate(
      in, ctx.snapshot.InlinePoliciesOf(k.kind, owner.id),
      [](const InlinePolicy* p) { return AsciiLower(p->name); },
      [](const InlinePolicy* p) { return Value(p->name); }, "PolicyNames", &out));
  return out;
}

StatusOr<Value> DeleteInlinePolicy(IdentityService& identity, const OwnerKind& k,
                                   const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(Owner owner, NamedOwner(ctx, k, in));
  const std::string policy_name = in["PolicyName"].get<std::string>();
  if (ctx.snapshot.FindInlinePolicy(k.kind, owner.id, policy_name) == nullptr) {
    return NoSuchInlinePolicy(k, policy_name);
  }
  Status s = identity.DeleteInlinePolicy(ctx.principal.account_id, k.kind, owner.id, policy_name);
  if (s.code() == StatusCode::kNotFound) return NoSuchInlinePolicy(k, policy_name);
  SIGIL_RETURN_IF_ERROR(s);
  return Value::object();
}

// ---- Attached managed policies -----------------------------------------------------------

StatusOr<Value> AttachPolicy(IdentityService& identity, const OwnerKind& k, const CallContext& ctx,
                             const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(Owner owner, NamedOwner(ctx, k, in));
  const std::string arn = in["PolicyArn"].get<std::string>();
  SIGIL_RETURN_IF_ERROR(CheckAttachablePolicy(ctx, arn));
  Status s = identity.AttachPolicy(
      PolicyAttachment{ctx.principal.account_id, k.kind, owner.id, arn}, kMaxAttachedPolicies);
  if (s.code() == StatusCode::kResourceExhausted) {
    return LimitExceeded(k.attach_quota, kMaxAttachedPolicies);
  }
  if (s.code() == StatusCode::kNotFound) return NoSuchEntity(k.noun, owner.name);
  SIGIL_RETURN_IF_ERROR(s);
  return Value::object();
}

StatusOr<Value> DetachPolicy(IdentityService& identity, const OwnerKind& k, const CallContext& ctx,
                             const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(Owner owner, NamedOwner(ctx, k, in));
  const std::string arn = in["PolicyArn"].get<std::string>();
  const Status not_attached = NoSuchEntityMessage("Policy " + arn + " was not found.");
  PolicyAttachment attachment{ctx.principal.account_id, k.kind, owner.id, arn};
  bool attached = false;
  for (const PolicyAttachment* a : ctx.snapshot.AttachmentsOf(k.kind, owner.id)) {
    attached = attached || *a == attachment;
  }
  if (!attached) return not_attached;
  Status s = identity.DetachPolicy(attachment);
  if (s.code() == StatusCode::kNotFound) return not_attached;
  SIGIL_RETURN_IF_ERROR(s);
  return Value::object();
}

StatusOr<Value> ListAttachedPolicies(const OwnerKind& k, const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(Owner owner, NamedOwner(ctx, k, in));
  const std::string prefix = OptString(in, "PathPrefix", "/");
  struct Item {
    std::string sort_key;  // lower-case name, then the ARN: unique and stable across pages
    std::string name;
    std::string arn;
  };
  std::vector<Item> items;
  for (const PolicyAttachment* a : ctx.snapshot.AttachmentsOf(k.kind, owner.id)) {
    std::optional<PolicyArnParts> parts = ParsePolicyArn(a->policy_arn);
    if (!parts || !StartsWith(parts->path, prefix)) continue;
    items.push_back({AsciiLower(parts->name) + "\n" + a->policy_arn, parts->name, a->policy_arn});
  }
  std::sort(items.begin(), items.end(),
            [](const Item& a, const Item& b) { return a.sort_key < b.sort_key; });
  Value out = Value::object();
  SIGIL_RETURN_IF_ERROR(Paginate(
      in, items, [](const Item& i) { return i.sort_key; },
      [](const Item& i) {
        return Value{{"PolicyName", i.name}, {"PolicyArn", i.arn}};
      },
      "AttachedPolicies", &out));
  return out;
}

// ---- Permissions boundaries --------------------------------------------------------------

// Sets (non-empty `arn`) or removes the boundary of a user or role.
Status SetBoundary(IdentityService& identity, const OwnerKind& k, const CallContext& ctx,
                   const Owner& owner, const std::string& arn) {
  Status s;
  if (k.kind == PolicyOwnerKind::kUser) {
    s = identity.SetUserPermissionsBoundary(ctx.principal.account_id, owner.id, arn);
  } else {
    Role updated = *owner.role;
    updated.permissions_boundary_arn = arn;
    s = identity.UpdateRole(updated);
  }
  if (s.code() == StatusCode::kNotFound) return NoSuchEntity(k.noun, owner.name);
  return s;
}

StatusOr<Value> PutPermissionsBoundary(IdentityService& identity, const OwnerKind& k,
                                       const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(Owner owner, NamedOwner(ctx, k, in));
  const std::string arn = in["PermissionsBoundary"].get<std::string>();
  SIGIL_RETURN_IF_ERROR(CheckAttachablePolicy(ctx, arn));
  SIGIL_RETURN_IF_ERROR(SetBoundary(identity, k, ctx, owner, arn));
  return Value::object();
}

// Removing a boundary that is not set succeeds, as it does in AWS.
StatusOr<Value> DeletePermissionsBoundary(IdentityService& identity, const OwnerKind& k,
                                          const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(Owner owner, NamedOwner(ctx, k, in));
  if (!owner.boundary_arn.empty()) SIGIL_RETURN_IF_ERROR(SetBoundary(identity, k, ctx, owner, ""));
  return Value::object();
}

}  // namespace

void RegisterEntityPolicyOperations(api::QueryService* svc, IdentityService& identity) {
  // Binds a handler to its owner kind (and the identity service, for writes).
  auto reader = [](const OwnerKind& k, auto fn) {
    return [&k, fn](const CallContext& ctx, const Value& in) { return fn(k, ctx, in); };
  };
  auto writer = [&identity](const OwnerKind& k, auto fn) {
    return [&identity, &k, fn](const CallContext& ctx, const Value& in) {
      return fn(identity, k, ctx, in);
    };
  };
  for (const OwnerKind* kind : {&kUserOwner, &kGroupOwner, &kRoleOwner}) {
    const OwnerKind& k = *kind;
    const std::string e = k.entity;
    const bool has_boundary = k.kind != PolicyOwnerKind::kGroup;
    const Keys boundary = has_boundary ? Keys::kBoundary : Keys::kNone;
    const Keys boundary_and_policy = has_boundary ? Keys::kBoundaryAndPolicy : Keys::kPolicy;

    svc->Register("Put" + e + "Policy", OwnerScoped(k, "iam:Put" + e + "Policy", boundary),
                  writer(k, PutInlinePolicy));
    svc->Register("Get" + e + "Policy", OwnerScoped(k, "iam:Get" + e + "Policy", Keys::kNone),
                  reader(k, GetInlinePolicy));
    svc->Register("List" + e + "Policies", OwnerScoped(k, "iam:List" + e + "Policies", Keys::kNone),
                  reader(k, ListInlinePolicies));
    svc->Register("Delete" + e + "Policy", OwnerScoped(k, "iam:Delete" + e + "Policy", boundary),
                  writer(k, DeleteInlinePolicy));

    svc->Register("Attach" + e + "Policy",
                  OwnerScoped(k, "iam:Attach" + e + "Policy", boundary_and_policy),
                  writer(k, AttachPolicy));
    svc->Register("Detach" + e + "Policy",
                  OwnerScoped(k, "iam:Detach" + e + "Policy", boundary_and_policy),
                  writer(k, DetachPolicy));
    svc->Register("ListAttached" + e + "Policies",
                  OwnerScoped(k, "iam:ListAttached" + e + "Policies", Keys::kNone),
                  reader(k, ListAttachedPolicies));

    if (has_boundary) {
      svc->Register("Put" + e + "PermissionsBoundary",
                    OwnerScoped(k, "iam:Put" + e + "PermissionsBoundary", Keys::kNewBoundary),
                    writer(k, PutPermissionsBoundary));
      svc->Register("Delete" + e + "PermissionsBoundary",
                    OwnerScoped(k, "iam:Delete" + e + "PermissionsBoundary", Keys::kBoundary),
                    writer(k, DeletePermissionsBoundary));
    }
  }
}

}  // namespace sigil::iam
