// Helpers shared by the IAM operation files: AWS's error shapes, tag and pagination handling,
// and value conversions. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/operation.h"
#include "common/status.h"
#include "identity/model.h"

namespace sigil::iam {

using api::AuthzRequest;
using api::CallContext;
using protocol::Value;

inline constexpr int kDefaultMaxItems = 100;

// NoSuchEntity (404): "The user with name x cannot be found." — `kind` is "user", "group",
// "role", "policy" ...
Status NoSuchEntity(std::string_view kind, std::string_view name);
// NoSuchEntity with a message of the caller's choosing (AWS words some differently).
Status NoSuchEntityMessage(std::string message);
// EntityAlreadyExists (409): "User with name x already exists."
Status EntityAlreadyExists(std::string_view kind, std::string_view name);
Status InvalidInput(std::string message);                     // 400
Status LimitExceeded(std::string_view quota, int64_t limit);  // 409 "Cannot exceed quota for Q: N"
Status DeleteConflict(std::string message);                   // 409
Status MalformedPolicyDocument(std::string message);          // 400

// ARNs of IAM entities, "arn:aws:iam::ACCOUNT:group/PATH/NAME" (path "/" or "/a/b/").
std::string GroupArn(const std::string& account_id, const std::string& path,
                     const std::string& name);
// (RoleArn and UserArn live with Principal in identity/principal.h.)
std::string PolicyArn(const std::string& account_id, const std::string& path,
                      const std::string& name);

// The parts of a managed policy's ARN, "arn:aws:iam::ACCOUNT:policy/PATH/NAME" (ACCOUNT is
// "aws" for AWS managed policies).
struct PolicyArnParts {
  std::string account;  // 12 digits or "aws"
  std::string path;     // "/" or "/a/b/"
  std::string name;
};
// nullopt unless `arn` has that shape (partition aws, service iam, resource type policy).
std::optional<PolicyArnParts> ParsePolicyArn(std::string_view arn);

// Checks that `arn` names a managed policy the caller may attach or use as a permissions
// boundary: a customer managed policy of the caller's account (exact path and name, as ARNs are
// case-sensitive) or an AWS managed policy. InvalidInput "ARN x is not valid." when `arn` is no
// ARN at all; NoSuchEntity "Policy x does not exist or is not attachable." otherwise.
Status CheckAttachablePolicy(const CallContext& ctx, std::string_view arn);

// The user an operation targets: the named one, or the caller when no name is given (as AWS
// does for GetUser, CreateAccessKey, ListAccessKeys, ListMFADevices, ...). Root callers without a
// name target the root identity itself (user == nullptr, is_root).
struct UserTarget {
  const User* user = nullptr;
  bool is_root = false;
};
// NoSuchEntity when the named user (or the calling user) does not exist; ValidationError when no
// name is given by a caller that is not a user (a role session, a federated user).
StatusOr<UserTarget> ResolveUserTarget(const CallContext& ctx, const Value& input);

// The ARN a user-scoped action is authorized against: the existing user's real ARN, else the
// one it would have (as AWS reports in denials for users that do not exist).
std::string TargetUserArn(const CallContext& ctx, const Value& input);

// The user an operation targets, if it exists (the caller itself when no name is given).
const User* ExistingUserTarget(const CallContext& ctx, const Value& input);

// Authorizes `action` against the target user's ARN, with its tags as aws:ResourceTag and
// iam:ResourceTag keys (tag-based access control on users) and, for tagging operations, the
// request's tags.
api::Describer UserScoped(const char* action);

// Adds aws:ResourceTag/KEY and iam:ResourceTag/KEY (IAM's older spelling) for each tag of the
// user or role an operation acts on.
void AddResourceTagKeys(const std::vector<Tag>& tags, AuthzRequest* req);

// The request-tag keys of a tagging request: aws:RequestTag/KEY for each entry of input["Tags"]
// and aws:TagKeys listing their keys (CreateX with tags, TagX); for UntagX, aws:TagKeys from
// input["TagKeys"].
void AddRequestTagKeys(const Value& input, AuthzRequest* req);

// The AttachedPermissionsBoundary shape GetUser/GetRole show for a boundary ARN.
Value PermissionsBoundaryToValue(const std::string& policy_arn);

// The User shape. `detailed` (CreateUser, GetUser) adds tags and the permissions boundary,
// which AWS's list operations (ListUsers, GetGroup) leave out.
Value UserToValue(const std::string& account_id, const User& u, bool detailed);

// The member as a string, or `fallback` when absent.
std::string OptString(const Value& input, const char* member, std::string fallback = "");
int64_t MillisOf(TimePoint t);

Value TagsToValue(const std::vector<Tag>& tags);
// Tags from input["Tags"]; InvalidInput when two keys differ only in case (IAM tag keys are
// case-insensitive).
StatusOr<std::vector<Tag>> TagsFromInput(const Value& input);
// `existing` with `added` applied (same key, any case, replaces the value). LimitExceeded beyond
// `max_tags` under the quota name given.
StatusOr<std::vector<Tag>> MergeTags(std::vector<Tag> existing, std::vector<Tag> added,
                                     std::string_view quota, int max_tags);
std::vector<Tag> RemoveTags(std::vector<Tag> existing, const Value& keys);

// Pagination as IAM does it: opaque Marker, MaxItems (default 100), IsTruncated.
std::string MakeMarker(std::string_view sort_key);
StatusOr<std::string> ReadMarker(const Value& input);
int MaxItems(const Value& input);

// Pages `items` (already ordered by `sort_key`) into out[list_member], IsTruncated and Marker.
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

// Paginates a list whose order is its position (e.g. tags).
template <typename T, typename ToValueFn>
Status PaginateByPosition(const Value& input, const std::vector<T>& items, ToValueFn to_value,
                          const char* list_member, Value* out) {
  std::vector<std::pair<std::string, const T*>> keyed;
  for (size_t i = 0; i < items.size(); ++i) {
    std::string key = std::to_string(i);
    keyed.emplace_back(std::string(10 - key.size(), '0') + key, &items[i]);
  }
  return Paginate(
      input, keyed, [](const auto& item) { return item.first; },
      [&](const auto& item) { return to_value(*item.second); }, list_member, out);
}

}  // namespace sigil::iam
