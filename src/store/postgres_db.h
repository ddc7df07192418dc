// A small RAII layer over libpq for the PostgreSQL metadata store: a connection (Db) with a cache
// of server-side prepared statements, query results (Result) and transactions (Transaction).
// Every libpq failure becomes a Status here and nowhere else. Thread-compatible: a Db is used by
// one thread at a time (PostgresMetadataStore holds a mutex).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"

struct pg_conn;
struct pg_result;

namespace sigil::postgres {

// One parameter of a statement, sent in text format with an explicit type, so PostgreSQL never
// has to guess a type from context (it cannot in `SELECT $1 ... WHERE ...`).
struct Param {
  std::optional<std::string> text;  // nullopt is SQL NULL
  uint32_t type_oid;                // kInt8Oid or kTextOid
};

// The built-in type OIDs used for parameters; fixed by PostgreSQL's catalog.
inline constexpr uint32_t kInt8Oid = 20;
inline constexpr uint32_t kTextOid = 25;

inline Param ToParam(int64_t value) { return Param{std::to_string(value), kInt8Oid}; }
inline Param ToParam(std::string_view value) { return Param{std::string(value), kTextOid}; }
inline Param ToParam(const std::string& value) { return Param{value, kTextOid}; }
inline Param ToParam(const char* value) { return Param{std::string(value), kTextOid}; }
inline Param ToParam(const std::optional<std::string>& value) { return Param{value, kTextOid}; }

// One asynchronous notification (NOTIFY / pg_notify) received on a connection that LISTENs.
struct Notification {
  std::string channel;
  std::string payload;
};

// `conninfo` (key=value pairs or a postgresql:// URI) as "key=value ..." for messages and the
// start-up banner: only host, hostaddr, port, dbname and user, never the password or any other
// option. kInvalidArgument (without quoting the string) when it cannot be parsed.
StatusOr<std::string> DescribeConninfo(const std::string& conninfo);

// `conninfo` taken apart for running a libpq program (pg_dump, pg_restore) without putting the
// password on its command line: every option the string sets except the password, as quoted
// key='value' pairs for --dbname ("" when it sets none), and the password (for PGPASSWORD; ""
// when the string has none). kInvalidArgument, as DescribeConninfo, when it cannot be parsed.
struct ConninfoParts {
  std::string without_password;
  std::string password;
};
StatusOr<ConninfoParts> SplitConninfoPassword(const std::string& conninfo);

// The rows (or the command tag) of one statement. Columns are read as text, the format the
// server sends; integers are parsed here.
class Result {
 public:
  Result(Result&&) noexcept = default;
  Result& operator=(Result&&) noexcept = default;
  ~Result();

  int Rows() const;
  int Columns() const;
  // The command tag, e.g. "INSERT 0 1" or "COMMIT".
  std::string CommandTag() const;
  // Rows inserted, updated or deleted by the statement (0 for other statements).
  int64_t AffectedRows() const;
  // The value at (row, column); NULL reads as "".
  std::string Text(int row, int column) const;
  bool IsNull(int row, int column) const;
  // kInternal when the value is not a decimal integer (a column read with the wrong type).
  StatusOr<int64_t> Int64(int row, int column) const;

 private:
  friend class Db;
  struct Deleter {
    void operator()(pg_result* result) const;
  };
  explicit Result(pg_result* result) : result_(result) {}

  std::unique_ptr<pg_result, Deleter> result_;
};

class Db {
 public:
  // Connects with a libpq connection string (key=value pairs or a postgresql:// URI) and sets
  // the session up the way Sigil needs it: UTF-8 client encoding; synchronous_commit on, so a
  // committed transaction is on disk before COMMIT returns, whatever the server's default;
  // server notices dropped (informational, e.g. "relation already exists, skipping").
  // kInvalidArgument when the string cannot be parsed; kUnavailable when the server cannot be
  // reached or refuses the connection. Messages never repeat the connection string, which may
  // hold a password.
  static StatusOr<Db> Connect(const std::string& conninfo);

  Db(Db&& other) noexcept;
  Db& operator=(Db&& other) noexcept;
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;
  ~Db();

