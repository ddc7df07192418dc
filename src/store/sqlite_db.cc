#include "store/sqlite_db.h"

#include <sqlite3.h>

#include <cstdio>
#include <utility>

#include "common/file_util.h"

namespace sigil::sqlite {
namespace {

// Long enough to ride out another process's checkpoint or a brief writer; short enough that a
// stuck lock surfaces as kUnavailable rather than a hung request.
constexpr int kBusyTimeoutMs = 5000;

// The one place SQLite result codes become Status. `db` supplies the detailed message of the
// most recent failure; without it the generic text for `rc` is used. SQLite messages name
// tables and constraints, never bound values, so no secret can leak through them.
Status ToStatus(int rc, sqlite3* db) {
  std::string message = "sqlite: ";
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      return AlreadyExistsError(std::move(message));
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      return FailedPreconditionError(std::move(message));
    default:
      break;
  }
  switch (rc & 0xff) {  // the primary code of an extended one
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return UnavailableError(std::move(message));
    default:
      // Disk full, I/O error, corruption, not a database, or a bug in our SQL.
      return InternalError(std::move(message));
  }
}

Status WithContext(Status status, std::string_view context) {
  if (status.ok()) return status;
  return Status(status.code(), std::string(context) + ": " + status.message());
}

}  // namespace

StatusOr<Db> Db::Open(const std::string& path) {
  sqlite3* handle = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &handle,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  Db db(handle);  // owns the handle even when the open failed, as SQLite requires
  const std::string context = "open database " + path;
  if (rc != SQLITE_OK) return WithContext(ToStatus(rc, handle), context);
  sqlite3_extended_result_codes(handle, 1);
  sqlite3_busy_timeout(handle, kBusyTimeoutMs);

  // journal_mode answers with the mode actually in force, which is not WAL where the
  // filesystem cannot support it.
  {
    auto journal = db.Prepare("PRAGMA journal_mode = WAL");
    if (!journal.ok()) return WithContext(journal.status(), context);
    auto row = journal->Step();
    if (!row.ok()) return WithContext(row.status(), context);
    if (!*row || journal->ColumnText(0) != "wal") {
      return InternalError(context + ": the database cannot use WAL journaling (journal_mode is " +
                           (*row ? journal->ColumnText(0) : std::string("unknown")) + ")");
    }
  }
  Status configured = db.Exec("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON");
  if (!configured.ok()) return WithContext(configured, context);
  return db;
}

StatusOr<Db> Db::OpenReadOnly(const std::string& path) {
  sqlite3* handle = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &handle, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  Db db(handle);  // owns the handle even when the open failed, as SQLite requires
  if (rc != SQLITE_OK) return WithContext(ToStatus(rc, handle), "open database " + path);
  sqlite3_extended_result_codes(handle, 1);
  sqlite3_busy_timeout(handle, kBusyTimeoutMs);
  return db;
}

Db::Db(Db&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), statements_(std::move(other.statements_)) {}

Db& Db::operator=(Db&& other) noexcept {
  if (this != &other) {
    Close();
    db_ = std::exchange(other.db_, nullptr);
    statements_ = std::move(other.statements_);
  }
  return *this;
}

Db::~Db() { Close(); }

void Db::Close() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  statements_.clear();
  // With every statement finalized, close cannot fail with SQLITE_BUSY; a failure to
  // checkpoint is harmless because the WAL is replayed on the next open.
  if (db_ != nullptr) sqlite3_close(db_);
  db_ = nullptr;
}

Status Db::Exec(std::string_view sql) {
  int rc = sqlite3_exec(db_, std::string(sql).c_str(), nullptr, nullptr, nullptr);
  return rc == SQLITE_OK ? OkStatus() : ToStatus(rc, db_);
}

StatusOr<Statement> Db::Prepare(std::string_view sql) {
  auto it = statements_.find(std::string(sql));
  if (it == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, &tail);
    if (rc != SQLITE_OK) return ToStatus(rc, db_);
    if (stmt == nullptr || tail != sql.data() + sql.size()) {
      sqlite3_finalize(stmt);
      return InternalError("sqlite: Prepare takes exactly one SQL statement");
    }
    it = statements_.emplace(std::string(sql), stmt).first;
  }
  sqlite3_reset(it->second);
  sqlite3_clear_bindings(it->second);
  return Statement(it->second);
}

