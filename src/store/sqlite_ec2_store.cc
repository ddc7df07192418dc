#include "store/sqlite_ec2_store.h"

#include <mutex>
#include <utility>

#include "store/sql_ec2_store.h"
#include "store/sqlite_db.h"

namespace sigil {
namespace {

class SqliteSession final : public SqlSession {
 public:
  explicit SqliteSession(sqlite::Db& db) : db_(db) {}

  StatusOr<SqlRows> Query(std::string_view sql, const std::vector<SqlValue>& args) override {
    SIGIL_ASSIGN_OR_RETURN(sqlite::Statement s, Bound(sql, args));
    SqlRows rows;
    SIGIL_RETURN_IF_ERROR(s.ForEachRow([&] {
      std::vector<std::string> row;
      for (int c = 0; c < s.ColumnCount(); ++c) row.push_back(s.ColumnText(c));
      rows.push_back(std::move(row));
      return OkStatus();
    }));
    return rows;
  }

  StatusOr<int64_t> Execute(std::string_view sql, const std::vector<SqlValue>& args) override {
    SIGIL_ASSIGN_OR_RETURN(sqlite::Statement s, Bound(sql, args));
    SIGIL_RETURN_IF_ERROR(s.Run());
    return db_.Changes();
  }

 private:
  StatusOr<sqlite::Statement> Bound(std::string_view sql, const std::vector<SqlValue>& args) {
    SIGIL_ASSIGN_OR_RETURN(sqlite::Statement s, db_.Prepare(sql));
    for (size_t i = 0; i < args.size(); ++i) {
      const int index = static_cast<int>(i) + 1;
      std::visit([&](const auto& v) { s.BindOne(index, v); }, args[i]);
    }
    return s;
  }

  sqlite::Db& db_;
};

class SqliteTransactor final : public SqlTransactor {
 public:
  explicit SqliteTransactor(sqlite::Db db) : db_(std::move(db)) {}

  Status Transact(bool write, const std::function<Status(SqlSession&)>& body) override {
    std::lock_guard lock(mu_);
    SIGIL_ASSIGN_OR_RETURN(sqlite::Transaction txn, write ? sqlite::Transaction::Begin(db_)
                                                          : sqlite::Transaction::BeginRead(db_));
    SqliteSession session(db_);
    SIGIL_RETURN_IF_ERROR(body(session));
    return txn.Commit();
  }

 private:
  std::mutex mu_;
  sqlite::Db db_;  // guarded by mu_
};

}  // namespace

StatusOr<std::unique_ptr<Ec2Store>> OpenSqliteEc2Store(const std::string& path) {
  SIGIL_ASSIGN_OR_RETURN(sqlite::Db db, sqlite::Db::Open(path));
  return MakeSqlEc2Store(std::make_unique<SqliteTransactor>(std::move(db)));
}

}  // namespace sigil
