// The encrypted local vault: long-term keys by profile, the cache of temporary credentials and
// rotation journals, in one file sealed with XChaCha20-Poly1305 (libsodium) under a key derived
// from a passphrase with Argon2id, or from a key file with BLAKE2b. The header (KDF, its
// parameters and salt) is authenticated as associated data. An open Vault holds an exclusive
// lock on the file (flock on PATH.lock) until it is destroyed, so concurrent `sigil` processes
// take turns. Not thread-safe.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "client/aws_config.h"
#include "client/environment.h"
#include "common/status.h"

namespace sigil::client {

// Where the vault's key comes from, in this order: a key file, a passphrase file, a prompt.
struct VaultKeySource {
  std::string key_file;         // SIGIL_VAULT_KEY_FILE: 32 bytes or more of random data
  std::string passphrase_file;  // SIGIL_VAULT_PASSPHRASE_FILE: the passphrase's first line
  bool allow_prompt = true;     // ask on the terminal (only when stdin is one)
};
VaultKeySource VaultKeySourceFromEnv(const Environment& env);

// SIGIL_VAULT, else "sigil/vault" beside the AWS config file (~/.aws/sigil/vault).
std::string DefaultVaultPath(const Environment& env, const AwsFilePaths& paths);

// Argon2id cost. Interactive is libsodium's OPSLIMIT/MEMLIMIT_INTERACTIVE (64 MiB).
struct KdfCost {
  unsigned long long opslimit;
  size_t memlimit;
};
KdfCost InteractiveKdfCost();

class Vault {
 public:
  // Opens the vault at `path`, creating an empty one (folder 0700, file 0600) when it does not
  // exist and `create` is true. Errors: kNotFound when absent and !create ("run sigil configure
  // or sigil vault import first"); kPermissionDenied for a wrong passphrase or key file;
  // kFailedPrecondition when no key source is available (no terminal and no key file), or the
  // file is not a vault; kInvalidArgument for a passphrase shorter than 8 characters.
  static StatusOr<std::unique_ptr<Vault>> Open(const std::string& path,
                                               const VaultKeySource& source, bool create,
                                               KdfCost cost = InteractiveKdfCost());
  ~Vault();
  Vault(const Vault&) = delete;
  Vault& operator=(const Vault&) = delete;

  // The decrypted document: {"keys": {profile: {...}}, "sessions": {...}, "rotations": {...}}.
  nlohmann::json& data() { return data_; }
  const std::string& path() const { return path_; }

  // Seals the document under the same key (a fresh nonce) and writes it atomically (0600).
  Status Save();

 private:
  Vault() = default;
  std::string path_;
  int lock_fd_ = -1;
  std::string key_;  // 32 bytes, wiped on destruction
  nlohmann::json header_json_;
  nlohmann::json data_;
};

// Overwrites every string in `value` (secrets in a parsed document) and clears it.
void WipeJson(nlohmann::json& value);

}  // namespace sigil::client
