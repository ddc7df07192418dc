// Owns IAM state: writes go to the MetadataStore and, once committed, a fresh IdentitySnapshot
// is published atomically, so a write is visible to the very next request. Reads take the
// current snapshot (no lock, no database). Writes are serialized by a writer mutex; readers never
// wait for it. Thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/crypto.h"
#include "identity/snapshot.h"
#include "store/metadata_store.h"

namespace sigil {

// A freshly created access key: the only time its secret is handed out.
struct NewAccessKey {
  AccessKey key;
  std::string secret_access_key;
};

// A freshly created virtual MFA device: the only time its seed is handed out.
struct NewMfaDevice {
  MfaDevice device;
  std::string seed;  // raw bytes
};

// The message of the kInvalidArgument EnableMfaDevice / ResyncMfaDevice return for wrong codes.
inline constexpr const char* kInvalidMfaCodes = "invalid_mfa_codes";

class IdentityService {
 public:
  // `aws_managed` resolves AWS managed policy ARNs to their documents (the IAM catalogue).
  IdentityService(MetadataStore& store, SecretBox box, RandomSource& random, const Clock& clock,
                  AwsManagedPolicyText aws_managed = {});

  // Loads state from the store and publishes the first snapshot.
  Status Load();
  std::shared_ptr<const IdentitySnapshot> Current() const { return snapshot_.load(); }

  StatusOr<Account> CreateAccount(const std::string& name);
  // kResourceExhausted when the account already has `max_users` users (checked under the
  // writer lock). `permissions_boundary_arn` (empty for none) is stored with the user, in the
  // same write; the caller has checked that it names an existing managed policy.
  StatusOr<User> CreateUser(const std::string& account_id, const std::string& name,
                            const std::string& path, const std::vector<Tag>& tags, size_t max_users,
                            const std::string& permissions_boundary_arn = "");
  Status UpdateUser(const std::string& account_id, const std::string& user_id,
                    const std::optional<std::string>& new_name,
                    const std::optional<std::string>& new_path);
  Status DeleteUser(const std::string& account_id, const std::string& user_id);
  Status SetUserTags(const std::string& account_id, const std::string& user_id,
                     const std::vector<Tag>& tags);
  // `user_id` empty creates a root access key for the account. kResourceExhausted when the
  // owner already has `max_keys` keys: checked under the writer lock, so concurrent creates
  // cannot overshoot the quota.
  StatusOr<NewAccessKey> CreateAccessKey(const std::string& account_id, const std::string& user_id,
                                         size_t max_keys);
  Status UpdateAccessKeyStatus(const std::string& access_key_id, AccessKeyStatus status);
  Status DeleteAccessKey(const std::string& access_key_id);
  Status SetUserPermissionsBoundary(const std::string& account_id, const std::string& user_id,
                                    const std::string& policy_arn);

  // Groups. The quotas (`max_*`) are checked under the writer lock, so concurrent writes
  // cannot overshoot them; exceeding one is kResourceExhausted.
  StatusOr<Group> CreateGroup(const std::string& account_id, const std::string& name,
                              const std::string& path, size_t max_groups);
  Status UpdateGroup(const std::string& account_id, const std::string& group_id,
                     const std::optional<std::string>& new_name,
                     const std::optional<std::string>& new_path);
  Status DeleteGroup(const std::string& account_id, const std::string& group_id);
  // Adding an existing member is OK and never exceeds `max_groups_per_user`.
  Status AddUserToGroup(const std::string& account_id, const std::string& group_id,
                        const std::string& user_id, size_t max_groups_per_user);
  Status RemoveUserFromGroup(const std::string& account_id, const std::string& group_id,
                             const std::string& user_id);

  // Customer managed policies; `document` is validated by the caller.
  // kResourceExhausted when the account already has `max_policies` customer managed policies
  // (checked under the writer lock, as every quota here).
  StatusOr<ManagedPolicy> CreateManagedPolicy(const std::string& account_id,
                                              const std::string& name, const std::string& path,
                                              const std::string& description,
                                              const std::string& document,
                                              const std::vector<Tag>& tags, size_t max_policies);
  Status DeleteManagedPolicy(const std::string& account_id, const std::string& policy_id);
  // Creates version v<next_version_number> of the policy, numbered from the state under the
  // writer lock so concurrent creates never collide. kNotFound when the policy is gone;
  // kResourceExhausted when it already has `max_versions` versions.
  StatusOr<PolicyVersion> CreatePolicyVersion(const std::string& policy_id,
                                              const std::string& document, bool set_as_default,
                                              size_t max_versions);
  Status DeletePolicyVersion(const std::string& account_id, const std::string& policy_id,
                             const std::string& version_id);
  Status SetDefaultPolicyVersion(const std::string& account_id, const std::string& policy_id,
                                 const std::string& version_id);
  Status SetManagedPolicyTags(const std::string& account_id, const std::string& policy_id,
                              const std::vector<Tag>& tags);

