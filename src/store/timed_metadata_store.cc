#include "store/timed_metadata_store.h"

#include <array>
#include <string_view>

namespace sigil {
namespace {

// Every MetadataStore method, in declaration order, with its metric label.
enum Op : size_t {
  kLoadIdentity,
  kChangedElsewhere,
  kPing,
  kCreateAccount,
  kCreateUser,
  kUpdateUser,
  kDeleteUser,
  kSetUserPermissionsBoundary,
  kSetUserTags,
  kCreateAccessKey,
  kUpdateAccessKeyStatus,
  kDeleteAccessKey,
  kCreateGroup,
  kUpdateGroup,
  kDeleteGroup,
  kAddUserToGroup,
  kRemoveUserFromGroup,
  kCreateManagedPolicy,
  kDeleteManagedPolicy,
  kCreatePolicyVersion,
  kDeletePolicyVersion,
  kSetDefaultPolicyVersion,
  kSetManagedPolicyTags,
  kAttachPolicy,
  kDetachPolicy,
  kPutInlinePolicy,
  kDeleteInlinePolicy,
  kCreateRole,
  kUpdateRole,
  kDeleteRole,
  kCreateMfaDevice,
  kAssignMfaDevice,
  kUnassignMfaDevice,
  kResyncMfaDevice,
  kAdvanceMfaStep,
  kDeleteMfaDevice,
  kSetMfaDeviceTags,
  kRecordAccessKeyUsage,
  kCount
};

constexpr std::array<std::string_view, kCount> kOpNames = {
    "load_identity",
    "changed_elsewhere",
    "ping",
    "create_account",
    "create_user",
    "update_user",
    "delete_user",
    "set_user_permissions_boundary",
    "set_user_tags",
    "create_access_key",
    "update_access_key_status",
    "delete_access_key",
    "create_group",
    "update_group",
    "delete_group",
    "add_user_to_group",
    "remove_user_from_group",
    "create_managed_policy",
    "delete_managed_policy",
    "create_policy_version",
    "delete_policy_version",
    "set_default_policy_version",
    "set_managed_policy_tags",
    "attach_policy",
    "detach_policy",
    "put_inline_policy",
    "delete_inline_policy",
    "create_role",
    "update_role",
    "delete_role",
    "create_mfa_device",
    "assign_mfa_device",
    "unassign_mfa_device",
    "resync_mfa_device",
    "advance_mfa_step",
    "delete_mfa_device",
    "set_mfa_device_tags",
    "record_access_key_usage",
};

// Storage latencies span sub-millisecond reads to multi-second fsyncs and reconnects.
std::vector<double> StoreBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
}

}  // namespace

TimedMetadataStore::TimedMetadataStore(MetadataStore& inner, metrics::Registry& registry)
    : inner_(inner) {
  auto& family = registry.AddHistogram("sigil_store_operation_duration_seconds",
                                       "Time spent in metadata store operations, by operation.",
                                       {"op"}, StoreBuckets());
  for (std::string_view op : kOpNames) durations_.push_back(&family.WithLabels({op}));
}

StatusOr<IdentityData> TimedMetadataStore::LoadIdentity() {
  return Time(*durations_[kLoadIdentity], [&] { return inner_.LoadIdentity(); });
}

StatusOr<bool> TimedMetadataStore::ChangedElsewhere() {
  return Time(*durations_[kChangedElsewhere], [&] { return inner_.ChangedElsewhere(); });
}

Status TimedMetadataStore::Ping() {
  return Time(*durations_[kPing], [&] { return inner_.Ping(); });
}

Status TimedMetadataStore::CreateAccount(const Account& account) {
  return Time(*durations_[kCreateAccount], [&] { return inner_.CreateAccount(account); });
}

Status TimedMetadataStore::CreateUser(const User& user) {
  return Time(*durations_[kCreateUser], [&] { return inner_.CreateUser(user); });
}

Status TimedMetadataStore::UpdateUser(const std::string& account_id, const std::string& user_id,
                                      const std::optional<std::string>& new_name,
                                      const std::optional<std::string>& new_path) {
  return Time(*durations_[kUpdateUser],
              [&] { return inner_.UpdateUser(account_id, user_id, new_name, new_path); });
}

