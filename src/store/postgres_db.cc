#include "store/postgres_db.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <random>
#include <thread>
#include <utility>

namespace sigil::postgres {
namespace {

// Drops server notices (e.g. "relation ... already exists, skipping"); libpq's default prints
// them on stderr.
void IgnoreNotice(void* /*arg*/, const char* /*message*/) {}

// libpq's message on one line: its trailing newline dropped, and the line breaks (with the tab
// that indents a hint) inside it turned into "; ", so that a log line stays one line.
std::string TrimmedMessage(const char* message) {
  std::string text;
  bool line_break = false;
  for (const char* c = message != nullptr ? message : ""; *c != '\0'; ++c) {
    if (*c == '\n') {
      line_break = true;
    } else if (line_break && (*c == '\t' || *c == ' ')) {
      continue;
    } else {
      if (line_break && !text.empty()) text += "; ";
      line_break = false;
      text += *c;
    }
  }
  while (!text.empty() && text.back() == ' ') text.pop_back();
  return text.empty() ? "unknown error" : text;
}

// The one place libpq failures become Status. `result` is the failed call's result (nullptr
// when libpq could not produce one, e.g. out of memory or the connection broke mid-call).
// Only the primary message is used: PostgreSQL's DETAIL can quote whole rows, and rows hold
// sealed secrets.
Status ToStatus(PGconn* conn, const PGresult* result, bool* retryable) {
  *retryable = false;
  const char* sqlstate_field =
      result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const std::string sqlstate = sqlstate_field != nullptr ? sqlstate_field : "";
  const char* primary =
      result != nullptr ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string message =
      "postgres: " + TrimmedMessage(primary != nullptr ? primary : PQerrorMessage(conn));
  if (!sqlstate.empty()) message += " (SQLSTATE " + sqlstate + ")";

  if (conn == nullptr || PQstatus(conn) == CONNECTION_BAD) {
    return UnavailableError(message + "; the connection to the server was lost");
  }
  if (sqlstate == "23505") return AlreadyExistsError(std::move(message));       // unique_violation
  if (sqlstate == "23503") return FailedPreconditionError(std::move(message));  // foreign_key
  if (sqlstate == "40001" || sqlstate == "40P01") {  // serialization_failure, deadlock_detected
    *retryable = true;
    return UnavailableError(std::move(message));
  }
  const std::string_view sqlclass = std::string_view(sqlstate).substr(0, 2);
  // Connection exceptions; operator intervention (shutdown, cancel, statement timeout);
  // insufficient resources (too many connections, disk full); lock not available.
  if (sqlclass == "08" || sqlclass == "57" || sqlclass == "53" || sqlstate == "55P03") {
    return UnavailableError(std::move(message));
  }
  // Data exceptions: a value PostgreSQL cannot store, e.g. bytes that are not UTF-8.
  if (sqlclass == "22") return InvalidArgumentError(std::move(message));
  // Other constraint violations, undefined tables, syntax errors: a bug in our SQL or a schema
  // that is not ours.
  return InternalError(std::move(message));
}

// The server's text form of an integer is ASCII decimal; parse it strictly. The message does
// not quote the text: a column read as an integer by mistake may hold a sealed secret.
StatusOr<int64_t> ParseInt64(std::string_view text) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return InternalError("postgres: expected an integer in a result column");
  }
  return value;
}

}  // namespace

StatusOr<std::string> DescribeConninfo(const std::string& conninfo) {
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &parse_error);
  if (options == nullptr) {
    PQfreemem(parse_error);  // may quote the string, which may hold a password
    return InvalidArgumentError("postgres: malformed connection string");
  }
  std::string out;
  for (std::string_view key : {"host", "hostaddr", "port", "dbname", "user"}) {
    for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
      if (key == o->keyword && o->val != nullptr && *o->val != '\0') {
        if (!out.empty()) out += ' ';
        out += std::string(key) + "=" + o->val;
      }
    }
  }
  PQconninfoFree(options);
  return out;
}

