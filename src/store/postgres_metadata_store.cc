#include "store/postgres_metadata_store.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>
#include <unordered_map>
#include <utility>

#include "common/clock.h"
#include "common/crypto.h"
#include "store/migrations.h"
#include "store/row_values.h"

namespace sigil {
namespace {

// Column <-> model conversions shared by the SQL backends.
using store_rows::CustomerPolicyArn;
using store_rows::FromMillis;
using store_rows::NullIfEmpty;
using store_rows::OwnerKindText;
using store_rows::ParseOwnerKind;
using store_rows::StatusText;
using store_rows::ToMillis;
using store_rows::VersionNumber;
using store_rows::WithContext;

using postgres::Db;
using postgres::Result;
using postgres::Transaction;
using Mode = postgres::Transaction::Mode;

// ---- SQL, one block per table, mirroring the SQLite store's. Columns are listed explicitly so
// row readers can read by index. Every ORDER BY on text says COLLATE "C": byte order, as SQLite
// sorts, whatever collation the database was created with.

// Any fixed keys: advisory locks are per database, and only migrations (for one transaction)
// and RunExclusively (for one session) take these.
constexpr std::string_view kLockMigrations = "SELECT pg_advisory_xact_lock(7587289135020934515)";
constexpr std::string_view kLockExclusive = "SELECT pg_advisory_lock(7587289135020934516)";

// Change notification: every identity write queues one NOTIFY (delivered when it commits) with
// the writer's node id, which each store LISTENs to on a connection of its own.
constexpr std::string_view kListen = "LISTEN sigil_identity";
constexpr std::string_view kNotifyIdentityChanged = "SELECT pg_notify('sigil_identity', $1)";
constexpr std::string_view kPing = "SELECT 1";
constexpr std::string_view kSelectEncoding = "SHOW server_encoding";
constexpr std::string_view kSelectSchemaVersion =
    "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
constexpr std::string_view kInsertSchemaVersion =
    "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)";

constexpr std::string_view kInsertAccount =
    "INSERT INTO accounts (account_id, name, created_ms) VALUES ($1, $2, $3)";
constexpr std::string_view kAccountExists = "SELECT 1 FROM accounts WHERE account_id = $1";
constexpr std::string_view kSelectAccounts =
    "SELECT account_id, name, created_ms FROM accounts ORDER BY account_id COLLATE \"C\"";

constexpr std::string_view kInsertUser =
    "INSERT INTO users (user_id, account_id, name, path, created_ms, permissions_boundary_arn)"
    " VALUES ($1, $2, $3, $4, $5, $6)";
constexpr std::string_view kUpdateUser =
    "UPDATE users SET name = COALESCE($3, name), path = COALESCE($4, path)"
    " WHERE account_id = $1 AND user_id = $2";
constexpr std::string_view kDeleteUser = "DELETE FROM users WHERE account_id = $1 AND user_id = $2";
constexpr std::string_view kUserExists =
    "SELECT 1 FROM users WHERE account_id = $1 AND user_id = $2";
constexpr std::string_view kSetUserBoundary =
    "UPDATE users SET permissions_boundary_arn = $3 WHERE account_id = $1 AND user_id = $2";
constexpr std::string_view kSelectUsers =
    "SELECT account_id, user_id, name, path, created_ms, permissions_boundary_arn FROM users"
    " ORDER BY account_id COLLATE \"C\", user_id COLLATE \"C\"";

constexpr std::string_view kInsertUserTag =
    "INSERT INTO user_tags (user_id, position, tag_key, tag_value) VALUES ($1, $2, $3, $4)";
constexpr std::string_view kDeleteUserTags = "DELETE FROM user_tags WHERE user_id = $1";
constexpr std::string_view kSelectUserTags =
    "SELECT user_id, tag_key, tag_value FROM user_tags ORDER BY user_id, position";

constexpr std::string_view kInsertAccessKey =
    "INSERT INTO access_keys"
    " (access_key_id, account_id, user_id, status, created_ms, sealed_secret)"
    " VALUES ($1, $2, $3, $4, $5, $6)";
constexpr std::string_view kUpdateAccessKeyStatus =
    "UPDATE access_keys SET status = $2 WHERE access_key_id = $1";
constexpr std::string_view kDeleteAccessKey = "DELETE FROM access_keys WHERE access_key_id = $1";
constexpr std::string_view kUserHasAccessKeys =
    "SELECT 1 FROM access_keys WHERE account_id = $1 AND user_id = $2 LIMIT 1";
constexpr std::string_view kSelectAccessKeys =
    "SELECT access_key_id, account_id, user_id, status, created_ms, sealed_secret"
    " FROM access_keys ORDER BY access_key_id COLLATE \"C\"";

// Inserts only for an existing key, and never replaces a record with an older one (several
// nodes may flush usage out of order).
constexpr std::string_view kUpsertAccessKeyUsage =
    "INSERT INTO access_key_usage (access_key_id, last_used_ms, region, service)"
    " SELECT $1, $2, $3, $4 WHERE EXISTS"
    "  (SELECT 1 FROM access_keys WHERE access_key_id = $1)"
    " ON CONFLICT (access_key_id) DO UPDATE SET last_used_ms = excluded.last_used_ms,"
    "  region = excluded.region, service = excluded.service"
    " WHERE excluded.last_used_ms >= access_key_usage.last_used_ms";
constexpr std::string_view kSelectAccessKeyUsage =
    "SELECT access_key_id, last_used_ms, region, service FROM access_key_usage"
    " ORDER BY access_key_id COLLATE \"C\"";

constexpr std::string_view kInsertGroup =
    "INSERT INTO iam_groups (group_id, account_id, name, path, created_ms)"
    " VALUES ($1, $2, $3, $4, $5)";
constexpr std::string_view kUpdateGroup =
    "UPDATE iam_groups SET name = COALESCE($3, name), path = COALESCE($4, path)"
    " WHERE account_id = $1 AND group_id = $2";
constexpr std::string_view kDeleteGroup =
    "DELETE FROM iam_groups WHERE account_id = $1 AND group_id = $2";
constexpr std::string_view kGroupExists =
    "SELECT 1 FROM iam_groups WHERE account_id = $1 AND group_id = $2";
constexpr std::string_view kSelectGroups =
    "SELECT account_id, group_id, name, path, created_ms FROM iam_groups"
    " ORDER BY account_id COLLATE \"C\", group_id COLLATE \"C\"";

constexpr std::string_view kInsertMember =
    "INSERT INTO group_members (account_id, group_id, user_id) VALUES ($1, $2, $3)"
    " ON CONFLICT (account_id, group_id, user_id) DO NOTHING";
constexpr std::string_view kDeleteMember =
    "DELETE FROM group_members WHERE account_id = $1 AND group_id = $2 AND user_id = $3";
constexpr std::string_view kUserHasMemberships =
    "SELECT 1 FROM group_members WHERE account_id = $1 AND user_id = $2 LIMIT 1";
constexpr std::string_view kGroupHasMembers =
    "SELECT 1 FROM group_members WHERE account_id = $1 AND group_id = $2 LIMIT 1";
constexpr std::string_view kSelectMembers =
    "SELECT account_id, group_id, user_id FROM group_members"
    " ORDER BY account_id COLLATE \"C\", group_id COLLATE \"C\", user_id COLLATE \"C\"";

constexpr std::string_view kInsertPolicy =
    "INSERT INTO managed_policies (policy_id, account_id, name, path, description,"
    " default_version_id, next_version_number, created_ms, updated_ms)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
constexpr std::string_view kSelectPolicy =
    "SELECT path, name, default_version_id, next_version_number FROM managed_policies"
    " WHERE account_id = $1 AND policy_id = $2";
constexpr std::string_view kUpdatePolicyVersions =
    "UPDATE managed_policies SET default_version_id = $3, next_version_number = $4,"
    " updated_ms = $5 WHERE account_id = $1 AND policy_id = $2";
constexpr std::string_view kDeletePolicy =
    "DELETE FROM managed_policies WHERE account_id = $1 AND policy_id = $2";
constexpr std::string_view kSelectPolicies =
    "SELECT account_id, policy_id, name, path, description, default_version_id,"
    " next_version_number, created_ms, updated_ms FROM managed_policies"
    " ORDER BY account_id COLLATE \"C\", policy_id COLLATE \"C\"";

constexpr std::string_view kInsertPolicyVersion =
    "INSERT INTO policy_versions (policy_id, version_id, version_number, document, created_ms)"
    " VALUES ($1, $2, $3, $4, $5)";
constexpr std::string_view kDeletePolicyVersion =
    "DELETE FROM policy_versions WHERE policy_id = $1 AND version_id = $2";
constexpr std::string_view kPolicyVersionExists =
    "SELECT 1 FROM policy_versions WHERE policy_id = $1 AND version_id = $2";
constexpr std::string_view kSelectPolicyVersions =
    "SELECT policy_id, version_id, document, created_ms FROM policy_versions"
    " ORDER BY policy_id COLLATE \"C\", version_number";

constexpr std::string_view kInsertPolicyTag =
    "INSERT INTO policy_tags (policy_id, position, tag_key, tag_value) VALUES ($1, $2, $3, $4)";
constexpr std::string_view kDeletePolicyTags = "DELETE FROM policy_tags WHERE policy_id = $1";
constexpr std::string_view kSelectPolicyTags =
    "SELECT policy_id, tag_key, tag_value FROM policy_tags ORDER BY policy_id, position";

constexpr std::string_view kInsertAttachment =
    "INSERT INTO policy_attachments (account_id, owner_kind, owner_id, policy_arn)"
    " VALUES ($1, $2, $3, $4)"
    " ON CONFLICT (account_id, owner_kind, owner_id, policy_arn) DO NOTHING";
constexpr std::string_view kDeleteAttachment =
    "DELETE FROM policy_attachments"
    " WHERE account_id = $1 AND owner_kind = $2 AND owner_id = $3 AND policy_arn = $4";
constexpr std::string_view kOwnerHasAttachments =
    "SELECT 1 FROM policy_attachments"
    " WHERE account_id = $1 AND owner_kind = $2 AND owner_id = $3 LIMIT 1";
// Case-insensitive on purpose: an ARN spelled in another case still names the same policy
// (names are unique regardless of case), and refusing is the safe side.
constexpr std::string_view kPolicyIsAttached =
    "SELECT 1 FROM policy_attachments WHERE lower(policy_arn) = lower($1) LIMIT 1";
// Owner kinds sort in the order of PolicyOwnerKind (user, group, role), not alphabetically.
constexpr std::string_view kSelectAttachments =
    "SELECT account_id, owner_kind, owner_id, policy_arn FROM policy_attachments"
    " ORDER BY account_id COLLATE \"C\","
    "  CASE owner_kind WHEN 'user' THEN 0 WHEN 'group' THEN 1 ELSE 2 END,"
    "  owner_id COLLATE \"C\", policy_arn COLLATE \"C\"";

constexpr std::string_view kUpdateInlinePolicy =
    "UPDATE inline_policies SET name = $5, document = $6"
    " WHERE account_id = $1 AND owner_kind = $2 AND owner_id = $3 AND lower(name) = lower($4)";
constexpr std::string_view kInsertInlinePolicy =
    "INSERT INTO inline_policies (account_id, owner_kind, owner_id, name, document)"
    " VALUES ($1, $2, $3, $4, $5)";
constexpr std::string_view kDeleteInlinePolicy =
    "DELETE FROM inline_policies"
    " WHERE account_id = $1 AND owner_kind = $2 AND owner_id = $3 AND lower(name) = lower($4)";
constexpr std::string_view kOwnerHasInlinePolicies =
    "SELECT 1 FROM inline_policies"
    " WHERE account_id = $1 AND owner_kind = $2 AND owner_id = $3 LIMIT 1";
constexpr std::string_view kSelectInlinePolicies =
    "SELECT account_id, owner_kind, owner_id, name, document FROM inline_policies"
    " ORDER BY account_id COLLATE \"C\","
    "  CASE owner_kind WHEN 'user' THEN 0 WHEN 'group' THEN 1 ELSE 2 END,"
    "  owner_id COLLATE \"C\", lower(name) COLLATE \"C\"";

constexpr std::string_view kInsertRole =
    "INSERT INTO roles (role_id, account_id, name, path, description, assume_role_policy,"
    " max_session_duration, permissions_boundary_arn, created_ms)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
constexpr std::string_view kUpdateRole =
    "UPDATE roles SET description = $3, assume_role_policy = $4, max_session_duration = $5,"
    " permissions_boundary_arn = $6 WHERE account_id = $1 AND role_id = $2";
constexpr std::string_view kDeleteRole = "DELETE FROM roles WHERE account_id = $1 AND role_id = $2";
constexpr std::string_view kRoleExists =
    "SELECT 1 FROM roles WHERE account_id = $1 AND role_id = $2";
constexpr std::string_view kSelectRoles =
    "SELECT account_id, role_id, name, path, description, assume_role_policy,"
    " max_session_duration, permissions_boundary_arn, created_ms FROM roles"
    " ORDER BY account_id COLLATE \"C\", role_id COLLATE \"C\"";

constexpr std::string_view kInsertRoleTag =
    "INSERT INTO role_tags (role_id, position, tag_key, tag_value) VALUES ($1, $2, $3, $4)";
constexpr std::string_view kDeleteRoleTags = "DELETE FROM role_tags WHERE role_id = $1";
constexpr std::string_view kSelectRoleTags =
    "SELECT role_id, tag_key, tag_value FROM role_tags ORDER BY role_id, position";

// A device's assignment column, for the checks of writes that depend on it.
constexpr std::string_view kSelectMfaDeviceUser =
    "SELECT user_id FROM mfa_devices WHERE account_id = $1 AND serial_number = $2";
constexpr std::string_view kInsertMfaDevice =
    "INSERT INTO mfa_devices (serial_number, account_id, name, path, user_id, created_ms,"
    " enabled_ms, sealed_seed, last_accepted_step)"
    " VALUES ($1, $2, $3, $4, NULL, $5, NULL, $6, $7)";
// The step only ever rises: a step once accepted stays refused.
constexpr std::string_view kAssignMfaDevice =
    "UPDATE mfa_devices SET user_id = $3, enabled_ms = $4,"
    " last_accepted_step = GREATEST(last_accepted_step, $5)"
    " WHERE account_id = $1 AND serial_number = $2 AND user_id IS NULL";
constexpr std::string_view kUnassignMfaDevice =
    "UPDATE mfa_devices SET user_id = NULL, enabled_ms = NULL"
    " WHERE serial_number = $1 AND user_id = $2";
constexpr std::string_view kResyncMfaDevice =
    "UPDATE mfa_devices SET last_accepted_step = GREATEST(last_accepted_step, $3)"
    " WHERE serial_number = $1 AND user_id = $2";
// The replay guard's compare-and-set. Run READ COMMITTED: an UPDATE that waited for a
// concurrent one re-evaluates its WHERE against the row that one committed, so of two nodes
// presenting the same code exactly one matches, with no serialization failure to retry.
constexpr std::string_view kAdvanceMfaStep =
    "UPDATE mfa_devices SET last_accepted_step = $4"
    " WHERE serial_number = $1 AND user_id = $2 AND enabled_ms = $3 AND last_accepted_step < $4";
constexpr std::string_view kDeleteMfaDevice =
    "DELETE FROM mfa_devices WHERE account_id = $1 AND serial_number = $2";
constexpr std::string_view kUserHasMfaDevices =
    "SELECT 1 FROM mfa_devices WHERE account_id = $1 AND user_id = $2 LIMIT 1";
constexpr std::string_view kSelectMfaDevices =
    "SELECT account_id, serial_number, name, path, user_id, created_ms, enabled_ms, sealed_seed,"
    " last_accepted_step FROM mfa_devices"
    " ORDER BY account_id COLLATE \"C\", serial_number COLLATE \"C\"";

constexpr std::string_view kInsertMfaDeviceTag =
    "INSERT INTO mfa_device_tags (serial_number, position, tag_key, tag_value)"
    " VALUES ($1, $2, $3, $4)";
constexpr std::string_view kDeleteMfaDeviceTags =
    "DELETE FROM mfa_device_tags WHERE serial_number = $1";
constexpr std::string_view kSelectMfaDeviceTags =
    "SELECT serial_number, tag_key, tag_value FROM mfa_device_tags"
    " ORDER BY serial_number, position";

// How often Transact runs a body that keeps losing to concurrent writers before giving up
// with kUnavailable.
constexpr int kMaxAttempts = 8;

// ---- Small statement runners.

template <typename... Args>
Status Execute(Db& db, std::string_view sql, const Args&... args) {
  return db.Query(sql, args...).status();
}

// Rows inserted, updated or deleted by `sql`.
template <typename... Args>
StatusOr<int64_t> Affected(Db& db, std::string_view sql, const Args&... args) {
  SIGIL_ASSIGN_OR_RETURN(Result result, db.Query(sql, args...));
  return result.AffectedRows();
}

// True when `sql` returns at least one row.
template <typename... Args>
StatusOr<bool> Exists(Db& db, std::string_view sql, const Args&... args) {
  SIGIL_ASSIGN_OR_RETURN(Result result, db.Query(sql, args...));
  return result.Rows() > 0;
}

Status RequireAccount(Db& db, const std::string& account_id) {
  SIGIL_ASSIGN_OR_RETURN(bool found, Exists(db, kAccountExists, account_id));
  if (!found) return NotFoundError("no account " + account_id);
  return OkStatus();
}

Status RequireUser(Db& db, const std::string& account_id, const std::string& user_id) {
  SIGIL_ASSIGN_OR_RETURN(bool found, Exists(db, kUserExists, account_id, user_id));
  if (!found) return NotFoundError("no user " + user_id + " in account " + account_id);
  return OkStatus();
}

Status RequireGroup(Db& db, const std::string& account_id, const std::string& group_id) {
  SIGIL_ASSIGN_OR_RETURN(bool found, Exists(db, kGroupExists, account_id, group_id));
  if (!found) return NotFoundError("no group " + group_id + " in account " + account_id);
  return OkStatus();
}

Status RequireRole(Db& db, const std::string& account_id, const std::string& role_id) {
  SIGIL_ASSIGN_OR_RETURN(bool found, Exists(db, kRoleExists, account_id, role_id));
  if (!found) return NotFoundError("no role " + role_id + " in account " + account_id);
  return OkStatus();
}

Status RequireOwner(Db& db, const std::string& account_id, PolicyOwnerKind kind,
                    const std::string& owner_id) {
  switch (kind) {
    case PolicyOwnerKind::kUser:
      return RequireUser(db, account_id, owner_id);
    case PolicyOwnerKind::kGroup:
      return RequireGroup(db, account_id, owner_id);
    case PolicyOwnerKind::kRole:
      return RequireRole(db, account_id, owner_id);
  }
  return InternalError("unknown policy owner kind");
}

// The user a device of the account is assigned to (empty when unassigned); kNotFound when the
// account has no such device.
StatusOr<std::string> ReadMfaDeviceUser(Db& db, const std::string& account_id,
                                        const std::string& serial_number) {
  SIGIL_ASSIGN_OR_RETURN(Result r, db.Query(kSelectMfaDeviceUser, account_id, serial_number));
  if (r.Rows() == 0) {
    return NotFoundError("no MFA device " + serial_number + " in account " + account_id);
  }
  return r.Text(0, 0);  // NULL reads as ""
}

// The columns of a managed policy that writes to its versions need.
struct PolicyRow {
  std::string path;
  std::string name;
  std::string default_version_id;
  int64_t next_version_number = 0;
};

StatusOr<PolicyRow> ReadPolicy(Db& db, const std::string& account_id,
                               const std::string& policy_id) {
  SIGIL_ASSIGN_OR_RETURN(Result r, db.Query(kSelectPolicy, account_id, policy_id));
  if (r.Rows() == 0) return NotFoundError("no policy " + policy_id + " in account " + account_id);
  SIGIL_ASSIGN_OR_RETURN(int64_t next, r.Int64(0, 3));
  return PolicyRow{.path = r.Text(0, 0),
                   .name = r.Text(0, 1),
                   .default_version_id = r.Text(0, 2),
                   .next_version_number = next};
}

// Inserts `tags` in order with `insert_sql` ($1 owner id, $2 position, $3 key, $4 value).
Status InsertTags(Db& db, std::string_view insert_sql, const std::string& owner_id,
                  const std::vector<Tag>& tags) {
  for (size_t i = 0; i < tags.size(); ++i) {
    SIGIL_RETURN_IF_ERROR(
        Execute(db, insert_sql, owner_id, static_cast<int64_t>(i), tags[i].key, tags[i].value));
  }
  return OkStatus();
}

// A refused delete: the message is exactly the dependent kind (metadata_store.h), so callers
// can word AWS's DeleteConflict.
Status RefuseIf(StatusOr<bool> dependent, const char* kind) {
  if (!dependent.ok()) return dependent.status();
  return *dependent ? FailedPreconditionError(kind) : OkStatus();
}

// Refuses while the owner has attached managed policies or inline policies.
Status RefuseIfOwnerHasPolicies(Db& db, const std::string& account_id, PolicyOwnerKind kind,
                                const std::string& owner_id) {
  const std::string_view kind_text = OwnerKindText(kind);
  SIGIL_RETURN_IF_ERROR(RefuseIf(Exists(db, kOwnerHasAttachments, account_id, kind_text, owner_id),
                                 kDependentAttachedPolicies));
  return RefuseIf(Exists(db, kOwnerHasInlinePolicies, account_id, kind_text, owner_id),
                  kDependentInlinePolicies);
}

// ---- Loaders, one per table, reading everything in id order.

// Calls `fn(result, row)` for each row of `sql`; stops at the first error.
template <typename Fn>
Status ForEachRow(Db& db, std::string_view sql, Fn fn) {
  SIGIL_ASSIGN_OR_RETURN(Result result, db.Query(sql));
  for (int row = 0; row < result.Rows(); ++row) SIGIL_RETURN_IF_ERROR(fn(result, row));
  return OkStatus();
}

// Appends the tags `select_sql` returns (owner id, key, value; in order) to their owners.
template <typename T>
Status LoadTags(Db& db, std::string_view select_sql, std::vector<T>& owners,
                std::string T::*id_member, std::string_view what) {
  std::unordered_map<std::string, T*> by_id;
  for (T& owner : owners) by_id[owner.*id_member] = &owner;
  return ForEachRow(db, select_sql, [&](const Result& r, int row) -> Status {
    auto owner = by_id.find(r.Text(row, 0));
    if (owner == by_id.end()) {
      return InternalError("a tag names missing " + std::string(what) + " " + r.Text(row, 0));
    }
    owner->second->tags.push_back(Tag{.key = r.Text(row, 1), .value = r.Text(row, 2)});
    return OkStatus();
  });
}

Status LoadAccounts(Db& db, std::vector<Account>& out) {
  return ForEachRow(db, kSelectAccounts, [&](const Result& r, int row) -> Status {
    SIGIL_ASSIGN_OR_RETURN(int64_t created, r.Int64(row, 2));
    out.push_back(Account{
        .account_id = r.Text(row, 0), .name = r.Text(row, 1), .created = FromMillis(created)});
    return OkStatus();
  });
}

Status LoadUsers(Db& db, std::vector<User>& out) {
  SIGIL_RETURN_IF_ERROR(ForEachRow(db, kSelectUsers, [&](const Result& r, int row) -> Status {
    SIGIL_ASSIGN_OR_RETURN(int64_t created, r.Int64(row, 4));
    out.push_back(User{.account_id = r.Text(row, 0),
                       .user_id = r.Text(row, 1),
                       .name = r.Text(row, 2),
                       .path = r.Text(row, 3),
                       .created = FromMillis(created),
                       .permissions_boundary_arn = r.Text(row, 5)});  // NULL reads as ""
    return OkStatus();
  }));
  return LoadTags(db, kSelectUserTags, out, &User::user_id, "user");
}

Status LoadAccessKeys(Db& db, std::vector<AccessKey>& out) {
  return ForEachRow(db, kSelectAccessKeys, [&](const Result& r, int row) -> Status {
    SIGIL_ASSIGN_OR_RETURN(int64_t created, r.Int64(row, 4));
    AccessKey key{.access_key_id = r.Text(row, 0),
                  .account_id = r.Text(row, 1),
                  .user_id = r.Text(row, 2),  // NULL reads as ""
                  .created = FromMillis(created)};
    const std::string status = r.Text(row, 3);
    if (status != StatusText(AccessKeyStatus::kActive) &&
        status != StatusText(AccessKeyStatus::kInactive)) {
      return InternalError("access key " + key.access_key_id + " has an unknown status");
    }
    key.status = status == StatusText(AccessKeyStatus::kActive) ? AccessKeyStatus::kActive
                                                                : AccessKeyStatus::kInactive;
    auto sealed = Base64Decode(r.Text(row, 5));
    if (!sealed.ok()) {
      return InternalError("access key " + key.access_key_id + " has a corrupt sealed secret");
    }
    key.sealed_secret = std::move(sealed).value();
    out.push_back(std::move(key));
    return OkStatus();
  });
}

Status LoadAccessKeyUsage(Db& db, std::vector<AccessKeyUsage>& out) {
  return ForEachRow(db, kSelectAccessKeyUsage, [&](const Result& r, int row) -> Status {
    SIGIL_ASSIGN_OR_RETURN(int64_t last_used, r.Int64(row, 1));
    out.push_back(AccessKeyUsage{.access_key_id = r.Text(row, 0),
                                 .last_used = FromMillis(last_used),
                                 .region = r.Text(row, 2),
                                 .service = r.Text(row, 3)});
    return OkStatus();
  });
}

Status LoadGroups(Db& db, std::vector<Group>& out) {
  return ForEachRow(db, kSelectGroups, [&](const Result& r, int row) -> Status {
    SIGIL_ASSIGN_OR_RETURN(int64_t created, r.Int64(row, 4));
    out.push_back(Group{.account_id = r.Text(row, 0),
                        .group_id = r.Text(row, 1),
                        .name = r.Text(row, 2),
                        .path = r.Text(row, 3),
                        .created = FromMillis(created)});
    return OkStatus();
  });
}

Status LoadMemberships(Db& db, std::vector<GroupMembership>& out) {
  return ForEachRow(db, kSelectMembers, [&](const Result& r, int row) -> Status {
    out.push_back(GroupMembership{
        .account_id = r.Text(row, 0), .group_id = r.Text(row, 1), .user_id = r.Text(row, 2)});
    return OkStatus();
  });
}

Status LoadManagedPolicies(Db& db, std::vector<ManagedPolicy>& out) {
  SIGIL_RETURN_IF_ERROR(ForEachRow(db, kSelectPolicies, [&](const Result& r, int row) -> Status {
    SIGIL_ASSIGN_OR_RETURN(int64_t next, r.Int64(row, 6));
    SIGIL_ASSIGN_OR_RETURN(int64_t created, r.Int64(row, 7));
    SIGIL_ASSIGN_OR_RETURN(int64_t updated, r.Int64(row, 8));
    out.push_back(ManagedPolicy{.account_id = r.Text(row, 0),
                                .policy_id = r.Text(row, 1),
                                .name = r.Text(row, 2),
                                .path = r.Text(row, 3),
                                .description = r.Text(row, 4),
                                .default_version_id = r.Text(row, 5),
                                .next_version_number = static_cast<int>(next),
                                .created = FromMillis(created),
                                .updated = FromMillis(updated)});
    return OkStatus();
  }));
  return LoadTags(db, kSelectPolicyTags, out, &ManagedPolicy::policy_id, "policy");
}

Status LoadPolicyVersions(Db& db, std::vector<PolicyVersion>& out) {
  return ForEachRow(db, kSelectPolicyVersions, [&](const Result& r, int row) -> Status {
    SIGIL_ASSIGN_OR_RETURN(int64_t created, r.Int64(row, 3));
    out.push_back(PolicyVersion{.policy_id = r.Text(row, 0),
                                .version_id = r.Text(row, 1),
                                .document = r.Text(row, 2),
                                .created = FromMillis(created)});
    return OkStatus();
  });
}

Status LoadAttachments(Db& db, std::vector<PolicyAttachment>& out) {
  return ForEachRow(db, kSelectAttachments, [&](const Result& r, int row) -> Status {
    SIGIL_ASSIGN_OR_RETURN(PolicyOwnerKind kind, ParseOwnerKind(r.Text(row, 1)));
    out.push_back(PolicyAttachment{.account_id = r.Text(row, 0),
                                   .owner_kind = kind,
                                   .owner_id = r.Text(row, 2),
                                   .policy_arn = r.Text(row, 3)});
    return OkStatus();
  });
}

Status LoadInlinePolicies(Db& db, std::vector<InlinePolicy>& out) {
  return ForEachRow(db, kSelectInlinePolicies, [&](const Result& r, int row) -> Status {
    SIGIL_ASSIGN_OR_RETURN(PolicyOwnerKind kind, ParseOwnerKind(r.Text(row, 1)));
    out.push_back(InlinePolicy{.account_id = r.Text(row, 0),
                               .owner_kind = kind,
                               .owner_id = r.Text(row, 2),
                               .name = r.Text(row, 3),
                               .document = r.Text(row, 4)});
    return OkStatus();
  });
}

Status LoadRoles(Db& db, std::vector<Role>& out) {
  SIGIL_RETURN_IF_ERROR(ForEachRow(db, kSelectRoles, [&](const Result& r, int row) -> Status {
    SIGIL_ASSIGN_OR_RETURN(int64_t max_session, r.Int64(row, 6));
    SIGIL_ASSIGN_OR_RETURN(int64_t created, r.Int64(row, 8));
    out.push_back(Role{.account_id = r.Text(row, 0),
                       .role_id = r.Text(row, 1),
                       .name = r.Text(row, 2),
                       .path = r.Text(row, 3),
                       .description = r.Text(row, 4),
                       .assume_role_policy = r.Text(row, 5),
                       .max_session_duration = static_cast<int>(max_session),
                       .permissions_boundary_arn = r.Text(row, 7),  // NULL reads as ""
                       .created = FromMillis(created)});
    return OkStatus();
  }));
  return LoadTags(db, kSelectRoleTags, out, &Role::role_id, "role");
}

Status LoadMfaDevices(Db& db, std::vector<MfaDevice>& out) {
  SIGIL_RETURN_IF_ERROR(ForEachRow(db, kSelectMfaDevices, [&](const Result& r, int row) -> Status {
    SIGIL_ASSIGN_OR_RETURN(int64_t created, r.Int64(row, 5));
    SIGIL_ASSIGN_OR_RETURN(int64_t step, r.Int64(row, 8));
    MfaDevice device{.account_id = r.Text(row, 0),
                     .serial_number = r.Text(row, 1),
                     .name = r.Text(row, 2),
                     .path = r.Text(row, 3),
                     .user_id = r.Text(row, 4),  // NULL reads as ""
                     .created = FromMillis(created),
                     .last_accepted_step = step};
    if (!r.IsNull(row, 6)) {
      SIGIL_ASSIGN_OR_RETURN(int64_t enabled, r.Int64(row, 6));
      device.enabled_at = FromMillis(enabled);
    }
    auto sealed = Base64Decode(r.Text(row, 7));
    if (!sealed.ok()) {
      return InternalError("MFA device " + device.serial_number + " has a corrupt sealed seed");
    }
    device.sealed_seed = std::move(sealed).value();
    out.push_back(std::move(device));
    return OkStatus();
  }));
  return LoadTags(db, kSelectMfaDeviceTags, out, &MfaDevice::serial_number, "MFA device");
}

// ---- Schema migrations.

// Brings the schema up to LatestSchemaVersion() in one transaction: all pending steps apply,
// or none do. The shared statements run verbatim: they are written in the SQL both backends
// accept (migrations.h). The advisory lock makes a second node wait until the first has
// committed; READ COMMITTED then lets it read the version the first one recorded.
Status Migrate(Db& db, const Clock& clock) {
  SIGIL_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db, Mode::kReadCommitted));
  SIGIL_RETURN_IF_ERROR(db.Exec(kLockMigrations).status());
  SIGIL_RETURN_IF_ERROR(db.Exec(kCreateSchemaMigrationsTable).status());
  SIGIL_ASSIGN_OR_RETURN(Result version, db.Exec(kSelectSchemaVersion));
  SIGIL_ASSIGN_OR_RETURN(int64_t current, version.Int64(0, 0));
  const int latest = LatestSchemaVersion();
  if (current > latest) {
    return FailedPreconditionError("database schema version " + std::to_string(current) +
                                   " is newer than this sigil (" + std::to_string(latest) + ")");
  }
  for (const Migration& migration : Migrations()) {
    if (migration.version <= current) continue;
    const std::string context = "schema migration " + std::to_string(migration.version) + " (" +
                                std::string(migration.description) + ")";
    for (std::string_view sql : migration.statements) {
      SIGIL_RETURN_IF_ERROR(WithContext(db.Exec(sql).status(), context));
    }
    SIGIL_RETURN_IF_ERROR(WithContext(
        Execute(db, kInsertSchemaVersion, int64_t{migration.version}, ToMillis(clock.Now())),
        context));
  }
  return txn.Commit();
}

