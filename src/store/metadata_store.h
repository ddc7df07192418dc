// The narrow, domain-typed persistence interface for IAM state. Implementations: SQLite (the
// embedded default) and, later, PostgreSQL; one contract test suite (metadata_store_contract.h)
// runs against each. Every write is atomic and durable when it returns OK.
// Implementations are thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "identity/model.h"

namespace sigil {

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  // Reads the whole identity state (accounts, users with tags, access keys, key usage) as one
  // consistent snapshot. Each list is sorted by its id: accounts by account_id, users by
  // (account_id, user_id), keys and usage by access_key_id. Tags keep their stored order.
  virtual StatusOr<IdentityData> LoadIdentity() = 0;

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
  // kNotFound when absent; kFailedPrecondition when the user still has access keys (checked in
  // the same transaction as the delete). The user's tags go with it.
  virtual Status DeleteUser(const std::string& account_id, const std::string& user_id) = 0;
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

  // Upserts usage records in one transaction; records for keys that no longer exist are ignored,
  // and so is a record older than the one stored (nodes may flush usage out of order).
  virtual Status RecordAccessKeyUsage(const std::vector<AccessKeyUsage>& usage) = 0;
};

}  // namespace sigil
