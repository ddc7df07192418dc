#include "store/sqlite_metadata_store.h"

#include <unordered_map>
#include <utility>

#include "common/clock.h"
#include "common/crypto.h"
#include "store/migrations.h"

namespace sigil {
namespace {

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
    "INSERT INTO users (user_id, account_id, name, path, created_ms)"
    " VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr std::string_view kUpdateUser =
    "UPDATE users SET name = COALESCE(?3, name), path = COALESCE(?4, path)"
    " WHERE account_id = ?1 AND user_id = ?2";
constexpr std::string_view kDeleteUser = "DELETE FROM users WHERE account_id = ?1 AND user_id = ?2";
constexpr std::string_view kUserExists =
    "SELECT 1 FROM users WHERE account_id = ?1 AND user_id = ?2";
constexpr std::string_view kSelectUsers =
    "SELECT account_id, user_id, name, path, created_ms FROM users"
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

// ---- Value conversions between the model and columns.

int64_t ToMillis(TimePoint t) { return t.time_since_epoch().count(); }
TimePoint FromMillis(int64_t ms) { return TimePoint(std::chrono::milliseconds(ms)); }

std::string_view StatusText(AccessKeyStatus status) {
  return status == AccessKeyStatus::kActive ? "Active" : "Inactive";
}

// The model uses "" for "no user" (root credentials); the column uses NULL.
std::optional<std::string> NullIfEmpty(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

Status WithContext(Status status, std::string_view context) {
  if (status.ok()) return status;
  return Status(status.code(), std::string(context) + ": " + status.message());
}

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

Status InsertUserTags(Db& db, const std::string& user_id, const std::vector<Tag>& tags) {
  for (size_t i = 0; i < tags.size(); ++i) {
    SIGIL_RETURN_IF_ERROR(
        Run(db, kInsertUserTag, user_id, static_cast<int64_t>(i), tags[i].key, tags[i].value));
  }
  return OkStatus();
}

// ---- Loaders, one per table, reading everything in id order.

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
                         .created = FromMillis(s.ColumnInt64(4))});
      return OkStatus();
    }));
  }
  std::unordered_map<std::string, User*> by_id;
  for (User& user : out) by_id[user.user_id] = &user;
  SIGIL_ASSIGN_OR_RETURN(Statement s, db.Prepare(kSelectUserTags));
  return s.ForEachRow([&]() -> Status {
    auto user = by_id.find(s.ColumnText(0));
    if (user == by_id.end()) return InternalError("a tag names missing user " + s.ColumnText(0));
    user->second->tags.push_back(Tag{.key = s.ColumnText(1), .value = s.ColumnText(2)});
    return OkStatus();
  });
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
      SIGIL_RETURN_IF_ERROR(WithContext(db.Exec(sql), context));
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
  return std::unique_ptr<SqliteMetadataStore>(new SqliteMetadataStore(std::move(db)));
}

StatusOr<IdentityData> SqliteMetadataStore::LoadIdentity() {
  std::lock_guard lock(mu_);
  IdentityData data;
  SIGIL_ASSIGN_OR_RETURN(Transaction txn, Transaction::BeginRead(db_));
  SIGIL_RETURN_IF_ERROR(LoadAccounts(db_, data.accounts));
  SIGIL_RETURN_IF_ERROR(LoadUsers(db_, data.users));
  SIGIL_RETURN_IF_ERROR(LoadAccessKeys(db_, data.access_keys));
  SIGIL_RETURN_IF_ERROR(LoadAccessKeyUsage(db_, data.key_usage));
  SIGIL_RETURN_IF_ERROR(txn.Commit());
  return data;
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
  SIGIL_RETURN_IF_ERROR(WithContext(Run(db_, kInsertUser, user.user_id, user.account_id, user.name,
                                        user.path, ToMillis(user.created)),
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
  SIGIL_ASSIGN_OR_RETURN(bool has_keys, Exists(db_, kUserHasAccessKeys, account_id, user_id));
  if (has_keys) {
    return FailedPreconditionError("user " + user_id + " still has access keys");
  }
  SIGIL_RETURN_IF_ERROR(Run(db_, kDeleteUser, account_id, user_id));  // tags cascade
  return txn.Commit();
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

}  // namespace sigil