// Text round-trips only through a UTF8 database (the model holds UTF-8; SQL_ASCII would accept
// anything and compare bytes, other encodings would refuse or convert characters).
Status RequireUtf8(Db& db) {
  SIGIL_ASSIGN_OR_RETURN(Result encoding, db.Exec(kSelectEncoding));
  if (encoding.Rows() != 1 || encoding.Text(0, 0) != "UTF8") {
    return FailedPreconditionError(
        "the database encoding is " + (encoding.Rows() == 1 ? encoding.Text(0, 0) : "unknown") +
        "; sigil needs UTF8 (CREATE DATABASE ... ENCODING 'UTF8' TEMPLATE template0)");
  }
  return OkStatus();
}

}  // namespace

StatusOr<std::unique_ptr<PostgresMetadataStore>> PostgresMetadataStore::Open(
    const std::string& conninfo, Options options) {
  // The connection string may hold a password: contexts never quote it.
  SIGIL_ASSIGN_OR_RETURN(Db db, Db::Connect(conninfo));
  SIGIL_RETURN_IF_ERROR(WithContext(RequireUtf8(db), "open postgres store"));
  SIGIL_RETURN_IF_ERROR(WithContext(Migrate(db, SystemClock()), "open postgres store"));
  // LISTEN before the caller's first LoadIdentity, so no commit falls between the two.
  SIGIL_ASSIGN_OR_RETURN(Db listen_db, Db::Connect(conninfo));
  SIGIL_RETURN_IF_ERROR(WithContext(listen_db.Exec(kListen).status(), "open postgres store"));
  OsRandomSource random;
  const std::string node_id = HexEncode(random.Bytes(16));
  if (node_id.size() != 32)
    return InternalError("open postgres store: no randomness for a node id");
  return std::unique_ptr<PostgresMetadataStore>(
      new PostgresMetadataStore(conninfo, options, node_id, std::move(db), std::move(listen_db)));
}