  // Runs SQL that takes no parameters (one or more statements); returns the last result.
  StatusOr<Result> Exec(std::string_view sql);

  // Runs one statement with `args` bound to $1, $2, ... in order. Accepts integers, strings
  // and std::optional<std::string> (NULL when empty). The statement is prepared on the server
  // on first use and reused for the life of the connection. kInvalidArgument, before anything
  // is sent, when a string holds a NUL byte (PostgreSQL text cannot store one).
  template <typename... Args>
  StatusOr<Result> Query(std::string_view sql, const Args&... args) {
    return QueryParams(sql, std::vector<Param>{ToParam(args)...});
  }
  StatusOr<Result> QueryParams(std::string_view sql, const std::vector<Param>& params);

  // True when the connection to the server is gone (the server restarted, the backend was
  // terminated, the network dropped). Statements then fail with kUnavailable until Reset().
  bool ConnectionLost() const;
  // Reconnects with the original connection string; prepared statements are re-created on
  // demand. kUnavailable when the server still cannot be reached.
  Status Reset();

  // True when the most recent failure was a serialization failure or a deadlock (SQLSTATE 40001
  // or 40P01): the transaction was rolled back by the server and may simply be run again.
  // Cleared by every statement that succeeds, a ROLLBACK included, so read it right away.
  bool LastErrorRetryable() const { return last_error_retryable_; }

  // True while a transaction block is open (including one aborted by an error).
  bool InTransaction() const;

  // The server's process id for this connection (for tests and diagnostics).
  int BackendPid() const;

  // Where this connection went, as "host=... port=... dbname=... user=..." (what libpq resolved
  // from the connection string, PG* environment variables and its defaults); never the password.
  std::string Describe() const;

  // Reads whatever the server has sent without waiting, and returns the notifications received
  // since the previous call (for channels this session LISTENs to), oldest first. Call it only
  // outside a statement. kUnavailable when the connection is gone (then ConnectionLost()).
  StatusOr<std::vector<Notification>> TakeNotifications();

 private:
  explicit Db(pg_conn* conn) : conn_(conn) {}
  void Close();
  // Sets a fresh session up: notices dropped, UTF8, synchronous_commit on.
  Status Configure();
  // Turns a finished libpq call into a Result or a Status (the one place that does).
  StatusOr<Result> Check(pg_result* result);

  pg_conn* conn_ = nullptr;
  std::unordered_map<std::string, std::string> statement_names_;  // key: types + SQL
  bool last_error_retryable_ = false;
};

// An explicit transaction that rolls back when destroyed uncommitted, so every early return
// (SIGIL_RETURN_IF_ERROR) undoes the work.
class Transaction {
 public:
  enum class Mode {
    // Writes: PostgreSQL guarantees the outcome of some serial order, or aborts one transaction
    // with a retryable serialization failure. Gives check-then-write sequences (refuse a delete
    // while dependents exist) the same atomicity as SQLite's single writer, across nodes.
    kSerializable,
    // LoadIdentity: one consistent snapshot for a series of reads.
    kReadOnlySnapshot,
    // Schema migrations: each statement sees everything committed before it, so a node that
    // waited for the migration lock sees the schema the other node just committed.
    kReadCommitted,
  };

  static StatusOr<Transaction> Begin(Db& db, Mode mode);

  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  // COMMIT. With PostgreSQL's default synchronous_commit the changes are durable (flushed to
  // the WAL) when this returns OK.
  Status Commit();

 private:
  explicit Transaction(Db* db) : db_(db) {}

  Db* db_;  // nullptr once committed or moved from
};

// Runs `body` in a transaction of `mode` on `db` (reconnecting first if the connection was
// lost), committing when it returns OK. Runs it again, a few times after a short randomized
// pause, when PostgreSQL aborted it with a serialization failure or deadlock (a concurrent
// writer), or when the connection was lost before COMMIT was sent. A connection lost during
// COMMIT leaves the outcome unknown and is reported as kUnavailable, not retried.
Status RunTransaction(Db& db, Transaction::Mode mode, const std::function<Status(Db&)>& body);

}  // namespace sigil::postgres
