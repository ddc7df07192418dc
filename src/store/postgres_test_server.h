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

// `conninfo` with `key=value` appended (a later key overrides an earlier one).
std::string WithOption(const std::string& conninfo, const std::string& key,
                       const std::string& value);

}  // namespace sigil::postgres_test
