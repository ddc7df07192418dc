#include "iam/iam_common.h"

#include <algorithm>

#include "common/crypto.h"
#include "common/strings.h"
#include "iam/aws_managed_policies.h"

namespace sigil::iam {

namespace {
std::string Capitalized(std::string_view kind) {
  std::string out(kind);
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 32);
  return out;
}
}  // namespace

Status NoSuchEntity(std::string_view kind, std::string_view name) {
  return NoSuchEntityMessage("The " + std::string(kind) + " with name " + std::string(name) +
                             " cannot be found.");
}

Status NoSuchEntityMessage(std::string message) {
  return AwsError(StatusCode::kNotFound, "NoSuchEntity", std::move(message));
}

Status EntityAlreadyExists(std::string_view kind, std::string_view name) {
  return AwsError(StatusCode::kAlreadyExists, "EntityAlreadyExists",
                  Capitalized(kind) + " with name " + std::string(name) + " already exists.");
}

Status InvalidInput(std::string message) {
  return AwsError(StatusCode::kInvalidArgument, "InvalidInput", std::move(message));
}

Status LimitExceeded(std::string_view quota, int64_t limit) {
  return AwsError(StatusCode::kResourceExhausted, "LimitExceeded",
                  "Cannot exceed quota for " + std::string(quota) + ": " + std::to_string(limit));
}

Status DeleteConflict(std::string message) {
  return AwsError(StatusCode::kFailedPrecondition, "DeleteConflict", std::move(message));
}

Status MalformedPolicyDocument(std::string message) {
  return AwsError(StatusCode::kInvalidArgument, "MalformedPolicyDocument", std::move(message));
}

std::string GroupArn(const std::string& account_id, const std::string& path,
                     const std::string& name) {
  return "arn:aws:iam::" + account_id + ":group" + path + name;
}

std::string PolicyArn(const std::string& account_id, const std::string& path,
                      const std::string& name) {
  return "arn:aws:iam::" + account_id + ":policy" + path + name;
}

std::optional<PolicyArnParts> ParsePolicyArn(std::string_view arn) {
  constexpr std::string_view kPrefix = "arn:aws:iam::";
  constexpr std::string_view kType = ":policy/";
  if (!StartsWith(arn, kPrefix)) return std::nullopt;
  std::string_view rest = arn.substr(kPrefix.size());
  size_t type = rest.find(kType);
  if (type == std::string_view::npos) return std::nullopt;
  PolicyArnParts parts;
  parts.account = std::string(rest.substr(0, type));
  std::string_view resource = rest.substr(type + kType.size() - 1);  // "/PATH/NAME"
  size_t last = resource.rfind('/');
  parts.path = std::string(resource.substr(0, last + 1));
  parts.name = std::string(resource.substr(last + 1));
  if (parts.name.empty() || parts.path.find("//") != std::string::npos) return std::nullopt;
  if (parts.account != "aws" &&
      (parts.account.size() != 12 ||
       parts.account.find_first_not_of("0123456789") != std::string::npos)) {
    return std::nullopt;
  }
  return parts;
}

Status CheckAttachablePolicy(const CallContext& ctx, std::string_view arn) {
  // Anything of the form arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE is an ARN; a well-formed
  // ARN that names no policy of this account is "not attachable", as AWS words it.
  if (!StartsWith(arn, "arn:") || Split(arn, ':').size() < 6) {
    return InvalidInput("ARN " + std::string(arn) + " is not valid.");
  }
  std::optional<PolicyArnParts> parts = ParsePolicyArn(arn);
  bool found = false;
  if (parts && parts->account == "aws") {
    found = FindAwsManagedPolicy(arn) != nullptr;
  } else if (parts && parts->account == ctx.principal.account_id) {
    const ManagedPolicy* p = ctx.snapshot.FindManagedPolicy(parts->account, parts->name);
    found = p != nullptr && p->name == parts->name && p->path == parts->path;
  }
  if (!found) {
    return NoSuchEntityMessage("Policy " + std::string(arn) +
                               " does not exist or is not attachable.");
  }
  return OkStatus();
}

StatusOr<UserTarget> ResolveUserTarget(const CallContext& ctx, const Value& input) {
  if (input.contains("UserName")) {
    std::string name = input["UserName"].get<std::string>();
    const User* user = ctx.snapshot.FindUser(ctx.principal.account_id, name);
    if (user == nullptr) return NoSuchEntity("user", name);
    return UserTarget{user, false};
  }
  if (ctx.principal.type == PrincipalType::kRoot) return UserTarget{nullptr, true};
  if (ctx.principal.type != PrincipalType::kUser) {
    // A role session (or federated user) has no user to default to.
    return AwsError(StatusCode::kInvalidArgument, "ValidationError",
                    "Must specify userName when calling with non-User credentials");
  }
  const User* self = ctx.snapshot.FindUser(ctx.principal.account_id, ctx.principal.user_name);
  if (self == nullptr) return NoSuchEntity("user", ctx.principal.user_name);
  return UserTarget{self, false};
}

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

