// The one implementation of Ec2Store, in SQL both backends accept, over the little a backend
// must provide: run a body in a transaction (SqlTransactor) and, inside it, run statements with
// positional parameters written ?1, ?2, ... (SqlSession). SQLite and PostgreSQL adapters live in
// sqlite_ec2_store.* and postgres_ec2_store.*. Thread-safe when the transactor is.
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
#include "store/ec2_store.h"

namespace sigil {

using SqlValue = std::variant<std::nullopt_t, int64_t, std::string>;
// Rows of text columns (SQL NULL reads as "").
using SqlRows = std::vector<std::vector<std::string>>;

// Statements inside one transaction. A unique-constraint violation is kAlreadyExists.
class SqlSession {
 public:
  virtual ~SqlSession() = default;
  virtual StatusOr<SqlRows> Query(std::string_view sql, const std::vector<SqlValue>& args) = 0;
  // The number of rows changed.
  virtual StatusOr<int64_t> Execute(std::string_view sql, const std::vector<SqlValue>& args) = 0;
};

class SqlTransactor {
 public:
  virtual ~SqlTransactor() = default;
  // Runs `body` in a transaction that commits when it returns OK and rolls back otherwise. A
  // backend may run `body` again after a transient conflict, so it must start from scratch.
  virtual Status Transact(bool write, const std::function<Status(SqlSession&)>& body) = 0;
};

// Requires the schema of migration 4 (the caller opened the metadata store first, which
// migrates). kFailedPrecondition when the database is older.
StatusOr<std::unique_ptr<Ec2Store>> MakeSqlEc2Store(std::unique_ptr<SqlTransactor> transactor);

}  // namespace sigil
