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
  IdentityService(MetadataStore& store, SecretBox box, RandomSource& random, const Clock& clock);

  // Loads state from the store and publishes the first snapshot.
  Status Load();
  std::shared_ptr<const IdentitySnapshot> Current() const { return snapshot_.load(); }

  StatusOr<Account> CreateAccount(const std::string& name);
  StatusOr<User> CreateUser(const std::string& account_id, const std::string& name,
                            const std::string& path, const std::vector<Tag>& tags);
  Status UpdateUser(const std::string& account_id, const std::string& user_id,
                    const std::optional<std::string>& new_name,
                    const std::optional<std::string>& new_path);
  Status DeleteUser(const std::string& account_id, const std::string& user_id);
  Status SetUserTags(const std::string& account_id, const std::string& user_id,
                     const std::vector<Tag>& tags);
  // `user_id` empty creates a root access key for the account.
  StatusOr<NewAccessKey> CreateAccessKey(const std::string& account_id, const std::string& user_id);
  Status UpdateAccessKeyStatus(const std::string& access_key_id, AccessKeyStatus status);
  Status DeleteAccessKey(const std::string& access_key_id);

  // Identifier shapes as AWS makes them, from the cryptographic random source.
  std::string NewAccountId();
  std::string NewUserId();       // AIDA + 17
  std::string NewAccessKeyId();  // AKIA + 16

 private:
  // Re-reads the store and publishes a new snapshot. Caller holds write_mu_.
  Status Republish();

  MetadataStore& store_;
  SecretBox box_;
  RandomSource& random_;
  const Clock& clock_;
  std::mutex write_mu_;
  std::atomic<std::shared_ptr<const IdentitySnapshot>> snapshot_;
};

}  // namespace sigil