PostgresMetadataStore::PostgresMetadataStore(std::string conninfo, Options options,
                                             std::string node_id, Db db, Db listen_db)
    : conninfo_(std::move(conninfo)),
      options_(options),
      node_id_(std::move(node_id)),
      db_(std::move(db)),
      listen_db_(std::move(listen_db)),
      last_changed_(std::chrono::steady_clock::now()) {}

Status PostgresMetadataStore::RunExclusively(const std::function<Status()>& fn) {
  SIGIL_ASSIGN_OR_RETURN(Db lock_db, Db::Connect(conninfo_));
  SIGIL_RETURN_IF_ERROR(
      WithContext(lock_db.Exec(kLockExclusive).status(), "take the start-up lock"));
  return fn();  // lock_db closes on return, which releases the lock
}

std::string PostgresMetadataStore::Describe() {
  std::lock_guard lock(mu_);
  return db_.Describe();
}

Status PostgresMetadataStore::Write(const Body& body) {
  return Transact(Mode::kSerializable, [&](Db& db) -> Status {
    SIGIL_RETURN_IF_ERROR(body(db));
    return Execute(db, kNotifyIdentityChanged, node_id_);
  });
}

Status PostgresMetadataStore::Listen() {
  SIGIL_RETURN_IF_ERROR(listen_db_.Reset());
  SIGIL_RETURN_IF_ERROR(listen_db_.Exec(kListen).status());
  listening_ = true;
  return OkStatus();
}

