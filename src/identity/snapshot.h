// The immutable, in-memory view of IAM state that every request reads: accounts, users, access
// keys (with their secrets decrypted) and the principal each key authenticates as. Built from the
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
  // Decrypts every secret with `box`; fails (kInternal) if a sealed secret does not open, which
  // means a wrong master key or a tampered database.
  static StatusOr<std::shared_ptr<const IdentitySnapshot>> Build(IdentityData data,
                                                                 const SecretBox& box);
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

 private:
  IdentitySnapshot() = default;
  IdentityData data_;
  std::unordered_map<std::string, KeyEntry> keys_;
  std::map<std::string, const Account*, std::less<>> accounts_by_id_;
  // account id + '\n' + lower-case name
  std::map<std::string, const User*, std::less<>> users_by_name_;
  std::unordered_map<std::string, const AccessKeyUsage*> usage_by_key_;
};

}  // namespace sigil
