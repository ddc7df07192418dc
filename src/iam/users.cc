// IAM users, their tags and their access keys.
#include <algorithm>

#include "common/crypto.h"
#include "common/strings.h"
#include "iam/iam_common.h"
#include "iam/iam_service.h"
#include "store/metadata_store.h"

namespace sigil::iam {
namespace {

Status NoSuchKey(const std::string& id) {
  return NoSuchEntityMessage("The Access Key with id " + id + " cannot be found");
}

const char* StatusName(AccessKeyStatus s) {
  return s == AccessKeyStatus::kActive ? "Active" : "Inactive";
}

// ---- Users -------------------------------------------------------------------------------

StatusOr<Value> CreateUser(IdentityService& identity, const CallContext& ctx, const Value& in) {
  const std::string name = in["UserName"].get<std::string>();
  const std::string path = OptString(in, "Path", "/");
  const std::string boundary = OptString(in, "PermissionsBoundary");
  if (!boundary.empty()) SIGIL_RETURN_IF_ERROR(CheckAttachablePolicy(ctx, boundary));
  SIGIL_ASSIGN_OR_RETURN(std::vector<Tag> tags, TagsFromInput(in));
  if (ctx.snapshot.FindUser(ctx.principal.account_id, name) != nullptr) {
    return EntityAlreadyExists("user", name);
  }
  auto user = identity.CreateUser(ctx.principal.account_id, name, path, tags, kMaxUsersPerAccount,
                                  boundary);
  if (!user.ok() && user.status().code() == StatusCode::kAlreadyExists) {
    return EntityAlreadyExists("user", name);
  }
  if (!user.ok() && user.status().code() == StatusCode::kResourceExhausted) {
    return LimitExceeded("UsersPerAccount", kMaxUsersPerAccount);
  }
  if (!user.ok()) return user.status();
  return Value{{"User", UserToValue(ctx.principal.account_id, *user, true)}};
}

StatusOr<Value> GetUser(const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(UserTarget target, ResolveUserTarget(ctx, in));
  if (target.is_root) {
    const Account* account = ctx.snapshot.FindAccount(ctx.principal.account_id);
    Value root = {{"UserId", ctx.principal.account_id}, {"Arn", RootArn(ctx.principal.account_id)}};
    if (account != nullptr) root["CreateDate"] = MillisOf(account->created);
    return Value{{"User", root}};
  }
  return Value{{"User", UserToValue(ctx.principal.account_id, *target.user, true)}};
}

StatusOr<Value> ListUsers(const CallContext& ctx, const Value& in) {
  const std::string prefix = OptString(in, "PathPrefix", "/");
  std::vector<const User*> users;
  for (const User* u : ctx.snapshot.Users(ctx.principal.account_id)) {
    if (StartsWith(u->path, prefix)) users.push_back(u);
  }
  Value out = Value::object();
  SIGIL_RETURN_IF_ERROR(Paginate(
      in, users, [](const User* u) { return AsciiLower(u->name); },
      [&](const User* u) { return UserToValue(ctx.principal.account_id, *u, false); }, "Users",
      &out));
  return out;
}

StatusOr<Value> UpdateUser(IdentityService& identity, const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(UserTarget target, ResolveUserTarget(ctx, in));
  std::optional<std::string> new_name, new_path;
  if (in.contains("NewUserName")) new_name = in["NewUserName"].get<std::string>();
  if (in.contains("NewPath")) new_path = in["NewPath"].get<std::string>();
  if (new_name) {
    const User* other = ctx.snapshot.FindUser(ctx.principal.account_id, *new_name);
    if (other != nullptr && other != target.user) {
      return EntityAlreadyExists("user", *new_name);
    }
  }
  Status s =
      identity.UpdateUser(ctx.principal.account_id, target.user->user_id, new_name, new_path);
  if (s.code() == StatusCode::kAlreadyExists) {
    return EntityAlreadyExists("user", new_name.value_or(""));
  }
  SIGIL_RETURN_IF_ERROR(s);
  return Value::object();
}

// AWS's DeleteConflict wording for each thing that still depends on a user.
std::string UserDeleteConflictMessage(const std::string& dependent) {
  if (dependent == kDependentGroupMemberships) {
    return "Cannot delete entity, must remove users from group first.";
  }
  if (dependent == kDependentAttachedPolicies) {
    return "Cannot delete entity, must detach all policies first.";
  }
  if (dependent == kDependentInlinePolicies) {
    return "Cannot delete entity, must delete policies first.";
  }
  if (dependent == kDependentMfaDevices) {
    return "Cannot delete entity, must delete MFA device first.";
  }
  return "Cannot delete entity, must delete access keys first.";
}

StatusOr<Value> DeleteUser(IdentityService& identity, const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(UserTarget target, ResolveUserTarget(ctx, in));
  Status s = identity.DeleteUser(ctx.principal.account_id, target.user->user_id);
  if (s.code() == StatusCode::kFailedPrecondition) {
    return DeleteConflict(UserDeleteConflictMessage(s.message()));
  }
  if (s.code() == StatusCode::kNotFound) return NoSuchEntity("user", target.user->name);
  SIGIL_RETURN_IF_ERROR(s);
  return Value::object();
}

// ---- User tags ---------------------------------------------------------------------------

StatusOr<Value> TagUser(IdentityService& identity, const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(UserTarget target, ResolveUserTarget(ctx, in));
  SIGIL_ASSIGN_OR_RETURN(std::vector<Tag> added, TagsFromInput(in));
  SIGIL_ASSIGN_OR_RETURN(std::vector<Tag> tags, MergeTags(target.user->tags, std::move(added),
                                                          "TagsPerUser", kMaxTagsPerUser));
  SIGIL_RETURN_IF_ERROR(identity.SetUserTags(ctx.principal.account_id, target.user->user_id, tags));
  return Value::object();
}

StatusOr<Value> UntagUser(IdentityService& identity, const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(UserTarget target, ResolveUserTarget(ctx, in));
  SIGIL_RETURN_IF_ERROR(identity.SetUserTags(ctx.principal.account_id, target.user->user_id,
                                             RemoveTags(target.user->tags, in["TagKeys"])));
  return Value::object();
}

StatusOr<Value> ListUserTags(const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(UserTarget target, ResolveUserTarget(ctx, in));
  Value out = Value::object();
  SIGIL_RETURN_IF_ERROR(PaginateByPosition(
      in, target.user->tags,
      [](const Tag& t) {
        return Value{{"Key", t.key}, {"Value", t.value}};
      },
      "Tags", &out));
  return out;
}

// ---- Access keys -------------------------------------------------------------------------

Value KeyMetadata(const KeyEntry& e) {
  Value v = {{"AccessKeyId", e.key.access_key_id},
             {"Status", StatusName(e.key.status)},
             {"CreateDate", MillisOf(e.key.created)}};
  if (e.user != nullptr) v["UserName"] = e.user->name;
  return v;
}

std::string_view TargetUserId(const UserTarget& t) {
  return t.user == nullptr ? std::string_view() : std::string_view(t.user->user_id);
}

StatusOr<Value> CreateAccessKey(IdentityService& identity, const CallContext& ctx,
                                const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(UserTarget target, ResolveUserTarget(ctx, in));
  std::string user_id(TargetUserId(target));
  auto created = identity.CreateAccessKey(ctx.principal.account_id, user_id, kMaxAccessKeysPerUser);
  if (!created.ok() && created.status().code() == StatusCode::kResourceExhausted) {
    return LimitExceeded("AccessKeysPerUser", kMaxAccessKeysPerUser);
  }
  if (!created.ok()) return created.status();
  Value key = {{"AccessKeyId", created->key.access_key_id},
               {"Status", "Active"},
               {"SecretAccessKey", created->secret_access_key},
               {"CreateDate", MillisOf(created->key.created)}};
  if (target.user != nullptr) key["UserName"] = target.user->name;
  SecureWipe(created->secret_access_key);
  return Value{{"AccessKey", std::move(key)}};
}

StatusOr<Value> ListAccessKeys(const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(UserTarget target, ResolveUserTarget(ctx, in));
  std::vector<const KeyEntry*> keys =
      ctx.snapshot.Keys(ctx.principal.account_id, TargetUserId(target));
  Value out = Value::object();
  SIGIL_RETURN_IF_ERROR(Paginate(
      in, keys, [](const KeyEntry* e) { return e->key.access_key_id; },
      [](const KeyEntry* e) { return KeyMetadata(*e); }, "AccessKeyMetadata", &out));
  return out;
}

// The key named by AccessKeyId, which must belong to the target user (or root).
StatusOr<const KeyEntry*> TargetKey(const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(UserTarget target, ResolveUserTarget(ctx, in));
  const std::string id = in["AccessKeyId"].get<std::string>();
  const KeyEntry* key = ctx.snapshot.FindKey(id);
  if (key == nullptr || key->key.account_id != ctx.principal.account_id ||
      key->key.user_id != TargetUserId(target)) {
    return NoSuchKey(id);
  }
  return key;
}

StatusOr<Value> UpdateAccessKey(IdentityService& identity, const CallContext& ctx,
                                const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(const KeyEntry* key, TargetKey(ctx, in));
  AccessKeyStatus status = in["Status"].get<std::string>() == "Active" ? AccessKeyStatus::kActive
                                                                       : AccessKeyStatus::kInactive;
  if (in["Status"].get<std::string>() == "Expired") {
    return InvalidInput("Status Expired cannot be set on an access key.");
  }
  SIGIL_RETURN_IF_ERROR(identity.UpdateAccessKeyStatus(key->key.access_key_id, status));
  return Value::object();
}

StatusOr<Value> DeleteAccessKey(IdentityService& identity, const CallContext& ctx,
                                const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(const KeyEntry* key, TargetKey(ctx, in));
  SIGIL_RETURN_IF_ERROR(identity.DeleteAccessKey(key->key.access_key_id));
  return Value::object();
}

StatusOr<Value> GetAccessKeyLastUsed(const KeyUsageTracker& usage, const CallContext& ctx,
                                     const Value& in) {
  const std::string id = in["AccessKeyId"].get<std::string>();
  const KeyEntry* key = ctx.snapshot.FindKey(id);
  if (key == nullptr || key->key.account_id != ctx.principal.account_id) return NoSuchKey(id);
  std::optional<AccessKeyUsage> used = usage.Latest(id);
  if (!used) {
    if (const AccessKeyUsage* persisted = ctx.snapshot.PersistedUsage(id)) used = *persisted;
  }
  Value last = {{"ServiceName", "N/A"}, {"Region", "N/A"}};
  if (used) {
    last = {{"LastUsedDate", MillisOf(used->last_used)},
            {"ServiceName", used->service},
            {"Region", used->region}};
  }
  Value out = {{"AccessKeyLastUsed", last}};
  if (key->user != nullptr) out["UserName"] = key->user->name;
  return out;
}

// GetAccessKeyLastUsed is authorized against the key's owner.
AuthzRequest DescribeKeyOwner(const CallContext& ctx, const Value& in) {
  const KeyEntry* key = ctx.snapshot.FindKey(in["AccessKeyId"].get<std::string>());
  std::string resource = key != nullptr && key->key.account_id == ctx.principal.account_id
                             ? key->principal.arn
                             : "arn:aws:iam::" + ctx.principal.account_id + ":user/";
  return {"iam:GetAccessKeyLastUsed", resource};
}

}  // namespace

void RegisterUserOperations(api::QueryService* svc, IdentityService& identity,
                            const KeyUsageTracker& usage) {
  auto with_identity = [&identity](auto fn) {
    return
        [&identity, fn](const CallContext& ctx, const Value& in) { return fn(identity, ctx, in); };
  };
  svc->Register(
      "CreateUser",
      [](const CallContext& ctx, const Value& in) {
        AuthzRequest req{"iam:CreateUser",
                         UserArn(ctx.principal.account_id, OptString(in, "Path", "/"),
                                 in["UserName"].get<std::string>())};
        if (in.contains("PermissionsBoundary")) {
          req.condition_keys["iam:PermissionsBoundary"] = {
              in["PermissionsBoundary"].get<std::string>()};
        }
        return req;
      },
      with_identity(CreateUser));
  svc->Register("GetUser", UserScoped("iam:GetUser"), GetUser);
  svc->Register(
      "ListUsers",
      [](const CallContext& ctx, const Value&) {
        return AuthzRequest{"iam:ListUsers", "arn:aws:iam::" + ctx.principal.account_id + ":user/"};
      },
      ListUsers);
  svc->Register("UpdateUser", UserScoped("iam:UpdateUser"), with_identity(UpdateUser));
  svc->Register("DeleteUser", UserScoped("iam:DeleteUser"), with_identity(DeleteUser));
  svc->Register("TagUser", UserScoped("iam:TagUser"), with_identity(TagUser));
  svc->Register("UntagUser", UserScoped("iam:UntagUser"), with_identity(UntagUser));
  svc->Register("ListUserTags", UserScoped("iam:ListUserTags"), ListUserTags);
  svc->Register("CreateAccessKey", UserScoped("iam:CreateAccessKey"),
                with_identity(CreateAccessKey));
  svc->Register("ListAccessKeys", UserScoped("iam:ListAccessKeys"), ListAccessKeys);
  svc->Register("UpdateAccessKey", UserScoped("iam:UpdateAccessKey"),
                with_identity(UpdateAccessKey));
  svc->Register("DeleteAccessKey", UserScoped("iam:DeleteAccessKey"),
                with_identity(DeleteAccessKey));
  svc->Register("GetAccessKeyLastUsed", DescribeKeyOwner,
                [&usage](const CallContext& ctx, const Value& in) {
                  return GetAccessKeyLastUsed(usage, ctx, in);
                });
}

}  // namespace sigil::iam
