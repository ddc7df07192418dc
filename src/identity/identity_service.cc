#include "identity/identity_service.h"

#include "auth/totp.h"

namespace sigil {
namespace {
constexpr std::string_view kBase32Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr std::string_view kSecretAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kDigits = "0123456789";
}  // namespace

IdentityService::IdentityService(MetadataStore& store, SecretBox box, RandomSource& random,
                                 const Clock& clock, AwsManagedPolicyText aws_managed)
    : store_(store),
      box_(std::move(box)),
      random_(random),
      clock_(clock),
      aws_managed_(std::move(aws_managed)) {}

Status IdentityService::Load() {
  std::lock_guard<std::mutex> lock(write_mu_);
  return Republish();
}

Status IdentityService::Republish() {
  SIGIL_ASSIGN_OR_RETURN(IdentityData data, store_.LoadIdentity());
  SIGIL_ASSIGN_OR_RETURN(
      auto snapshot, IdentitySnapshot::Build(std::move(data), box_, aws_managed_, compile_cache_));
  snapshot_.store(std::move(snapshot));
  compile_cache_.Prune();  // the previous snapshot may still be in use; Prune keeps what is shared
  return OkStatus();
}

std::string IdentityService::NewAccountId() {
  // AWS account ids are 12 digits; a leading zero is legal but confuses people and spreadsheets.
  return RandomString(random_, "123456789", 1) + RandomString(random_, kDigits, 11);
}
std::string IdentityService::NewUserId() {
  return "AIDA" + RandomString(random_, kBase32Upper, 17);
}
std::string IdentityService::NewAccessKeyId() {
  return "AKIA" + RandomString(random_, kBase32Upper, 16);
}
std::string IdentityService::NewGroupId() {
  return "AGPA" + RandomString(random_, kBase32Upper, 17);
}
std::string IdentityService::NewPolicyId() {
  return "ANPA" + RandomString(random_, kBase32Upper, 17);
}
std::string IdentityService::NewRoleId() {
  return "AROA" + RandomString(random_, kBase32Upper, 17);
}

template <typename Write>
Status IdentityService::Commit(Write write) {
  std::lock_guard<std::mutex> lock(write_mu_);
  SIGIL_RETURN_IF_ERROR(write());
  return Republish();
}

StatusOr<Account> IdentityService::CreateAccount(const std::string& name) {
  std::lock_guard<std::mutex> lock(write_mu_);
  Account account{NewAccountId(), name, clock_.Now()};
  SIGIL_RETURN_IF_ERROR(store_.CreateAccount(account));
  SIGIL_RETURN_IF_ERROR(Republish());
  return account;
}

StatusOr<User> IdentityService::CreateUser(const std::string& account_id, const std::string& name,
                                           const std::string& path, const std::vector<Tag>& tags,
                                           size_t max_users,
                                           const std::string& permissions_boundary_arn) {
  std::lock_guard<std::mutex> lock(write_mu_);
  if (Current()->Users(account_id).size() >= max_users) {
    return Status(StatusCode::kResourceExhausted, "users per account");
  }
  User user{account_id, NewUserId(), name, path, clock_.Now(), tags, permissions_boundary_arn};
  SIGIL_RETURN_IF_ERROR(store_.CreateUser(user));
  SIGIL_RETURN_IF_ERROR(Republish());
  return user;
}

Status IdentityService::UpdateUser(const std::string& account_id, const std::string& user_id,
                                   const std::optional<std::string>& new_name,
                                   const std::optional<std::string>& new_path) {
  std::lock_guard<std::mutex> lock(write_mu_);
  SIGIL_RETURN_IF_ERROR(store_.UpdateUser(account_id, user_id, new_name, new_path));
  return Republish();
}

Status IdentityService::DeleteUser(const std::string& account_id, const std::string& user_id) {
  std::lock_guard<std::mutex> lock(write_mu_);
  SIGIL_RETURN_IF_ERROR(store_.DeleteUser(account_id, user_id));
  return Republish();
}

Status IdentityService::SetUserTags(const std::string& account_id, const std::string& user_id,
                                    const std::vector<Tag>& tags) {
  std::lock_guard<std::mutex> lock(write_mu_);
  SIGIL_RETURN_IF_ERROR(store_.SetUserTags(account_id, user_id, tags));
  return Republish();
}

StatusOr<NewAccessKey> IdentityService::CreateAccessKey(const std::string& account_id,
                                                        const std::string& user_id,
                                                        size_t max_keys) {
  std::lock_guard<std::mutex> lock(write_mu_);
  if (Current()->Keys(account_id, user_id).size() >= max_keys) {
    return Status(StatusCode::kResourceExhausted, "access keys per user");
  }
  NewAccessKey created;
  created.secret_access_key = RandomString(random_, kSecretAlphabet, 40);
  AccessKey& key = created.key;
  key.access_key_id = NewAccessKeyId();
  key.account_id = account_id;
  key.user_id = user_id;
  key.status = AccessKeyStatus::kActive;
  key.created = clock_.Now();
  SIGIL_ASSIGN_OR_RETURN(key.sealed_secret,
                         box_.Seal(random_, created.secret_access_key, key.access_key_id));
  SIGIL_RETURN_IF_ERROR(store_.CreateAccessKey(key));
  SIGIL_RETURN_IF_ERROR(Republish());
  return created;
}

Status IdentityService::UpdateAccessKeyStatus(const std::string& access_key_id,
                                              AccessKeyStatus status) {
  std::lock_guard<std::mutex> lock(write_mu_);
  SIGIL_RETURN_IF_ERROR(store_.UpdateAccessKeyStatus(access_key_id, status));
  return Republish();
}

Status IdentityService::DeleteAccessKey(const std::string& access_key_id) {
  std::lock_guard<std::mutex> lock(write_mu_);
  SIGIL_RETURN_IF_ERROR(store_.DeleteAccessKey(access_key_id));
  return Republish();
}

}  // namespace sigil

