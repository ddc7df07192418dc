// `sigil admin backup|restore`'s format: a folder with the database copy, the audit trail as is,
// the two key files sealed (AES-256-GCM) under a key derived from a passphrase with scrypt, and
// manifest.json listing every file with its SHA-256 (the manifest itself carries an HMAC under
// the passphrase's key). Pure functions of their inputs and the file system; thread-compatible.
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
  int format = 1;
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

// What a backup holds besides the database.
struct BackupSources {
  // Writes the database copy at the given path (a new file).
  std::function<Status(const std::string& path)> write_database;
  int schema_version = 0;
  std::string master_key;    // the master key file's text (base64 and a newline)
  std::string session_keys;  // the session-token key ring file's text
  std::string audit_dir;     // copied as is when it exists; "" for none
};

// Writes a backup into `dir`: created 0700 when absent, refused (kAlreadyExists) when it holds
// anything. Files are 0600: sigil.db, master.key.sealed, session-token.keys.sealed, audit/...,
// manifest.json (written last). kInvalidArgument for an empty passphrase.
Status WriteBackup(const BackupSources& sources, const std::string& dir,
                   std::string_view passphrase, RandomSource& random, TimePoint now);

// Restores the backup in `dir` into a new data folder `data_dir` (created 0700; refused,
// kAlreadyExists, when it exists and is not empty). Checks every listed file's SHA-256
// (kFailedPrecondition naming the file), opens the keys with the passphrase (kPermissionDenied
// "wrong passphrase") and the manifest's HMAC before writing anything. Writes sigil.db, master.key
// and session-token.keys (0600) and audit/.
Status RestoreBackup(const std::string& dir, std::string_view passphrase,
                     const std::string& data_dir);

}  // namespace sigil::cli