StatusOr<ConninfoParts> SplitConninfoPassword(const std::string& conninfo) {
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &parse_error);
  if (options == nullptr) {
    PQfreemem(parse_error);  // may quote the string, which may hold a password
    return InvalidArgumentError("postgres: malformed connection string");
  }
  ConninfoParts out;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr) continue;  // not set by the string (defaults are not filled in)
    if (std::string_view(o->keyword) == "password") {
      out.password = o->val;
      continue;
    }
    // libpq's quoting: single quotes, with backslash escaping ' and \.
    std::string quoted = "'";
    for (const char* c = o->val; *c != '\0'; ++c) {
      if (*c == '\'' || *c == '\\') quoted += '\\';
      quoted += *c;
    }
    quoted += "'";
    if (!out.without_password.empty()) out.without_password += ' ';
    out.without_password += std::string(o->keyword) + "=" + quoted;
  }
  PQconninfoFree(options);
  return out;
}

// ---- Result

void Result::Deleter::operator()(pg_result* result) const { PQclear(result); }

Result::~Result() = default;

int Result::Rows() const { return PQntuples(result_.get()); }
int Result::Columns() const { return PQnfields(result_.get()); }

std::string Result::CommandTag() const { return PQcmdStatus(result_.get()); }

int64_t Result::AffectedRows() const {
  const char* tuples = PQcmdTuples(result_.get());
  auto parsed = ParseInt64(tuples != nullptr ? tuples : "");
  return parsed.ok() ? *parsed : 0;  // "" for statements that affect no rows
}

std::string Result::Text(int row, int column) const {
  return std::string(PQgetvalue(result_.get(), row, column),
                     static_cast<size_t>(PQgetlength(result_.get(), row, column)));
}

bool Result::IsNull(int row, int column) const {
  return PQgetisnull(result_.get(), row, column) == 1;
}

StatusOr<int64_t> Result::Int64(int row, int column) const {
  return ParseInt64(std::string_view(PQgetvalue(result_.get(), row, column),
                                     static_cast<size_t>(PQgetlength(result_.get(), row, column))));
}

// ---- Db

StatusOr<Db> Db::Connect(const std::string& conninfo) {
  // Parse first, so a malformed string is the caller's error (libpq's parse message may quote
  // the string, which can hold a password, so it is not passed on).
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &parse_error);
  if (options == nullptr) {
    PQfreemem(parse_error);
    return InvalidArgumentError("postgres: malformed connection string");
  }
  PQconninfoFree(options);

  Db db(PQconnectdb(conninfo.c_str()));  // owns the handle even when the connection failed
  if (db.conn_ == nullptr) return UnavailableError("postgres: out of memory connecting");
  if (PQstatus(db.conn_) != CONNECTION_OK) {
    return UnavailableError("postgres: cannot connect: " +
                            TrimmedMessage(PQerrorMessage(db.conn_)));
  }
  SIGIL_RETURN_IF_ERROR(db.Configure());
  return db;
}

Db::Db(Db&& other) noexcept
    : conn_(std::exchange(other.conn_, nullptr)),
      statement_names_(std::move(other.statement_names_)),
      last_error_retryable_(other.last_error_retryable_) {}

Db& Db::operator=(Db&& other) noexcept {
  if (this != &other) {
    Close();
    conn_ = std::exchange(other.conn_, nullptr);
    statement_names_ = std::move(other.statement_names_);
    last_error_retryable_ = other.last_error_retryable_;
  }
  return *this;
}

Db::~Db() { Close(); }

void Db::Close() {
  // Closing the connection ends its session: open transactions roll back and prepared
  // statements go with it.
  if (conn_ != nullptr) PQfinish(conn_);
  conn_ = nullptr;
  statement_names_.clear();
}

StatusOr<Result> Db::Check(pg_result* raw) {
  Result result(raw);
  const ExecStatusType status = raw != nullptr ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    last_error_retryable_ = false;
    return result;
  }
  if (raw != nullptr && status != PGRES_FATAL_ERROR && status != PGRES_NONFATAL_ERROR) {
    // COPY or another mode this layer never starts.
    last_error_retryable_ = false;
    return InternalError(std::string("postgres: unexpected result status ") + PQresStatus(status));
  }
  return ToStatus(conn_, raw, &last_error_retryable_);
}

