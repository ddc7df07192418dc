// IAM groups and their memberships: CreateGroup, GetGroup, ListGroups, ListGroupsForUser,
// AddUserToGroup, RemoveUserFromGroup, UpdateGroup, DeleteGroup.
#include "common/strings.h"
#include "iam/iam_common.h"
#include "iam/iam_service.h"
#include "store/metadata_store.h"

namespace sigil::iam {
namespace {

Value GroupToValue(const std::string& account_id, const Group& g) {
  return {{"Path", g.path},
          {"GroupName", g.name},
          {"GroupId", g.group_id},
          {"Arn", GroupArn(account_id, g.path, g.name)},
          {"CreateDate", MillisOf(g.created)}};
}

StatusOr<const Group*> NamedGroup(const CallContext& ctx, const Value& in) {
  const std::string name = in["GroupName"].get<std::string>();
  const Group* group = ctx.snapshot.FindGroup(ctx.principal.account_id, name);
  if (group == nullptr) return NoSuchEntity("group", name);
  return group;
}

StatusOr<const User*> NamedUser(const CallContext& ctx, const Value& in) {
  const std::string name = in["UserName"].get<std::string>();
  const User* user = ctx.snapshot.FindUser(ctx.principal.account_id, name);
  if (user == nullptr) return NoSuchEntity("user", name);
  return user;
}

// Group-scoped actions are authorized against the group's ARN, or the one a missing group
// would have.
api::Describer GroupScoped(const char* action) {
  return [action](const CallContext& ctx, const Value& in) {
    const std::string& account = ctx.principal.account_id;
    const std::string name = in["GroupName"].get<std::string>();
    const Group* g = ctx.snapshot.FindGroup(account, name);
    return AuthzRequest{
        action, g != nullptr ? GroupArn(account, g->path, g->name) : GroupArn(account, "/", name)};
  };
}

std::string LowerName(const auto* entity) { return AsciiLower(entity->name); }

StatusOr<Value> CreateGroup(IdentityService& identity, const CallContext& ctx, const Value& in) {
  const std::string name = in["GroupName"].get<std::string>();
  const std::string path = OptString(in, "Path", "/");
  if (ctx.snapshot.FindGroup(ctx.principal.account_id, name) != nullptr) {
    return EntityAlreadyExists("group", name);
  }
  auto group = identity.CreateGroup(ctx.principal.account_id, name, path, kMaxGroupsPerAccount);
  if (!group.ok() && group.status().code() == StatusCode::kAlreadyExists) {
    return EntityAlreadyExists("group", name);
  }
  if (!group.ok() && group.status().code() == StatusCode::kResourceExhausted) {
    return LimitExceeded("GroupsPerAccount", kMaxGroupsPerAccount);
  }
  if (!group.ok()) return group.status();
  return Value{{"Group", GroupToValue(ctx.principal.account_id, *group)}};
}

StatusOr<Value> GetGroup(const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(const Group* group, NamedGroup(ctx, in));
  Value out = {{"Group", GroupToValue(ctx.principal.account_id, *group)}};
  SIGIL_RETURN_IF_ERROR(Paginate(
      in, ctx.snapshot.MembersOfGroup(group->group_id), LowerName<User>,
      [&](const User* u) { return UserToValue(ctx.principal.account_id, *u, false); }, "Users",
      &out));
  return out;
}

StatusOr<Value> ListGroups(const CallContext& ctx, const Value& in) {
  const std::string prefix = OptString(in, "PathPrefix", "/");
  std::vector<const Group*> groups;
  for (const Group* g : ctx.snapshot.Groups(ctx.principal.account_id)) {
    if (StartsWith(g->path, prefix)) groups.push_back(g);
  }
  Value out = Value::object();
  SIGIL_RETURN_IF_ERROR(Paginate(
      in, groups, LowerName<Group>,
      [&](const Group* g) { return GroupToValue(ctx.principal.account_id, *g); }, "Groups", &out));
  return out;
}

StatusOr<Value> ListGroupsForUser(const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(const User* user, NamedUser(ctx, in));
  Value out = Value::object();
  SIGIL_RETURN_IF_ERROR(Paginate(
      in, ctx.snapshot.GroupsOfUser(user->user_id), LowerName<Group>,
      [&](const Group* g) { return GroupToValue(ctx.principal.account_id, *g); }, "Groups", &out));
  return out;
}

StatusOr<Value> AddUserToGroup(IdentityService& identity, const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(const Group* group, NamedGroup(ctx, in));
  SIGIL_ASSIGN_OR_RETURN(const User* user, NamedUser(ctx, in));
  Status s = identity.AddUserToGroup(ctx.principal.account_id, group->group_id, user->user_id,
                                     kMaxGroupsPerUser);
  if (s.code() == StatusCode::kResourceExhausted) {
    return LimitExceeded("GroupsPerUser", kMaxGroupsPerUser);
  }
  // Deleted since this request's snapshot: report the group (the one a user can't vanish from).
  if (s.code() == StatusCode::kNotFound) return NoSuchEntity("group", group->name);
  SIGIL_RETURN_IF_ERROR(s);
  return Value::object();
}

StatusOr<Value> RemoveUserFromGroup(IdentityService& identity, const CallContext& ctx,
                                    const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(const Group* group, NamedGroup(ctx, in));
  SIGIL_ASSIGN_OR_RETURN(const User* user, NamedUser(ctx, in));
  // AWS answers a user who is not a member as if the user were missing from the group.
  Status s = identity.RemoveUserFromGroup(ctx.principal.account_id, group->group_id, user->user_id);
  if (s.code() == StatusCode::kNotFound) return NoSuchEntity("user", user->name);
  SIGIL_RETURN_IF_ERROR(s);
  return Value::object();
}

StatusOr<Value> UpdateGroup(IdentityService& identity, const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(const Group* group, NamedGroup(ctx, in));
  std::optional<std::string> new_name, new_path;
  if (in.contains("NewGroupName")) new_name = in["NewGroupName"].get<std::string>();
  if (in.contains("NewPath")) new_path = in["NewPath"].get<std::string>();
  if (new_name) {
    const Group* other = ctx.snapshot.FindGroup(ctx.principal.account_id, *new_name);
    if (other != nullptr && other != group) return EntityAlreadyExists("group", *new_name);
  }
  Status s = identity.UpdateGroup(ctx.principal.account_id, group->group_id, new_name, new_path);
  if (s.code() == StatusCode::kAlreadyExists) {
    return EntityAlreadyExists("group", new_name.value_or(""));
  }
  if (s.code() == StatusCode::kNotFound) return NoSuchEntity("group", group->name);
  SIGIL_RETURN_IF_ERROR(s);
  return Value::object();
}

// AWS's DeleteConflict wording for each thing that still depends on a group.
std::string GroupDeleteConflictMessage(const std::string& dependent) {
  if (dependent == kDependentAttachedPolicies) {
    return "Cannot delete entity, must detach all policies first.";
  }
  if (dependent == kDependentInlinePolicies) {
    return "Cannot delete entity, must delete policies first.";
  }
  return "Cannot delete entity, must remove users from group first.";
}

StatusOr<Value> DeleteGroup(IdentityService& identity, const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(const Group* group, NamedGroup(ctx, in));
  Status s = identity.DeleteGroup(ctx.principal.account_id, group->group_id);
  if (s.code() == StatusCode::kFailedPrecondition) {
    return DeleteConflict(GroupDeleteConflictMessage(s.message()));
  }
  if (s.code() == StatusCode::kNotFound) return NoSuchEntity("group", group->name);
  SIGIL_RETURN_IF_ERROR(s);
  return Value::object();
}

}  // namespace

void RegisterGroupOperations(api::QueryService* svc, IdentityService& identity) {
  auto with_identity = [&identity](auto fn) {
    return
        [&identity, fn](const CallContext& ctx, const Value& in) { return fn(identity, ctx, in); };
  };
  svc->Register(
      "CreateGroup",
      [](const CallContext& ctx, const Value& in) {
        return AuthzRequest{"iam:CreateGroup",
                            GroupArn(ctx.principal.account_id, OptString(in, "Path", "/"),
                                     in["GroupName"].get<std::string>())};
      },
      with_identity(CreateGroup));
  svc->Register("GetGroup", GroupScoped("iam:GetGroup"), GetGroup);
  svc->Register(
      "ListGroups",
      [](const CallContext& ctx, const Value&) {
        return AuthzRequest{"iam:ListGroups",
                            "arn:aws:iam::" + ctx.principal.account_id + ":group/"};
      },
      ListGroups);
  svc->Register(
      "ListGroupsForUser",
      [](const CallContext& ctx, const Value& in) {
        const std::string& account = ctx.principal.account_id;
        const std::string name = in["UserName"].get<std::string>();
        const User* u = ctx.snapshot.FindUser(account, name);
        if (u == nullptr) return AuthzRequest{"iam:ListGroupsForUser", UserArn(account, "/", name)};
        AuthzRequest req{"iam:ListGroupsForUser", UserArn(account, u->path, u->name)};
        AddResourceTagKeys(u->tags, &req);
        return req;
      },
      ListGroupsForUser);
  svc->Register("AddUserToGroup", GroupScoped("iam:AddUserToGroup"), with_identity(AddUserToGroup));
  svc->Register("RemoveUserFromGroup", GroupScoped("iam:RemoveUserFromGroup"),
                with_identity(RemoveUserFromGroup));
  svc->Register("UpdateGroup", GroupScoped("iam:UpdateGroup"), with_identity(UpdateGroup));
  svc->Register("DeleteGroup", GroupScoped("iam:DeleteGroup"), with_identity(DeleteGroup));
}

}  // namespace sigil::iam
