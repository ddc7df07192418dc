// A small RAII layer over the SQLite C API for the SQLite metadata store: a connection (Db),
// leases on its cached prepared statements (Statement) and transactions (Transaction). Every
// SQLite result code becomes a Status here and nowhere else. Thread-compatible: a Db and its
// statements are used by one thread at a time (SqliteMetadataStore holds a mutex).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace sigil::sqlite {

class Statement;

class Db {
 public:
  // Opens the database file at `path`, creating it if absent, and configures the connection the
  // way every Sigil connection must be: WAL journal, synchronous=FULL (a committed transaction
  // is on disk before the commit returns), foreign keys enforced, a busy timeout.
  // kInternal when the file cannot be opened, is not a database or cannot use WAL.
  static StatusOr<Db> Open(const std::string& path);
  // Opens an existing database file for reading only, as it is (no journal mode change, nothing
  // written beside it), e.g. a backup's copy. kInternal when it cannot be opened; writes fail.
  static StatusOr<Db> OpenReadOnly(const std::string& path);

  Db(Db&& other) noexcept;
  Db& operator=(Db&& other) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  // Runs one or more SQL statements that take no parameters; any rows are discarded.
  Status Exec(std::string_view sql);

  // A lease on the prepared statement for `sql`, compiled on first use and cached for the life
  // of the Db. Only one lease per SQL text may be live at a time.
  StatusOr<Statement> Prepare(std::string_view sql);

  // Rows inserted, updated or deleted directly by the most recent statement.
  int64_t Changes() const;

  // True while an explicit transaction is open.
  bool InTransaction() const;

  // Copies the whole database into a new file at `path` with SQLite's online backup API: a
  // consistent snapshot even while other connections (or processes) write, which restarts the
  // copy when they commit in between. `path` must not exist (kAlreadyExists); on failure the
  // partial file is removed.
  Status BackupTo(const std::string& path);

 private:
  explicit Db(sqlite3* db) : db_(db) {}
  void Close();

  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

// A prepared statement in use: bind parameters, step through rows, read columns. Destroying it
// resets the statement, which ends any implicit read it holds open.
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Binds `args` to the parameters ?1, ?2, ... in order. Accepts integers, strings (as TEXT),
  // std::nullopt and std::optional<std::string> (NULL when empty). A binding error is reported
  // by the next Step or Run.
  template <typename... Args>
  Statement& Bind(const Args&... args) {
    int index = 0;
    (BindOne(++index, args), ...);
    return *this;
  }

  // Binds one parameter by its 1-based index, for parameter lists built at run time.
  void BindOne(int index, int64_t value);
  void BindOne(int index, std::string_view value);
  void BindOne(int index, const std::string& value) { BindOne(index, std::string_view(value)); }
  void BindOne(int index, const char* value) { BindOne(index, std::string_view(value)); }
  void BindOne(int index, std::nullopt_t);
  void BindOne(int index, const std::optional<std::string>& value);

  // Advances to the next row: true when a row is available, false when the statement is done.
  StatusOr<bool> Step();
  // Runs the statement to completion, discarding any rows.
  Status Run();
  // Calls `fn()`, which returns a Status and reads the current row's columns, for each remaining
  // row; stops at the first error.
  template <typename Fn>
  Status ForEachRow(Fn fn) {
    while (true) {
      SIGIL_ASSIGN_OR_RETURN(bool row, Step());
      if (!row) return OkStatus();
      SIGIL_RETURN_IF_ERROR(fn());
    }
  }

  // Columns of the current row, numbered from 0. NULL reads as 0 or "".
  int64_t ColumnInt64(int column) const;
  std::string ColumnText(int column) const;
  bool ColumnIsNull(int column) const;
  // The number of columns the statement returns (0 for one that returns no rows).
  int ColumnCount() const;

 private:
  friend class Db;
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}

  void RecordBindResult(int rc);

  sqlite3_stmt* stmt_;
  int bind_error_ = 0;  // the first failing sqlite3_bind_* result, 0 when none
};

// An explicit transaction that rolls back when destroyed uncommitted, so every early return
// (SIGIL_RETURN_IF_ERROR) undoes the work.
class Transaction {
 public:
  // BEGIN IMMEDIATE: takes the write lock up front, so a writer never fails midway on a lock
  // upgrade (it waits up to the busy timeout instead).
  static StatusOr<Transaction> Begin(Db& db);
  // BEGIN: a consistent snapshot for a series of reads.
  static StatusOr<Transaction> BeginRead(Db& db);

  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  // COMMIT. With synchronous=FULL the changes are durable when this returns OK.
  Status Commit();

 private:
  explicit Transaction(Db* db) : db_(db) {}

  Db* db_;  // nullptr once committed or moved from
};

}  // namespace sigil::sqlite
