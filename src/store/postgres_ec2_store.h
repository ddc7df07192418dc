// The EC2 store on PostgreSQL: its own connection to the metadata store's database, behind a
// mutex; every write is SERIALIZABLE and retried on conflicts with other nodes. Thread-safe.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "store/ec2_store.h"

namespace sigil {

// Connects with `conninfo` (which may hold a password: never in a message) to a database that
// PostgresMetadataStore::Open has already migrated. kFailedPrecondition when its schema
// predates the EC2 tables; kUnavailable when the server cannot be reached.
StatusOr<std::unique_ptr<Ec2Store>> OpenPostgresEc2Store(const std::string& conninfo);

}  // namespace sigil