  // Attachments and inline policies. kResourceExhausted when the owner already has
  // `max_attached` policies attached (checked under the writer lock); re-attaching an attached
  // policy is OK.
  Status AttachPolicy(const PolicyAttachment& attachment, size_t max_attached);
  Status DetachPolicy(const PolicyAttachment& attachment);
  Status PutInlinePolicy(const InlinePolicy& policy);
  Status DeleteInlinePolicy(const std::string& account_id, PolicyOwnerKind owner_kind,
                            const std::string& owner_id, const std::string& name);

  // Roles. CreateRole fills role_id and created.
  // kResourceExhausted when the account already has `max_roles` roles.
  StatusOr<Role> CreateRole(Role role, size_t max_roles);
  Status UpdateRole(const Role& role);
  Status DeleteRole(const std::string& account_id, const std::string& role_id);

  // Virtual MFA devices. Create fills created, serial_number (from account, path and name) and a
  // fresh random seed (auth::kTotpSeedBytes), sealed before it reaches the store; the seed is
  // returned (raw bytes) for the one response that reveals it. kAlreadyExists when the serial is
  // taken (case-insensitively); kNotFound without the account. The other calls accept the serial
  // number in any letter case.
  StatusOr<NewMfaDevice> CreateVirtualMfaDevice(const std::string& account_id,
                                                const std::string& name, const std::string& path,
                                                const std::vector<Tag>& tags);
  // EnableMFADevice: `code1` and `code2` must be consecutive codes of the device
  // (auth::MatchConsecutiveTotp at `now`). `user_id` is a user of the account, or the account
  // id for its root user. kNotFound: no such device in the account, or no such user;
  // kAlreadyExists: the device is assigned (to anyone); kResourceExhausted: the user already has
  // `max_devices` devices; kInvalidArgument (message kInvalidMfaCodes): the codes are wrong.
  // Checked under the writer lock; the accepted step becomes the device's last accepted step
  // (unless a later one is stored) and `now` its enabled time.
  Status EnableMfaDevice(const std::string& account_id, const std::string& user_id,
                         const std::string& serial_number, const std::string& code1,
                         const std::string& code2, TimePoint now, size_t max_devices);
  // ResyncMFADevice: like Enable's code check, for a device assigned to `user_id` (kNotFound
  // otherwise). Moves the last accepted step up to the pair's; it never goes down, so no code
  // accepted before becomes valid again.
  Status ResyncMfaDevice(const std::string& user_id, const std::string& serial_number,
                         const std::string& code1, const std::string& code2, TimePoint now);
  // DeactivateMFADevice: unassigns the device from `user_id` (kNotFound when it is not assigned
  // to that user). The device itself remains (AWS keeps virtual devices until deleted).
  Status DeactivateMfaDevice(const std::string& user_id, const std::string& serial_number);
  // kNotFound when absent; kFailedPrecondition (kDependentMfaUser) while assigned to a user.
  Status DeleteVirtualMfaDevice(const std::string& account_id, const std::string& serial_number);
  Status SetMfaDeviceTags(const std::string& account_id, const std::string& serial_number,
                          const std::vector<Tag>& tags);
  // Verifies one TOTP code for an STS call (GetSessionToken, AssumeRole): the device must be in
  // `account_id` and assigned to `user_id` (the account id itself for the root user, see
  // MfaDevice::user_id); the code must match a step within ±1 of `now`, and that step must be
  // later than any accepted before, across every node (a compare-and-set in the store), so a
  // code works once. kPermissionDenied on any of these failures (the caller words AWS's
  // AccessDenied; the message says which, for the log only); other codes for store failures.
  // Takes no writer lock and does not republish the snapshot: only the store's compare-and-set
  // needs the accepted step (so the snapshot's last_accepted_step may lag the store's). The
  // compare-and-set also requires the assignment the snapshot saw (user and enabled time), so a
  // device deactivated or replaced through another node is refused even before this node
  // refreshes.
  Status VerifyMfaCode(const std::string& account_id, const std::string& user_id,
                       const std::string& serial_number, const std::string& code, TimePoint now);

  // Reloads and republishes when another process changed the store (an admin command, another
  // node: MetadataStore::ChangedElsewhere); a cheap check otherwise. Takes the writer lock. Returns
  // whether it republished.
  StatusOr<bool> RefreshIfStoreChanged();

  // Identifier shapes as AWS makes them, from the cryptographic random source.
  std::string NewAccountId();
  std::string NewUserId();       // AIDA + 17
  std::string NewAccessKeyId();  // AKIA + 16
  std::string NewGroupId();      // AGPA + 17
  std::string NewPolicyId();     // ANPA + 17
  std::string NewRoleId();       // AROA + 17

 private:
  // Re-reads the store and publishes a new snapshot. Caller holds write_mu_.
  Status Republish();
  // Runs one store write under the writer lock and republishes when it succeeds.
  template <typename Write>
  Status Commit(Write write);

  MetadataStore& store_;
  SecretBox box_;
  RandomSource& random_;
  const Clock& clock_;
  AwsManagedPolicyText aws_managed_;
  PolicyCompileCache compile_cache_;
  std::mutex write_mu_;
  std::atomic<std::shared_ptr<const IdentitySnapshot>> snapshot_;
};

}  // namespace sigil
