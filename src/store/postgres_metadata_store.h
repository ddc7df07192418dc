// MetadataStore on PostgreSQL (libpq): the backend for several `sigil server` nodes sharing one
// database. Same contract as SqliteMetadataStore; every write runs SERIALIZABLE, so checks and
// writes are atomic across nodes too. Thread-safe: one connection behind a mutex for now (writes
// are rare and reads happen only when the snapshot loads); a pool can replace it later.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "store/metadata_store.h"
#include "store/postgres_db.h"

namespace sigil {

class PostgresMetadataStore final : public MetadataStore {
 public:
  // Connects with a libpq connection string and applies every schema migration the database
  // lacks, in one transaction, holding a database-wide advisory lock so that nodes starting
  // together apply each step once. Tables live in the first schema of the connection's
  // search_path (set it with options='-c search_path=NAME' to keep Sigil in its own schema).
  // kInvalidArgument for a malformed connection string; kUnavailable when the server cannot be
  // reached; kFailedPrecondition when the database was migrated by a newer Sigil or does not
  // use the UTF8 encoding; kInternal for other database failures.
  static StatusOr<std::unique_ptr<PostgresMetadataStore>> Open(const std::string& conninfo);

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

  // Always false for now: changes other nodes commit are not detected (see the .cc).
  StatusOr<bool> ChangedElsewhere() override;

 private:
  using Body = std::function<Status(postgres::Db&)>;

  explicit PostgresMetadataStore(postgres::Db db) : db_(std::move(db)) {}

  // Runs `body` in a transaction of `mode`, committing when it returns OK. Runs it again (a
  // few times, after a short randomized pause) when PostgreSQL aborted it with a serialization
  // failure or deadlock (a concurrent writer on another node), or when the connection was lost
  // before COMMIT was sent (reconnecting first). A connection lost during COMMIT leaves the
  // outcome unknown and is reported as kUnavailable.
  Status Transact(postgres::Transaction::Mode mode, const Body& body);
  Status Write(const Body& body) {
    return Transact(postgres::Transaction::Mode::kSerializable, body);
  }
  // One try of Transact; sets `*retry` when running `body` again is safe and may succeed.
  Status Attempt(postgres::Transaction::Mode mode, const Body& body, bool* retry);

  std::mutex mu_;
  postgres::Db db_;  // guarded by mu_
};

}  // namespace sigil