Status TimedMetadataStore::DeleteUser(const std::string& account_id, const std::string& user_id) {
  return Time(*durations_[kDeleteUser], [&] { return inner_.DeleteUser(account_id, user_id); });
}

Status TimedMetadataStore::SetUserPermissionsBoundary(const std::string& account_id,
                                                      const std::string& user_id,
                                                      const std::string& policy_arn) {
  return Time(*durations_[kSetUserPermissionsBoundary],
              [&] { return inner_.SetUserPermissionsBoundary(account_id, user_id, policy_arn); });
}

Status TimedMetadataStore::SetUserTags(const std::string& account_id, const std::string& user_id,
                                       const std::vector<Tag>& tags) {
  return Time(*durations_[kSetUserTags],
              [&] { return inner_.SetUserTags(account_id, user_id, tags); });
}

Status TimedMetadataStore::CreateAccessKey(const AccessKey& key) {
  return Time(*durations_[kCreateAccessKey], [&] { return inner_.CreateAccessKey(key); });
}

Status TimedMetadataStore::UpdateAccessKeyStatus(const std::string& access_key_id,
                                                 AccessKeyStatus status) {
  return Time(*durations_[kUpdateAccessKeyStatus],
              [&] { return inner_.UpdateAccessKeyStatus(access_key_id, status); });
}

Status TimedMetadataStore::DeleteAccessKey(const std::string& access_key_id) {
  return Time(*durations_[kDeleteAccessKey], [&] { return inner_.DeleteAccessKey(access_key_id); });
}

Status TimedMetadataStore::CreateGroup(const Group& group) {
  return Time(*durations_[kCreateGroup], [&] { return inner_.CreateGroup(group); });
}

Status TimedMetadataStore::UpdateGroup(const std::string& account_id, const std::string& group_id,
                                       const std::optional<std::string>& new_name,
                                       const std::optional<std::string>& new_path) {
  return Time(*durations_[kUpdateGroup],
              [&] { return inner_.UpdateGroup(account_id, group_id, new_name, new_path); });
}

Status TimedMetadataStore::DeleteGroup(const std::string& account_id, const std::string& group_id) {
  return Time(*durations_[kDeleteGroup], [&] { return inner_.DeleteGroup(account_id, group_id); });
}

Status TimedMetadataStore::AddUserToGroup(const std::string& account_id,
                                          const std::string& group_id, const std::string& user_id) {
  return Time(*durations_[kAddUserToGroup],
              [&] { return inner_.AddUserToGroup(account_id, group_id, user_id); });
}

Status TimedMetadataStore::RemoveUserFromGroup(const std::string& account_id,
                                               const std::string& group_id,
                                               const std::string& user_id) {
  return Time(*durations_[kRemoveUserFromGroup],
              [&] { return inner_.RemoveUserFromGroup(account_id, group_id, user_id); });
}

Status TimedMetadataStore::CreateManagedPolicy(const ManagedPolicy& policy,
                                               const PolicyVersion& first_version) {
  return Time(*durations_[kCreateManagedPolicy],
              [&] { return inner_.CreateManagedPolicy(policy, first_version); });
}

Status TimedMetadataStore::DeleteManagedPolicy(const std::string& account_id,
                                               const std::string& policy_id) {
  return Time(*durations_[kDeleteManagedPolicy],
              [&] { return inner_.DeleteManagedPolicy(account_id, policy_id); });
}

Status TimedMetadataStore::CreatePolicyVersion(const std::string& account_id,
                                               const PolicyVersion& version, bool set_as_default,
                                               TimePoint updated) {
  return Time(*durations_[kCreatePolicyVersion], [&] {
    return inner_.CreatePolicyVersion(account_id, version, set_as_default, updated);
  });
}

Status TimedMetadataStore::DeletePolicyVersion(const std::string& account_id,
                                               const std::string& policy_id,
                                               const std::string& version_id) {
  return Time(*durations_[kDeletePolicyVersion],
              [&] { return inner_.DeletePolicyVersion(account_id, policy_id, version_id); });
}

Status TimedMetadataStore::SetDefaultPolicyVersion(const std::string& account_id,
                                                   const std::string& policy_id,
                                                   const std::string& version_id,
                                                   TimePoint updated) {
  return Time(*durations_[kSetDefaultPolicyVersion], [&] {
    return inner_.SetDefaultPolicyVersion(account_id, policy_id, version_id, updated);
  });
}