StatusOr<Result> Db::Exec(std::string_view sql) {
  return Check(PQexec(conn_, std::string(sql).c_str()));
}

StatusOr<Result> Db::QueryParams(std::string_view sql, const std::vector<Param>& params) {
  std::vector<Oid> types;
  std::vector<const char*> values;
  types.reserve(params.size());
  values.reserve(params.size());
  std::string key;
  for (const Param& param : params) {
    if (param.text && param.text->find('\0') != std::string::npos) {
      // libpq sends text parameters as C strings: the value would be cut short silently.
      return InvalidArgumentError("postgres: text with a NUL byte, which PostgreSQL cannot store");
    }
    types.push_back(param.type_oid);
    values.push_back(param.text ? param.text->c_str() : nullptr);
    key += std::to_string(param.type_oid) + ",";
  }
  key += sql;

  auto it = statement_names_.find(key);
  if (it == statement_names_.end()) {
    const std::string name = "sigil_" + std::to_string(statement_names_.size() + 1);
    SIGIL_RETURN_IF_ERROR(Check(PQprepare(conn_, name.c_str(), std::string(sql).c_str(),
                                          static_cast<int>(types.size()), types.data()))
                              .status());
    it = statement_names_.emplace(std::move(key), name).first;
  }
  return Check(PQexecPrepared(conn_, it->second.c_str(), static_cast<int>(values.size()),
                              values.data(), /*paramLengths=*/nullptr, /*paramFormats=*/nullptr,
                              /*resultFormat=text*/ 0));
}

bool Db::ConnectionLost() const { return conn_ == nullptr || PQstatus(conn_) == CONNECTION_BAD; }

Status Db::Reset() {
  statement_names_.clear();  // they died with the old session
  last_error_retryable_ = false;
  if (conn_ == nullptr) return UnavailableError("postgres: no connection");
  PQreset(conn_);
  if (PQstatus(conn_) != CONNECTION_OK) {
    return UnavailableError("postgres: cannot reconnect: " + TrimmedMessage(PQerrorMessage(conn_)));
  }
  return Configure();
}

Status Db::Configure() {
  PQsetNoticeProcessor(conn_, IgnoreNotice, nullptr);
  if (PQsetClientEncoding(conn_, "UTF8") != 0) {
    return InternalError("postgres: cannot set the client encoding to UTF8: " +
                         TrimmedMessage(PQerrorMessage(conn_)));
  }
  // The server's default, but a database, role or connection option may have turned it off,
  // and then an acknowledged write could be lost in a crash.
  return Exec("SET synchronous_commit = on").status();
}

bool Db::InTransaction() const {
  if (conn_ == nullptr) return false;
  const PGTransactionStatusType status = PQtransactionStatus(conn_);
  return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
}

int Db::BackendPid() const { return conn_ != nullptr ? PQbackendPID(conn_) : 0; }

std::string Db::Describe() const {
  if (conn_ == nullptr) return "(no connection)";
  auto field = [](const char* value) { return value != nullptr ? std::string(value) : ""; };
  return "host=" + field(PQhost(conn_)) + " port=" + field(PQport(conn_)) +
         " dbname=" + field(PQdb(conn_)) + " user=" + field(PQuser(conn_));
}

