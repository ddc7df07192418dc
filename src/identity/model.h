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
  std::vector<Tag> tags;  // in the order they were added
  bool operator==(const User&) const = default;
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

// Everything the identity snapshot is built from.
struct IdentityData {
  std::vector<Account> accounts;
  std::vector<User> users;
  std::vector<AccessKey> access_keys;
  std::vector<AccessKeyUsage> key_usage;
};

}  // namespace sigil