Status PostgresMetadataStore::Transact(Mode mode, const Body& body) {
  std::lock_guard lock(mu_);
  return postgres::RunTransaction(db_, mode, body, kMaxAttempts);
}

StatusOr<IdentityData> PostgresMetadataStore::LoadIdentity() {
  IdentityData data;
  SIGIL_RETURN_IF_ERROR(Transact(Mode::kReadOnlySnapshot, [&](Db& db) -> Status {
    data = IdentityData{};  // a retry starts over
    SIGIL_RETURN_IF_ERROR(LoadAccounts(db, data.accounts));
    SIGIL_RETURN_IF_ERROR(LoadUsers(db, data.users));
    SIGIL_RETURN_IF_ERROR(LoadAccessKeys(db, data.access_keys));
    SIGIL_RETURN_IF_ERROR(LoadAccessKeyUsage(db, data.key_usage));
    SIGIL_RETURN_IF_ERROR(LoadGroups(db, data.groups));
    SIGIL_RETURN_IF_ERROR(LoadMemberships(db, data.memberships));
    SIGIL_RETURN_IF_ERROR(LoadManagedPolicies(db, data.managed_policies));
    SIGIL_RETURN_IF_ERROR(LoadPolicyVersions(db, data.policy_versions));
    SIGIL_RETURN_IF_ERROR(LoadAttachments(db, data.attachments));
    SIGIL_RETURN_IF_ERROR(LoadInlinePolicies(db, data.inline_policies));
    SIGIL_RETURN_IF_ERROR(LoadRoles(db, data.roles));
    return LoadMfaDevices(db, data.mfa_devices);
  }));
  return data;
}

