// The EC2 store on SQLite: its own connection to the metadata store's database file (WAL lets
// it write beside the identity connection), behind a mutex. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "store/ec2_store.h"

namespace sigil {

// Opens the database at `path`, which SqliteMetadataStore::Open has already migrated.
// kFailedPrecondition when its schema predates the EC2 tables.
StatusOr<std::unique_ptr<Ec2Store>> OpenSqliteEc2Store(const std::string& path);

}  // namespace sigil
