#include "store/sqlite_metadata_store.h"

#include <algorithm>
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

using sqlite::Db;
using sqlite::Statement;
using sqlite::Transaction;

// ---- SQL, one block per table. Columns are listed explicitly so row readers can read by index.

constexpr std::string_view kSelectSchemaVersion =
    "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";
constexpr std::string_view kInsertSchemaVersion =
    "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)";

constexpr std::string_view kInsertAccount =
    "INSERT INTO accounts (account_id, name, created_ms) VALUES (?1, ?2, ?3)";
constexpr std::string_view kAccountExists = "SELECT 1 FROM accounts WHERE account_id = ?1";
constexpr std::string_view kSelectAccounts =
    "SELECT account_id, name, created_ms FROM accounts ORDER BY account_id";

constexpr std::string_view kInsertUser =
    "INSERT INTO users (user_id, account_id, name, path, created_ms, permissions_boundary_arn)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
constexpr std::string_view kUpdateUser =
    "UPDATE users SET name = COALESCE(?3, name), path = COALESCE(?4, path)"
    " WHERE account_id = ?1 AND user_id = ?2";
constexpr std::string_view kDeleteUser = "DELETE FROM users WHERE account_id = ?1 AND user_id = ?2";
constexpr std::string_view kUserExists =
    "SELECT 1 FROM users WHERE account_id = ?1 AND user_id = ?2";
constexpr std::string_view kSetUserBoundary =
    "UPDATE users SET permissions_boundary_arn = ?3 WHERE account_id = ?1 AND user_id = ?2";
constexpr std::string_view kSelectUsers =
    "SELECT account_id, user_id, name, path, created_ms, permissions_boundary_arn FROM users"
    " ORDER BY account_id, user_id";

constexpr std::string_view kInsertUserTag =
    "INSERT INTO user_tags (user_id, position, tag_key, tag_value) VALUES (?1, ?2, ?3, ?4)";
constexpr std::string_view kDeleteUserTags = "DELETE FROM user_tags WHERE user_id = ?1";
constexpr std::string_view kSelectUserTags =
    "SELECT user_id, tag_key, tag_value FROM user_tags ORDER BY user_id, position";

constexpr std::string_view kInsertAccessKey =
    "INSERT INTO access_keys"
    " (access_key_id, account_id, user_id, status, created_ms, sealed_secret)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
constexpr std::string_view kUpdateAccessKeyStatus =
    "UPDATE access_keys SET status = ?2 WHERE access_key_id = ?1";
constexpr std::string_view kDeleteAccessKey = "DELETE FROM access_keys WHERE access_key_id = ?1";
constexpr std::string_view kUserHasAccessKeys =
    "SELECT 1 FROM access_keys WHERE account_id = ?1 AND user_id = ?2";
constexpr std::string_view kSelectAccessKeys =
    "SELECT access_key_id, account_id, user_id, status, created_ms, sealed_secret"
    " FROM access_keys ORDER BY access_key_id";

// Inserts only for an existing key, and never replaces a record with an older one (several
// nodes may flush usage out of order).
constexpr std::string_view kUpsertAccessKeyUsage =
    "INSERT INTO access_key_usage (access_key_id, last_used_ms, region, service)"
    " SELECT ?1, ?2, ?3, ?4 WHERE EXISTS"
    "  (SELECT 1 FROM access_keys WHERE access_key_id = ?1)"
    " ON CONFLICT (access_key_id) DO UPDATE SET last_used_ms = excluded.last_used_ms,"
    "  region = excluded.region, service = excluded.service"
    " WHERE excluded.last_used_ms >= access_key_usage.last_used_ms";
constexpr std::string_view kSelectAccessKeyUsage =
    "SELECT access_key_id, last_used_ms, region, service FROM access_key_usage"
    " ORDER BY access_key_id";

constexpr std::string_view kInsertGroup =
    "INSERT INTO iam_groups (group_id, account_id, name, path, created_ms)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr std::string_view kUpdateGroup =
    "UPDATE iam_groups SET name = COALESCE(?3, name), path = COALESCE(?4, path)"
    " WHERE account_id = ?1 AND group_id = ?2";
constexpr std::string_view kDeleteGroup =
    "DELETE FROM iam_groups WHERE account_id = ?1 AND group_id = ?2";
constexpr std::string_view kGroupExists =
    "SELECT 1 FROM iam_groups WHERE account_id = ?1 AND group_id = ?2";
constexpr std::string_view kSelectGroups =
    "SELECT account_id, group_id, name, path, created_ms FROM iam_groups"
    " ORDER BY account_id, group_id";

constexpr std::string_view kInsertMember =
    "INSERT INTO group_members (account_id, group_id, user_id) VALUES (?1, ?2, ?3)"
    " ON CONFLICT (account_id, group_id, user_id) DO NOTHING";
constexpr std::string_view kDeleteMember =
    "DELETE FROM group_members WHERE account_id = ?1 AND group_id = ?2 AND user_id = ?3";
constexpr std::string_view kUserHasMemberships =
    "SELECT 1 FROM group_members WHERE account_id = ?1 AND user_id = ?2";
constexpr std::string_view kGroupHasMembers =
    "SELECT 1 FROM group_members WHERE account_id = ?1 AND group_id = ?2";
constexpr std::string_view kSelectMembers =
    "SELECT account_id, group_id, user_id FROM group_members"
    " ORDER BY account_id, group_id, user_id";

constexpr std::string_view kInsertPolicy =
    "INSERT INTO managed_policies (policy_id, account_id, name, path, description,"
    " default_version_id, next_version_number, created_ms, updated_ms)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
constexpr std::string_view kSelectPolicy =
    "SELECT path, name, default_version_id, next_version_number FROM managed_policies"
    " WHERE account_id = ?1 AND policy_id = ?2";
constexpr std::string_view kUpdatePolicyVersions =
    "UPDATE managed_policies SET default_version_id = ?3, next_version_number = ?4,"
    " updated_ms = ?5 WHERE account_id = ?1 AND policy_id = ?2";
constexpr std::string_view kDeletePolicy =
    "DELETE FROM managed_policies WHERE account_id = ?1 AND policy_id = ?2";
constexpr std::string_view kSelectPolicies =
    "SELECT account_id, policy_id, name, path, description, default_version_id,"
    " next_version_number, created_ms, updated_ms FROM managed_policies"
    " ORDER BY account_id, policy_id";

constexpr std::string_view kInsertPolicyVersion =
    "INSERT INTO policy_versions (policy_id, version_id, version_number, document, created_ms)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr std::string_view kDeletePolicyVersion =
    "DELETE FROM policy_versions WHERE policy_id = ?1 AND version_id = ?2";
constexpr std::string_view kPolicyVersionExists =
    "SELECT 1 FROM policy_versions WHERE policy_id = ?1 AND version_id = ?2";