StatusOr<bool> PostgresMetadataStore::ChangedElsewhere() {
  std::lock_guard lock(listen_mu_);
  const auto now = std::chrono::steady_clock::now();
  bool changed = false;
  if (listening_ && now - last_changed_ >= options_.full_check_interval) {
    changed = true;
    // A round trip also proves the connection alive: one broken without the peer noticing
    // (a network failure) would otherwise look quiet forever.
    if (!listen_db_.Exec(kPing).ok()) listening_ = false;
  }
  if (listening_) {
    auto notifications = listen_db_.TakeNotifications();
    if (notifications.ok()) {
      for (const postgres::Notification& n : *notifications) {
        if (n.payload != node_id_) changed = true;
      }
    } else {
      listening_ = false;
    }
  }
  if (!listening_) {
    // Whatever was sent while the connection was down is lost: report a change, so the caller
    // reloads everything.
    SIGIL_RETURN_IF_ERROR(WithContext(Listen(), "listen for changes made by other nodes"));
    changed = true;
  }
  if (changed) last_changed_ = now;
  return changed;
}

Status PostgresMetadataStore::Ping() {
  int64_t version = 0;
  SIGIL_RETURN_IF_ERROR(Transact(Mode::kReadCommitted, [&](Db& db) -> Status {
    SIGIL_ASSIGN_OR_RETURN(Result result, db.Exec(kSelectSchemaVersion));
    SIGIL_ASSIGN_OR_RETURN(version, result.Int64(0, 0));
    return OkStatus();
  }));
  return CheckSchemaVersion(version);
}