const User* ExistingUserTarget(const CallContext& ctx, const Value& input) {
  const std::string& account = ctx.principal.account_id;
  if (input.contains("UserName"))
    return ctx.snapshot.FindUser(account, input["UserName"].get<std::string>());
  if (ctx.principal.type == PrincipalType::kRoot) return nullptr;
  return ctx.snapshot.FindUser(account, ctx.principal.user_name);
}

api::Describer UserScoped(const char* action) {
  return [action](const CallContext& ctx, const Value& input) {
    AuthzRequest req{action, TargetUserArn(ctx, input), {}};
    if (const User* u = ExistingUserTarget(ctx, input)) AddResourceTagKeys(u->tags, &req);
    if (input.contains("Tags") || input.contains("TagKeys")) AddRequestTagKeys(input, &req);
    return req;
  };
}

void AddResourceTagKeys(const std::vector<Tag>& tags, AuthzRequest* req) {
  for (const Tag& t : tags) {
    req->condition_keys["aws:ResourceTag/" + t.key] = {t.value};
    req->condition_keys["iam:ResourceTag/" + t.key] = {t.value};
  }
}

void AddRequestTagKeys(const Value& input, AuthzRequest* req) {
  std::vector<std::string> keys;
  if (input.contains("Tags")) {
    for (const Value& t : input["Tags"]) {
      const std::string key = t.value("Key", "");
      req->condition_keys["aws:RequestTag/" + key] = {t.value("Value", "")};
      keys.push_back(key);
    }
  } else if (input.contains("TagKeys")) {
    for (const Value& k : input["TagKeys"]) keys.push_back(k.get<std::string>());
  } else {
    return;
  }
  req->condition_keys["aws:TagKeys"] = std::move(keys);
}

Value PermissionsBoundaryToValue(const std::string& policy_arn) {
  // AWS answers "Policy" (what `aws iam get-user` prints and the API reference describes),
  // although the botocore model's enum lists "PermissionsBoundaryPolicy"; the SDKs do not
  // check enums in responses.
  return {{"PermissionsBoundaryType", "Policy"}, {"PermissionsBoundaryArn", policy_arn}};
}

Value UserToValue(const std::string& account_id, const User& u, bool detailed) {
  Value v = {{"Path", u.path},
             {"UserName", u.name},
             {"UserId", u.user_id},
             {"Arn", UserArn(account_id, u.path, u.name)},
             {"CreateDate", MillisOf(u.created)}};
  if (detailed && !u.permissions_boundary_arn.empty()) {
    v["PermissionsBoundary"] = PermissionsBoundaryToValue(u.permissions_boundary_arn);
  }
  if (detailed && !u.tags.empty()) v["Tags"] = TagsToValue(u.tags);
  return v;
}

std::string OptString(const Value& input, const char* member, std::string fallback) {
  auto it = input.find(member);
  return it == input.end() ? fallback : it->get<std::string>();
}

int64_t MillisOf(TimePoint t) { return t.time_since_epoch().count(); }

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
            "Duplicate tag keys found. Please note that Tag keys are case insensitive.");
      }
    }
    tags.push_back(std::move(tag));
  }
  return tags;
}

StatusOr<std::vector<Tag>> MergeTags(std::vector<Tag> existing, std::vector<Tag> added,
                                     std::string_view quota, int max_tags) {
  for (Tag& tag : added) {
    auto same = std::find_if(existing.begin(), existing.end(),
                             [&](const Tag& t) { return EqualsIgnoreCase(t.key, tag.key); });
    if (same != existing.end()) {
      same->value = std::move(tag.value);
    } else {
      existing.push_back(std::move(tag));
    }
  }
  if (existing.size() > static_cast<size_t>(max_tags)) return LimitExceeded(quota, max_tags);
  return existing;
}

std::vector<Tag> RemoveTags(std::vector<Tag> existing, const Value& keys) {
  for (const Value& key : keys) {
    std::string k = key.get<std::string>();
    std::erase_if(existing, [&](const Tag& t) { return EqualsIgnoreCase(t.key, k); });
  }
  return existing;
}

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

}  // namespace sigil::iam
