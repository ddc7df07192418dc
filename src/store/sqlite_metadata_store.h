// MetadataStore on an embedded SQLite database: the default backend, one file in the data
// directory. WAL with synchronous=FULL, so an acknowledged write survives a crash. Thread-safe:
// one connection behind a mutex (writes are rare and reads happen only when the snapshot loads).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "store/metadata_store.h"
#include "store/sqlite_db.h"

namespace sigil {

class SqliteMetadataStore final : public MetadataStore {
 public:
  // Opens the database at `path` (creating it if absent) and applies every schema migration it
  // lacks, in one transaction. kFailedPrecondition when the database was migrated by a newer
  // Sigil; kInternal when the file cannot be opened or is not a database.
  static StatusOr<std::unique_ptr<SqliteMetadataStore>> Open(const std::string& path);

  StatusOr<IdentityData> LoadIdentity() override;
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

  Status RecordAccessKeyUsage(const std::vector<AccessKeyUsage>& usage) override;

 private:
  explicit SqliteMetadataStore(sqlite::Db db) : db_(std::move(db)) {}

  std::mutex mu_;
  sqlite::Db db_;  // guarded by mu_
};

}  // namespace sigil
