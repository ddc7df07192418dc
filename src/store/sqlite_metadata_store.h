// MetadataStore on an embedded SQLite database: the default backend, one file in the data
// directory. WAL with synchronous=FULL, so an acknowledged write survives a crash. Thread-safe:
// one connection behind a mutex (writes are rare and reads happen only when the snapshot loads).
// That single connection is also what makes ChangedElsewhere exact: SQLite's data_version moves
// only for commits made on other connections, and every write of this object uses this one.
#pragma once

#include <functional>
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

  // PRAGMA data_version on the store's one connection: it changes exactly when another
  // connection (another process, or another SqliteMetadataStore on the same file) committed.
  StatusOr<bool> ChangedElsewhere() override;
  // Reads the recorded schema version on the store's connection.
  Status Ping() override;

  // Runs `fn` with the store's connection, holding the store's mutex, for another store that
  // keeps its tables in the same database (SqlObjectStore through SqliteDatabaseSharing). Its
  // commits then do not count as changes made elsewhere: data_version moves only for commits of
  // other connections, so a second connection's S3 writes would make every ChangedElsewhere
  // poll reload the identity snapshot. `fn` must not call this store. Returns `fn`'s status.
  Status WithConnection(const std::function<Status(sqlite::Db&)>& fn);

  // A consistent copy of the whole database, taken while servers keep writing (SQLite's online
  // backup API), into a new file at `path` (kAlreadyExists if it exists). The copy is a single
  // self-contained file (rollback journal, no WAL) that Open accepts as is.
  Status BackupTo(const std::string& path);

 private:
  explicit SqliteMetadataStore(sqlite::Db db) : db_(std::move(db)) {}
  // The connection's current PRAGMA data_version. Caller holds mu_ (or is Open).
  StatusOr<int64_t> DataVersion();

  std::mutex mu_;
  sqlite::Db db_;  // guarded by mu_
  // data_version when ChangedElsewhere last looked (at first: when the store opened); guarded
  // by mu_.
  int64_t data_version_ = 0;
};

}  // namespace sigil
