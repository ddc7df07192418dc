// MetadataStore on PostgreSQL (libpq): the backend for several `sigil server` nodes sharing one
// database. Same contract as SqliteMetadataStore; every write runs SERIALIZABLE, so checks and
// writes are atomic across nodes too, and every identity write tells the other nodes with a
// NOTIFY on channel sigil_identity (ChangedElsewhere LISTENs on a connection of its own).
// Thread-safe: one connection for statements behind a mutex (writes are rare and reads happen only
// when the snapshot loads; a pool can replace it later), one for notifications behind another.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "store/metadata_store.h"
#include "store/postgres_db.h"

namespace sigil {

// The channel of the NOTIFY each identity write sends; its payload is the writer's node id.
inline constexpr const char* kIdentityChannel = "sigil_identity";

class PostgresMetadataStore final : public MetadataStore {
 public:
  struct Options {
    // ChangedElsewhere answers true at least this often, whatever it heard: the safety net for
    // a notification lost in transit (e.g. a network failure that neither side noticed).
    std::chrono::milliseconds full_check_interval = std::chrono::seconds(60);
  };

  // Connects with a libpq connection string and applies every schema migration the database
  // lacks, in one transaction, holding a database-wide advisory lock so that nodes starting
  // together apply each step once. Tables live in the first schema of the connection's
  // search_path (set it with options='-c search_path=NAME' to keep Sigil in its own schema).
  // kInvalidArgument for a malformed connection string; kUnavailable when the server cannot be
  // reached; kFailedPrecondition when the database was migrated by a newer Sigil or does not
  // use the UTF8 encoding; kInternal for other database failures.
  // Also opens the notification connection and LISTENs, so that ChangedElsewhere misses
  // nothing committed after Open returns, and draws this store's random node id.
  static StatusOr<std::unique_ptr<PostgresMetadataStore>> Open(const std::string& conninfo,
                                                               Options options);
  static StatusOr<std::unique_ptr<PostgresMetadataStore>> Open(const std::string& conninfo) {
    return Open(conninfo, Options{});
  }

  // Runs `fn` while holding a database-wide lock (a session-level advisory lock, on a connection
  // of its own that closes afterwards, so a node that dies releases it). For start-up steps that
  // must not run on two nodes at once, such as creating the first account. Does not hold this
  // store's statement mutex: `fn` may use the store. kUnavailable when the lock cannot be
  // taken; otherwise `fn`'s status.
  Status RunExclusively(const std::function<Status()>& fn);

  // This store object's node id: the payload of the notifications its writes send.
  const std::string& node_id() const { return node_id_; }

  // The server this store is connected to, as Db::Describe says it (never the password).
  std::string Describe();

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

  // True when a notification from another node id arrived since the previous call (every
  // other store object on the database: other nodes, `sigil admin`); also true after the
  // notification connection had to be re-established (notifications may have been missed while
  // it was down), and when `full_check_interval` passed since it last answered true. Reads only
  // what has arrived: it waits for the network just for the periodic check (one round trip that
  // proves the connection alive) and to reconnect. Notifications are per database, so a deployment
  // in another schema of the same database causes harmless false positives. kUnavailable when the
  // notification connection is down and cannot be re-established (the next call tries again).
  StatusOr<bool> ChangedElsewhere() override;
  // Reads the recorded schema version (reconnecting first if the connection was lost).
  Status Ping() override;

 private:
  using Body = std::function<Status(postgres::Db&)>;

  PostgresMetadataStore(std::string conninfo, Options options, std::string node_id, postgres::Db db,
                        postgres::Db listen_db);

  // Runs `body` in a transaction of `mode`, committing when it returns OK. Runs it again (a
  // few times, after a short randomized pause) when PostgreSQL aborted it with a serialization
  // failure or deadlock (a concurrent writer on another node), or when the connection was lost
  // before COMMIT was sent (reconnecting first). A connection lost during COMMIT leaves the
  // outcome unknown and is reported as kUnavailable.
  Status Transact(postgres::Transaction::Mode mode, const Body& body);
  // A SERIALIZABLE transaction that changes identity state: it also queues the NOTIFY, which
  // PostgreSQL delivers only if and when the transaction commits.
  Status Write(const Body& body);

  // (Re)connects the notification connection and LISTENs. Caller holds listen_mu_.
  Status Listen();

  const std::string conninfo_;  // may hold a password: never in a message
  const Options options_;
  const std::string node_id_;

  std::mutex mu_;
  postgres::Db db_;  // guarded by mu_

  std::mutex listen_mu_;
  postgres::Db listen_db_;                              // guarded by listen_mu_
  bool listening_ = true;                               // guarded by listen_mu_
  std::chrono::steady_clock::time_point last_changed_;  // guarded by listen_mu_
};

}  // namespace sigil