constexpr std::string_view kSelectPolicyVersions =
    "SELECT policy_id, version_id, document, created_ms FROM policy_versions"
    " ORDER BY policy_id, version_number";

constexpr std::string_view kInsertPolicyTag =
    "INSERT INTO policy_tags (policy_id, position, tag_key, tag_value) VALUES (?1, ?2, ?3, ?4)";
constexpr std::string_view kDeletePolicyTags = "DELETE FROM policy_tags WHERE policy_id = ?1";
constexpr std::string_view kSelectPolicyTags =
    "SELECT policy_id, tag_key, tag_value FROM policy_tags ORDER BY policy_id, position";

constexpr std::string_view kInsertAttachment =
    "INSERT INTO policy_attachments (account_id, owner_kind, owner_id, policy_arn)"
    " VALUES (?1, ?2, ?3, ?4)"
    " ON CONFLICT (account_id, owner_kind, owner_id, policy_arn) DO NOTHING";
constexpr std::string_view kDeleteAttachment =
    "DELETE FROM policy_attachments"
    " WHERE account_id = ?1 AND owner_kind = ?2 AND owner_id = ?3 AND policy_arn = ?4";
constexpr std::string_view kOwnerHasAttachments =
    "SELECT 1 FROM policy_attachments WHERE account_id = ?1 AND owner_kind = ?2 AND owner_id = ?3";
// Case-insensitive on purpose: an ARN spelled in another case still names the same policy
// (names are unique regardless of case), and refusing is the safe side.
constexpr std::string_view kPolicyIsAttached =
    "SELECT 1 FROM policy_attachments WHERE lower(policy_arn) = lower(?1)";
// Owner kinds sort in the order of PolicyOwnerKind (user, group, role), not alphabetically.
constexpr std::string_view kSelectAttachments =
    "SELECT account_id, owner_kind, owner_id, policy_arn FROM policy_attachments"
    " ORDER BY account_id,"
    "  CASE owner_kind WHEN 'user' THEN 0 WHEN 'group' THEN 1 ELSE 2 END,"
    "  owner_id, policy_arn";

constexpr std::string_view kUpdateInlinePolicy =
    "UPDATE inline_policies SET name = ?5, document = ?6"
    " WHERE account_id = ?1 AND owner_kind = ?2 AND owner_id = ?3 AND lower(name) = lower(?4)";
constexpr std::string_view kInsertInlinePolicy =
    "INSERT INTO inline_policies (account_id, owner_kind, owner_id, name, document)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr std::string_view kDeleteInlinePolicy =
    "DELETE FROM inline_policies"
    " WHERE account_id = ?1 AND owner_kind = ?2 AND owner_id = ?3 AND lower(name) = lower(?4)";
constexpr std::string_view kOwnerHasInlinePolicies =
    "SELECT 1 FROM inline_policies WHERE account_id = ?1 AND owner_kind = ?2 AND owner_id = ?3";
constexpr std::string_view kSelectInlinePolicies =
    "SELECT account_id, owner_kind, owner_id, name, document FROM inline_policies"
    " ORDER BY account_id,"
    "  CASE owner_kind WHEN 'user' THEN 0 WHEN 'group' THEN 1 ELSE 2 END,"
    "  owner_id, lower(name)";

constexpr std::string_view kInsertRole =
    "INSERT INTO roles (role_id, account_id, name, path, description, assume_role_policy,"
    " max_session_duration, permissions_boundary_arn, created_ms)"
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
constexpr std::string_view kUpdateRole =
    "UPDATE roles SET description = ?3, assume_role_policy = ?4, max_session_duration = ?5,"
    " permissions_boundary_arn = ?6 WHERE account_id = ?1 AND role_id = ?2";
constexpr std::string_view kDeleteRole = "DELETE FROM roles WHERE account_id = ?1 AND role_id = ?2";
constexpr std::string_view kRoleExists =
    "SELECT 1 FROM roles WHERE account_id = ?1 AND role_id = ?2";
constexpr std::string_view kSelectRoles =
    "SELECT account_id, role_id, name, path, description, assume_role_policy,"
    " max_session_duration, permissions_boundary_arn, created_ms FROM roles"
    " ORDER BY account_id, role_id";

constexpr std::string_view kInsertRoleTag =
    "INSERT INTO role_tags (role_id, position, tag_key, tag_value) VALUES (?1, ?2, ?3, ?4)";
constexpr std::string_view kDeleteRoleTags = "DELETE FROM role_tags WHERE role_id = ?1";
constexpr std::string_view kSelectRoleTags =
    "SELECT role_id, tag_key, tag_value FROM role_tags ORDER BY role_id, position";

// A device's assignment columns, for the checks of writes that depend on them.
constexpr std::string_view kSelectMfaDeviceUser =
    "SELECT user_id FROM mfa_devices WHERE account_id = ?1 AND serial_number = ?2";
constexpr std::string_view kInsertMfaDevice =
    "INSERT INTO mfa_devices (serial_number, account_id, name, path, user_id, created_ms,"
    " enabled_ms, sealed_seed, last_accepted_step)"
    " VALUES (?1, ?2, ?3, ?4, NULL, ?5, NULL, ?6, ?7)";
// The step only ever rises: a step once accepted stays refused.
constexpr std::string_view kAssignMfaDevice =
    "UPDATE mfa_devices SET user_id = ?3, enabled_ms = ?4,"
    " last_accepted_step = CASE WHEN last_accepted_step < ?5 THEN ?5 ELSE last_accepted_step END"
    " WHERE account_id = ?1 AND serial_number = ?2 AND user_id IS NULL";
constexpr std::string_view kUnassignMfaDevice =
    "UPDATE mfa_devices SET user_id = NULL, enabled_ms = NULL"
    " WHERE serial_number = ?1 AND user_id = ?2";
constexpr std::string_view kResyncMfaDevice =
    "UPDATE mfa_devices"
    " SET last_accepted_step = CASE WHEN last_accepted_step < ?3 THEN ?3 ELSE last_accepted_step "
    "END"
    " WHERE serial_number = ?1 AND user_id = ?2";
// The replay guard's compare-and-set: one statement, so atomic against every other writer.
constexpr std::string_view kAdvanceMfaStep =
    "UPDATE mfa_devices SET last_accepted_step = ?4"
    " WHERE serial_number = ?1 AND user_id = ?2 AND enabled_ms = ?3 AND last_accepted_step < ?4";
constexpr std::string_view kDeleteMfaDevice =
    "DELETE FROM mfa_devices WHERE account_id = ?1 AND serial_number = ?2";
constexpr std::string_view kUserHasMfaDevices =
    "SELECT 1 FROM mfa_devices WHERE account_id = ?1 AND user_id = ?2";
constexpr std::string_view kSelectMfaDevices =
    "SELECT account_id, serial_number, name, path, user_id, created_ms, enabled_ms, sealed_seed,"
    " last_accepted_step FROM mfa_devices ORDER BY account_id, serial_number";

