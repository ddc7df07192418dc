// The narrow, domain-typed persistence interface for IAM state. Implementations: SQLite (the
// embedded default) and PostgreSQL (several nodes on one database); one contract test suite
// (metadata_store_contract.h) runs against each. Every write is atomic and durable when it returns
// OK. Implementations are thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "identity/model.h"

namespace sigil {

// The message of the kFailedPrecondition a delete returns while something still depends on the
// entity (the first dependent found, in this order). A user's come in AWS's order of DeleteUser
// prerequisites as far as Sigil has them: access keys, MFA devices, then group memberships,
// attached and inline policies.
inline constexpr const char* kDependentAccessKeys = "access_keys";
inline constexpr const char* kDependentMfaDevices = "mfa_devices";
inline constexpr const char* kDependentGroupMemberships = "group_memberships";
inline constexpr const char* kDependentMembers = "members";
inline constexpr const char* kDependentAttachedPolicies = "attached_policies";
inline constexpr const char* kDependentInlinePolicies = "inline_policies";
inline constexpr const char* kDependentAttachments = "attachments";
// The message of the kFailedPrecondition DeleteMfaDevice returns while the device is assigned.
inline constexpr const char* kDependentMfaUser = "mfa_user";
// The message of the kFailedPrecondition DeletePolicyVersion returns for the default version.
inline constexpr const char* kDefaultPolicyVersion = "default_version";

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  // Reads the whole identity state as one consistent snapshot. Each list is sorted by its id:
  // accounts by account_id; users by (account_id, user_id); keys and usage by access_key_id;
  // groups by (account_id, group_id); memberships by (account_id, group_id, user_id); managed
  // policies by (account_id, policy_id); versions by (policy_id, N of "vN" ascending: v2 before
  // v10); attachments by (account_id, owner_kind, owner_id, policy_arn) and inline policies by
  // (account_id, owner_kind, owner_id, lower(name)), owner kinds in enum order (user, group,
  // role); roles by (account_id, role_id); MFA devices by (account_id, serial_number). Tags
  // keep their stored order.
  virtual StatusOr<IdentityData> LoadIdentity() = 0;

  // True when a writer other than this store object (another process on the same database
  // file, another node on the same PostgreSQL database) may have committed a change since the
  // previous call (for the first call: since the store was opened). This object's own writes
  // never count. False positives are allowed (the caller merely reloads); a change is never
  // missed, except where a backend says otherwise.
  virtual StatusOr<bool> ChangedElsewhere() = 0;

  // Readiness (GET /ready): OK when the database answers a trivial query and its schema is at
  // LatestSchemaVersion(), i.e. migrations are applied. Otherwise a one-line reason:
  // kUnavailable when the database cannot be reached, kFailedPrecondition for a schema version
  // mismatch. Cheap (one small read); changes nothing.
  virtual Status Ping() = 0;

  // kAlreadyExists when the account id is taken.
  virtual Status CreateAccount(const Account& account) = 0;

  // kAlreadyExists when the account has a user with that name, compared case-insensitively,
  // or the user id is taken; kNotFound when the account does not exist. Tags are stored with
  // the user.
  virtual Status CreateUser(const User& user) = 0;
  // Renames and/or moves a user. kNotFound when the user does not exist; kAlreadyExists when
  // the new name is taken by another user (case-insensitively). Changing only the case of a
  // user's own name is allowed. With neither field set it only checks that the user exists.
  virtual Status UpdateUser(const std::string& account_id, const std::string& user_id,
                            const std::optional<std::string>& new_name,
                            const std::optional<std::string>& new_path) = 0;
  // kNotFound when absent; kFailedPrecondition when the user still has access keys, MFA
  // devices, group memberships, attached managed policies or inline policies (checked in the
  // same transaction as the delete). The failure's message is exactly one of the kDependent*
  // constants above (the first found, in that order), so callers can word AWS's
  // DeleteConflict. The user's tags go with it.
  virtual Status DeleteUser(const std::string& account_id, const std::string& user_id) = 0;
  // Sets or clears (empty arn) the user's permissions boundary. kNotFound when no such user.
  virtual Status SetUserPermissionsBoundary(const std::string& account_id,
                                            const std::string& user_id,
                                            const std::string& policy_arn) = 0;
  // Replaces the user's tags with `tags` (order kept). kNotFound when the user does not exist.
  virtual Status SetUserTags(const std::string& account_id, const std::string& user_id,
                             const std::vector<Tag>& tags) = 0;