int64_t Db::Changes() const { return sqlite3_changes64(db_); }

bool Db::InTransaction() const { return db_ != nullptr && sqlite3_get_autocommit(db_) == 0; }

Status Db::BackupTo(const std::string& path) {
  const std::string context = "backup to " + path;
  if (FileMode(path).ok()) return AlreadyExistsError(context + ": the file already exists");
  sqlite3* dest = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &dest,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  Status result = OkStatus();
  if (rc != SQLITE_OK) {
    result = WithContext(ToStatus(rc, dest), context);
  } else {
    sqlite3_busy_timeout(dest, kBusyTimeoutMs);
    sqlite3_backup* backup = sqlite3_backup_init(dest, "main", db_, "main");
    if (backup == nullptr) {
      result = WithContext(ToStatus(sqlite3_errcode(dest), dest), context);
    } else {
      // All pages in one step: the source is read under one read transaction, so the copy is a
      // snapshot (and a concurrent writer cannot make it restart).
      do {
        rc = sqlite3_backup_step(backup, -1);
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(50);
      } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
      sqlite3_backup_finish(backup);
      if (rc != SQLITE_DONE) result = WithContext(ToStatus(rc, nullptr), context);
    }
  }
  if (result.ok()) {
    // The copy is self-contained: a single file, no WAL beside it.
    rc = sqlite3_exec(dest, "PRAGMA journal_mode = DELETE", nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) result = WithContext(ToStatus(rc, dest), context);
  }
  sqlite3_close(dest);
  if (!result.ok()) std::remove(path.c_str());
  return result;
}

Statement::Statement(Statement&& other) noexcept
    : stmt_(std::exchange(other.stmt_, nullptr)), bind_error_(other.bind_error_) {}

Statement::~Statement() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

void Statement::RecordBindResult(int rc) {
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
}

void Statement::BindOne(int index, int64_t value) {
  RecordBindResult(sqlite3_bind_int64(stmt_, index, value));
}

void Statement::BindOne(int index, std::string_view value) {
  RecordBindResult(
      sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8));
}

void Statement::BindOne(int index, std::nullopt_t) {
  RecordBindResult(sqlite3_bind_null(stmt_, index));
}

void Statement::BindOne(int index, const std::optional<std::string>& value) {
  if (value) {
    BindOne(index, std::string_view(*value));
  } else {
    BindOne(index, std::nullopt);
  }
}

StatusOr<bool> Statement::Step() {
  // A later successful bind may have replaced the connection's error message, so report a
  // binding failure by its code alone.
  if (bind_error_ != 0) return ToStatus(bind_error_, nullptr);
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return ToStatus(rc, sqlite3_db_handle(stmt_));
}

Status Statement::Run() {
  while (true) {
    SIGIL_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return OkStatus();
  }
}

int64_t Statement::ColumnInt64(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::ColumnText(int column) const {
  const unsigned char* text = sqlite3_column_text(stmt_, column);
  if (text == nullptr) return std::string();
  return std::string(reinterpret_cast<const char*>(text),
                     static_cast<size_t>(sqlite3_column_bytes(stmt_, column)));
}

int Statement::ColumnCount() const { return sqlite3_column_count(stmt_); }

bool Statement::ColumnIsNull(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

StatusOr<Transaction> Transaction::Begin(Db& db) {
  SIGIL_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  return Transaction(&db);
}

StatusOr<Transaction> Transaction::BeginRead(Db& db) {
  SIGIL_RETURN_IF_ERROR(db.Exec("BEGIN"));
  return Transaction(&db);
}

Transaction::~Transaction() {
  // SQLite may already have rolled back on its own (e.g. after an I/O error); only an open
  // transaction can be rolled back.
  if (db_ != nullptr && db_->InTransaction()) static_cast<void>(db_->Exec("ROLLBACK"));
}

Status Transaction::Commit() {
  SIGIL_RETURN_IF_ERROR(db_->Exec("COMMIT"));
  db_ = nullptr;
  return OkStatus();
}

}  // namespace sigil::sqlite