constexpr std::string_view kInsertMfaDeviceTag =
    "INSERT INTO mfa_device_tags (serial_number, position, tag_key, tag_value)"
    " VALUES (?1, ?2, ?3, ?4)";
constexpr std::string_view kDeleteMfaDeviceTags =
    "DELETE FROM mfa_device_tags WHERE serial_number = ?1";
constexpr std::string_view kSelectMfaDeviceTags =
    "SELECT serial_number, tag_key, tag_value FROM mfa_device_tags"
    " ORDER BY serial_number, position";

// Changes only when another connection commits (sqlite.org/pragma.html#pragma_data_version).
constexpr std::string_view kSelectDataVersion = "PRAGMA data_version";

// ---- Small statement runners.

template <typename... Args>
Status Run(Db& db, std::string_view sql, const Args&... args) {
  SIGIL_ASSIGN_OR_RETURN(Statement statement, db.Prepare(sql));
  return statement.Bind(args...).Run();
}

// True when `sql` returns at least one row.
template <typename... Args>
StatusOr<bool> Exists(Db& db, std::string_view sql, const Args&... args) {
  SIGIL_ASSIGN_OR_RETURN(Statement statement, db.Prepare(sql));
  return statement.Bind(args...).Step();
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
  SIGIL_ASSIGN_OR_RETURN(Statement s, db.Prepare(kSelectMfaDeviceUser));
  SIGIL_ASSIGN_OR_RETURN(bool found, s.Bind(account_id, serial_number).Step());
  if (!found) {
    return NotFoundError("no MFA device " + serial_number + " in account " + account_id);
  }
  return s.ColumnText(0);  // NULL reads as ""
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
  SIGIL_ASSIGN_OR_RETURN(Statement s, db.Prepare(kSelectPolicy));
  SIGIL_ASSIGN_OR_RETURN(bool found, s.Bind(account_id, policy_id).Step());
  if (!found) return NotFoundError("no policy " + policy_id + " in account " + account_id);
  return PolicyRow{.path = s.ColumnText(0),
                   .name = s.ColumnText(1),
                   .default_version_id = s.ColumnText(2),
                   .next_version_number = s.ColumnInt64(3)};
}

// Inserts `tags` in order with `insert_sql` (?1 owner id, ?2 position, ?3 key, ?4 value).
Status InsertTags(Db& db, std::string_view insert_sql, const std::string& owner_id,
                  const std::vector<Tag>& tags) {
  for (size_t i = 0; i < tags.size(); ++i) {
    SIGIL_RETURN_IF_ERROR(
        Run(db, insert_sql, owner_id, static_cast<int64_t>(i), tags[i].key, tags[i].value));
  }
  return OkStatus();
}

