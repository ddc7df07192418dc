// The versioned schema of the metadata and object stores: an ordered list of migration steps
// shared by every SQL backend (PostgreSQL verbatim, SQLite through SqliteDialect), so the SQL is
// written portably (TEXT, INTEGER, BIGINT; no backend-only types). Each backend's runner applies
// the steps newer than the version recorded in `schema_migrations`. Immutable data; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sigil {

struct Migration {
  int version;                               // 1, 2, 3, ... without gaps
  std::string_view description;              // one line, for logs
  std::vector<std::string_view> statements;  // one SQL statement each, applied in order
};

// Creates the table that records applied versions; runners execute it before reading the
// version. Idempotent.
inline constexpr std::string_view kCreateSchemaMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version BIGINT NOT NULL PRIMARY KEY,"
    " applied_at BIGINT NOT NULL)";  // Unix milliseconds

// Where the dialects differ, Sigil's SQL is written as PostgreSQL reads it: $1..$N placeholders,
// and COLLATE "C" for text compared and sorted by its bytes. This is the same text as SQLite
// reads it: ?1..?N, and COLLATE BINARY (SQLite's default, the same byte order). The SQLite
// runner passes every migration statement through it. Sigil's SQL has no '$' or COLLATE "C"
// inside string literals, which this rewrite would change too.
std::string SqliteDialect(std::string_view sql);

// All steps, in ascending version order. To change the schema, append a step; never edit one
// that has shipped.
const std::vector<Migration>& Migrations();

// The newest version this binary knows (the last step's version).
int LatestSchemaVersion();

// Readiness: OK when `recorded` (the version in schema_migrations) is LatestSchemaVersion();
// otherwise kFailedPrecondition saying whether migrations are missing or the database is newer.
Status CheckSchemaVersion(int64_t recorded);

}  // namespace sigil
