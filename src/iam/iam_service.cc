#include "iam/iam_service.h"

#include <algorithm>

#include "common/crypto.h"
#include "common/strings.h"

namespace sigil::iam {
namespace {

using api::AuthzRequest;
using api::CallContext;
using protocol::Value;

constexpr int kDefaultMaxItems = 100;

Status NoSuchUser(const std::string& name) {
  return AwsError(StatusCode::kNotFound, "NoSuchEntity",
                  "The user with name " + name + " cannot be found.");
}

Status NoSuchKey(const std::string& id) {
  return AwsError(StatusCode::kNotFound, "NoSuchEntity",
                  "The Access Key with id " + id + " cannot be found");
}

Status InvalidInput(std::string message) {
  return AwsError(StatusCode::kInvalidArgument, "InvalidInput", std::move(message));
}

std::string OptString(const Value& input, const char* member, std::string fallback = "") {
  auto it = input.find(member);
  return it == input.end() ? fallback : it->get<std::string>();
}

int64_t MillisOf(TimePoint t) { return t.time_since_epoch().count(); }

// The user an operation targets: the named one, or the caller when no name is given (as AWS
// does for GetUser, CreateAccessKey, ListAccessKeys, ...). Root callers without a name target
// the root identity itself (user == nullptr, ok).
struct Target {
  const User* user = nullptr;
  bool is_root = false;
};

StatusOr<Target> ResolveTarget(const CallContext& ctx, const Value& input) {
  if (input.contains("UserName")) {
    std::string name = input["UserName"].get<std::string>();
    const User* user = ctx.snapshot.FindUser(ctx.principal.account_id, name);
    if (user == nullptr) return NoSuchUser(name);
    return Target{user, false};
  }
  if (ctx.principal.type == PrincipalType::kRoot) return Target{nullptr, true};
  const User* self = ctx.snapshot.FindUser(ctx.principal.account_id, ctx.principal.user_name);
  if (self == nullptr) return NoSuchUser(ctx.principal.user_name);
  return Target{self, false};
}

// The ARN a user-scoped action is authorized against: the existing user's real ARN, else the
// one it would have (as AWS reports in denials for users that do not exist).
std::string TargetUserArn(const CallContext& ctx, const Value& input) {
  const std::string& account = ctx.principal.account_id;
  if (!input.contains("UserName")) {
    return ctx.principal.type == PrincipalType::kRoot ? RootArn(account) : ctx.principal.arn;
  }
  std::string name = input["UserName"].get<std::string>();
  if (const User* u = ctx.snapshot.FindUser(account, name))
    return UserArn(account, u->path, u->name);
  return UserArn(account, "/", name);
}

api::Describer UserScoped(const char* action) {
  return [action](const CallContext& ctx, const Value& input) {
    return AuthzRequest{action, TargetUserArn(ctx, input)};
  };
}

Value TagsToValue(const std::vector<Tag>& tags) {
  Value out = Value::array();
  for (const Tag& t : tags) out.push_back({{"Key", t.key}, {"Value", t.value}});
  return out;
}

StatusOr<std::vector<Tag>> TagsFromInput(const Value& input) {
  std::vector<Tag> tags;
  if (!input.contains("Tags")) return tags;
  for (const Value& t : input["Tags"]) {
    Tag tag{t.value("Key", ""), t.value("Value", "")};
    for (const Tag& seen : tags) {
      if (EqualsIgnoreCase(seen.key, tag.key)) {
        return InvalidInput(
            "Duplicate tag keys found. Please note that Tag keys are case "
            "insensitive.");
      }
    }
    tags.push_back(std::move(tag));
  }
  return tags;
}

Value UserToValue(const std::string& account_id, const User& u, bool with_tags) {
  Value v = {{"Path", u.path},
             {"UserName", u.name},
             {"UserId", u.user_id},
             {"Arn", UserArn(account_id, u.path, u.name)},
             {"CreateDate", MillisOf(u.created)}};
  if (with_tags && !u.tags.empty()) v["Tags"] = TagsToValue(u.tags);
  return v;
}

const char* StatusName(AccessKeyStatus s) {
  return s == AccessKeyStatus::kActive ? "Active" : "Inactive";
}

// Opaque pagination markers: the base64 of the sort key of the first item not yet returned.
std::string MakeMarker(std::string_view sort_key) { return Base64Encode(sort_key); }

StatusOr<std::string> ReadMarker(const Value& input) {
  if (!input.contains("Marker")) return std::string();
  auto decoded = Base64Decode(input["Marker"].get<std::string>());
  if (!decoded.ok() || decoded->empty()) {
    return AwsError(
        StatusCode::kInvalidArgument, "ValidationError",
        "Invalid value for parameter Marker: the marker is not one this service issued");
  }
  return std::move(decoded).value();
}

int MaxItems(const Value& input) {
  return input.contains("MaxItems") ? input["MaxItems"].get<int>() : kDefaultMaxItems;
}

// Pages `items` (already in order) by the marker/max-items contract, filling `out[list_member]`,
// IsTruncated and Marker.
template <typename T, typename KeyFn, typename ToValueFn>
Status Paginate(const Value& input, const std::vector<T>& items, KeyFn sort_key, ToValueFn to_value,
                const char* list_member, Value* out) {
  SIGIL_ASSIGN_OR_RETURN(std::string marker, ReadMarker(input));
  const size_t max_items = static_cast<size_t>(MaxItems(input));
  Value list = Value::array();
  size_t i = 0;
  while (i < items.size() && !marker.empty() && sort_key(items[i]) < marker) ++i;
  for (; i < items.size() && list.size() < max_items; ++i) list.push_back(to_value(items[i]));
  (*out)[list_member] = std::move(list);
  (*out)["IsTruncated"] = i < items.size();
  if (i < items.size()) (*out)["Marker"] = MakeMarker(sort_key(items[i]));
  return OkStatus();
}

// ---- Users -------------------------------------------------------------------------------

StatusOr<Value> CreateUser(IdentityService& identity, const CallContext& ctx, const Value& in) {
  const std::string name = in["UserName"].get<std::string>();
  const std::string path = OptString(in, "Path", "/");
  if (in.contains("PermissionsBoundary")) {
    return AwsError(StatusCode::kUnimplemented, "NotImplemented",
                    "Permissions boundaries are not supported by this Sigil version yet.");
  }
  SIGIL_ASSIGN_OR_RETURN(std::vector<Tag> tags, TagsFromInput(in));
  if (ctx.snapshot.FindUser(ctx.principal.account_id, name) != nullptr) {
    return AwsError(StatusCode::kAlreadyExists, "EntityAlreadyExists",
                    "User with name " + name + " already exists.");
  }
  if (ctx.snapshot.Users(ctx.principal.account_id).size() >= kMaxUsersPerAccount) {
    return AwsError(
        StatusCode::kResourceExhausted, "LimitExceeded",
        "Cannot exceed quota for UsersPerAccount: " + std::to_string(kMaxUsersPerAccount));
  }
  auto user = identity.CreateUser(ctx.principal.account_id, name, path, tags);
  if (!user.ok() && user.status().code() == StatusCode::kAlreadyExists) {
    return AwsError(StatusCode::kAlreadyExists, "EntityAlreadyExists",
                    "User with name " + name + " already exists.");
  }
  if (!user.ok()) return user.status();
  return Value{{"User", UserToValue(ctx.principal.account_id, *user, true)}};
}

StatusOr<Value> GetUser(const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(Target target, ResolveTarget(ctx, in));
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
  SIGIL_ASSIGN_OR_RETURN(Target target, ResolveTarget(ctx, in));
  std::optional<std::string> new_name, new_path;
  if (in.contains("NewUserName")) new_name = in["NewUserName"].get<std::string>();
  if (in.contains("NewPath")) new_path = in["NewPath"].get<std::string>();
  if (new_name) {
    const User* other = ctx.snapshot.FindUser(ctx.principal.account_id, *new_name);
    if (other != nullptr && other != target.user) {
      return AwsError(StatusCode::kAlreadyExists, "EntityAlreadyExists",
                      "User with name " + *new_name + " already exists.");
    }
  }
  Status s =
      identity.UpdateUser(ctx.principal.account_id, target.user->user_id, new_name, new_path);
  if (s.code() == StatusCode::kAlreadyExists) {
    return AwsError(StatusCode::kAlreadyExists, "EntityAlreadyExists",
                    "User with name " + new_name.value_or("") + " already exists.");
  }
  SIGIL_RETURN_IF_ERROR(s);
  return Value::object();
}

StatusOr<Value> DeleteUser(IdentityService& identity, const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(Target target, ResolveTarget(ctx, in));
  Status s = identity.DeleteUser(ctx.principal.account_id, target.user->user_id);
  if (s.code() == StatusCode::kFailedPrecondition) {
    return AwsError(StatusCode::kFailedPrecondition, "DeleteConflict",
                    "Cannot delete entity, must delete access keys first.");
  }
  if (s.code() == StatusCode::kNotFound) return NoSuchUser(target.user->name);
  SIGIL_RETURN_IF_ERROR(s);
  return Value::object();
}

// ---- User tags ---------------------------------------------------------------------------

StatusOr<Value> TagUser(IdentityService& identity, const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(Target target, ResolveTarget(ctx, in));
  SIGIL_ASSIGN_OR_RETURN(std::vector<Tag> added, TagsFromInput(in));
  std::vector<Tag> tags = target.user->tags;
  for (Tag& tag : added) {
    auto same = std::find_if(tags.begin(), tags.end(),
                             [&](const Tag& t) { return EqualsIgnoreCase(t.key, tag.key); });
    if (same != tags.end()) {
      same->value = std::move(tag.value);
    } else {
      tags.push_back(std::move(tag));
    }
  }
  if (tags.size() > kMaxTagsPerUser) {
    return AwsError(StatusCode::kResourceExhausted, "LimitExceeded",
                    "Cannot exceed quota for TagsPerUser: " + std::to_string(kMaxTagsPerUser));
  }
  SIGIL_RETURN_IF_ERROR(identity.SetUserTags(ctx.principal.account_id, target.user->user_id, tags));
  return Value::object();
}

StatusOr<Value> UntagUser(IdentityService& identity, const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(Target target, ResolveTarget(ctx, in));
  std::vector<Tag> tags = target.user->tags;
  for (const Value& key : in["TagKeys"]) {
    std::string k = key.get<std::string>();
    std::erase_if(tags, [&](const Tag& t) { return EqualsIgnoreCase(t.key, k); });
  }
  SIGIL_RETURN_IF_ERROR(identity.SetUserTags(ctx.principal.account_id, target.user->user_id, tags));
  return Value::object();
}

StatusOr<Value> ListUserTags(const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(Target target, ResolveTarget(ctx, in));
  const std::vector<Tag>& tags = target.user->tags;
  std::vector<std::pair<std::string, const Tag*>> items;  // (position key, tag): keeps order
  for (size_t i = 0; i < tags.size(); ++i) {
    char key[24];
    std::snprintf(key, sizeof(key), "%08zu", i);
    items.emplace_back(key, &tags[i]);
  }
  Value out = Value::object();
  SIGIL_RETURN_IF_ERROR(Paginate(
      in, items, [](const auto& item) { return item.first; },
      [](const auto& item) {
        return Value{{"Key", item.second->key}, {"Value", item.second->value}};
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

std::string_view TargetUserId(const Target& t) {
  return t.user == nullptr ? std::string_view() : std::string_view(t.user->user_id);
}

StatusOr<Value> CreateAccessKey(IdentityService& identity, const CallContext& ctx,
                                const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(Target target, ResolveTarget(ctx, in));
  std::string user_id(TargetUserId(target));
  if (ctx.snapshot.Keys(ctx.principal.account_id, user_id).size() >= kMaxAccessKeysPerUser) {
    return AwsError(
        StatusCode::kResourceExhausted, "LimitExceeded",
        "Cannot exceed quota for AccessKeysPerUser: " + std::to_string(kMaxAccessKeysPerUser));
  }
  SIGIL_ASSIGN_OR_RETURN(NewAccessKey created,
                         identity.CreateAccessKey(ctx.principal.account_id, user_id));
  Value key = {{"AccessKeyId", created.key.access_key_id},
               {"Status", "Active"},
               {"SecretAccessKey", created.secret_access_key},
               {"CreateDate", MillisOf(created.key.created)}};
  if (target.user != nullptr) key["UserName"] = target.user->name;
  SecureWipe(created.secret_access_key);
  return Value{{"AccessKey", std::move(key)}};
}

StatusOr<Value> ListAccessKeys(const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(Target target, ResolveTarget(ctx, in));
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
  SIGIL_ASSIGN_OR_RETURN(Target target, ResolveTarget(ctx, in));
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

std::unique_ptr<api::QueryService> MakeIamService(IdentityService& identity,
                                                  const KeyUsageTracker& usage) {
  auto svc = std::make_unique<api::QueryService>("iam", protocol::IamModel());
  auto with_identity = [&identity](auto fn) {
    return
        [&identity, fn](const CallContext& ctx, const Value& in) { return fn(identity, ctx, in); };
  };
  svc->Register(
      "CreateUser",
      [](const CallContext& ctx, const Value& in) {
        return AuthzRequest{"iam:CreateUser",
                            UserArn(ctx.principal.account_id, OptString(in, "Path", "/"),
                                    in["UserName"].get<std::string>())};
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
  return svc;
}

}  // namespace sigil::iam
