#include "cli/database_option.h"

#include <utility>

#include "store/postgres_db.h"
#include "store/postgres_metadata_store.h"
#include "store/sql_database.h"
#include "store/sql_ec2_store.h"
#include "store/sql_object_store.h"
#include "store/sqlite_metadata_store.h"

namespace sigil::cli {
namespace {

// Each node's PostgreSQL connections for EC2 (the object store keeps its own default pool).
constexpr int kEc2Connections = 4;

bool StartsWith(const std::string& text, std::string_view prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

// Prefixes a store's error with what was being opened (which never holds a password).
Status Opening(const std::string& description, const Status& status) {
  return Status(status.code(), description + ": " + status.message());
}

}  // namespace

void AddDatabaseOption(CLI::App* command, std::string* database) {
  command
      ->add_option("--database", *database,
                   "The metadata store: sqlite (DATA_DIR/sigil.db, one node), or a PostgreSQL "
                   "database shared by several nodes: a postgresql:// URI, a libpq key=value "
                   "string, or 'postgresql' to take everything from the PG* environment "
                   "variables (PGPASSWORD or ~/.pgpass keep the password off the command line)")
      ->envname("SIGIL_DATABASE")
      ->capture_default_str();
}

StatusOr<DatabaseChoice> ParseDatabaseOption(const std::string& value) {
  if (value == "sqlite") return DatabaseChoice{.kind = DatabaseKind::kSqlite, .conninfo = ""};
  if (value == "postgresql" || value == "postgres") {
    return DatabaseChoice{.kind = DatabaseKind::kPostgres, .conninfo = ""};
  }
  const bool uri = StartsWith(value, "postgresql://") || StartsWith(value, "postgres://");
  if (!uri && value.find('=') == std::string::npos) {
    // Not quoted: a mistyped URI may still hold a password.
    return InvalidArgumentError(
        "must be sqlite, postgresql, a postgresql:// URI or a libpq key=value connection string");
  }
  // Checks the syntax now, so a typo is reported before anything starts.
  if (Status parsed = postgres::DescribeConninfo(value).status(); !parsed.ok()) {
    return InvalidArgumentError("the PostgreSQL connection string is malformed");
  }
  return DatabaseChoice{.kind = DatabaseKind::kPostgres, .conninfo = value};
}

StatusOr<OpenedStore> OpenStore(const DatabaseChoice& choice, const std::string& sqlite_path) {
  OpenedStore out;
  if (choice.kind == DatabaseKind::kSqlite) {
    out.description = "sqlite " + sqlite_path;
    auto store = SqliteMetadataStore::Open(sqlite_path);
    if (!store.ok()) return Opening(out.description, store.status());
    SqliteMetadataStore* sqlite = store->get();
    // The object and EC2 stores share the identity store's connection: a second connection's
    // commits would look like identity changes made elsewhere (SQLite's data_version).
    out.open_objects = [sqlite, sqlite_path]() -> StatusOr<std::unique_ptr<ObjectStore>> {
      SIGIL_ASSIGN_OR_RETURN(auto objects, SqlObjectStore::OpenSharingSqlite(*sqlite, sqlite_path));
      return std::unique_ptr<ObjectStore>(std::move(objects));
    };
    out.open_ec2 = [sqlite, sqlite_path]() {
      return OpenSqlEc2Store(SqliteDatabaseSharing(*sqlite, sqlite_path));
    };
    out.store = std::move(store).value();
    out.run_exclusively = [](const std::function<Status()>& step) { return step(); };
    return out;
  }
  auto given = postgres::DescribeConninfo(choice.conninfo);
  if (!given.ok()) return given.status();
  out.description = "postgresql " + (given->empty() ? std::string("(from PG* variables)") : *given);
  auto store = PostgresMetadataStore::Open(choice.conninfo);
  if (!store.ok()) return Opening(out.description, store.status());
  PostgresMetadataStore* postgres = store->get();
  out.description = "postgresql " + postgres->Describe();  // what libpq actually connected to
  out.shared = true;
  out.run_exclusively = [postgres](const std::function<Status()>& step) {
    return postgres->RunExclusively(step);
  };
  out.open_objects = [conninfo = choice.conninfo]() -> StatusOr<std::unique_ptr<ObjectStore>> {
    SIGIL_ASSIGN_OR_RETURN(auto objects, SqlObjectStore::OpenPostgres(conninfo));
    return std::unique_ptr<ObjectStore>(std::move(objects));
  };
  out.open_ec2 = [conninfo = choice.conninfo]() -> StatusOr<std::unique_ptr<Ec2Store>> {
    SIGIL_ASSIGN_OR_RETURN(std::unique_ptr<SqlDatabase> db,
                           ConnectPostgresDatabase(conninfo, kEc2Connections));
    return OpenSqlEc2Store(std::move(db));
  };
  out.store = std::move(store).value();
  return out;
}

}  // namespace sigil::cli
