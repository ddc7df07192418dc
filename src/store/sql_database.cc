#include "store/sql_database.h"

#include <charconv>
#include <condition_variable>
#include <mutex>
#include <utility>

#include "store/migrations.h"
#include "store/postgres_db.h"
#include "store/row_values.h"
#include "store/sqlite_db.h"
#include "store/sqlite_metadata_store.h"

namespace sigil {

const std::string& SqlRows::Text(int row, int column) const {
  static const std::string kEmpty;
  const std::optional<std::string>& cell = cells_[row][column];
  return cell ? *cell : kEmpty;
}

bool SqlRows::IsNull(int row, int column) const { return !cells_[row][column].has_value(); }

StatusOr<int64_t> SqlRows::Int64(int row, int column) const {
  const std::string& text = Text(row, column);
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  // The message does not quote the text: it may be any column read as an integer by mistake.
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) {
    return InternalError("expected an integer in a result column");
  }
  return value;
}

Status CheckMigrated(SqlDatabase& db, const std::string& context) {
  int64_t version = 0;
  Status read = db.Transact(SqlDatabase::Mode::kRead, [&](SqlTransaction& txn) -> Status {
    SIGIL_ASSIGN_OR_RETURN(
        SqlRows rows, txn.Query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {}));
    SIGIL_ASSIGN_OR_RETURN(version, rows.Int64(0, 0));
    return OkStatus();
  });
  if (read.code() == StatusCode::kInternal) {
    return FailedPreconditionError(context + ": no Sigil schema (" + read.message() +
                                   "); open the metadata store first, which creates it");
  }
  SIGIL_RETURN_IF_ERROR(store_rows::WithContext(read, context));
  return store_rows::WithContext(CheckSchemaVersion(version), context);
}

namespace {

// ---- SQLite: one connection; each statement is rewritten by SqliteDialect and prepared once.

class SqliteTransaction final : public SqlTransaction {
 public:
  explicit SqliteTransaction(sqlite::Db& db) : db_(db) {}

  StatusOr<SqlRows> Query(std::string_view sql, const std::vector<SqlParam>& params) override {
    SIGIL_ASSIGN_OR_RETURN(sqlite::Statement stmt, db_.Prepare(SqliteDialect(sql)));
    for (size_t i = 0; i < params.size(); ++i) {
      const int index = static_cast<int>(i) + 1;
      if (const auto* n = std::get_if<int64_t>(&params[i])) {
        stmt.BindOne(index, *n);
      } else if (const auto* text = std::get_if<std::string>(&params[i])) {
        stmt.BindOne(index, std::string_view(*text));
      } else {
        stmt.BindOne(index, std::nullopt);
      }
    }
    SqlRows rows;
    const int columns = stmt.ColumnCount();
    SIGIL_RETURN_IF_ERROR(stmt.ForEachRow([&] {
      std::vector<std::optional<std::string>> row;
      row.reserve(columns);
      for (int c = 0; c < columns; ++c) {
        if (stmt.ColumnIsNull(c)) {
          row.emplace_back(std::nullopt);
        } else {
          row.emplace_back(stmt.ColumnText(c));
        }
      }
      rows.AddRow(std::move(row));
      return OkStatus();
    }));
    // Changes() keeps the count of the last INSERT, UPDATE or DELETE; a query reports none.
    rows.set_affected(columns == 0 ? db_.Changes() : 0);
    return rows;
  }

 private:
  sqlite::Db& db_;
};

// Runs a function with exclusive use of a connection: the database's own, or one it shares.
using SqliteConnection = std::function<Status(const std::function<Status(sqlite::Db&)>&)>;

class SqliteDatabase final : public SqlDatabase {
 public:
  SqliteDatabase(std::string path, SqliteConnection connection)
      : path_(std::move(path)), connection_(std::move(connection)) {}

