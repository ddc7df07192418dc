// The immutable, in-memory view of IAM state that every request reads: accounts, users, access
// keys (with their secrets decrypted) and the principal each key authenticates as, groups,
// policies, roles and virtual MFA devices (with their seeds decrypted). Built from the
// store after each committed write and published atomically, so the hot path touches no database
// and takes no lock. Immutable once built: safe to share across threads.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/crypto.h"
#include "common/status.h"
#include "identity/effective_policies.h"
#include "identity/model.h"
#include "identity/principal.h"

namespace sigil {

struct KeyEntry {
  AccessKey key;
  std::string secret;          // plaintext secret access key; never logged
  Principal principal;         // who this key authenticates as
  const User* user = nullptr;  // null for root keys
};

class IdentitySnapshot {
 public:
  // Decrypts every secret and MFA seed with `box`; fails (kInternal) if a sealed value does not
  // open, which means a wrong master key or a tampered database. Compiles every principal's
  // effective policies (through `cache`), resolving AWS managed policy ARNs with `aws_managed`.
  static StatusOr<std::shared_ptr<const IdentitySnapshot>> Build(
      IdentityData data, const SecretBox& box, const AwsManagedPolicyText& aws_managed,
      PolicyCompileCache& cache);
  ~IdentitySnapshot();

  const KeyEntry* FindKey(std::string_view access_key_id) const;
  const Account* FindAccount(std::string_view account_id) const;
  // User names are unique per account case-insensitively, and found that way.
  const User* FindUser(std::string_view account_id, std::string_view user_name) const;
  // The account's users ordered by name (case-insensitively).
  std::vector<const User*> Users(std::string_view account_id) const;
  // A user's keys, or with an empty user_id the account's root keys, oldest first.
  std::vector<const KeyEntry*> Keys(std::string_view account_id, std::string_view user_id) const;
  // Usage as last persisted (the live tracker may know newer).
  const AccessKeyUsage* PersistedUsage(std::string_view access_key_id) const;
  const std::vector<Account>& accounts() const { return data_.accounts; }

  // Groups, by name (case-insensitive) and membership.
  const Group* FindGroup(std::string_view account_id, std::string_view name) const;
  std::vector<const Group*> Groups(std::string_view account_id) const;       // by name
  std::vector<const Group*> GroupsOfUser(std::string_view user_id) const;    // by name
  std::vector<const User*> MembersOfGroup(std::string_view group_id) const;  // by name

  // Customer managed policies and their versions.
  const ManagedPolicy* FindManagedPolicy(std::string_view account_id, std::string_view name) const;
  const ManagedPolicy* FindManagedPolicyById(std::string_view policy_id) const;
  std::vector<const ManagedPolicy*> ManagedPolicies(std::string_view account_id) const;  // by name
  std::vector<const PolicyVersion*> Versions(std::string_view policy_id) const;  // v1, v2, ...
  const PolicyVersion* FindVersion(std::string_view policy_id, std::string_view version_id) const;

  // Attachments and inline policies.
  std::vector<const PolicyAttachment*> AttachmentsOf(PolicyOwnerKind kind,
                                                     std::string_view owner_id) const;
  std::vector<const PolicyAttachment*> AttachmentsOfPolicy(std::string_view account_id,
                                                           std::string_view policy_arn) const;
  std::vector<const InlinePolicy*> InlinePoliciesOf(PolicyOwnerKind kind,
                                                    std::string_view owner_id) const;  // by name
  const InlinePolicy* FindInlinePolicy(PolicyOwnerKind kind, std::string_view owner_id,
                                       std::string_view name) const;

  // Roles.
  const Role* FindRole(std::string_view account_id, std::string_view name) const;
  const Role* FindRoleById(std::string_view role_id) const;
  std::vector<const Role*> Roles(std::string_view account_id) const;  // by name

  // Virtual MFA devices. Serial numbers are unique per account case-insensitively (the ARN holds
  // the account id, so the ARN alone identifies the device), and found that way.
  const MfaDevice* FindMfaDevice(std::string_view serial_number) const;
  // The plaintext seed of a device (raw bytes); empty when no such device. Never logged.
  std::string_view MfaSeed(std::string_view serial_number) const;
  std::vector<const MfaDevice*> MfaDevicesOfUser(std::string_view user_id) const;  // by serial
  std::vector<const MfaDevice*> MfaDevices(std::string_view account_id) const;     // by serial

  const IdentityData& data() const { return data_; }

  // The compiled policies that apply to a user / role; null when there is no such principal.
  const EffectivePolicies* UserPolicies(std::string_view user_id) const;
  const EffectivePolicies* RolePolicies(std::string_view role_id) const;
  // The compiled default version of a managed policy (customer, or AWS managed and in use).
  const policy::Policy* ManagedPolicyDocument(std::string_view arn) const;

 private:
  IdentitySnapshot() = default;
  IdentityData data_;
  std::unordered_map<std::string, KeyEntry> keys_;
  std::map<std::string, const Account*, std::less<>> accounts_by_id_;
  // account id + '\n' + lower-case name
  std::map<std::string, const User*, std::less<>> users_by_name_;
  std::unordered_map<std::string, const AccessKeyUsage*> usage_by_key_;
  std::map<std::string, const Group*, std::less<>> groups_by_name_;  // account \n lower(name)
  std::map<std::string, const ManagedPolicy*, std::less<>> policies_by_name_;
  std::map<std::string, const Role*, std::less<>> roles_by_name_;
  std::map<std::string, const Role*, std::less<>> roles_by_id_;
  // lower(serial_number) -> device and its decrypted seed (wiped on destruction)
  struct MfaEntry {
    const MfaDevice* device = nullptr;
    std::string seed;
  };
  std::map<std::string, MfaEntry, std::less<>> mfa_by_serial_;
  EffectivePolicyIndex policies_;
};

}  // namespace sigil