namespace sigil {

Status IdentityService::SetUserPermissionsBoundary(const std::string& account_id,
                                                   const std::string& user_id,
                                                   const std::string& policy_arn) {
  return Commit([&] { return store_.SetUserPermissionsBoundary(account_id, user_id, policy_arn); });
}

StatusOr<Group> IdentityService::CreateGroup(const std::string& account_id, const std::string& name,
                                             const std::string& path, size_t max_groups) {
  Group group{account_id, NewGroupId(), name, path, clock_.Now()};
  SIGIL_RETURN_IF_ERROR(Commit([&] {
    if (Current()->Groups(account_id).size() >= max_groups) {
      return Status(StatusCode::kResourceExhausted, "groups per account");
    }
    return store_.CreateGroup(group);
  }));
  return group;
}

Status IdentityService::UpdateGroup(const std::string& account_id, const std::string& group_id,
                                    const std::optional<std::string>& new_name,
                                    const std::optional<std::string>& new_path) {
  return Commit([&] { return store_.UpdateGroup(account_id, group_id, new_name, new_path); });
}

Status IdentityService::DeleteGroup(const std::string& account_id, const std::string& group_id) {
  return Commit([&] { return store_.DeleteGroup(account_id, group_id); });
}

Status IdentityService::AddUserToGroup(const std::string& account_id, const std::string& group_id,
                                       const std::string& user_id, size_t max_groups_per_user) {
  return Commit([&] {
    std::vector<const Group*> groups = Current()->GroupsOfUser(user_id);
    bool member = false;
    for (const Group* g : groups) member = member || g->group_id == group_id;
    if (!member && groups.size() >= max_groups_per_user) {
      return Status(StatusCode::kResourceExhausted, "groups per user");
    }
    return store_.AddUserToGroup(account_id, group_id, user_id);
  });
}

Status IdentityService::RemoveUserFromGroup(const std::string& account_id,
                                            const std::string& group_id,
                                            const std::string& user_id) {
  return Commit([&] { return store_.RemoveUserFromGroup(account_id, group_id, user_id); });
}

StatusOr<ManagedPolicy> IdentityService::CreateManagedPolicy(
    const std::string& account_id, const std::string& name, const std::string& path,
    const std::string& description, const std::string& document, const std::vector<Tag>& tags,
    size_t max_policies) {
  ManagedPolicy policy;
  policy.account_id = account_id;
  policy.policy_id = NewPolicyId();
  policy.name = name;
  policy.path = path;
  policy.description = description;
  policy.default_version_id = "v1";
  policy.next_version_number = 2;
  policy.created = policy.updated = clock_.Now();
  policy.tags = tags;
  PolicyVersion first{policy.policy_id, "v1", document, policy.created};
  std::lock_guard<std::mutex> lock(write_mu_);
  if (Current()->ManagedPolicies(account_id).size() >= max_policies) {
    return Status(StatusCode::kResourceExhausted, "policies per account");
  }
  SIGIL_RETURN_IF_ERROR(store_.CreateManagedPolicy(policy, first));
  SIGIL_RETURN_IF_ERROR(Republish());
  return policy;
}

Status IdentityService::DeleteManagedPolicy(const std::string& account_id,
                                            const std::string& policy_id) {
  return Commit([&] { return store_.DeleteManagedPolicy(account_id, policy_id); });
}

StatusOr<PolicyVersion> IdentityService::CreatePolicyVersion(const std::string& policy_id,
                                                             const std::string& document,
                                                             bool set_as_default,
                                                             size_t max_versions) {
  std::lock_guard<std::mutex> lock(write_mu_);
  auto snapshot = Current();
  const ManagedPolicy* policy = snapshot->FindManagedPolicyById(policy_id);
  if (policy == nullptr) return NotFoundError("policy " + policy_id);
  if (snapshot->Versions(policy_id).size() >= max_versions) {
    return Status(StatusCode::kResourceExhausted, "versions per policy");
  }
  PolicyVersion version{policy_id, "v" + std::to_string(policy->next_version_number), document,
                        clock_.Now()};
  SIGIL_RETURN_IF_ERROR(
      store_.CreatePolicyVersion(policy->account_id, version, set_as_default, version.created));
  SIGIL_RETURN_IF_ERROR(Republish());
  return version;
}

Status IdentityService::DeletePolicyVersion(const std::string& account_id,
                                            const std::string& policy_id,
                                            const std::string& version_id) {
  return Commit([&] { return store_.DeletePolicyVersion(account_id, policy_id, version_id); });
}

Status IdentityService::SetDefaultPolicyVersion(const std::string& account_id,
                                                const std::string& policy_id,
                                                const std::string& version_id) {
  return Commit([&] {
    return store_.SetDefaultPolicyVersion(account_id, policy_id, version_id, clock_.Now());
  });
}

Status IdentityService::SetManagedPolicyTags(const std::string& account_id,
                                             const std::string& policy_id,
                                             const std::vector<Tag>& tags) {
  return Commit([&] { return store_.SetManagedPolicyTags(account_id, policy_id, tags); });
}

Status IdentityService::AttachPolicy(const PolicyAttachment& attachment, size_t max_attached) {
  return Commit([&] {
    std::vector<const PolicyAttachment*> attached =
        Current()->AttachmentsOf(attachment.owner_kind, attachment.owner_id);
    bool already = false;
    for (const PolicyAttachment* a : attached) already = already || *a == attachment;
    if (!already && attached.size() >= max_attached) {
      return Status(StatusCode::kResourceExhausted, "attached policies");
    }
    return store_.AttachPolicy(attachment);
  });
}

Status IdentityService::DetachPolicy(const PolicyAttachment& attachment) {
  return Commit([&] { return store_.DetachPolicy(attachment); });
}

Status IdentityService::PutInlinePolicy(const InlinePolicy& policy) {
  return Commit([&] { return store_.PutInlinePolicy(policy); });
}

Status IdentityService::DeleteInlinePolicy(const std::string& account_id,
                                           PolicyOwnerKind owner_kind, const std::string& owner_id,
                                           const std::string& name) {
  return Commit([&] { return store_.DeleteInlinePolicy(account_id, owner_kind, owner_id, name); });
}

StatusOr<Role> IdentityService::CreateRole(Role role, size_t max_roles) {
  role.role_id = NewRoleId();
  role.created = clock_.Now();
  std::lock_guard<std::mutex> lock(write_mu_);
  if (Current()->Roles(role.account_id).size() >= max_roles) {
    return Status(StatusCode::kResourceExhausted, "roles per account");
  }
  SIGIL_RETURN_IF_ERROR(store_.CreateRole(role));
  SIGIL_RETURN_IF_ERROR(Republish());
  return role;
}

Status IdentityService::UpdateRole(const Role& role) {
  return Commit([&] { return store_.UpdateRole(role); });
}

Status IdentityService::DeleteRole(const std::string& account_id, const std::string& role_id) {
  return Commit([&] { return store_.DeleteRole(account_id, role_id); });
}

}  // namespace sigil