  Status Transact(Mode mode, const Body& body) override {
    return connection_([&](sqlite::Db& db) -> Status {
      // A busy database was already waited for (the busy timeout): no retry here.
      SIGIL_ASSIGN_OR_RETURN(sqlite::Transaction txn, mode == Mode::kWrite
                                                          ? sqlite::Transaction::Begin(db)
                                                          : sqlite::Transaction::BeginRead(db));
      SqliteTransaction statements(db);
      SIGIL_RETURN_IF_ERROR(body(statements));
      return txn.Commit();
    });
  }

  std::string Describe() const override { return "sqlite " + path_; }

 private:
  const std::string path_;
  const SqliteConnection connection_;
};

// ---- PostgreSQL: a pool of connections, each lent to one transaction at a time.

class PostgresTransaction final : public SqlTransaction {
 public:
  explicit PostgresTransaction(postgres::Db& db) : db_(db) {}

  StatusOr<SqlRows> Query(std::string_view sql, const std::vector<SqlParam>& params) override {
    std::vector<postgres::Param> pg_params;
    pg_params.reserve(params.size());
    for (const SqlParam& param : params) {
      if (const auto* n = std::get_if<int64_t>(&param)) {
        pg_params.push_back(postgres::ToParam(*n));
      } else if (const auto* text = std::get_if<std::string>(&param)) {
        pg_params.push_back(postgres::ToParam(*text));
      } else {
        pg_params.push_back(postgres::Param{std::nullopt, postgres::kTextOid});
      }
    }
    SIGIL_ASSIGN_OR_RETURN(postgres::Result result, db_.QueryParams(sql, pg_params));
    SqlRows rows;
    const int columns = result.Columns();
    for (int r = 0; r < result.Rows(); ++r) {
      std::vector<std::optional<std::string>> row;
      row.reserve(columns);
      for (int c = 0; c < columns; ++c) {
        if (result.IsNull(r, c)) {
          row.emplace_back(std::nullopt);
        } else {
          row.emplace_back(result.Text(r, c));
        }
      }
      rows.AddRow(std::move(row));
    }
    rows.set_affected(result.AffectedRows());
    return rows;
  }

 private:
  postgres::Db& db_;
};

class PostgresDatabase final : public SqlDatabase {
 public:
  PostgresDatabase(std::string conninfo, std::string description, int max_connections,
                   postgres::Db first)
      : conninfo_(std::move(conninfo)),
        description_(std::move(description)),
        max_connections_(max_connections),
        open_(1) {
    idle_.push_back(std::make_unique<postgres::Db>(std::move(first)));
  }

  Status Transact(Mode mode, const Body& body) override {
    SIGIL_ASSIGN_OR_RETURN(std::unique_ptr<postgres::Db> db, Acquire());
    Status status = postgres::RunTransaction(*db,
                                             mode == Mode::kWrite
                                                 ? postgres::Transaction::Mode::kSerializable
                                                 : postgres::Transaction::Mode::kReadOnlySnapshot,
                                             [&](postgres::Db& connection) {
                                               PostgresTransaction statements(connection);
                                               return body(statements);
                                             });
    Release(std::move(db));
    return status;
  }

  std::string Describe() const override { return description_; }

 private:
  // An idle connection, a new one while fewer than max_connections_ exist, or else the next
  // one released. A lost connection is kept: RunTransaction reconnects it.
  StatusOr<std::unique_ptr<postgres::Db>> Acquire() {
    {
      std::unique_lock lock(mu_);
      released_.wait(lock, [&] { return !idle_.empty() || open_ < max_connections_; });
      if (!idle_.empty()) {
        std::unique_ptr<postgres::Db> db = std::move(idle_.back());
        idle_.pop_back();
        return db;
      }
      ++open_;
    }
    auto db = postgres::Db::Connect(conninfo_);  // outside the lock: it may take a while
    if (!db.ok()) {
      std::lock_guard lock(mu_);
      --open_;
      released_.notify_one();
      return db.status();
    }
    return std::make_unique<postgres::Db>(std::move(db).value());
  }

  void Release(std::unique_ptr<postgres::Db> db) {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(db));
    released_.notify_one();
  }