StatusOr<std::vector<Notification>> Db::TakeNotifications() {
  if (conn_ == nullptr) return UnavailableError("postgres: no connection");
  // libpq's socket is non-blocking: PQconsumeInput reads only what has already arrived. It
  // stops after one read, though, and a server that ended the session sent a last message and
  // then closed: read on while the socket stays readable (bounded), so the closing is seen now
  // rather than at the next call.
  for (int reads = 0; reads < 16; ++reads) {
    if (PQconsumeInput(conn_) == 0 || PQstatus(conn_) == CONNECTION_BAD) {
      return UnavailableError("postgres: " + TrimmedMessage(PQerrorMessage(conn_)) +
                              "; the connection to the server was lost");
    }
    pollfd socket{.fd = PQsocket(conn_), .events = POLLIN, .revents = 0};
    if (socket.fd < 0 || poll(&socket, 1, /*timeout_ms=*/0) <= 0) break;
  }
  std::vector<Notification> out;
  while (PGnotify* n = PQnotifies(conn_)) {
    out.push_back(Notification{.channel = n->relname != nullptr ? n->relname : "",
                               .payload = n->extra != nullptr ? n->extra : ""});
    PQfreemem(n);
  }
  return out;
}

// ---- Transaction

StatusOr<Transaction> Transaction::Begin(Db& db, Mode mode) {
  std::string_view sql;
  switch (mode) {
    case Mode::kSerializable:
      sql = "BEGIN ISOLATION LEVEL SERIALIZABLE";
      break;
    case Mode::kReadOnlySnapshot:
      sql = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
      break;
    case Mode::kReadCommitted:
      sql = "BEGIN ISOLATION LEVEL READ COMMITTED";
      break;
  }
  SIGIL_RETURN_IF_ERROR(db.Exec(sql).status());
  return Transaction(&db);
}

Transaction::~Transaction() {
  // Also ends a transaction the server already aborted after an error; nothing to do when the
  // connection is gone (the server rolled back with the session).
  if (db_ != nullptr && db_->InTransaction() && !db_->ConnectionLost()) {
    static_cast<void>(db_->Exec("ROLLBACK"));
  }
}

Status Transaction::Commit() {
  // Whatever COMMIT answers, the transaction is over: committed, or rolled back by the server.
  Db* db = std::exchange(db_, nullptr);
  SIGIL_ASSIGN_OR_RETURN(Result result, db->Exec("COMMIT"));
  // COMMIT of a transaction the server had aborted "succeeds" with the tag ROLLBACK; never
  // report that as a commit. (Callers return on the first error, so this guards against bugs.)
  if (result.CommandTag() != "COMMIT") {
    return InternalError("postgres: the transaction had failed; COMMIT rolled it back");
  }
  return OkStatus();
}

namespace {

// How often RunTransaction runs a body that keeps losing to concurrent writers before giving up
// with kUnavailable.
constexpr int kMaxAttempts = 8;

// One try of RunTransaction; sets `*retry` when running `body` again is safe and may succeed.
Status Attempt(Db& db, Transaction::Mode mode, const std::function<Status(Db&)>& body,
               bool* retry) {
  *retry = false;
  if (db.ConnectionLost()) SIGIL_RETURN_IF_ERROR(db.Reset());
  auto txn = Transaction::Begin(db, mode);
  if (!txn.ok()) {
    *retry = db.ConnectionLost();  // nothing was sent but BEGIN
    return txn.status();
  }
  Status status = body(db);
  if (!status.ok()) {
    // Read while the transaction is still open: its rollback would clear the flag. A
    // connection lost before COMMIT rolled everything back on the server.
    *retry = db.LastErrorRetryable() || db.ConnectionLost();
    return status;
  }
  status = txn->Commit();
  // A connection lost during COMMIT may or may not have committed: not retried, since a second
  // run could report a conflict with its own first run.
  *retry = !status.ok() && db.LastErrorRetryable();
  return status;
}

}  // namespace

Status RunTransaction(Db& db, Transaction::Mode mode, const std::function<Status(Db&)>& body) {
  thread_local std::minstd_rand random(std::random_device{}());
  for (int attempt = 1;; ++attempt) {
    bool retry = false;
    Status status = Attempt(db, mode, body, &retry);
    if (status.ok() || !retry || attempt == kMaxAttempts) return status;
    // Randomized and growing, so two nodes that keep colliding drift apart.
    const int max_pause_ms = 1 << std::min(attempt, 6);
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::uniform_int_distribution<int>(0, max_pause_ms)(random)));
  }
}

}  // namespace sigil::postgres