  // kAlreadyExists when the key id is taken; kNotFound when the account does not exist, or
  // when user_id is set (empty means root credentials) and names no user of the account.
  virtual Status CreateAccessKey(const AccessKey& key) = 0;
  // kNotFound when the key does not exist.
  virtual Status UpdateAccessKeyStatus(const std::string& access_key_id,
                                       AccessKeyStatus status) = 0;
  // kNotFound when the key does not exist. Its usage record goes with it.
  virtual Status DeleteAccessKey(const std::string& access_key_id) = 0;

  // ---- Groups --------------------------------------------------------------------------
  // kAlreadyExists when the name is taken (case-insensitively) or the id is; kNotFound when the
  // account does not exist.
  virtual Status CreateGroup(const Group& group) = 0;
  // Like UpdateUser, for groups.
  virtual Status UpdateGroup(const std::string& account_id, const std::string& group_id,
                             const std::optional<std::string>& new_name,
                             const std::optional<std::string>& new_path) = 0;
  // kNotFound when absent; kFailedPrecondition (message: a kDependent* constant) while it has
  // members, attached policies or inline policies.
  virtual Status DeleteGroup(const std::string& account_id, const std::string& group_id) = 0;
  // kNotFound when the group or user does not exist. Adding an existing member is OK (AWS is
  // idempotent here).
  virtual Status AddUserToGroup(const std::string& account_id, const std::string& group_id,
                                const std::string& user_id) = 0;
  // kNotFound when the user is not a member.
  virtual Status RemoveUserFromGroup(const std::string& account_id, const std::string& group_id,
                                     const std::string& user_id) = 0;

  // ---- Customer managed policies --------------------------------------------------------
  // Creates the policy, its tags and its first version together. kAlreadyExists when the name
  // is taken (case-insensitively) or the id is; kNotFound when the account does not exist;
  // kInvalidArgument when `first_version` is not the policy's default (same policy_id,
  // version_id == default_version_id) or its id is not "vN".
  virtual Status CreateManagedPolicy(const ManagedPolicy& policy,
                                     const PolicyVersion& first_version) = 0;
  // kNotFound when absent; kFailedPrecondition (message "attachments") while attached anywhere
  // (an attachment naming its ARN, arn:aws:iam::ACCOUNT:policy/PATH/NAME, in any letter case).
  // Its versions and tags go with it.
  virtual Status DeleteManagedPolicy(const std::string& account_id,
                                     const std::string& policy_id) = 0;
  // Adds a version and bumps the policy's next_version_number (to N+1 for version "vN"; it
  // never goes down); when `set_as_default`, also makes it the default. Updates `updated`.
  // kNotFound when the policy (version.policy_id) does not exist in the account; kAlreadyExists
  // when the version id is taken; kInvalidArgument when it is not "vN". Version limits are the
  // caller's.
  virtual Status CreatePolicyVersion(const std::string& account_id, const PolicyVersion& version,
                                     bool set_as_default, TimePoint updated) = 0;
  // kNotFound when the policy or version does not exist; kFailedPrecondition (message
  // kDefaultPolicyVersion) for the default version, which can only be replaced.
  virtual Status DeletePolicyVersion(const std::string& account_id, const std::string& policy_id,
                                     const std::string& version_id) = 0;
  // kNotFound when the policy or version does not exist.
  virtual Status SetDefaultPolicyVersion(const std::string& account_id,
                                         const std::string& policy_id,
                                         const std::string& version_id, TimePoint updated) = 0;
  // Replaces the policy's tags with `tags` (order kept). kNotFound when no such policy.
  virtual Status SetManagedPolicyTags(const std::string& account_id, const std::string& policy_id,
                                      const std::vector<Tag>& tags) = 0;

  // ---- Attachments and inline policies -------------------------------------------------
  // Idempotent (attaching twice is OK). kNotFound when the owner does not exist. The policy ARN
  // is not checked here (AWS managed policies are not stored); callers check it.
  virtual Status AttachPolicy(const PolicyAttachment& attachment) = 0;
  // kNotFound when not attached (the ARN compared exactly, as AttachPolicy stored it).
  virtual Status DetachPolicy(const PolicyAttachment& attachment) = 0;
  // Creates or replaces (by owner and case-insensitive name; a replacement takes the new name's
  // spelling). kNotFound when no such owner.
  virtual Status PutInlinePolicy(const InlinePolicy& policy) = 0;
  // kNotFound when absent (the name compared case-insensitively).
  virtual Status DeleteInlinePolicy(const std::string& account_id, PolicyOwnerKind owner_kind,
                                    const std::string& owner_id, const std::string& name) = 0;

