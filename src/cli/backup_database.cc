#include "cli/backup_database.h"

#include <memory>

#include "cli/child_process.h"
#include "common/crypto.h"
#include "common/strings.h"
#include "store/postgres_db.h"
#include "store/sql_database.h"
#include "store/sql_object_store.h"

namespace sigil::cli {

namespace {

// The longest part of a tool's stderr quoted in an error.
constexpr size_t kMaxQuotedStderr = 2000;

// Runs a PostgreSQL client tool against `conninfo`: the password goes in PGPASSWORD, everything
// else in --dbname (always given, so pg_restore never falls back to printing a script).
Status RunPgTool(std::vector<std::string> argv, const std::string& conninfo) {
  SIGIL_ASSIGN_OR_RETURN(postgres::ConninfoParts parts, postgres::SplitConninfoPassword(conninfo));
  const std::string tool = argv[0];
  argv.push_back("--no-password");  // never prompt on a terminal
  argv.push_back("--dbname=" + parts.without_password);
  std::vector<std::string> env;
  if (!parts.password.empty()) env.push_back("PGPASSWORD=" + parts.password);
  SecureWipe(parts.password);
  auto run = RunChild(argv, env);
  for (std::string& e : env) SecureWipe(e);
  if (!run.ok()) {
    if (run.status().code() == StatusCode::kNotFound) {
      return NotFoundError(tool +
                           " is not installed (Debian's postgresql-client package provides it)");
    }
    return run.status();
  }
  if (run->exit_code != 0) {
    std::string message(TrimWhitespace(run->stderr_text));
    if (message.size() > kMaxQuotedStderr) message = message.substr(0, kMaxQuotedStderr) + "...";
    return InternalError(tool + " failed (exit status " + std::to_string(run->exit_code) +
                         "): " + message);
  }
  return OkStatus();
}

}  // namespace

StatusOr<std::vector<std::string>> SnapshotSqlite(SqliteMetadataStore& store,
                                                  const std::string& path) {
  SIGIL_RETURN_IF_ERROR(store.BackupTo(path));
  // Read-only: the copy's bytes are what the manifest's hash covers.
  SIGIL_ASSIGN_OR_RETURN(std::unique_ptr<SqlDatabase> copy, OpenSqliteDatabaseReadOnly(path));
  SIGIL_ASSIGN_OR_RETURN(std::unique_ptr<SqlObjectStore> objects,
                         SqlObjectStore::Open(std::move(copy)));
  return objects->ReferencedBlobIds();
}

StatusOr<std::vector<std::string>> SnapshotPostgres(const std::string& conninfo,
                                                    const std::string& path) {
  SIGIL_ASSIGN_OR_RETURN(ExportedPostgresSnapshot snapshot, ExportPostgresSnapshot(conninfo));
  const std::string snapshot_id = snapshot.snapshot_id;
  SIGIL_ASSIGN_OR_RETURN(std::unique_ptr<SqlObjectStore> objects,
                         SqlObjectStore::Open(std::move(snapshot.db)));
  SIGIL_ASSIGN_OR_RETURN(std::vector<std::string> ids, objects->ReferencedBlobIds());
  // While `objects` holds the exporting transaction open, pg_dump can adopt its snapshot.
  SIGIL_RETURN_IF_ERROR(RunPgTool(
      {"pg_dump", "--format=custom", "--snapshot=" + snapshot_id, "--file=" + path}, conninfo));
  return ids;
}

Status CheckPostgresEmpty(const std::string& conninfo) {
  SIGIL_ASSIGN_OR_RETURN(postgres::Db db, postgres::Db::Connect(conninfo));
  SIGIL_ASSIGN_OR_RETURN(
      postgres::Result rows,
      db.Exec("SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n "
              "ON n.oid = c.relnamespace "
              "WHERE n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'"));
  SIGIL_ASSIGN_OR_RETURN(int64_t relations, rows.Int64(0, 0));
  if (relations != 0) {
    return FailedPreconditionError(
        "the database " + db.Describe() + " is not empty (it holds " + std::to_string(relations) +
        " tables, indexes, sequences or views); restore into a new, empty database (createdb)");
  }
  return OkStatus();
}

Status RestorePostgres(const std::string& conninfo, const std::string& path) {
  return RunPgTool({"pg_restore", "--exit-on-error", "--single-transaction", "--no-owner",
                    "--no-privileges", path},
                   conninfo);
}

}  // namespace sigil::cli