Status InsertUserTags(Db& db, const std::string& user_id, const std::vector<Tag>& tags) {
  return InsertTags(db, kInsertUserTag, user_id, tags);
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

// Appends the tags `select_sql` returns (owner id, key, value; in order) to their owners.
template <typename T>
Status LoadTags(Db& db, std::string_view select_sql, std::vector<T>& owners,
                std::string T::*id_member, std::string_view what) {
  std::unordered_map<std::string, T*> by_id;
  for (T& owner : owners) by_id[owner.*id_member] = &owner;
  SIGIL_ASSIGN_OR_RETURN(Statement s, db.Prepare(select_sql));
  return s.ForEachRow([&]() -> Status {
    auto owner = by_id.find(s.ColumnText(0));
    if (owner == by_id.end()) {
      return InternalError("a tag names missing " + std::string(what) + " " + s.ColumnText(0));
    }
    owner->second->tags.push_back(Tag{.key = s.ColumnText(1), .value = s.ColumnText(2)});
    return OkStatus();
  });
}

Status LoadAccounts(Db& db, std::vector<Account>& out) {
  SIGIL_ASSIGN_OR_RETURN(Statement s, db.Prepare(kSelectAccounts));
  return s.ForEachRow([&] {
    out.push_back(Account{.account_id = s.ColumnText(0),
                          .name = s.ColumnText(1),
                          .created = FromMillis(s.ColumnInt64(2))});
    return OkStatus();
  });
}

Status LoadUsers(Db& db, std::vector<User>& out) {
  {
    SIGIL_ASSIGN_OR_RETURN(Statement s, db.Prepare(kSelectUsers));
    SIGIL_RETURN_IF_ERROR(s.ForEachRow([&] {
      out.push_back(User{.account_id = s.ColumnText(0),
                         .user_id = s.ColumnText(1),
                         .name = s.ColumnText(2),
                         .path = s.ColumnText(3),
                         .created = FromMillis(s.ColumnInt64(4)),
                         .permissions_boundary_arn = s.ColumnText(5)});  // NULL reads as ""
      return OkStatus();
    }));
  }
  return LoadTags(db, kSelectUserTags, out, &User::user_id, "user");
}

Status LoadAccessKeys(Db& db, std::vector<AccessKey>& out) {
  SIGIL_ASSIGN_OR_RETURN(Statement s, db.Prepare(kSelectAccessKeys));
  return s.ForEachRow([&]() -> Status {
    AccessKey key{.access_key_id = s.ColumnText(0),
                  .account_id = s.ColumnText(1),
                  .user_id = s.ColumnText(2),  // NULL reads as ""
                  .created = FromMillis(s.ColumnInt64(4))};
    const std::string status = s.ColumnText(3);
    if (status != StatusText(AccessKeyStatus::kActive) &&
        status != StatusText(AccessKeyStatus::kInactive)) {
      return InternalError("access key " + key.access_key_id + " has an unknown status");
    }
    key.status = status == StatusText(AccessKeyStatus::kActive) ? AccessKeyStatus::kActive
                                                                : AccessKeyStatus::kInactive;
    auto sealed = Base64Decode(s.ColumnText(5));
    if (!sealed.ok()) {
      return InternalError("access key " + key.access_key_id + " has a corrupt sealed secret");
    }
    key.sealed_secret = std::move(sealed).value();
    out.push_back(std::move(key));
    return OkStatus();
  });
}

Status LoadAccessKeyUsage(Db& db, std::vector<AccessKeyUsage>& out) {
  SIGIL_ASSIGN_OR_RETURN(Statement s, db.Prepare(kSelectAccessKeyUsage));
  return s.ForEachRow([&] {
    out.push_back(AccessKeyUsage{.access_key_id = s.ColumnText(0),
                                 .last_used = FromMillis(s.ColumnInt64(1)),
                                 .region = s.ColumnText(2),
                                 .service = s.ColumnText(3)});
    return OkStatus();
  });
}

Status LoadGroups(Db& db, std::vector<Group>& out) {
  SIGIL_ASSIGN_OR_RETURN(Statement s, db.Prepare(kSelectGroups));
  return s.ForEachRow([&] {
    out.push_back(Group{.account_id = s.ColumnText(0),
                        .group_id = s.ColumnText(1),
                        .name = s.ColumnText(2),
                        .path = s.ColumnText(3),
                        .created = FromMillis(s.ColumnInt64(4))});
    return OkStatus();
  });
}

Status LoadMemberships(Db& db, std::vector<GroupMembership>& out) {
  SIGIL_ASSIGN_OR_RETURN(Statement s, db.Prepare(kSelectMembers));
  return s.ForEachRow([&] {
    out.push_back(GroupMembership{
        .account_id = s.ColumnText(0), .group_id = s.ColumnText(1), .user_id = s.ColumnText(2)});
    return OkStatus();
  });
}

Status LoadManagedPolicies(Db& db, std::vector<ManagedPolicy>& out) {
  {
    SIGIL_ASSIGN_OR_RETURN(Statement s, db.Prepare(kSelectPolicies));
    SIGIL_RETURN_IF_ERROR(s.ForEachRow([&] {
      out.push_back(ManagedPolicy{.account_id = s.ColumnText(0),
                                  .policy_id = s.ColumnText(1),
                                  .name = s.ColumnText(2),
                                  .path = s.ColumnText(3),
                                  .description = s.ColumnText(4),
                                  .default_version_id = s.ColumnText(5),
                                  .next_version_number = static_cast<int>(s.ColumnInt64(6)),
                                  .created = FromMillis(s.ColumnInt64(7)),
                                  .updated = FromMillis(s.ColumnInt64(8))});
      return OkStatus();
    }));
  }
  return LoadTags(db, kSelectPolicyTags, out, &ManagedPolicy::policy_id, "policy");
}

Status LoadPolicyVersions(Db& db, std::vector<PolicyVersion>& out) {
  SIGIL_ASSIGN_OR_RETURN(Statement s, db.Prepare(kSelectPolicyVersions));
  return s.ForEachRow([&] {
    out.push_back(PolicyVersion{.policy_id = s.ColumnText(0),
                                .version_id = s.ColumnText(1),
                                .document = s.ColumnText(2),
                                .created = FromMillis(s.ColumnInt64(3))});
    return OkStatus();
  });
}

Status LoadAttachments(Db& db, std::vector<PolicyAttachment>& out) {
  SIGIL_ASSIGN_OR_RETURN(Statement s, db.Prepare(kSelectAttachments));
  return s.ForEachRow([&]() -> Status {
    SIGIL_ASSIGN_OR_RETURN(PolicyOwnerKind kind, ParseOwnerKind(s.ColumnText(1)));
    out.push_back(PolicyAttachment{.account_id = s.ColumnText(0),
                                   .owner_kind = kind,
                                   .owner_id = s.ColumnText(2),
                                   .policy_arn = s.ColumnText(3)});
    return OkStatus();
  });
}

Status LoadInlinePolicies(Db& db, std::vector<InlinePolicy>& out) {
  SIGIL_ASSIGN_OR_RETURN(Statement s, db.Prepare(kSelectInlinePolicies));
  return s.ForEachRow([&]() -> Status {
    SIGIL_ASSIGN_OR_RETURN(PolicyOwnerKind kind, ParseOwnerKind(s.ColumnText(1)));
    out.push_back(InlinePolicy{.account_id = s.ColumnText(0),
                               .owner_kind = kind,
                               .owner_id = s.ColumnText(2),
                               .name = s.ColumnText(3),
                               .document = s.ColumnText(4)});
    return OkStatus();
  });
}

Status LoadRoles(Db& db, std::vector<Role>& out) {
  {
    SIGIL_ASSIGN_OR_RETURN(Statement s, db.Prepare(kSelectRoles));
    SIGIL_RETURN_IF_ERROR(s.ForEachRow([&] {
      out.push_back(Role{.account_id = s.ColumnText(0),
                         .role_id = s.ColumnText(1),
                         .name = s.ColumnText(2),
                         .path = s.ColumnText(3),
                         .description = s.ColumnText(4),
                         .assume_role_policy = s.ColumnText(5),
                         .max_session_duration = static_cast<int>(s.ColumnInt64(6)),
                         .permissions_boundary_arn = s.ColumnText(7),  // NULL reads as ""
                         .created = FromMillis(s.ColumnInt64(8))});
      return OkStatus();
    }));
  }
  return LoadTags(db, kSelectRoleTags, out, &Role::role_id, "role");
}

Status LoadMfaDevices(Db& db, std::vector<MfaDevice>& out) {
  {
    SIGIL_ASSIGN_OR_RETURN(Statement s, db.Prepare(kSelectMfaDevices));
    SIGIL_RETURN_IF_ERROR(s.ForEachRow([&]() -> Status {
      MfaDevice device{.account_id = s.ColumnText(0),
                       .serial_number = s.ColumnText(1),
                       .name = s.ColumnText(2),
                       .path = s.ColumnText(3),
                       .user_id = s.ColumnText(4),  // NULL reads as ""
                       .created = FromMillis(s.ColumnInt64(5)),
                       .last_accepted_step = s.ColumnInt64(8)};
      if (!s.ColumnIsNull(6)) device.enabled_at = FromMillis(s.ColumnInt64(6));
      auto sealed = Base64Decode(s.ColumnText(7));
      if (!sealed.ok()) {
        return InternalError("MFA device " + device.serial_number + " has a corrupt sealed seed");
      }
      device.sealed_seed = std::move(sealed).value();
      out.push_back(std::move(device));
      return OkStatus();
    }));
  }
  return LoadTags(db, kSelectMfaDeviceTags, out, &MfaDevice::serial_number, "MFA device");
}

// ---- Schema migrations.

// Brings the schema up to LatestSchemaVersion() in one transaction: all pending steps apply,
// or none do.
Status Migrate(Db& db, const Clock& clock) {
  SIGIL_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db));
  SIGIL_RETURN_IF_ERROR(db.Exec(kCreateSchemaMigrationsTable));
  int64_t current = 0;
  {
    SIGIL_ASSIGN_OR_RETURN(Statement s, db.Prepare(kSelectSchemaVersion));
    SIGIL_RETURN_IF_ERROR(s.ForEachRow([&] {
      current = s.ColumnInt64(0);
      return OkStatus();
    }));
  }
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
      SIGIL_RETURN_IF_ERROR(WithContext(db.Exec(SqliteDialect(sql)), context));
    }
    SIGIL_RETURN_IF_ERROR(WithContext(
        Run(db, kInsertSchemaVersion, int64_t{migration.version}, ToMillis(clock.Now())), context));
  }
  return txn.Commit();
}

}  // namespace