  // ---- Roles ---------------------------------------------------------------------------
  // kAlreadyExists when the name is taken (case-insensitively) or the id is; kNotFound without
  // the account. Tags are stored with the role.
  virtual Status CreateRole(const Role& role) = 0;
  // Replaces description, max_session_duration, assume_role_policy, permissions_boundary_arn and
  // tags with `role`'s (id and account identify it; name, path and created are immutable).
  // kNotFound when absent.
  virtual Status UpdateRole(const Role& role) = 0;
  // kNotFound when absent; kFailedPrecondition (a kDependent* constant) while it has attached
  // or inline policies. Its tags go with it.
  virtual Status DeleteRole(const std::string& account_id, const std::string& role_id) = 0;

  // ---- Virtual MFA devices --------------------------------------------------------------
  // Serial numbers are compared exactly (callers resolve the spelling a client sent through
  // the snapshot, where they are found case-insensitively); user_id is a user id of the
  // device's account or, for the root user, the account id itself.
  //
  // Stores a new, unassigned device with its tags. kAlreadyExists when the serial number is
  // taken, compared case-insensitively; kNotFound when the account does not exist;
  // kInvalidArgument when `device` is assigned (user_id or enabled_at set).
  virtual Status CreateMfaDevice(const MfaDevice& device) = 0;
  // Assigns an unassigned device to `user_id` (EnableMFADevice), enabled at `enabled_at`, with
  // last_accepted_step raised to `accepted_step` (never lowered). kNotFound when the account has
  // no such device, or `user_id` is neither the account id nor a user of the account;
  // kAlreadyExists when the device is assigned (to anyone). Checked in the write's transaction,
  // so it cannot race DeleteUser.
  virtual Status AssignMfaDevice(const std::string& account_id, const std::string& serial_number,
                                 const std::string& user_id, TimePoint enabled_at,
                                 int64_t accepted_step) = 0;
  // Returns the device to the unassigned state (DeactivateMFADevice); its last accepted step is
  // kept, so codes accepted before stay refused. kNotFound unless it is assigned to `user_id`.
  virtual Status UnassignMfaDevice(const std::string& user_id,
                                   const std::string& serial_number) = 0;
  // ResyncMFADevice: raises the last accepted step of a device assigned to `user_id` to
  // `accepted_step` (never lowers it: a step once accepted stays refused). kNotFound unless the
  // device is assigned to `user_id`.
  virtual Status ResyncMfaDevice(const std::string& user_id, const std::string& serial_number,
                                 int64_t accepted_step) = 0;
  // The cross-node replay guard for a verified TOTP code: one atomic compare-and-set that
  // records `step` as the last accepted step only while the device is still assigned to
  // `user_id` since `enabled_at` (as the caller's snapshot saw it: a device deactivated,
  // deleted or re-enabled elsewhere does not match) and `step` is later than the stored step.
  // kFailedPrecondition otherwise, including when the device is gone; two nodes racing with
  // the same code: exactly one succeeds.
  virtual Status AdvanceMfaStep(const std::string& serial_number, const std::string& user_id,
                                TimePoint enabled_at, int64_t step) = 0;
  // kNotFound when the account has no such device; kFailedPrecondition (message
  // kDependentMfaUser) while it is assigned to a user. Its tags go with it.
  virtual Status DeleteMfaDevice(const std::string& account_id,
                                 const std::string& serial_number) = 0;
  // Replaces the device's tags with `tags` (order kept). kNotFound when the account has no such
  // device.
  virtual Status SetMfaDeviceTags(const std::string& account_id, const std::string& serial_number,
                                  const std::vector<Tag>& tags) = 0;

  // Upserts usage records in one transaction; records for keys that no longer exist are ignored,
  // and so is a record older than the one stored (nodes may flush usage out of order).
  virtual Status RecordAccessKeyUsage(const std::vector<AccessKeyUsage>& usage) = 0;
};

}  // namespace sigil
