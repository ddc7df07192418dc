// The database side of `sigil admin backup|restore`: a consistent snapshot of the metadata store
// together with the blob ids that same snapshot names (SQLite: the online backup API, then the
// copy read back; PostgreSQL: an exported snapshot that pg_dump adopts), and loading a pg_dump
// archive into an empty database. pg_dump and pg_restore (Debian's postgresql-client) run as
// child processes without a shell; a connection string's password reaches them in PGPASSWORD,
// never on a command line, and appears in no message. Thread-compatible.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "store/sqlite_metadata_store.h"

namespace sigil::cli {

// Copies the SQLite database of `store` into the new file `path` (SQLiteMetadataStore::BackupTo)
// and returns the blob ids the copy's objects and upload parts name.
StatusOr<std::vector<std::string>> SnapshotSqlite(SqliteMetadataStore& store,
                                                  const std::string& path);

// Exports a snapshot of the PostgreSQL database `conninfo` names, reads the blob ids it names,
// and has pg_dump write the same snapshot into `path` (custom format). kNotFound when pg_dump is
// not installed; kInternal with pg_dump's message when it fails (e.g. a server newer than it);
// the store's errors otherwise (kUnavailable when unreachable).
StatusOr<std::vector<std::string>> SnapshotPostgres(const std::string& conninfo,
                                                    const std::string& path);

// kFailedPrecondition when the database `conninfo` names holds any table, view, sequence or
// other relation outside the system schemas: a restore needs a new, empty database.
Status CheckPostgresEmpty(const std::string& conninfo);

// Loads the archive at `path` into the database `conninfo` names with pg_restore, in one
// transaction (nothing is left on failure), objects owned by the connecting user and no
// GRANTs (--no-owner --no-privileges). kNotFound when pg_restore is not installed; kInternal
// with its message when it fails.
Status RestorePostgres(const std::string& conninfo, const std::string& path);

}  // namespace sigil::cli
