// The one implementation of Ec2Store, written once over SqlDatabase (PostgreSQL's spelling; the
// SQLite side rewrites it), so the same statements run on SQLite and PostgreSQL. The schema is
// the metadata store's (migration 5): open the MetadataStore on the same database first, which
// migrates it. Thread-safe, as SqlDatabase is.
//
// A server opens it as it opens the object store (OpenedStore::open_ec2 in
// cli/database_option.h): on SQLite, on the metadata store's own connection, so EC2 writes do
// not look like identity changes made elsewhere.
#pragma once

#include <memory>

#include "common/status.h"
#include "store/ec2_store.h"
#include "store/sql_database.h"

namespace sigil {

// Over `db`, whose schema must be at LatestSchemaVersion() (kFailedPrecondition otherwise, e.g.
// when no metadata store has migrated it yet; see CheckMigrated).
StatusOr<std::unique_ptr<Ec2Store>> OpenSqlEc2Store(std::unique_ptr<SqlDatabase> db);

}  // namespace sigil
