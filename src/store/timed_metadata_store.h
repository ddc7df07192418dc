// A MetadataStore decorator that times every call of the store it wraps into the histogram
// sigil_store_operation_duration_seconds{op} (op: the method in snake_case, e.g. "create_user",
// "load_identity", "changed_elsewhere"), and otherwise passes calls and results through
// unchanged. Thread-safe when the wrapped store is.
#pragma once

#include <chrono>
#include <vector>

#include "metrics/registry.h"
#include "store/metadata_store.h"

namespace sigil {

class TimedMetadataStore : public MetadataStore {
 public:
  // Registers the histogram in `registry` (so one TimedMetadataStore per registry), with a
  // series for every operation, each at zero until called. `inner` must outlive this object.
  TimedMetadataStore(MetadataStore& inner, metrics::Registry& registry);

  StatusOr<IdentityData> LoadIdentity() override;
  StatusOr<bool> ChangedElsewhere() override;
  Status Ping() override;
  Status CreateAccount(const Account& account) override;
  Status CreateUser(const User& user) override;
  Status UpdateUser(const std::string& account_id, const std::string& user_id,
                    const std::optional<std::string>& new_name,
                    const std::optional<std::string>& new_path) override;
  Status DeleteUser(const std::string& account_id, const std::string& user_id) override;
  Status SetUserPermissionsBoundary(const std::string& account_id, const std::string& user_id,
                                    const std::string& policy_arn) override;
  Status SetUserTags(const std::string& account_id, const std::string& user_id,
                     const std::vector<Tag>& tags) override;
  Status CreateAccessKey(const AccessKey& key) override;
  Status UpdateAccessKeyStatus(const std::string& access_key_id, AccessKeyStatus status) override;
  Status DeleteAccessKey(const std::string& access_key_id) override;
  Status CreateGroup(const Group& group) override;
  Status UpdateGroup(const std::string& account_id, const std::string& group_id,
                     const std::optional<std::string>& new_name,
                     const std::optional<std::string>& new_path) override;
  Status DeleteGroup(const std::string& account_id, const std::string& group_id) override;
  Status AddUserToGroup(const std::string& account_id, const std::string& group_id,
                        const std::string& user_id) override;
  Status RemoveUserFromGroup(const std::string& account_id, const std::string& group_id,
                             const std::string& user_id) override;
  Status CreateManagedPolicy(const ManagedPolicy& policy,
                             const PolicyVersion& first_version) override;
  Status DeleteManagedPolicy(const std::string& account_id, const std::string& policy_id) override;
  Status CreatePolicyVersion(const std::string& account_id, const PolicyVersion& version,
                             bool set_as_default, TimePoint updated) override;
  Status DeletePolicyVersion(const std::string& account_id, const std::string& policy_id,
                             const std::string& version_id) override;
  Status SetDefaultPolicyVersion(const std::string& account_id, const std::string& policy_id,
                                 const std::string& version_id, TimePoint updated) override;
  Status SetManagedPolicyTags(const std::string& account_id, const std::string& policy_id,
                              const std::vector<Tag>& tags) override;
  Status AttachPolicy(const PolicyAttachment& attachment) override;
  Status DetachPolicy(const PolicyAttachment& attachment) override;
  Status PutInlinePolicy(const InlinePolicy& policy) override;
  Status DeleteInlinePolicy(const std::string& account_id, PolicyOwnerKind owner_kind,
                            const std::string& owner_id, const std::string& name) override;
  Status CreateRole(const Role& role) override;
  Status UpdateRole(const Role& role) override;
  Status DeleteRole(const std::string& account_id, const std::string& role_id) override;
  Status CreateMfaDevice(const MfaDevice& device) override;
  Status AssignMfaDevice(const std::string& account_id, const std::string& serial_number,
                         const std::string& user_id, TimePoint enabled_at,
                         int64_t accepted_step) override;
  Status UnassignMfaDevice(const std::string& user_id, const std::string& serial_number) override;
  Status ResyncMfaDevice(const std::string& user_id, const std::string& serial_number,
                         int64_t accepted_step) override;
  Status AdvanceMfaStep(const std::string& serial_number, const std::string& user_id,
                        TimePoint enabled_at, int64_t step) override;
  Status DeleteMfaDevice(const std::string& account_id, const std::string& serial_number) override;
  Status SetMfaDeviceTags(const std::string& account_id, const std::string& serial_number,
                          const std::vector<Tag>& tags) override;
  Status RecordAccessKeyUsage(const std::vector<AccessKeyUsage>& usage) override;

 private:
  template <typename Fn>
  auto Time(metrics::Histogram& histogram, Fn&& call) {
    const auto start = std::chrono::steady_clock::now();
    auto result = call();
    histogram.ObserveDuration(std::chrono::steady_clock::now() - start);
    return result;
  }

  MetadataStore& inner_;
  std::vector<metrics::Histogram*> durations_;  // by operation (see Op in the .cc)
};

}  // namespace sigil
