// The PostgreSQL server the store tests run against: $SIGIL_TEST_PG when set (a key=value libpq
// connection string, e.g. a CI service), else a throwaway cluster this process starts on first
// use with scripts/pg-test-cluster.sh and stops when the tests end (a watcher stops it should the
// process die first). Test-only; thread-safe.
#pragma once

#include <string>

#include "common/status.h"

namespace sigil::postgres_test {

// The test server's connection string. kUnavailable (with the script's output on stderr) when
// the throwaway cluster cannot be started, e.g. the postgresql package is not installed.
StatusOr<std::string> ServerConninfo();

// A new, empty schema on the test server; the returned connection string makes it the first
// on search_path, so a store opened with it sees only its own tables. Its name goes to
// `*schema` when given. Schemas are dropped when the tests end.
StatusOr<std::string> FreshSchema(std::string* schema = nullptr);

// A schema shared by the calls of this process, migrated by `migrate` (which receives its
// connection string) on the first call and emptied of every row on each later call, except
// schema_migrations'. Much faster than FreshSchema plus a migration: creating tables costs
// tens of milliseconds each on a busy disk. Not for tests that run concurrently.
StatusOr<std::string> EmptiedSharedSchema(Status (*migrate)(const std::string& conninfo));

// `conninfo` with `key=value` appended (a later key overrides an earlier one).
std::string WithOption(const std::string& conninfo, const std::string& key,
                       const std::string& value);

}  // namespace sigil::postgres_test