  const std::string conninfo_;  // may hold a password: never in a message
  const std::string description_;
  const int max_connections_;

  std::mutex mu_;
  std::condition_variable released_;
  std::vector<std::unique_ptr<postgres::Db>> idle_;  // guarded by mu_
  int open_;                                         // guarded by mu_: idle or lent
};

// One connection inside the transaction that exported its snapshot (ExportPostgresSnapshot).
class PostgresSnapshotDatabase final : public SqlDatabase {
 public:
  PostgresSnapshotDatabase(std::string description, postgres::Db db)
      : description_(std::move(description)), db_(std::move(db)) {}

  Status Transact(Mode mode, const Body& body) override {
    if (mode == Mode::kWrite) {
      return FailedPreconditionError(description_ + ": a snapshot is read-only");
    }
    std::lock_guard lock(mu_);
    PostgresTransaction statements(db_);
    return body(statements);
  }

  std::string Describe() const override { return description_; }

 private:
  const std::string description_;
  std::mutex mu_;
  postgres::Db db_;  // guarded by mu_; in the exporting transaction until destroyed
};

// A SqlDatabase that owns its one connection, used under a mutex.
std::unique_ptr<SqlDatabase> OwningSqliteDatabase(const std::string& path, sqlite::Db db) {
  struct Own {
    explicit Own(sqlite::Db opened) : db(std::move(opened)) {}
    std::mutex mu;
    sqlite::Db db;  // guarded by mu
  };
  auto own = std::make_shared<Own>(std::move(db));
  return std::make_unique<SqliteDatabase>(path,
                                          [own](const std::function<Status(sqlite::Db&)>& fn) {
                                            std::lock_guard lock(own->mu);
                                            return fn(own->db);
                                          });
}

}  // namespace

StatusOr<std::unique_ptr<SqlDatabase>> OpenSqliteDatabase(const std::string& path) {
  SIGIL_ASSIGN_OR_RETURN(sqlite::Db db, sqlite::Db::Open(path));
  return OwningSqliteDatabase(path, std::move(db));
}

StatusOr<std::unique_ptr<SqlDatabase>> OpenSqliteDatabaseReadOnly(const std::string& path) {
  SIGIL_ASSIGN_OR_RETURN(sqlite::Db db, sqlite::Db::OpenReadOnly(path));
  return OwningSqliteDatabase(path, std::move(db));
}

std::unique_ptr<SqlDatabase> SqliteDatabaseSharing(SqliteMetadataStore& store,
                                                   const std::string& path) {
  return std::make_unique<SqliteDatabase>(
      path,
      [&store](const std::function<Status(sqlite::Db&)>& fn) { return store.WithConnection(fn); });
}

StatusOr<std::unique_ptr<SqlDatabase>> ConnectPostgresDatabase(const std::string& conninfo,
                                                               int max_connections) {
  if (max_connections < 1) return InvalidArgumentError("postgres: max_connections must be >= 1");
  SIGIL_ASSIGN_OR_RETURN(postgres::Db db, postgres::Db::Connect(conninfo));
  const std::string description = "postgresql " + db.Describe();
  return std::unique_ptr<SqlDatabase>(
      new PostgresDatabase(conninfo, description, max_connections, std::move(db)));
}

StatusOr<ExportedPostgresSnapshot> ExportPostgresSnapshot(const std::string& conninfo) {
  SIGIL_ASSIGN_OR_RETURN(postgres::Db db, postgres::Db::Connect(conninfo));
  const std::string description = "postgresql " + db.Describe();
  SIGIL_RETURN_IF_ERROR(db.Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY").status());
  SIGIL_ASSIGN_OR_RETURN(postgres::Result exported, db.Exec("SELECT pg_export_snapshot()"));
  if (exported.Rows() != 1) return InternalError(description + ": pg_export_snapshot gave no id");
  ExportedPostgresSnapshot out;
  out.snapshot_id = exported.Text(0, 0);
  out.db = std::make_unique<PostgresSnapshotDatabase>(description, std::move(db));
  return out;
}

}  // namespace sigil