Status PostgresMetadataStore::CreateAccount(const Account& account) {
  return Write([&](Db& db) {
    return WithContext(
        Execute(db, kInsertAccount, account.account_id, account.name, ToMillis(account.created)),
        "create account " + account.account_id);
  });
}

Status PostgresMetadataStore::CreateUser(const User& user) {
  const std::string context =
      "create user " + user.name + " (" + user.user_id + ") in account " + user.account_id;
  return Write([&](Db& db) -> Status {
    SIGIL_RETURN_IF_ERROR(RequireAccount(db, user.account_id));
    SIGIL_RETURN_IF_ERROR(
        WithContext(Execute(db, kInsertUser, user.user_id, user.account_id, user.name, user.path,
                            ToMillis(user.created), NullIfEmpty(user.permissions_boundary_arn)),
                    context));
    return WithContext(InsertTags(db, kInsertUserTag, user.user_id, user.tags), context);
  });
}

Status PostgresMetadataStore::UpdateUser(const std::string& account_id, const std::string& user_id,
                                         const std::optional<std::string>& new_name,
                                         const std::optional<std::string>& new_path) {
  return Write([&](Db& db) -> Status {
    auto changed = Affected(db, kUpdateUser, account_id, user_id, new_name, new_path);
    SIGIL_RETURN_IF_ERROR(WithContext(
        changed.status(), "update user " + user_id + (new_name ? " to name " + *new_name : "")));
    if (*changed == 0) return NotFoundError("no user " + user_id + " in account " + account_id);
    return OkStatus();
  });
}

Status PostgresMetadataStore::DeleteUser(const std::string& account_id,
                                         const std::string& user_id) {
  return Write([&](Db& db) -> Status {
    SIGIL_RETURN_IF_ERROR(RequireUser(db, account_id, user_id));
    SIGIL_RETURN_IF_ERROR(
        RefuseIf(Exists(db, kUserHasAccessKeys, account_id, user_id), kDependentAccessKeys));
    SIGIL_RETURN_IF_ERROR(
        RefuseIf(Exists(db, kUserHasMfaDevices, account_id, user_id), kDependentMfaDevices));
    SIGIL_RETURN_IF_ERROR(
        RefuseIf(Exists(db, kUserHasMemberships, account_id, user_id), kDependentGroupMemberships));
    SIGIL_RETURN_IF_ERROR(
        RefuseIfOwnerHasPolicies(db, account_id, PolicyOwnerKind::kUser, user_id));
    return Execute(db, kDeleteUser, account_id, user_id);  // tags cascade
  });
}

Status PostgresMetadataStore::SetUserPermissionsBoundary(const std::string& account_id,
                                                         const std::string& user_id,
                                                         const std::string& policy_arn) {
  return Write([&](Db& db) -> Status {
    SIGIL_ASSIGN_OR_RETURN(int64_t changed, Affected(db, kSetUserBoundary, account_id, user_id,
                                                     NullIfEmpty(policy_arn)));
    if (changed == 0) return NotFoundError("no user " + user_id + " in account " + account_id);
    return OkStatus();
  });
}

Status PostgresMetadataStore::SetUserTags(const std::string& account_id, const std::string& user_id,
                                          const std::vector<Tag>& tags) {
  return Write([&](Db& db) -> Status {
    SIGIL_RETURN_IF_ERROR(RequireUser(db, account_id, user_id));
    SIGIL_RETURN_IF_ERROR(Execute(db, kDeleteUserTags, user_id));
    return WithContext(InsertTags(db, kInsertUserTag, user_id, tags),
                       "set tags of user " + user_id);
  });
}

Status PostgresMetadataStore::CreateAccessKey(const AccessKey& key) {
  return Write([&](Db& db) -> Status {
    SIGIL_RETURN_IF_ERROR(RequireAccount(db, key.account_id));
    if (!key.user_id.empty()) SIGIL_RETURN_IF_ERROR(RequireUser(db, key.account_id, key.user_id));
    return WithContext(
        Execute(db, kInsertAccessKey, key.access_key_id, key.account_id, NullIfEmpty(key.user_id),
                StatusText(key.status), ToMillis(key.created), Base64Encode(key.sealed_secret)),
        "create access key " + key.access_key_id);
  });
}

Status PostgresMetadataStore::UpdateAccessKeyStatus(const std::string& access_key_id,
                                                    AccessKeyStatus status) {
  return Write([&](Db& db) -> Status {
    SIGIL_ASSIGN_OR_RETURN(int64_t changed,
                           Affected(db, kUpdateAccessKeyStatus, access_key_id, StatusText(status)));
    if (changed == 0) return NotFoundError("no access key " + access_key_id);
    return OkStatus();
  });
}

Status PostgresMetadataStore::DeleteAccessKey(const std::string& access_key_id) {
  return Write([&](Db& db) -> Status {
    SIGIL_ASSIGN_OR_RETURN(int64_t deleted,
                           Affected(db, kDeleteAccessKey, access_key_id));  // usage cascades
    if (deleted == 0) return NotFoundError("no access key " + access_key_id);
    return OkStatus();
  });
}

// ---- Groups

Status PostgresMetadataStore::CreateGroup(const Group& group) {
  return Write([&](Db& db) -> Status {
    SIGIL_RETURN_IF_ERROR(RequireAccount(db, group.account_id));
    return WithContext(
        Execute(db, kInsertGroup, group.group_id, group.account_id, group.name, group.path,
                ToMillis(group.created)),
        "create group " + group.name + " (" + group.group_id + ") in account " + group.account_id);
  });
}

Status PostgresMetadataStore::UpdateGroup(const std::string& account_id,
                                          const std::string& group_id,
                                          const std::optional<std::string>& new_name,
                                          const std::optional<std::string>& new_path) {
  return Write([&](Db& db) -> Status {
    auto changed = Affected(db, kUpdateGroup, account_id, group_id, new_name, new_path);
    SIGIL_RETURN_IF_ERROR(WithContext(
        changed.status(), "update group " + group_id + (new_name ? " to name " + *new_name : "")));
    if (*changed == 0) return NotFoundError("no group " + group_id + " in account " + account_id);
    return OkStatus();
  });
}

Status PostgresMetadataStore::DeleteGroup(const std::string& account_id,
                                          const std::string& group_id) {
  return Write([&](Db& db) -> Status {
    SIGIL_RETURN_IF_ERROR(RequireGroup(db, account_id, group_id));
    SIGIL_RETURN_IF_ERROR(
        RefuseIf(Exists(db, kGroupHasMembers, account_id, group_id), kDependentMembers));
    SIGIL_RETURN_IF_ERROR(
        RefuseIfOwnerHasPolicies(db, account_id, PolicyOwnerKind::kGroup, group_id));
    return Execute(db, kDeleteGroup, account_id, group_id);
  });
}

Status PostgresMetadataStore::AddUserToGroup(const std::string& account_id,
                                             const std::string& group_id,
                                             const std::string& user_id) {
  return Write([&](Db& db) -> Status {
    SIGIL_RETURN_IF_ERROR(RequireGroup(db, account_id, group_id));
    SIGIL_RETURN_IF_ERROR(RequireUser(db, account_id, user_id));
    return Execute(db, kInsertMember, account_id, group_id, user_id);
  });
}