Status TimedMetadataStore::SetManagedPolicyTags(const std::string& account_id,
                                                const std::string& policy_id,
                                                const std::vector<Tag>& tags) {
  return Time(*durations_[kSetManagedPolicyTags],
              [&] { return inner_.SetManagedPolicyTags(account_id, policy_id, tags); });
}

Status TimedMetadataStore::AttachPolicy(const PolicyAttachment& attachment) {
  return Time(*durations_[kAttachPolicy], [&] { return inner_.AttachPolicy(attachment); });
}

Status TimedMetadataStore::DetachPolicy(const PolicyAttachment& attachment) {
  return Time(*durations_[kDetachPolicy], [&] { return inner_.DetachPolicy(attachment); });
}

Status TimedMetadataStore::PutInlinePolicy(const InlinePolicy& policy) {
  return Time(*durations_[kPutInlinePolicy], [&] { return inner_.PutInlinePolicy(policy); });
}

Status TimedMetadataStore::DeleteInlinePolicy(const std::string& account_id,
                                              PolicyOwnerKind owner_kind,
                                              const std::string& owner_id,
                                              const std::string& name) {
  return Time(*durations_[kDeleteInlinePolicy],
              [&] { return inner_.DeleteInlinePolicy(account_id, owner_kind, owner_id, name); });
}

Status TimedMetadataStore::CreateRole(const Role& role) {
  return Time(*durations_[kCreateRole], [&] { return inner_.CreateRole(role); });
}

Status TimedMetadataStore::UpdateRole(const Role& role) {
  return Time(*durations_[kUpdateRole], [&] { return inner_.UpdateRole(role); });
}

Status TimedMetadataStore::DeleteRole(const std::string& account_id, const std::string& role_id) {
  return Time(*durations_[kDeleteRole], [&] { return inner_.DeleteRole(account_id, role_id); });
}

Status TimedMetadataStore::CreateMfaDevice(const MfaDevice& device) {
  return Time(*durations_[kCreateMfaDevice], [&] { return inner_.CreateMfaDevice(device); });
}

Status TimedMetadataStore::AssignMfaDevice(const std::string& account_id,
                                           const std::string& serial_number,
                                           const std::string& user_id, TimePoint enabled_at,
                                           int64_t accepted_step) {
  return Time(*durations_[kAssignMfaDevice], [&] {
    return inner_.AssignMfaDevice(account_id, serial_number, user_id, enabled_at, accepted_step);
  });
}

Status TimedMetadataStore::UnassignMfaDevice(const std::string& user_id,
                                             const std::string& serial_number) {
  return Time(*durations_[kUnassignMfaDevice],
              [&] { return inner_.UnassignMfaDevice(user_id, serial_number); });
}

Status TimedMetadataStore::ResyncMfaDevice(const std::string& user_id,
                                           const std::string& serial_number,
                                           int64_t accepted_step) {
  return Time(*durations_[kResyncMfaDevice],
              [&] { return inner_.ResyncMfaDevice(user_id, serial_number, accepted_step); });
}

Status TimedMetadataStore::AdvanceMfaStep(const std::string& serial_number,
                                          const std::string& user_id, TimePoint enabled_at,
                                          int64_t step) {
  return Time(*durations_[kAdvanceMfaStep],
              [&] { return inner_.AdvanceMfaStep(serial_number, user_id, enabled_at, step); });
}

Status TimedMetadataStore::DeleteMfaDevice(const std::string& account_id,
                                           const std::string& serial_number) {
  return Time(*durations_[kDeleteMfaDevice],
              [&] { return inner_.DeleteMfaDevice(account_id, serial_number); });
}

Status TimedMetadataStore::SetMfaDeviceTags(const std::string& account_id,
                                            const std::string& serial_number,
                                            const std::vector<Tag>& tags) {
  return Time(*durations_[kSetMfaDeviceTags],
              [&] { return inner_.SetMfaDeviceTags(account_id, serial_number, tags); });
}

Status TimedMetadataStore::RecordAccessKeyUsage(const std::vector<AccessKeyUsage>& usage) {
  return Time(*durations_[kRecordAccessKeyUsage],
              [&] { return inner_.RecordAccessKeyUsage(usage); });
}

}  // namespace sigil