StatusOr<std::unique_ptr<SqliteMetadataStore>> SqliteMetadataStore::Open(const std::string& path) {
  SIGIL_ASSIGN_OR_RETURN(Db db, Db::Open(path));
  SIGIL_RETURN_IF_ERROR(WithContext(Migrate(db, SystemClock()), path));
  std::unique_ptr<SqliteMetadataStore> store(new SqliteMetadataStore(std::move(db)));
  // The baseline for ChangedElsewhere. No other thread can see the store yet.
  auto version = store->DataVersion();
  SIGIL_RETURN_IF_ERROR(WithContext(version.status(), path));
  store->data_version_ = *version;
  return store;
}

StatusOr<IdentityData> SqliteMetadataStore::LoadIdentity() {
  std::lock_guard lock(mu_);
  IdentityData data;
  SIGIL_ASSIGN_OR_RETURN(Transaction txn, Transaction::BeginRead(db_));
  SIGIL_RETURN_IF_ERROR(LoadAccounts(db_, data.accounts));
  SIGIL_RETURN_IF_ERROR(LoadUsers(db_, data.users));
  SIGIL_RETURN_IF_ERROR(LoadAccessKeys(db_, data.access_keys));
  SIGIL_RETURN_IF_ERROR(LoadAccessKeyUsage(db_, data.key_usage));
  SIGIL_RETURN_IF_ERROR(LoadGroups(db_, data.groups));
  SIGIL_RETURN_IF_ERROR(LoadMemberships(db_, data.memberships));
  SIGIL_RETURN_IF_ERROR(LoadManagedPolicies(db_, data.managed_policies));
  SIGIL_RETURN_IF_ERROR(LoadPolicyVersions(db_, data.policy_versions));
  SIGIL_RETURN_IF_ERROR(LoadAttachments(db_, data.attachments));
  SIGIL_RETURN_IF_ERROR(LoadInlinePolicies(db_, data.inline_policies));
  SIGIL_RETURN_IF_ERROR(LoadRoles(db_, data.roles));
  SIGIL_RETURN_IF_ERROR(LoadMfaDevices(db_, data.mfa_devices));
  SIGIL_RETURN_IF_ERROR(txn.Commit());
  return data;
}

StatusOr<bool> SqliteMetadataStore::ChangedElsewhere() {
  std::lock_guard lock(mu_);
  SIGIL_ASSIGN_OR_RETURN(int64_t version, DataVersion());
  const bool changed = version != data_version_;
  data_version_ = version;
  return changed;
}

Status SqliteMetadataStore::Ping() {
  std::lock_guard lock(mu_);
  SIGIL_ASSIGN_OR_RETURN(Statement s, db_.Prepare(kSelectSchemaVersion));
  SIGIL_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return InternalError("sqlite: the schema version query returned no row");
  return CheckSchemaVersion(s.ColumnInt64(0));
}

Status SqliteMetadataStore::WithConnection(const std::function<Status(sqlite::Db&)>& fn) {
  std::lock_guard lock(mu_);
  return fn(db_);
}

StatusOr<int64_t> SqliteMetadataStore::DataVersion() {
  SIGIL_ASSIGN_OR_RETURN(Statement s, db_.Prepare(kSelectDataVersion));
  SIGIL_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return InternalError("sqlite: PRAGMA data_version returned no row");
  return s.ColumnInt64(0);
}

Status SqliteMetadataStore::CreateAccount(const Account& account) {
  std::lock_guard lock(mu_);
  return WithContext(
      Run(db_, kInsertAccount, account.account_id, account.name, ToMillis(account.created)),
      "create account " + account.account_id);
}

Status SqliteMetadataStore::CreateUser(const User& user) {
  std::lock_guard lock(mu_);
  const std::string context =
      "create user " + user.name + " (" + user.user_id + ") in account " + user.account_id;
  SIGIL_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_));
  SIGIL_RETURN_IF_ERROR(RequireAccount(db_, user.account_id));
  SIGIL_RETURN_IF_ERROR(
      WithContext(Run(db_, kInsertUser, user.user_id, user.account_id, user.name, user.path,
                      ToMillis(user.created), NullIfEmpty(user.permissions_boundary_arn)),
                  context));
  SIGIL_RETURN_IF_ERROR(WithContext(InsertUserTags(db_, user.user_id, user.tags), context));
  return txn.Commit();
}

Status SqliteMetadataStore::UpdateUser(const std::string& account_id, const std::string& user_id,
                                       const std::optional<std::string>& new_name,
                                       const std::optional<std::string>& new_path) {
  std::lock_guard lock(mu_);
  SIGIL_RETURN_IF_ERROR(
      WithContext(Run(db_, kUpdateUser, account_id, user_id, new_name, new_path),
                  "update user " + user_id + (new_name ? " to name " + *new_name : "")));
  if (db_.Changes() == 0) return NotFoundError("no user " + user_id + " in account " + account_id);
  return OkStatus();
}

Status SqliteMetadataStore::DeleteUser(const std::string& account_id, const std::string& user_id) {
  std::lock_guard lock(mu_);
  SIGIL_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_));
  SIGIL_RETURN_IF_ERROR(RequireUser(db_, account_id, user_id));
  SIGIL_RETURN_IF_ERROR(
      RefuseIf(Exists(db_, kUserHasAccessKeys, account_id, user_id), kDependentAccessKeys));
  SIGIL_RETURN_IF_ERROR(
      RefuseIf(Exists(db_, kUserHasMfaDevices, account_id, user_id), kDependentMfaDevices));
  SIGIL_RETURN_IF_ERROR(
      RefuseIf(Exists(db_, kUserHasMemberships, account_id, user_id), kDependentGroupMemberships));
  SIGIL_RETURN_IF_ERROR(RefuseIfOwnerHasPolicies(db_, account_id, PolicyOwnerKind::kUser, user_id));
  SIGIL_RETURN_IF_ERROR(Run(db_, kDeleteUser, account_id, user_id));  // tags cascade
  return txn.Commit();
}

Status SqliteMetadataStore::SetUserPermissionsBoundary(const std::string& account_id,
                                                       const std::string& user_id,
                                                       const std::string& policy_arn) {
  std::lock_guard lock(mu_);
  SIGIL_RETURN_IF_ERROR(Run(db_, kSetUserBoundary, account_id, user_id, NullIfEmpty(policy_arn)));
  if (db_.Changes() == 0) return NotFoundError("no user " + user_id + " in account " + account_id);
  return OkStatus();
}

Status SqliteMetadataStore::SetUserTags(const std::string& account_id, const std::string& user_id,
                                        const std::vector<Tag>& tags) {
  std::lock_guard lock(mu_);
  SIGIL_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_));
  SIGIL_RETURN_IF_ERROR(RequireUser(db_, account_id, user_id));
  SIGIL_RETURN_IF_ERROR(Run(db_, kDeleteUserTags, user_id));
  SIGIL_RETURN_IF_ERROR(
      WithContext(InsertUserTags(db_, user_id, tags), "set tags of user " + user_id));
  return txn.Commit();
}

