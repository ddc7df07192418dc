// The --database option shared by `sigil server` and `sigil admin`: which metadata store to open
// (SQLite in the data folder, or PostgreSQL shared by several nodes) and opening it. A
// PostgreSQL connection string may hold a password: nothing here prints it or puts it in a
// message or a description. Thread-compatible.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "store/ec2_store.h"
#include "store/metadata_store.h"
#include "store/object_store.h"

namespace sigil::cli {

// Registers --database (environment SIGIL_DATABASE) on `command`, default "sqlite".
void AddDatabaseOption(CLI::App* command, std::string* database);

enum class DatabaseKind { kSqlite, kPostgres };

struct DatabaseChoice {
  DatabaseKind kind = DatabaseKind::kSqlite;
  std::string conninfo;  // kPostgres: the libpq connection string; may hold a password
};

// Parses the option's value: "sqlite" (DATA_DIR/sigil.db); "postgresql" or "postgres" (a libpq
// connection made only from the PG* environment variables and libpq's defaults); a
// postgresql:// or postgres:// URI; or a libpq key=value string ("host=db dbname=sigil"). The
// PG* environment variables fill in whatever a URI or key=value string leaves out, as in every
// libpq program. kInvalidArgument, never quoting the value, for anything else or a string
// libpq cannot parse (callers print it after "--database: ").
StatusOr<DatabaseChoice> ParseDatabaseOption(const std::string& value);

struct OpenedStore {
  std::unique_ptr<MetadataStore> store;
  // Other nodes may use the same database (PostgreSQL): they share the accounts, and a root
  // credentials file is written only where the account was created.
  bool shared = false;
  // For the banner and messages: "sqlite PATH" or "postgresql host=... port=... dbname=...
  // user=..."; never a password.
  std::string description;
  // Runs a start-up step while no other node runs one (PostgreSQL: a database-wide advisory
  // lock; SQLite: simply runs it). Returns the step's status, or why the lock was not taken.
  std::function<Status(const std::function<Status()>&)> run_exclusively;
  // Open the S3 object store and the EC2 store on the same database (after the identity store
  // migrated it). On SQLite both share the identity store's connection, so their commits do not
  // look like identity changes made elsewhere; on PostgreSQL each has a small pool.
  std::function<StatusOr<std::unique_ptr<ObjectStore>>()> open_objects;
  std::function<StatusOr<std::unique_ptr<Ec2Store>>()> open_ec2;
};

// Opens (creating and migrating when needed) the chosen store: SQLite at `sqlite_path`, or the
// PostgreSQL database. Errors are the store's, prefixed with the description above.
StatusOr<OpenedStore> OpenStore(const DatabaseChoice& choice, const std::string& sqlite_path);

}  // namespace sigil::cli