namespace sigil {
namespace {

std::string MfaSerialNumber(const std::string& account_id, const std::string& path,
                            const std::string& name) {
  return "arn:aws:iam::" + account_id + ":mfa" + path + name;
}

// The serial as stored when the snapshot knows the device (clients may spell it in another
// case); otherwise as given, for the store to judge (this node's snapshot may lag another's).
std::string StoredSerial(const IdentitySnapshot& snapshot, const std::string& serial_number) {
  const MfaDevice* device = snapshot.FindMfaDevice(serial_number);
  return device != nullptr ? device->serial_number : serial_number;
}

}  // namespace

StatusOr<NewMfaDevice> IdentityService::CreateVirtualMfaDevice(const std::string& account_id,
                                                               const std::string& name,
                                                               const std::string& path,
                                                               const std::vector<Tag>& tags) {
  NewMfaDevice created;
  created.seed = random_.Bytes(auth::kTotpSeedBytes);
  if (created.seed.size() != auth::kTotpSeedBytes) {
    return InternalError("the random source could not supply an MFA seed");
  }
  MfaDevice& device = created.device;
  device.account_id = account_id;
  device.serial_number = MfaSerialNumber(account_id, path, name);
  device.name = name;
  device.path = path;
  device.created = clock_.Now();
  device.tags = tags;
  // The AAD binds the sealed seed to its device, so seeds cannot be swapped between rows.
  SIGIL_ASSIGN_OR_RETURN(device.sealed_seed,
                         box_.Seal(random_, created.seed, device.serial_number));
  SIGIL_RETURN_IF_ERROR(Commit([&] { return store_.CreateMfaDevice(device); }));
  return created;
}

Status IdentityService::EnableMfaDevice(const std::string& account_id, const std::string& user_id,
                                        const std::string& serial_number, const std::string& code1,
                                        const std::string& code2, TimePoint now,
                                        size_t max_devices) {
  std::lock_guard<std::mutex> lock(write_mu_);
  auto snapshot = Current();
  const MfaDevice* device = snapshot->FindMfaDevice(serial_number);
  if (device == nullptr || device->account_id != account_id) {
    return NotFoundError("no MFA device " + serial_number + " in account " + account_id);
  }
  if (!device->user_id.empty()) {
    return AlreadyExistsError("MFA device " + device->serial_number + " is already enabled");
  }
  if (snapshot->MfaDevicesOfUser(user_id).size() >= max_devices) {
    return Status(StatusCode::kResourceExhausted, "MFA devices per user");
  }
  const std::optional<int64_t> step =
      auth::MatchConsecutiveTotp(snapshot->MfaSeed(device->serial_number), code1, code2, now,
                                 auth::kConsecutiveTotpPastSteps, device->last_accepted_step);
  if (!step) return InvalidArgumentError(kInvalidMfaCodes);
  SIGIL_RETURN_IF_ERROR(
      store_.AssignMfaDevice(account_id, device->serial_number, user_id, now, *step));
  return Republish();
}

Status IdentityService::ResyncMfaDevice(const std::string& user_id,
                                        const std::string& serial_number, const std::string& code1,
                                        const std::string& code2, TimePoint now) {
  std::lock_guard<std::mutex> lock(write_mu_);
  auto snapshot = Current();
  const MfaDevice* device = snapshot->FindMfaDevice(serial_number);
  if (device == nullptr || user_id.empty() || device->user_id != user_id) {
    return NotFoundError("no MFA device " + serial_number + " enabled for " + user_id);
  }
  // The snapshot's step may lag the store's (VerifyMfaCode does not republish); the store never
  // lowers it, so a stale value here cannot reopen a used code.
  const std::optional<int64_t> step =
      auth::MatchConsecutiveTotp(snapshot->MfaSeed(device->serial_number), code1, code2, now,
                                 auth::kConsecutiveTotpPastSteps, device->last_accepted_step);
  if (!step) return InvalidArgumentError(kInvalidMfaCodes);
  SIGIL_RETURN_IF_ERROR(store_.ResyncMfaDevice(user_id, device->serial_number, *step));
  return Republish();
}

Status IdentityService::DeactivateMfaDevice(const std::string& user_id,
                                            const std::string& serial_number) {
  return Commit(
      [&] { return store_.UnassignMfaDevice(user_id, StoredSerial(*Current(), serial_number)); });
}

Status IdentityService::DeleteVirtualMfaDevice(const std::string& account_id,
                                               const std::string& serial_number) {
  return Commit(
      [&] { return store_.DeleteMfaDevice(account_id, StoredSerial(*Current(), serial_number)); });
}

Status IdentityService::SetMfaDeviceTags(const std::string& account_id,
                                         const std::string& serial_number,
                                         const std::vector<Tag>& tags) {
  return Commit([&] {
    return store_.SetMfaDeviceTags(account_id, StoredSerial(*Current(), serial_number), tags);
  });
}

// On STS's request path: reads the published snapshot without the writer lock and writes only
// the store's compare-and-set, which is what makes a code single-use across threads and nodes
// (the snapshot's last_accepted_step is only a first filter and may lag).
Status IdentityService::VerifyMfaCode(const std::string& account_id, const std::string& user_id,
                                      const std::string& serial_number, const std::string& code,
                                      TimePoint now) {
  auto snapshot = Current();
  const MfaDevice* device = snapshot->FindMfaDevice(serial_number);
  if (device == nullptr || device->account_id != account_id) {
    return Status(StatusCode::kPermissionDenied,
                  "no MFA device " + serial_number + " in account " + account_id);
  }
  if (user_id.empty() || device->user_id != user_id || !device->enabled_at) {
    return Status(StatusCode::kPermissionDenied,
                  "MFA device " + device->serial_number + " is not enabled for " + user_id);
  }
  const std::optional<int64_t> step =
      auth::MatchTotp(snapshot->MfaSeed(device->serial_number), code, now, /*window=*/1,
                      device->last_accepted_step);
  if (!step) {
    return Status(StatusCode::kPermissionDenied,
                  "wrong or reused MFA code for " + device->serial_number);
  }
  Status advanced =
      store_.AdvanceMfaStep(device->serial_number, user_id, *device->enabled_at, *step);
  if (advanced.code() == StatusCode::kFailedPrecondition) {
    return Status(StatusCode::kPermissionDenied,
                  "MFA code for " + device->serial_number +
                      " already used, or the device was changed meanwhile");
  }
  return advanced;
}

StatusOr<bool> IdentityService::RefreshIfStoreChanged() {
  std::lock_guard<std::mutex> lock(write_mu_);
  SIGIL_ASSIGN_OR_RETURN(bool changed, store_.ChangedElsewhere());
  if (!changed) return false;
  SIGIL_RETURN_IF_ERROR(Republish());
  return true;
}

}  // namespace sigil
