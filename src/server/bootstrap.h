// First start and every start: the data folder's layout, the master key that seals secrets
// (kept in its own 0600 file, or given by environment, never in the database), and the first
// account with its root credentials file. Runs before the server accepts requests; not meant
// for concurrent use.
#pragma once

#include <optional>
#include <string>

#include "auth/session_token.h"
#include "common/crypto.h"
#include "common/status.h"
#include "identity/identity_service.h"

namespace sigil::server {

struct DataPaths {
  std::string dir;               // absolute
  std::string database;          // DIR/sigil.db
  std::string master_key;        // DIR/master.key unless overridden
  std::string root_credentials;  // DIR/root-credentials
  std::string session_keys;      // DIR/session-token.keys unless overridden
};

// Creates the data folder (0700) if needed and resolves the paths inside it. Refuses
// (kFailedPrecondition) an existing folder that group or others may read.
StatusOr<DataPaths> PrepareDataDir(const std::string& dir, const std::string& master_key_file);

// The master key: from `env_base64` when given (32 bytes, base64), else from `path`, created with
// 32 random bytes (mode 0600) when absent. Refuses a key file that group or others may read.
StatusOr<SecretBox> LoadOrCreateMasterKey(const std::string& path,
                                          const std::optional<std::string>& env_base64,
                                          RandomSource& random);

// The key ring that seals STS session tokens, kept apart from the database (as the master key
// is) so that every node holding the file verifies any node's tokens without a lookup. The file
// (mode 0600) has one key per line, "ID BASE64KEY", oldest first; the newest seals.
//
// Loads the ring from `path`, creating it with one random key when absent. Refuses a file that
// group or others may read, and a damaged one (kFailedPrecondition, saying how to fix it).
StatusOr<auth::SessionTokenSealer> LoadOrCreateSessionKeys(const std::string& path,
                                                           RandomSource& random);
// Appends a new random key (id = highest + 1) and drops keys beyond the newest `keep` (tokens
// sealed under a dropped key stop verifying: keep covers the longest session, 36 hours, when
// rotations are daily). Returns the new key's id. Servers pick it up when they next start.
StatusOr<uint32_t> RotateSessionKeys(const std::string& path, RandomSource& random,
                                     size_t keep = 3);

struct RootAccount {
  std::string account_id;
  bool created = false;              // the account was created by this start
  bool credentials_written = false;  // a new root key was written to the credentials file
  // Shared database only: the account was there already and this data folder has no
  // credentials file; the file is in the data folder of the node that created the account.
  bool credentials_elsewhere = false;
};

// Makes sure an account exists and that its root credentials file exists: on first start creates
// the account and a root access key and writes the file (AWS credentials format, [default]
// profile, mode 0600). If the file was lost, issues a new root key (AWS allows two) and writes it.
//
// With `shared_store` (several nodes on one database; run it under the store's start-up lock so
// that nodes starting together create one account between them) only the node that creates the
// account writes the file. A node that finds the account already there and no file in its own
// data folder issues no key (the other nodes' folders are not its to see): it reports
// credentials_elsewhere, unless the root user has no key at all (the creating node stopped
// before issuing one), in which case it issues the key and writes the file itself.
StatusOr<RootAccount> EnsureRootAccount(IdentityService& identity,
                                        const std::string& credentials_path,
                                        bool shared_store = false);

// For a node joining a shared database: the database's secrets are sealed under the master key
// of the node that created it, so a node must not make up a key of its own. kFailedPrecondition
// (saying what to copy) when the database already holds an account and no key is given: none in
// the environment (`key_in_environment` false) and no file at `master_key_path`. OK otherwise,
// including on an empty database (the first node creates the key). Reads the store once.
Status RequireMasterKeyToJoin(MetadataStore& store, const std::string& master_key_path,
                              bool key_in_environment);

// The root credentials file's text.
std::string RootCredentialsFile(const std::string& account_id, const std::string& key_id,
                                const std::string& secret);

}  // namespace sigil::server