Status SqliteMetadataStore::CreateAccessKey(const AccessKey& key) {
  std::lock_guard lock(mu_);
  SIGIL_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_));
  SIGIL_RETURN_IF_ERROR(RequireAccount(db_, key.account_id));
  if (!key.user_id.empty()) SIGIL_RETURN_IF_ERROR(RequireUser(db_, key.account_id, key.user_id));
  SIGIL_RETURN_IF_ERROR(WithContext(
      Run(db_, kInsertAccessKey, key.access_key_id, key.account_id, NullIfEmpty(key.user_id),
          StatusText(key.status), ToMillis(key.created), Base64Encode(key.sealed_secret)),
      "create access key " + key.access_key_id));
  return txn.Commit();
}

Status SqliteMetadataStore::UpdateAccessKeyStatus(const std::string& access_key_id,
                                                  AccessKeyStatus status) {
  std::lock_guard lock(mu_);
  SIGIL_RETURN_IF_ERROR(Run(db_, kUpdateAccessKeyStatus, access_key_id, StatusText(status)));
  if (db_.Changes() == 0) return NotFoundError("no access key " + access_key_id);
  return OkStatus();
}

Status SqliteMetadataStore::DeleteAccessKey(const std::string& access_key_id) {
  std::lock_guard lock(mu_);
  SIGIL_RETURN_IF_ERROR(Run(db_, kDeleteAccessKey, access_key_id));  // usage cascades
  if (db_.Changes() == 0) return NotFoundError("no access key " + access_key_id);
  return OkStatus();
}

// ---- Groups

Status SqliteMetadataStore::CreateGroup(const Group& group) {
  std::lock_guard lock(mu_);
  SIGIL_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_));
  SIGIL_RETURN_IF_ERROR(RequireAccount(db_, group.account_id));
  SIGIL_RETURN_IF_ERROR(WithContext(
      Run(db_, kInsertGroup, group.group_id, group.account_id, group.name, group.path,
          ToMillis(group.created)),
      "create group " + group.name + " (" + group.group_id + ") in account " + group.account_id));
  return txn.Commit();
}

Status SqliteMetadataStore::UpdateGroup(const std::string& account_id, const std::string& group_id,
                                        const std::optional<std::string>& new_name,
                                        const std::optional<std::string>& new_path) {
  std::lock_guard lock(mu_);
  SIGIL_RETURN_IF_ERROR(
      WithContext(Run(db_, kUpdateGroup, account_id, group_id, new_name, new_path),
                  "update group " + group_id + (new_name ? " to name " + *new_name : "")));
  if (db_.Changes() == 0) {
    return NotFoundError("no group " + group_id + " in account " + account_id);
  }
  return OkStatus();
}

Status SqliteMetadataStore::DeleteGroup(const std::string& account_id,
                                        const std::string& group_id) {
  std::lock_guard lock(mu_);
  SIGIL_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_));
  SIGIL_RETURN_IF_ERROR(RequireGroup(db_, account_id, group_id));
  SIGIL_RETURN_IF_ERROR(
      RefuseIf(Exists(db_, kGroupHasMembers, account_id, group_id), kDependentMembers));
  SIGIL_RETURN_IF_ERROR(
      RefuseIfOwnerHasPolicies(db_, account_id, PolicyOwnerKind::kGroup, group_id));
  SIGIL_RETURN_IF_ERROR(Run(db_, kDeleteGroup, account_id, group_id));
  return txn.Commit();
}

Status SqliteMetadataStore::AddUserToGroup(const std::string& account_id,
                                           const std::string& group_id,
                                           const std::string& user_id) {
  std::lock_guard lock(mu_);
  SIGIL_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_));
  SIGIL_RETURN_IF_ERROR(RequireGroup(db_, account_id, group_id));
  SIGIL_RETURN_IF_ERROR(RequireUser(db_, account_id, user_id));
  SIGIL_RETURN_IF_ERROR(Run(db_, kInsertMember, account_id, group_id, user_id));
  return txn.Commit();
}

Status SqliteMetadataStore::RemoveUserFromGroup(const std::string& account_id,
                                                const std::string& group_id,
                                                const std::string& user_id) {
  std::lock_guard lock(mu_);
  SIGIL_RETURN_IF_ERROR(Run(db_, kDeleteMember, account_id, group_id, user_id));
  if (db_.Changes() == 0) {
    return NotFoundError("user " + user_id + " is not a member of group " + group_id +
                         " in account " + account_id);
  }
  return OkStatus();
}

// ---- Customer managed policies

Status SqliteMetadataStore::CreateManagedPolicy(const ManagedPolicy& policy,
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
  std::lock_guard lock(mu_);
  SIGIL_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_));
  SIGIL_RETURN_IF_ERROR(RequireAccount(db_, policy.account_id));
  SIGIL_RETURN_IF_ERROR(
      WithContext(Run(db_, kInsertPolicy, policy.policy_id, policy.account_id, policy.name,
                      policy.path, policy.description, policy.default_version_id,
                      static_cast<int64_t>(policy.next_version_number), ToMillis(policy.created),
                      ToMillis(policy.updated)),
                  context));
  SIGIL_RETURN_IF_ERROR(
      WithContext(Run(db_, kInsertPolicyVersion, policy.policy_id, first_version.version_id,
                      *number, first_version.document, ToMillis(first_version.created)),
                  context));
  SIGIL_RETURN_IF_ERROR(
      WithContext(InsertTags(db_, kInsertPolicyTag, policy.policy_id, policy.tags), context));
  return txn.Commit();
}

Status SqliteMetadataStore::DeleteManagedPolicy(const std::string& account_id,
                                                const std::string& policy_id) {
  std::lock_guard lock(mu_);
  SIGIL_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_));
  SIGIL_ASSIGN_OR_RETURN(PolicyRow policy, ReadPolicy(db_, account_id, policy_id));
  SIGIL_RETURN_IF_ERROR(RefuseIf(
      Exists(db_, kPolicyIsAttached, CustomerPolicyArn(account_id, policy.path, policy.name)),
      kDependentAttachments));
  SIGIL_RETURN_IF_ERROR(Run(db_, kDeletePolicy, account_id, policy_id));  // versions, tags cascade
  return txn.Commit();
}

