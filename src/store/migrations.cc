#include "store/migrations.h"

namespace sigil {

// Conventions: timestamps are BIGINT Unix milliseconds named *_ms; ids are TEXT; binary values
// are stored base64-encoded in TEXT (PostgreSQL TEXT cannot hold NUL bytes); child tables
// reference their parent by id with ON DELETE CASCADE only where the child is owned data
// (tags, usage), never where a delete must be refused (a user's access keys).
const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> kMigrations = {
      {1,
       "accounts, users with tags, access keys and their last use",
       {
           "CREATE TABLE accounts ("
           " account_id TEXT NOT NULL PRIMARY KEY,"
           " name TEXT NOT NULL,"
           " created_ms BIGINT NOT NULL)",

           "CREATE TABLE users ("
           " user_id TEXT NOT NULL PRIMARY KEY,"
           " account_id TEXT NOT NULL REFERENCES accounts (account_id),"
           " name TEXT NOT NULL,"
           " path TEXT NOT NULL,"
           " created_ms BIGINT NOT NULL,"
           // Lets access_keys reference (account_id, user_id), so a key cannot name a user
           // of another account.
           " UNIQUE (account_id, user_id))",

           // IAM names are ASCII and unique per account regardless of case.
           "CREATE UNIQUE INDEX users_account_name ON users (account_id, lower(name))",

           "CREATE TABLE user_tags ("
           " user_id TEXT NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,"
           " position INTEGER NOT NULL,"
           " tag_key TEXT NOT NULL,"
           " tag_value TEXT NOT NULL,"
           " PRIMARY KEY (user_id, position))",

           "CREATE TABLE access_keys ("
           " access_key_id TEXT NOT NULL PRIMARY KEY,"
           " account_id TEXT NOT NULL REFERENCES accounts (account_id),"
           " user_id TEXT,"  // NULL for the account's root credentials
           " status TEXT NOT NULL CHECK (status IN ('Active', 'Inactive')),"
           " created_ms BIGINT NOT NULL,"
           " sealed_secret TEXT NOT NULL,"  // base64 of the SecretBox output
           " FOREIGN KEY (account_id, user_id) REFERENCES users (account_id, user_id))",

           // Serves the foreign-key check and the has-keys check when a user is deleted.
           "CREATE INDEX access_keys_user ON access_keys (account_id, user_id)",

           "CREATE TABLE access_key_usage ("
           " access_key_id TEXT NOT NULL PRIMARY KEY"
           "  REFERENCES access_keys (access_key_id) ON DELETE CASCADE,"
           " last_used_ms BIGINT NOT NULL,"
           " region TEXT NOT NULL,"
           " service TEXT NOT NULL)",
       }},
  };
  return kMigrations;
}

int LatestSchemaVersion() { return Migrations().back().version; }

}  // namespace sigil
