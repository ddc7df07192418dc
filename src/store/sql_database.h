// A dialect-neutral way to run SQL on either backend, so that a store is written once: SQL uses
// PostgreSQL's $1..$N placeholders and COLLATE "C" (the SQLite side rewrites both, see
// SqliteDialect in migrations.h), parameters are NULL, integers or text, and every column is
// read back as text or an integer. Work happens inside SqlDatabase::Transact, which owns
// transactions, retries and connections. Thread-safe: SQLite serializes on one connection (its
// own, or the metadata store's), PostgreSQL lends each transaction one from a small pool.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/status.h"

namespace sigil {

class SqliteMetadataStore;

// One statement parameter: NULL, an integer or text (UTF-8, no NUL byte).
using SqlParam = std::variant<std::monostate, int64_t, std::string>;

// The rows a statement returned, copied out of the driver; NULL reads as "" (IsNull tells).
class SqlRows {
 public:
  int Rows() const { return static_cast<int>(cells_.size()); }
  const std::string& Text(int row, int column) const;
  bool IsNull(int row, int column) const;
  // kInternal when the value is not a decimal integer (a damaged database or a wrong column).
  StatusOr<int64_t> Int64(int row, int column) const;
  // Rows inserted, updated or deleted by the statement.
  int64_t affected() const { return affected_; }

  // For the backends: appends a row of (nullable) text cells / records the affected count.
  void AddRow(std::vector<std::optional<std::string>> row) { cells_.push_back(std::move(row)); }
  void set_affected(int64_t affected) { affected_ = affected; }

 private:
  std::vector<std::vector<std::optional<std::string>>> cells_;
  int64_t affected_ = 0;
};

// The statements of one open transaction. Only valid inside the Transact body it was given to.
class SqlTransaction {
 public:
  virtual ~SqlTransaction() = default;
  // Runs one statement with `params` bound to $1, $2, ... in order. Errors as the backend's Db
  // layer reports them: kAlreadyExists for a unique violation, kFailedPrecondition for a
  // foreign key, kInvalidArgument for text PostgreSQL cannot hold, kUnavailable when the
  // database is busy or unreachable, kInternal otherwise.
  virtual StatusOr<SqlRows> Query(std::string_view sql, const std::vector<SqlParam>& params) = 0;
};

class SqlDatabase {
 public:
  enum class Mode {
    kWrite,  // SQLite BEGIN IMMEDIATE; PostgreSQL SERIALIZABLE (retried on conflicts)
    kRead,   // one consistent snapshot for a series of reads
  };
  using Body = std::function<Status(SqlTransaction&)>;

  virtual ~SqlDatabase() = default;

  // Runs `body` in one transaction of `mode` and commits when it returns OK; any error rolls
  // everything back and is returned. PostgreSQL may run `body` several times (a serialization
  // failure against a concurrent writer, or a connection lost before COMMIT), so a body must
  // start its results afresh each time it runs. kUnavailable when conflicts persist.
  virtual Status Transact(Mode mode, const Body& body) = 0;

  // What the database is, for messages: "sqlite PATH" or "postgresql host=... dbname=...";
  // never a password.
  virtual std::string Describe() const = 0;
};

// Opens the SQLite database file at `path` (see sqlite::Db::Open): one connection, used under a
// mutex. Does not migrate (the metadata store owns the schema).
StatusOr<std::unique_ptr<SqlDatabase>> OpenSqliteDatabase(const std::string& path);
// The same over an existing file opened read-only (sqlite::Db::OpenReadOnly), e.g. a backup's
// copy, which must stay byte for byte as it is; kWrite transactions fail.
StatusOr<std::unique_ptr<SqlDatabase>> OpenSqliteDatabaseReadOnly(const std::string& path);

// Over the connection of `store` (which must outlive the result), taking turns with it: see
// SqliteMetadataStore::WithConnection for why a server prefers this. `path` is the store's file,
// for Describe.
std::unique_ptr<SqlDatabase> SqliteDatabaseSharing(SqliteMetadataStore& store,
                                                   const std::string& path);

// For a store that keeps its tables in a database the metadata store migrated: reads the
// recorded schema version and checks it is LatestSchemaVersion(). kFailedPrecondition, prefixed
// with `context`, when the database has no Sigil schema ("open the metadata store first") or
// another version; other errors as Transact reports them, prefixed likewise.
Status CheckMigrated(SqlDatabase& db, const std::string& context);

// Connects to PostgreSQL with a libpq connection string (see postgres::Db::Connect), checking
// one connection now; up to `max_connections` (>= 1) are opened on demand and kept for reuse.
// Does not migrate. kInvalidArgument for a malformed string; kUnavailable when unreachable.
StatusOr<std::unique_ptr<SqlDatabase>> ConnectPostgresDatabase(const std::string& conninfo,
                                                               int max_connections);

// A PostgreSQL database frozen at one moment: one connection holding a REPEATABLE READ READ ONLY
// transaction open, whose snapshot it exported (pg_export_snapshot). Every kRead transaction on
// `db` runs inside that one transaction, so it sees the database as of the export, as does any
// other session that adopts `snapshot_id` (`pg_dump --snapshot`) while `db` lives; kWrite is
// refused (kFailedPrecondition). Destroying `db` ends the transaction.
struct ExportedPostgresSnapshot {
  std::unique_ptr<SqlDatabase> db;
  std::string snapshot_id;
};
// Errors as ConnectPostgresDatabase's.
StatusOr<ExportedPostgresSnapshot> ExportPostgresSnapshot(const std::string& conninfo);

}  // namespace sigil