Status PostgresMetadataStore::RemoveUserFromGroup(const std::string& account_id,
                                                  const std::string& group_id,
                                                  const std::string& user_id) {
  return Write([&](Db& db) -> Status {
    SIGIL_ASSIGN_OR_RETURN(int64_t deleted,
                           Affected(db, kDeleteMember, account_id, group_id, user_id));
    if (deleted == 0) {
      return NotFoundError("user " + user_id + " is not a member of group " + group_id +
                           " in account " + account_id);
    }
    return OkStatus();
  });
}

// ---- Customer managed policies

Status PostgresMetadataStore::CreateManagedPolicy(const ManagedPolicy& policy,
                                                  const PolicyVersion& first_version) {
  const std::string context = "create policy " + policy.name + " (" + policy.policy_id +
                              ") in account " + policy.account_id;
  if (first_version.policy_id != policy.policy_id ||
      first_version.version_id != policy.default_version_id) {
    return InvalidArgumentError(context + ": the first version must be the policy's default");
  }
  const std::optional<int64_t> number = VersionNumber(first_version.version_id);
  if (!number) {
    return InvalidArgumentError(context + ": malformed version id " + first_version.version_id);
  }
  return Write([&](Db& db) -> Status {
    SIGIL_RETURN_IF_ERROR(RequireAccount(db, policy.account_id));
    SIGIL_RETURN_IF_ERROR(
        WithContext(Execute(db, kInsertPolicy, policy.policy_id, policy.account_id, policy.name,
                            policy.path, policy.description, policy.default_version_id,
                            static_cast<int64_t>(policy.next_version_number),
                            ToMillis(policy.created), ToMillis(policy.updated)),
                    context));
    SIGIL_RETURN_IF_ERROR(
        WithContext(Execute(db, kInsertPolicyVersion, policy.policy_id, first_version.version_id,
                            *number, first_version.document, ToMillis(first_version.created)),
                    context));
    return WithContext(InsertTags(db, kInsertPolicyTag, policy.policy_id, policy.tags), context);
  });
}

Status PostgresMetadataStore::DeleteManagedPolicy(const std::string& account_id,
                                                  const std::string& policy_id) {
  return Write([&](Db& db) -> Status {
    SIGIL_ASSIGN_OR_RETURN(PolicyRow policy, ReadPolicy(db, account_id, policy_id));
    SIGIL_RETURN_IF_ERROR(RefuseIf(
        Exists(db, kPolicyIsAttached, CustomerPolicyArn(account_id, policy.path, policy.name)),
        kDependentAttachments));
    return Execute(db, kDeletePolicy, account_id, policy_id);  // versions, tags cascade
  });
}

Status PostgresMetadataStore::CreatePolicyVersion(const std::string& account_id,
                                                  const PolicyVersion& version, bool set_as_default,
                                                  TimePoint updated) {
  const std::string context =
      "create version " + version.version_id + " of policy " + version.policy_id;
  const std::optional<int64_t> number = VersionNumber(version.version_id);
  if (!number) return InvalidArgumentError(context + ": malformed version id");
  return Write([&](Db& db) -> Status {
    SIGIL_ASSIGN_OR_RETURN(PolicyRow policy, ReadPolicy(db, account_id, version.policy_id));
    SIGIL_RETURN_IF_ERROR(
        WithContext(Execute(db, kInsertPolicyVersion, version.policy_id, version.version_id,
                            *number, version.document, ToMillis(version.created)),
                    context));
    // Past every id handed out, so none is handed out again; never down.
    const int64_t next = std::max(policy.next_version_number, *number + 1);
    return Execute(db, kUpdatePolicyVersions, account_id, version.policy_id,
                   set_as_default ? version.version_id : policy.default_version_id, next,
                   ToMillis(updated));
  });
}

Status PostgresMetadataStore::DeletePolicyVersion(const std::string& account_id,
                                                  const std::string& policy_id,
                                                  const std::string& version_id) {
  return Write([&](Db& db) -> Status {
    SIGIL_ASSIGN_OR_RETURN(PolicyRow policy, ReadPolicy(db, account_id, policy_id));
    if (policy.default_version_id == version_id) {
      return FailedPreconditionError(kDefaultPolicyVersion);
    }
    SIGIL_ASSIGN_OR_RETURN(int64_t deleted,
                           Affected(db, kDeletePolicyVersion, policy_id, version_id));
    if (deleted == 0) {
      return NotFoundError("no version " + version_id + " of policy " + policy_id + " in account " +
                           account_id);
    }
    return OkStatus();
  });
}

Status PostgresMetadataStore::SetDefaultPolicyVersion(const std::string& account_id,
                                                      const std::string& policy_id,
                                                      const std::string& version_id,
                                                      TimePoint updated) {
  return Write([&](Db& db) -> Status {
    SIGIL_ASSIGN_OR_RETURN(PolicyRow policy, ReadPolicy(db, account_id, policy_id));
    SIGIL_ASSIGN_OR_RETURN(bool found, Exists(db, kPolicyVersionExists, policy_id, version_id));
    if (!found) return NotFoundError("no version " + version_id + " of policy " + policy_id);
    return Execute(db, kUpdatePolicyVersions, account_id, policy_id, version_id,
                   policy.next_version_number, ToMillis(updated));
  });
}

Status PostgresMetadataStore::SetManagedPolicyTags(const std::string& account_id,
                                                   const std::string& policy_id,
                                                   const std::vector<Tag>& tags) {
  return Write([&](Db& db) -> Status {
    SIGIL_RETURN_IF_ERROR(ReadPolicy(db, account_id, policy_id).status());
    SIGIL_RETURN_IF_ERROR(Execute(db, kDeletePolicyTags, policy_id));
    return WithContext(InsertTags(db, kInsertPolicyTag, policy_id, tags),
                       "set tags of policy " + policy_id);
  });
}

// ---- Attachments and inline policies

Status PostgresMetadataStore::AttachPolicy(const PolicyAttachment& attachment) {
  return Write([&](Db& db) -> Status {
    SIGIL_RETURN_IF_ERROR(
        RequireOwner(db, attachment.account_id, attachment.owner_kind, attachment.owner_id));
    return Execute(db, kInsertAttachment, attachment.account_id,
                   OwnerKindText(attachment.owner_kind), attachment.owner_id,
                   attachment.policy_arn);
  });
}

Status PostgresMetadataStore::DetachPolicy(const PolicyAttachment& attachment) {
  return Write([&](Db& db) -> Status {
    SIGIL_ASSIGN_OR_RETURN(int64_t deleted, Affected(db, kDeleteAttachment, attachment.account_id,
                                                     OwnerKindText(attachment.owner_kind),
                                                     attachment.owner_id, attachment.policy_arn));
    if (deleted == 0) {
      return NotFoundError("policy " + attachment.policy_arn + " is not attached to " +
                           std::string(OwnerKindText(attachment.owner_kind)) + " " +
                           attachment.owner_id);
    }
    return OkStatus();
  });
}

Status PostgresMetadataStore::PutInlinePolicy(const InlinePolicy& policy) {
  const std::string_view kind = OwnerKindText(policy.owner_kind);
  const std::string context =
      "put inline policy " + policy.name + " of " + std::string(kind) + " " + policy.owner_id;
  return Write([&](Db& db) -> Status {
    SIGIL_RETURN_IF_ERROR(RequireOwner(db, policy.account_id, policy.owner_kind, policy.owner_id));
    // Replacing takes the new spelling of the name too.
    auto replaced = Affected(db, kUpdateInlinePolicy, policy.account_id, kind, policy.owner_id,
                             policy.name, policy.name, policy.document);
    SIGIL_RETURN_IF_ERROR(WithContext(replaced.status(), context));
    if (*replaced > 0) return OkStatus();
    return WithContext(Execute(db, kInsertInlinePolicy, policy.account_id, kind, policy.owner_id,
                               policy.name, policy.document),
                       context);
  });
}

