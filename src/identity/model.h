// The IAM domain records Sigil persists and serves: accounts, users, access keys and their tags.
// Plain values shared by store/ (which persists them) and identity/ (which serves them from an
// in-memory snapshot). Thread-compatible.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"

namespace sigil {

struct Tag {
  std::string key;
  std::string value;
  bool operator==(const Tag&) const = default;
};

struct Account {
  std::string account_id;  // 12 digits
  std::string name;        // operator-chosen label
  TimePoint created;
  bool operator==(const Account&) const = default;
};

struct User {
  std::string account_id;
  std::string user_id;  // "AIDA" + 17 chars of [A-Z2-7]
  std::string name;     // unique in the account, compared case-insensitively
  std::string path;     // "/" or "/a/b/"
  TimePoint created;
  std::vector<Tag> tags;                 // in the order they were added
  std::string permissions_boundary_arn;  // empty when none
  bool operator==(const User&) const = default;
};

struct Group {
  std::string account_id;
  std::string group_id;  // "AGPA" + 17 chars of [A-Z2-7]
  std::string name;      // unique in the account, compared case-insensitively
  std::string path;
  TimePoint created;
  bool operator==(const Group&) const = default;
};

struct GroupMembership {
  std::string account_id;
  std::string group_id;
  std::string user_id;
  bool operator==(const GroupMembership&) const = default;
};

// A customer managed policy. Its documents live in PolicyVersion rows. (AWS managed policies,
// arn:aws:iam::aws:policy/..., are built into Sigil and never stored.)
struct ManagedPolicy {
  std::string account_id;
  std::string policy_id;  // "ANPA" + 17 chars of [A-Z2-7]
  std::string name;       // unique in the account, case-insensitively
  std::string path;
  std::string description;
  std::string default_version_id;  // "v1", "v2", ...
  int next_version_number = 2;     // AWS never reuses version ids
  TimePoint created;
  TimePoint updated;
  std::vector<Tag> tags;
  bool operator==(const ManagedPolicy&) const = default;
};

struct PolicyVersion {
  std::string policy_id;
  std::string version_id;  // "v1"
  std::string document;    // the JSON text as the client sent it (URL-decoded)
  TimePoint created;
  bool operator==(const PolicyVersion&) const = default;
};

// Who a policy is attached to or embedded in.
enum class PolicyOwnerKind { kUser, kGroup, kRole };

struct PolicyAttachment {
  std::string account_id;
  PolicyOwnerKind owner_kind = PolicyOwnerKind::kUser;
  std::string owner_id;    // user_id, group_id or role_id
  std::string policy_arn;  // customer managed or arn:aws:iam::aws:policy/...
  bool operator==(const PolicyAttachment&) const = default;
};

struct InlinePolicy {
  std::string account_id;
  PolicyOwnerKind owner_kind = PolicyOwnerKind::kUser;
  std::string owner_id;
  std::string name;      // unique per owner, case-insensitively
  std::string document;  // JSON text (URL-decoded)
  bool operator==(const InlinePolicy&) const = default;
};

struct Role {
  std::string account_id;
  std::string role_id;  // "AROA" + 17 chars of [A-Z2-7]
  std::string name;     // unique in the account, case-insensitively
  std::string path;
  std::string description;
  std::string assume_role_policy;        // the trust policy JSON
  int max_session_duration = 3600;       // seconds, 3600..43200
  std::string permissions_boundary_arn;  // empty when none
  TimePoint created;
  std::vector<Tag> tags;
  bool operator==(const Role&) const = default;
};

enum class AccessKeyStatus { kActive, kInactive };

struct AccessKey {
  std::string access_key_id;  // "AKIA" + 16 chars of [A-Z2-7]
  std::string account_id;
  std::string user_id;  // empty for the account's root credentials
  AccessKeyStatus status = AccessKeyStatus::kActive;
  TimePoint created;
  // The secret sealed with the master key (common/crypto SecretBox, AAD = access_key_id).
  // The store never sees the plaintext secret.
  std::string sealed_secret;
  bool operator==(const AccessKey&) const = default;
};

// When, where and for what an access key was last used (GetAccessKeyLastUsed).
struct AccessKeyUsage {
  std::string access_key_id;
  TimePoint last_used;
  std::string region;
  std::string service;  // the signing name, e.g. "iam", "sts", "s3"
  bool operator==(const AccessKeyUsage&) const = default;
};

// A virtual MFA device (CreateVirtualMFADevice). It belongs to the account from creation and to a
// user once enabled (EnableMFADevice); deactivating returns it to the unassigned state.
struct MfaDevice {
  std::string account_id;
  // arn:aws:iam::ACCOUNT:mfa/PATH/NAME: the device's identity (SerialNumber), unique per account
  // case-insensitively.
  std::string serial_number;
  std::string name;
  std::string path;
  // Who the device is enabled for: a user id ("AIDA..."), the account id for the account's root
  // user, or empty while not enabled.
  std::string user_id;
  TimePoint created;
  std::optional<TimePoint> enabled_at;  // set while assigned to a user
  // The TOTP seed (raw bytes, auth::kTotpSeedBytes) sealed with the master key (SecretBox,
  // AAD = serial_number). The store never sees the plaintext seed.
  std::string sealed_seed;
  // The latest TOTP step accepted (RFC 6238 counter); a code at or before it is refused, so a
  // code cannot be replayed. -1 when none yet.
  int64_t last_accepted_step = -1;
  std::vector<Tag> tags;
  bool operator==(const MfaDevice&) const = default;
};

// Everything the identity snapshot is built from.
struct IdentityData {
  std::vector<Account> accounts;
  std::vector<User> users;
  std::vector<AccessKey> access_keys;
  std::vector<AccessKeyUsage> key_usage;
  std::vector<Group> groups;
  std::vector<GroupMembership> memberships;
  std::vector<ManagedPolicy> managed_policies;
  std::vector<PolicyVersion> policy_versions;
  std::vector<PolicyAttachment> attachments;
  std::vector<InlinePolicy> inline_policies;
  std::vector<Role> roles;
  std::vector<MfaDevice> mfa_devices;  // sorted by (account_id, serial_number)
};

}  // namespace sigil