Status SqliteMetadataStore::CreatePolicyVersion(const std::string& account_id,
                                                const PolicyVersion& version, bool set_as_default,
                                                TimePoint updated) {
  const std::string context =
      "create version " + version.version_id + " of policy " + version.policy_id;
  const std::optional<int64_t> number = VersionNumber(version.version_id);
  if (!number) return InvalidArgumentError(context + ": malformed version id");
  std::lock_guard lock(mu_);
  SIGIL_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_));
  SIGIL_ASSIGN_OR_RETURN(PolicyRow policy, ReadPolicy(db_, account_id, version.policy_id));
  SIGIL_RETURN_IF_ERROR(
      WithContext(Run(db_, kInsertPolicyVersion, version.policy_id, version.version_id, *number,
                      version.document, ToMillis(version.created)),
                  context));
  // Past every id handed out, so none is handed out again; never down.
  const int64_t next = std::max(policy.next_version_number, *number + 1);
  SIGIL_RETURN_IF_ERROR(Run(db_, kUpdatePolicyVersions, account_id, version.policy_id,
                            set_as_default ? version.version_id : policy.default_version_id, next,
                            ToMillis(updated)));
  return txn.Commit();
}

Status SqliteMetadataStore::DeletePolicyVersion(const std::string& account_id,
                                                const std::string& policy_id,
                                                const std::string& version_id) {
  std::lock_guard lock(mu_);
  SIGIL_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_));
  SIGIL_ASSIGN_OR_RETURN(PolicyRow policy, ReadPolicy(db_, account_id, policy_id));
  if (policy.default_version_id == version_id) {
    return FailedPreconditionError(kDefaultPolicyVersion);
  }
  SIGIL_RETURN_IF_ERROR(Run(db_, kDeletePolicyVersion, policy_id, version_id));
  if (db_.Changes() == 0) {
    return NotFoundError("no version " + version_id + " of policy " + policy_id + " in account " +
                         account_id);
  }
  return txn.Commit();
}

Status SqliteMetadataStore::SetDefaultPolicyVersion(const std::string& account_id,
                                                    const std::string& policy_id,
                                                    const std::string& version_id,
                                                    TimePoint updated) {
  std::lock_guard lock(mu_);
  SIGIL_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_));
  SIGIL_ASSIGN_OR_RETURN(PolicyRow policy, ReadPolicy(db_, account_id, policy_id));
  SIGIL_ASSIGN_OR_RETURN(bool found, Exists(db_, kPolicyVersionExists, policy_id, version_id));
  if (!found) return NotFoundError("no version " + version_id + " of policy " + policy_id);
  SIGIL_RETURN_IF_ERROR(Run(db_, kUpdatePolicyVersions, account_id, policy_id, version_id,
                            policy.next_version_number, ToMillis(updated)));
  return txn.Commit();
}

Status SqliteMetadataStore::SetManagedPolicyTags(const std::string& account_id,
                                                 const std::string& policy_id,
                                                 const std::vector<Tag>& tags) {
  std::lock_guard lock(mu_);
  SIGIL_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_));
  SIGIL_RETURN_IF_ERROR(ReadPolicy(db_, account_id, policy_id).status());
  SIGIL_RETURN_IF_ERROR(Run(db_, kDeletePolicyTags, policy_id));
  SIGIL_RETURN_IF_ERROR(WithContext(InsertTags(db_, kInsertPolicyTag, policy_id, tags),
                                    "set tags of policy " + policy_id));
  return txn.Commit();
}

// ---- Attachments and inline policies

Status SqliteMetadataStore::AttachPolicy(const PolicyAttachment& attachment) {
  std::lock_guard lock(mu_);
  SIGIL_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_));
  SIGIL_RETURN_IF_ERROR(
      RequireOwner(db_, attachment.account_id, attachment.owner_kind, attachment.owner_id));
  SIGIL_RETURN_IF_ERROR(Run(db_, kInsertAttachment, attachment.account_id,
                            OwnerKindText(attachment.owner_kind), attachment.owner_id,
                            attachment.policy_arn));
  return txn.Commit();
}

Status SqliteMetadataStore::DetachPolicy(const PolicyAttachment& attachment) {
  std::lock_guard lock(mu_);
  SIGIL_RETURN_IF_ERROR(Run(db_, kDeleteAttachment, attachment.account_id,
                            OwnerKindText(attachment.owner_kind), attachment.owner_id,
                            attachment.policy_arn));
  if (db_.Changes() == 0) {
    return NotFoundError("policy " + attachment.policy_arn + " is not attached to " +
                         std::string(OwnerKindText(attachment.owner_kind)) + " " +
                         attachment.owner_id);
  }
  return OkStatus();
}

Status SqliteMetadataStore::PutInlinePolicy(const InlinePolicy& policy) {
  std::lock_guard lock(mu_);
  const std::string_view kind = OwnerKindText(policy.owner_kind);
  const std::string context =
      "put inline policy " + policy.name + " of " + std::string(kind) + " " + policy.owner_id;
  SIGIL_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_));
  SIGIL_RETURN_IF_ERROR(RequireOwner(db_, policy.account_id, policy.owner_kind, policy.owner_id));
  // Replacing takes the new spelling of the name too.
  SIGIL_RETURN_IF_ERROR(WithContext(Run(db_, kUpdateInlinePolicy, policy.account_id, kind,
                                        policy.owner_id, policy.name, policy.name, policy.document),
                                    context));
  if (db_.Changes() == 0) {
    SIGIL_RETURN_IF_ERROR(WithContext(Run(db_, kInsertInlinePolicy, policy.account_id, kind,
                                          policy.owner_id, policy.name, policy.document),
                                      context));
  }
  return txn.Commit();
}

Status SqliteMetadataStore::DeleteInlinePolicy(const std::string& account_id,
                                               PolicyOwnerKind owner_kind,
                                               const std::string& owner_id,
                                               const std::string& name) {
  std::lock_guard lock(mu_);
  SIGIL_RETURN_IF_ERROR(
      Run(db_, kDeleteInlinePolicy, account_id, OwnerKindText(owner_kind), owner_id, name));
  if (db_.Changes() == 0) {
    return NotFoundError("no inline policy " + name + " of " +
                         std::string(OwnerKindText(owner_kind)) + " " + owner_id);
  }
  return OkStatus();
}

// ---- Roles

Status SqliteMetadataStore::CreateRole(const Role& role) {
  std::lock_guard lock(mu_);
  const std::string context =
      "create role " + role.name + " (" + role.role_id + ") in account " + role.account_id;
  SIGIL_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_));
  SIGIL_RETURN_IF_ERROR(RequireAccount(db_, role.account_id));
  SIGIL_RETURN_IF_ERROR(WithContext(
      Run(db_, kInsertRole, role.role_id, role.account_id, role.name, role.path, role.description,
          role.assume_role_policy, static_cast<int64_t>(role.max_session_duration),
          NullIfEmpty(role.permissions_boundary_arn), ToMillis(role.created)),
      context));
  SIGIL_RETURN_IF_ERROR(
      WithContext(InsertTags(db_, kInsertRoleTag, role.role_id, role.tags), context));
  return txn.Commit();
}

