// `sigil admin backup|restore`'s format: a folder with the database snapshot, the object bytes
// (blobs) it names and the audit trail as they are, the two key files sealed (AES-256-GCM) under a
// key derived from a passphrase with scrypt, and manifest.json listing every file with its SHA-256
// (the manifest itself carries an HMAC under the passphrase's key). Pure functions of their inputs
// and the file system; thread-compatible.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/status.h"

namespace sigil::cli {

// scrypt's cost parameters, as recorded in the manifest.
struct KdfParams {
  uint64_t n = uint64_t{1} << 15;
  uint64_t r = 8;
  uint64_t p = 1;
  std::string salt;  // 16 random bytes
};

// The 32-byte backup key: scrypt(passphrase, salt, N, r, p). kInvalidArgument for an empty
// passphrase or parameters OpenSSL refuses (a tampered manifest asking for absurd memory).
StatusOr<SecretBox> DeriveBackupKey(std::string_view passphrase, const KdfParams& kdf);

struct ManifestFile {
  std::string path;    // relative to the backup folder, '/'-separated
  std::string sha256;  // lower-case hex of the file's bytes
};

struct Manifest {
  int format = 2;  // 2 added blobs/ and PostgreSQL; 1 is still read
  std::string database = "sqlite";
  int schema_version = 0;
  std::string created;  // ISO 8601 UTC
  KdfParams kdf;
  std::vector<ManifestFile> files;
};

// The manifest as JSON, with "hmac": HMAC-SHA256 under a key derived from `key` over the rest.
std::string ManifestToJson(const Manifest& manifest, const SecretBox& key);
// Parses manifest.json without checking its HMAC (the key needs the salt inside). kInvalidArgument
// when malformed, or when a listed path is absolute, has "..", or is not a plain relative path.
StatusOr<Manifest> ParseManifest(std::string_view json);
// kInvalidArgument "manifest.json was altered" when the HMAC does not match under `key`.
Status VerifyManifestMac(std::string_view json, const SecretBox& key);

// What a backup holds.
struct BackupSources {
  // "sqlite": the snapshot is a SQLite database file, restored as DATA_DIR/sigil.db;
  // "postgresql": a pg_dump archive (custom format), restored with pg_restore.
  std::string database = "sqlite";
  // Writes one consistent snapshot of the database at `path` (a new file) and returns the ids of
  // the blobs its rows name. Called again, after the file is removed, when one of those blobs was
  // deleted (an object overwritten or removed) before it could be copied.
  std::function<StatusOr<std::vector<std::string>>(const std::string& path)> snapshot_database;
  int schema_version = 0;
  std::string master_key;    // the master key file's text (base64 and a newline)
  std::string session_keys;  // the session-token key ring file's text
  std::string audit_dir;     // copied as is when it exists; "" for none
  std::string blob_dir;      // DATA_DIR/blobs, where the named blobs are copied from
};

// How many snapshots WriteBackup takes at most before giving up on a store whose objects are
// replaced faster than their blobs can be copied.
inline constexpr int kMaxSnapshotAttempts = 5;

// Writes a backup into `dir`: created 0700 when absent, refused (kAlreadyExists) when it holds
// anything. Files are 0600: sigil.db or database.pgdump, master.key.sealed,
// session-token.keys.sealed, audit/..., blobs/<ab>/<id> for exactly the blobs the snapshot names
// (streamed, never whole in memory), manifest.json (written last); each file is fsynced.
// kInvalidArgument for an empty passphrase; kUnavailable when, kMaxSnapshotAttempts times in a
// row, a blob the snapshot names was deleted before it was copied.
Status WriteBackup(const BackupSources& sources, const std::string& dir,
                   std::string_view passphrase, RandomSource& random, TimePoint now);

// Where a PostgreSQL backup's database goes (a SQLite backup's database is a file in the data
// folder and needs none of this).
struct DatabaseTarget {
  // Checks that the target can take the backup (an empty database); runs before anything is
  // written.
  std::function<Status()> check;
  // Loads the verified archive at `path` into the target.
  std::function<Status(const std::string& path)> load;
};

// Restores the backup in `dir` into a new data folder `data_dir` (refused, kAlreadyExists, when it
// exists and is not empty). Checks the passphrase (kPermissionDenied "wrong passphrase") and the
// manifest's HMAC before writing anything; a SQLite backup needs an empty `target`, a PostgreSQL
// one a full one (kFailedPrecondition otherwise), whose check runs next. Every file is then
// copied with its SHA-256 checked on the way (kFailedPrecondition naming a file that does not
// match), into a folder beside `data_dir` that is renamed to it at the end (into `data_dir`
// itself when it exists, empty), so a failed restore leaves nothing behind. Writes sigil.db (a
// SQLite backup), master.key and session-token.keys (0600), audit/ and blobs/; a PostgreSQL
// backup's archive is loaded with target.load after the files are in place.
Status RestoreBackup(const std::string& dir, std::string_view passphrase,
                     const std::string& data_dir, const DatabaseTarget& target = {});

}  // namespace sigil::cli
