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
