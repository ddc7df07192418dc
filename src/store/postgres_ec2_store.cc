#include "store/postgres_ec2_store.h"

#include <mutex>
#include <utility>

#include "store/postgres_db.h"
#include "store/sql_ec2_store.h"

namespace sigil {
namespace {


// The shared statements are written with ?N placeholders; PostgreSQL spells them $N.
std::string PostgresPlaceholders(std::string_view sql) {
  std::string out(sql);
  for (char& c : out) {
    if (c == '?') c = '$';
  }
  return out;
}

postgres::Param ToPgParam(const SqlValue& value) {
  return std::visit(
      [](const auto& v) -> postgres::Param {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::nullopt_t>) {
          return postgres::Param{std::nullopt, postgres::kTextOid};
        } else {
          return postgres::ToParam(v);
        }
      },
      value);
}

class PostgresSession final : public SqlSession {
 public:
  explicit PostgresSession(postgres::Db& db) : db_(db) {}

  StatusOr<SqlRows> Query(std::string_view sql, const std::vector<SqlValue>& args) override {
    SIGIL_ASSIGN_OR_RETURN(postgres::Result r, Run(sql, args));
    SqlRows rows;
    for (int i = 0; i < r.Rows(); ++i) {
      std::vector<std::string> row;
      for (int c = 0; c < r.Columns(); ++c) row.push_back(r.Text(i, c));
      rows.push_back(std::move(row));
    }
    return rows;
  }

  StatusOr<int64_t> Execute(std::string_view sql, const std::vector<SqlValue>& args) override {
    SIGIL_ASSIGN_OR_RETURN(postgres::Result r, Run(sql, args));
    return r.AffectedRows();
  }

 private:
  StatusOr<postgres::Result> Run(std::string_view sql, const std::vector<SqlValue>& args) {
    std::vector<postgres::Param> params;
    params.reserve(args.size());
    for (const SqlValue& v : args) params.push_back(ToPgParam(v));
    return db_.QueryParams(PostgresPlaceholders(sql), params);
  }

  postgres::Db& db_;
};

class PostgresTransactor final : public SqlTransactor {
 public:
  explicit PostgresTransactor(postgres::Db db) : db_(std::move(db)) {}

  Status Transact(bool write, const std::function<Status(SqlSession&)>& body) override {
    std::lock_guard lock(mu_);
    const auto mode = write ? postgres::Transaction::Mode::kSerializable
                            : postgres::Transaction::Mode::kReadOnlySnapshot;
    return postgres::RunTransaction(
        db_, mode,
        [&](postgres::Db& db) {
          PostgresSession session(db);
          return body(session);
        });
  }

 private:
  std::mutex mu_;
  postgres::Db db_;  // guarded by mu_
};

}  // namespace

StatusOr<std::unique_ptr<Ec2Store>> OpenPostgresEc2Store(const std::string& conninfo) {
  SIGIL_ASSIGN_OR_RETURN(postgres::Db db, postgres::Db::Connect(conninfo));
  return MakeSqlEc2Store(std::make_unique<PostgresTransactor>(std::move(db)));
}

}  // namespace sigil
