// IAM roles: their trust policies, session duration, description, permissions boundary at
// creation, and tags. (Assuming a role is STS's business; this stores and validates roles.
// Attached and inline policies and Put/DeleteRolePermissionsBoundary live in
// entity_policies.cc.)
#include "common/strings.h"
#include "iam/iam_common.h"
#include "iam/iam_service.h"
#include "iam/policy_documents.h"
#include "store/metadata_store.h"

namespace sigil::iam {
namespace {

constexpr int kDefaultMaxSessionDuration = 3600;

// How much of the Role shape an operation returns, as AWS does: CreateRole what was set,
// GetRole everything, ListRoles neither the boundary, the tags nor RoleLastUsed.
enum class RoleDetail { kList, kCreate, kGet };

Value RoleToValue(const std::string& account_id, const Role& r, RoleDetail detail) {
  Value v = {{"Path", r.path},
             {"RoleName", r.name},
             {"RoleId", r.role_id},
             {"Arn", RoleArn(account_id, r.path, r.name)},
             {"CreateDate", MillisOf(r.created)},
             // AWS returns documents percent-encoded (RFC 3986); the SDKs decode them.
             {"AssumeRolePolicyDocument", UriEncode(r.assume_role_policy)}};
  if (!r.description.empty()) v["Description"] = r.description;
  if (detail != RoleDetail::kCreate) v["MaxSessionDuration"] = r.max_session_duration;
  if (detail != RoleDetail::kList) {
    if (!r.permissions_boundary_arn.empty()) {
      v["PermissionsBoundary"] = PermissionsBoundaryToValue(r.permissions_boundary_arn);
    }
    if (!r.tags.empty()) v["Tags"] = TagsToValue(r.tags);
  }
  // Sigil does not track role use yet (STS will); AWS shows an empty RoleLastUsed then.
  if (detail == RoleDetail::kGet) v["RoleLastUsed"] = Value::object();
  return v;
}

StatusOr<const Role*> FindRole(const CallContext& ctx, const Value& in) {
  const std::string name = in["RoleName"].get<std::string>();
  const Role* role = ctx.snapshot.FindRole(ctx.principal.account_id, name);
  if (role == nullptr) return NoSuchEntity("role", name);
  return role;
}

// Writes `updated` (a modified copy of a role read from the snapshot).
Status WriteRole(IdentityService& identity, const Role& updated) {
  Status s = identity.UpdateRole(updated);
  if (s.code() == StatusCode::kNotFound) return NoSuchEntity("role", updated.name);
  return s;
}

StatusOr<Value> CreateRole(IdentityService& identity, const CallContext& ctx, const Value& in) {
  const std::string& account = ctx.principal.account_id;
  Role role;
  role.account_id = account;
  role.name = in["RoleName"].get<std::string>();
  role.path = OptString(in, "Path", "/");
  role.description = OptString(in, "Description");
  role.assume_role_policy = in["AssumeRolePolicyDocument"].get<std::string>();
  role.max_session_duration = in.value("MaxSessionDuration", kDefaultMaxSessionDuration);
  role.permissions_boundary_arn = OptString(in, "PermissionsBoundary");
  SIGIL_RETURN_IF_ERROR(ValidatePolicyDocument(role.assume_role_policy, DocumentUse::kTrust));
  SIGIL_ASSIGN_OR_RETURN(std::vector<Tag> tags, TagsFromInput(in));
  SIGIL_ASSIGN_OR_RETURN(role.tags, MergeTags({}, std::move(tags), "TagsPerRole", kMaxTagsPerRole));
  if (!role.permissions_boundary_arn.empty()) {
    Status s = CheckAttachablePolicy(ctx, role.permissions_boundary_arn);
    if (s.code() == StatusCode::kNotFound) {
      // AWS words a missing boundary this way for CreateRole and CreateUser.
      return NoSuchEntityMessage("Scope ARN: " + role.permissions_boundary_arn +
                                 " does not exist or is not attachable.");
    }
    SIGIL_RETURN_IF_ERROR(s);
  }
  if (ctx.snapshot.FindRole(account, role.name) != nullptr) {
    return EntityAlreadyExists("role", role.name);
  }
  auto created = identity.CreateRole(role, kMaxRolesPerAccount);
  if (!created.ok() && created.status().code() == StatusCode::kAlreadyExists) {
    return EntityAlreadyExists("role", role.name);
  }
  if (!created.ok() && created.status().code() == StatusCode::kResourceExhausted) {
    return LimitExceeded("RolesPerAccount", kMaxRolesPerAccount);
  }
  if (!created.ok()) return created.status();
  return Value{{"Role", RoleToValue(account, *created, RoleDetail::kCreate)}};
}

StatusOr<Value> GetRole(const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(const Role* role, FindRole(ctx, in));
  return Value{{"Role", RoleToValue(ctx.principal.account_id, *role, RoleDetail::kGet)}};
}

StatusOr<Value> ListRoles(const CallContext& ctx, const Value& in) {
  const std::string prefix = OptString(in, "PathPrefix", "/");
  std::vector<const Role*> roles;
  for (const Role* r : ctx.snapshot.Roles(ctx.principal.account_id)) {
    if (StartsWith(r->path, prefix)) roles.push_back(r);
  }
  Value out = Value::object();
  SIGIL_RETURN_IF_ERROR(Paginate(
      in, roles, [](const Role* r) { return AsciiLower(r->name); },
      [&](const Role* r) { return RoleToValue(ctx.principal.account_id, *r, RoleDetail::kList); },
      "Roles", &out));
  return out;
}

StatusOr<Value> UpdateRole(IdentityService& identity, const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(const Role* role, FindRole(ctx, in));
  Role updated = *role;
  if (in.contains("Description")) updated.description = in["Description"].get<std::string>();
  if (in.contains("MaxSessionDuration")) {
    updated.max_session_duration = in["MaxSessionDuration"].get<int>();
  }
  SIGIL_RETURN_IF_ERROR(WriteRole(identity, updated));
  return Value::object();
}

StatusOr<Value> UpdateRoleDescription(IdentityService& identity, const CallContext& ctx,
                                      const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(const Role* role, FindRole(ctx, in));
  Role updated = *role;
  updated.description = in["Description"].get<std::string>();
  SIGIL_RETURN_IF_ERROR(WriteRole(identity, updated));
  return Value{{"Role", RoleToValue(ctx.principal.account_id, updated, RoleDetail::kGet)}};
}

StatusOr<Value> UpdateAssumeRolePolicy(IdentityService& identity, const CallContext& ctx,
                                       const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(const Role* role, FindRole(ctx, in));
  Role updated = *role;
  updated.assume_role_policy = in["PolicyDocument"].get<std::string>();
  SIGIL_RETURN_IF_ERROR(
      ValidatePolicyDocument(updated.assume_role_policy, DocumentUse::kTrust, role->name));
  SIGIL_RETURN_IF_ERROR(WriteRole(identity, updated));
  return Value::object();
}

StatusOr<Value> DeleteRole(IdentityService& identity, const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(const Role* role, FindRole(ctx, in));
  Status s = identity.DeleteRole(ctx.principal.account_id, role->role_id);
  if (s.code() == StatusCode::kFailedPrecondition) {
    return DeleteConflict(s.message() == kDependentInlinePolicies
                              ? "Cannot delete entity, must delete policies first."
                              : "Cannot delete entity, must detach all policies first.");
  }
  if (s.code() == StatusCode::kNotFound) return NoSuchEntity("role", role->name);
  SIGIL_RETURN_IF_ERROR(s);
  return Value::object();
}

// ---- Tags ----------------------------------------------------------------------------------

StatusOr<Value> TagRole(IdentityService& identity, const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(const Role* role, FindRole(ctx, in));
  SIGIL_ASSIGN_OR_RETURN(std::vector<Tag> added, TagsFromInput(in));
  Role updated = *role;
  SIGIL_ASSIGN_OR_RETURN(updated.tags,
                         MergeTags(role->tags, std::move(added), "TagsPerRole", kMaxTagsPerRole));
  SIGIL_RETURN_IF_ERROR(WriteRole(identity, updated));
  return Value::object();
}

StatusOr<Value> UntagRole(IdentityService& identity, const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(const Role* role, FindRole(ctx, in));
  Role updated = *role;
  updated.tags = RemoveTags(role->tags, in["TagKeys"]);
  SIGIL_RETURN_IF_ERROR(WriteRole(identity, updated));
  return Value::object();
}

StatusOr<Value> ListRoleTags(const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(const Role* role, FindRole(ctx, in));
  Value out = Value::object();
  SIGIL_RETURN_IF_ERROR(PaginateByPosition(
      in, role->tags,
      [](const Tag& t) {
        return Value{{"Key", t.key}, {"Value", t.value}};
      },
      "Tags", &out));
  return out;
}

// ---- Authorization -------------------------------------------------------------------------

// Operations on one role are authorized against its ARN (the one it would have when it does
// not exist), with its tags as aws:ResourceTag/KEY and iam:ResourceTag/KEY, plus the
// request's tag keys for tagging operations.
api::Describer RoleScoped(const char* action) {
  return [action](const CallContext& ctx, const Value& in) {
    const std::string& account = ctx.principal.account_id;
    const std::string name = in["RoleName"].get<std::string>();
    const Role* role = ctx.snapshot.FindRole(account, name);
    AuthzRequest req{action, role != nullptr ? RoleArn(account, role->path, role->name)
                                             : RoleArn(account, "/", name)};
    if (role != nullptr) AddResourceTagKeys(role->tags, &req);
    AddRequestTagKeys(in, &req);
    return req;
  };
}

}  // namespace

void RegisterRoleOperations(api::QueryService* svc, IdentityService& identity) {
  auto with_identity = [&identity](auto fn) {
    return
        [&identity, fn](const CallContext& ctx, const Value& in) { return fn(identity, ctx, in); };
  };
  svc->Register(
      "CreateRole",
      [](const CallContext& ctx, const Value& in) {
        AuthzRequest req{"iam:CreateRole",
                         RoleArn(ctx.principal.account_id, OptString(in, "Path", "/"),
                                 in["RoleName"].get<std::string>())};
        if (in.contains("PermissionsBoundary")) {
          req.condition_keys["iam:PermissionsBoundary"] = {
              in["PermissionsBoundary"].get<std::string>()};
        }
        AddRequestTagKeys(in, &req);
        return req;
      },
      with_identity(CreateRole));
  svc->Register("GetRole", RoleScoped("iam:GetRole"), GetRole);
  svc->Register(
      "ListRoles",
      [](const CallContext& ctx, const Value&) {
        return AuthzRequest{"iam:ListRoles", "arn:aws:iam::" + ctx.principal.account_id + ":role/"};
      },
      ListRoles);
  svc->Register("UpdateRole", RoleScoped("iam:UpdateRole"), with_identity(UpdateRole));
  svc->Register("UpdateRoleDescription", RoleScoped("iam:UpdateRoleDescription"),
                with_identity(UpdateRoleDescription));
  svc->Register("UpdateAssumeRolePolicy", RoleScoped("iam:UpdateAssumeRolePolicy"),
                with_identity(UpdateAssumeRolePolicy));
  svc->Register("DeleteRole", RoleScoped("iam:DeleteRole"), with_identity(DeleteRole));
  svc->Register("TagRole", RoleScoped("iam:TagRole"), with_identity(TagRole));
  svc->Register("UntagRole", RoleScoped("iam:UntagRole"), with_identity(UntagRole));
  svc->Register("ListRoleTags", RoleScoped("iam:ListRoleTags"), ListRoleTags);
}

}  // namespace sigil::iam