Status PostgresMetadataStore::DeleteInlinePolicy(const std::string& account_id,
                                                 PolicyOwnerKind owner_kind,
                                                 const std::string& owner_id,
                                                 const std::string& name) {
  return Write([&](Db& db) -> Status {
    SIGIL_ASSIGN_OR_RETURN(int64_t deleted, Affected(db, kDeleteInlinePolicy, account_id,
                                                     OwnerKindText(owner_kind), owner_id, name));
    if (deleted == 0) {
      return NotFoundError("no inline policy " + name + " of " +
                           std::string(OwnerKindText(owner_kind)) + " " + owner_id);
    }
    return OkStatus();
  });
}

// ---- Roles

Status PostgresMetadataStore::CreateRole(const Role& role) {
  const std::string context =
      "create role " + role.name + " (" + role.role_id + ") in account " + role.account_id;
  return Write([&](Db& db) -> Status {
    SIGIL_RETURN_IF_ERROR(RequireAccount(db, role.account_id));
    SIGIL_RETURN_IF_ERROR(
        WithContext(Execute(db, kInsertRole, role.role_id, role.account_id, role.name, role.path,
                            role.description, role.assume_role_policy,
                            static_cast<int64_t>(role.max_session_duration),
                            NullIfEmpty(role.permissions_boundary_arn), ToMillis(role.created)),
                    context));
    return WithContext(InsertTags(db, kInsertRoleTag, role.role_id, role.tags), context);
  });
}

Status PostgresMetadataStore::UpdateRole(const Role& role) {
  const std::string context = "update role " + role.role_id;
  return Write([&](Db& db) -> Status {
    auto changed =
        Affected(db, kUpdateRole, role.account_id, role.role_id, role.description,
                 role.assume_role_policy, static_cast<int64_t>(role.max_session_duration),
                 NullIfEmpty(role.permissions_boundary_arn));
    SIGIL_RETURN_IF_ERROR(WithContext(changed.status(), context));
    if (*changed == 0) {
      return NotFoundError("no role " + role.role_id + " in account " + role.account_id);
    }
    SIGIL_RETURN_IF_ERROR(Execute(db, kDeleteRoleTags, role.role_id));
    return WithContext(InsertTags(db, kInsertRoleTag, role.role_id, role.tags), context);
  });
}

Status PostgresMetadataStore::DeleteRole(const std::string& account_id,
                                         const std::string& role_id) {
  return Write([&](Db& db) -> Status {
    SIGIL_RETURN_IF_ERROR(RequireRole(db, account_id, role_id));
    SIGIL_RETURN_IF_ERROR(
        RefuseIfOwnerHasPolicies(db, account_id, PolicyOwnerKind::kRole, role_id));
    return Execute(db, kDeleteRole, account_id, role_id);  // tags cascade
  });
}

// ---- Virtual MFA devices

Status PostgresMetadataStore::CreateMfaDevice(const MfaDevice& device) {
  const std::string context =
      "create MFA device " + device.serial_number + " in account " + device.account_id;
  if (!device.user_id.empty() || device.enabled_at.has_value()) {
    return InvalidArgumentError(context + ": a new device is not assigned");
  }
  return Write([&](Db& db) -> Status {
    SIGIL_RETURN_IF_ERROR(RequireAccount(db, device.account_id));
    SIGIL_RETURN_IF_ERROR(
        WithContext(Execute(db, kInsertMfaDevice, device.serial_number, device.account_id,
                            device.name, device.path, ToMillis(device.created),
                            Base64Encode(device.sealed_seed), device.last_accepted_step),
                    context));
    return WithContext(InsertTags(db, kInsertMfaDeviceTag, device.serial_number, device.tags),
                       context);
  });
}

Status PostgresMetadataStore::AssignMfaDevice(const std::string& account_id,
                                              const std::string& serial_number,
                                              const std::string& user_id, TimePoint enabled_at,
                                              int64_t accepted_step) {
  if (user_id.empty()) {
    return InvalidArgumentError("assign MFA device " + serial_number + ": no user given");
  }
  return Write([&](Db& db) -> Status {
    SIGIL_ASSIGN_OR_RETURN(std::string assigned, ReadMfaDeviceUser(db, account_id, serial_number));
    if (!assigned.empty()) {
      return AlreadyExistsError("MFA device " + serial_number + " is already assigned");
    }
    if (user_id != account_id) SIGIL_RETURN_IF_ERROR(RequireUser(db, account_id, user_id));
    return Execute(db, kAssignMfaDevice, account_id, serial_number, user_id, ToMillis(enabled_at),
                   accepted_step);
  });
}

Status PostgresMetadataStore::UnassignMfaDevice(const std::string& user_id,
                                                const std::string& serial_number) {
  return Write([&](Db& db) -> Status {
    SIGIL_ASSIGN_OR_RETURN(int64_t changed,
                           Affected(db, kUnassignMfaDevice, serial_number, user_id));
    if (changed == 0) {
      return NotFoundError("MFA device " + serial_number + " is not assigned to " + user_id);
    }
    return OkStatus();
  });
}

Status PostgresMetadataStore::ResyncMfaDevice(const std::string& user_id,
                                              const std::string& serial_number,
                                              int64_t accepted_step) {
  return Write([&](Db& db) -> Status {
    SIGIL_ASSIGN_OR_RETURN(int64_t changed,
                           Affected(db, kResyncMfaDevice, serial_number, user_id, accepted_step));
    if (changed == 0) {
      return NotFoundError("MFA device " + serial_number + " is not assigned to " + user_id);
    }
    return OkStatus();
  });
}

Status PostgresMetadataStore::AdvanceMfaStep(const std::string& serial_number,
                                             const std::string& user_id, TimePoint enabled_at,
                                             int64_t step) {
  return Transact(Mode::kReadCommitted, [&](Db& db) -> Status {
    SIGIL_ASSIGN_OR_RETURN(int64_t changed, Affected(db, kAdvanceMfaStep, serial_number, user_id,
                                                     ToMillis(enabled_at), step));
    if (changed == 0) {
      return FailedPreconditionError("MFA device " + serial_number +
                                     ": the step was already accepted, or the device is no "
                                     "longer assigned as it was");
    }
    return OkStatus();
  });
}

Status PostgresMetadataStore::DeleteMfaDevice(const std::string& account_id,
                                              const std::string& serial_number) {
  return Write([&](Db& db) -> Status {
    SIGIL_ASSIGN_OR_RETURN(std::string assigned, ReadMfaDeviceUser(db, account_id, serial_number));
    if (!assigned.empty()) return FailedPreconditionError(kDependentMfaUser);
    return Execute(db, kDeleteMfaDevice, account_id, serial_number);  // tags cascade
  });
}

Status PostgresMetadataStore::SetMfaDeviceTags(const std::string& account_id,
                                               const std::string& serial_number,
                                               const std::vector<Tag>& tags) {
  return Write([&](Db& db) -> Status {
    SIGIL_RETURN_IF_ERROR(ReadMfaDeviceUser(db, account_id, serial_number).status());
    SIGIL_RETURN_IF_ERROR(Execute(db, kDeleteMfaDeviceTags, serial_number));
    return WithContext(InsertTags(db, kInsertMfaDeviceTag, serial_number, tags),
                       "set tags of MFA device " + serial_number);
  });
}

// ---- Usage

Status PostgresMetadataStore::RecordAccessKeyUsage(const std::vector<AccessKeyUsage>& usage) {
  if (usage.empty()) return OkStatus();
  // Not Write: usage is not part of what a snapshot enforces, and a flush every second from
  // every node must not make every other node reload.
  return Transact(Mode::kSerializable, [&](Db& db) -> Status {
    for (const AccessKeyUsage& u : usage) {
      SIGIL_RETURN_IF_ERROR(Execute(db, kUpsertAccessKeyUsage, u.access_key_id,
                                    ToMillis(u.last_used), u.region, u.service));
    }
    return OkStatus();
  });
}

}  // namespace sigil