Status SqliteMetadataStore::UpdateRole(const Role& role) {
  std::lock_guard lock(mu_);
  const std::string context = "update role " + role.role_id;
  SIGIL_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_));
  SIGIL_RETURN_IF_ERROR(
      WithContext(Run(db_, kUpdateRole, role.account_id, role.role_id, role.description,
                      role.assume_role_policy, static_cast<int64_t>(role.max_session_duration),
                      NullIfEmpty(role.permissions_boundary_arn)),
                  context));
  if (db_.Changes() == 0) {
    return NotFoundError("no role " + role.role_id + " in account " + role.account_id);
  }
  SIGIL_RETURN_IF_ERROR(Run(db_, kDeleteRoleTags, role.role_id));
  SIGIL_RETURN_IF_ERROR(
      WithContext(InsertTags(db_, kInsertRoleTag, role.role_id, role.tags), context));
  return txn.Commit();
}

Status SqliteMetadataStore::DeleteRole(const std::string& account_id, const std::string& role_id) {
  std::lock_guard lock(mu_);
  SIGIL_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_));
  SIGIL_RETURN_IF_ERROR(RequireRole(db_, account_id, role_id));
  SIGIL_RETURN_IF_ERROR(RefuseIfOwnerHasPolicies(db_, account_id, PolicyOwnerKind::kRole, role_id));
  SIGIL_RETURN_IF_ERROR(Run(db_, kDeleteRole, account_id, role_id));  // tags cascade
  return txn.Commit();
}

// ---- Virtual MFA devices

Status SqliteMetadataStore::CreateMfaDevice(const MfaDevice& device) {
  const std::string context =
      "create MFA device " + device.serial_number + " in account " + device.account_id;
  if (!device.user_id.empty() || device.enabled_at.has_value()) {
    return InvalidArgumentError(context + ": a new device is not assigned");
  }
  std::lock_guard lock(mu_);
  SIGIL_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_));
  SIGIL_RETURN_IF_ERROR(RequireAccount(db_, device.account_id));
  SIGIL_RETURN_IF_ERROR(WithContext(
      Run(db_, kInsertMfaDevice, device.serial_number, device.account_id, device.name, device.path,
          ToMillis(device.created), Base64Encode(device.sealed_seed), device.last_accepted_step),
      context));
  SIGIL_RETURN_IF_ERROR(WithContext(
      InsertTags(db_, kInsertMfaDeviceTag, device.serial_number, device.tags), context));
  return txn.Commit();
}

Status SqliteMetadataStore::AssignMfaDevice(const std::string& account_id,
                                            const std::string& serial_number,
                                            const std::string& user_id, TimePoint enabled_at,
                                            int64_t accepted_step) {
  if (user_id.empty()) {
    return InvalidArgumentError("assign MFA device " + serial_number + ": no user given");
  }
  std::lock_guard lock(mu_);
  SIGIL_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_));
  SIGIL_ASSIGN_OR_RETURN(std::string assigned, ReadMfaDeviceUser(db_, account_id, serial_number));
  if (!assigned.empty()) {
    return AlreadyExistsError("MFA device " + serial_number + " is already assigned");
  }
  if (user_id != account_id) SIGIL_RETURN_IF_ERROR(RequireUser(db_, account_id, user_id));
  SIGIL_RETURN_IF_ERROR(Run(db_, kAssignMfaDevice, account_id, serial_number, user_id,
                            ToMillis(enabled_at), accepted_step));
  return txn.Commit();
}

Status SqliteMetadataStore::UnassignMfaDevice(const std::string& user_id,
                                              const std::string& serial_number) {
  std::lock_guard lock(mu_);
  SIGIL_RETURN_IF_ERROR(Run(db_, kUnassignMfaDevice, serial_number, user_id));
  if (db_.Changes() == 0) {
    return NotFoundError("MFA device " + serial_number + " is not assigned to " + user_id);
  }
  return OkStatus();
}

Status SqliteMetadataStore::ResyncMfaDevice(const std::string& user_id,
                                            const std::string& serial_number,
                                            int64_t accepted_step) {
  std::lock_guard lock(mu_);
  SIGIL_RETURN_IF_ERROR(Run(db_, kResyncMfaDevice, serial_number, user_id, accepted_step));
  if (db_.Changes() == 0) {
    return NotFoundError("MFA device " + serial_number + " is not assigned to " + user_id);
  }
  return OkStatus();
}

Status SqliteMetadataStore::AdvanceMfaStep(const std::string& serial_number,
                                           const std::string& user_id, TimePoint enabled_at,
                                           int64_t step) {
  std::lock_guard lock(mu_);
  SIGIL_RETURN_IF_ERROR(
      Run(db_, kAdvanceMfaStep, serial_number, user_id, ToMillis(enabled_at), step));
  if (db_.Changes() == 0) {
    return FailedPreconditionError("MFA device " + serial_number +
                                   ": the step was already accepted, or the device is no longer "
                                   "assigned as it was");
  }
  return OkStatus();
}

Status SqliteMetadataStore::DeleteMfaDevice(const std::string& account_id,
                                            const std::string& serial_number) {
  std::lock_guard lock(mu_);
  SIGIL_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_));
  SIGIL_ASSIGN_OR_RETURN(std::string assigned, ReadMfaDeviceUser(db_, account_id, serial_number));
  if (!assigned.empty()) return FailedPreconditionError(kDependentMfaUser);
  SIGIL_RETURN_IF_ERROR(Run(db_, kDeleteMfaDevice, account_id, serial_number));  // tags cascade
  return txn.Commit();
}

Status SqliteMetadataStore::SetMfaDeviceTags(const std::string& account_id,
                                             const std::string& serial_number,
                                             const std::vector<Tag>& tags) {
  std::lock_guard lock(mu_);
  SIGIL_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_));
  SIGIL_RETURN_IF_ERROR(ReadMfaDeviceUser(db_, account_id, serial_number).status());
  SIGIL_RETURN_IF_ERROR(Run(db_, kDeleteMfaDeviceTags, serial_number));
  SIGIL_RETURN_IF_ERROR(WithContext(InsertTags(db_, kInsertMfaDeviceTag, serial_number, tags),
                                    "set tags of MFA device " + serial_number));
  return txn.Commit();
}

// ---- Usage

Status SqliteMetadataStore::RecordAccessKeyUsage(const std::vector<AccessKeyUsage>& usage) {
  if (usage.empty()) return OkStatus();
  std::lock_guard lock(mu_);
  SIGIL_ASSIGN_OR_RETURN(Transaction txn, Transaction::Begin(db_));
  for (const AccessKeyUsage& u : usage) {
    SIGIL_RETURN_IF_ERROR(Run(db_, kUpsertAccessKeyUsage, u.access_key_id, ToMillis(u.last_used),
                              u.region, u.service));
  }
  return txn.Commit();
}

Status SqliteMetadataStore::BackupTo(const std::string& path) {
  std::lock_guard lock(mu_);
  return db_.BackupTo(path);
}

}  // namespace sigil
