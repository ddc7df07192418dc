#include "client/vault.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>

#include "client/terminal.h"
#include "common/crypto.h"
#include "common/file_util.h"

namespace sigil::client {
namespace {

constexpr size_t kKeySize = crypto_aead_xchacha20poly1305_ietf_KEYBYTES;
constexpr size_t kSaltSize = crypto_pwhash_SALTBYTES;
constexpr size_t kMinPassphrase = 8;

std::string Random(size_t n) {
  std::string out(n, '\0');
  randombytes_buf(out.data(), n);
  return out;
}

std::string FirstLine(std::string text) {
  size_t nl = text.find('\n');
  std::string line = text.substr(0, nl);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  SecureWipe(text);
  return line;
}

// The passphrase for a new vault (asked twice) or an existing one (once).
StatusOr<std::string> ObtainPassphrase(const VaultKeySource& source, bool is_new,
                                       const std::string& path) {
  std::string passphrase;
  if (!source.passphrase_file.empty()) {
    SIGIL_ASSIGN_OR_RETURN(std::string text, ReadFile(source.passphrase_file));
    passphrase = FirstLine(std::move(text));
  } else if (source.allow_prompt && Interactive()) {
    SIGIL_ASSIGN_OR_RETURN(passphrase,
                           PromptSecret(is_new ? "New vault passphrase: " : "Vault passphrase: "));
    if (is_new) {
      SIGIL_ASSIGN_OR_RETURN(std::string again, PromptSecret("Repeat the passphrase: "));
      const bool same = ConstantTimeEquals(passphrase, again);
      SecureWipe(again);
      if (!same) {
        SecureWipe(passphrase);
        return InvalidArgumentError("the two passphrases differ; run the command again");
      }
    }
  } else {
    return FailedPreconditionError(
        "the vault " + path +
        " needs a key and there is no terminal to ask for a passphrase: set "
        "SIGIL_VAULT_PASSPHRASE_FILE or SIGIL_VAULT_KEY_FILE");
  }
  if (passphrase.size() < kMinPassphrase) {
    SecureWipe(passphrase);
    return InvalidArgumentError("the vault passphrase must have at least 8 characters");
  }
  return passphrase;
}

StatusOr<std::string> DeriveKey(const nlohmann::json& header, const VaultKeySource& source,
                                bool is_new, const std::string& path) {
  SIGIL_ASSIGN_OR_RETURN(std::string salt, Base64Decode(header.value("salt", "")));
  if (salt.size() != kSaltSize) return FailedPreconditionError(path + " has a damaged header");
  std::string key(kKeySize, '\0');
  const std::string kdf = header.value("kdf", "");
  if (kdf == "keyfile") {
    if (source.key_file.empty()) {
      return FailedPreconditionError("the vault " + path +
                                     " is locked with a key file: set SIGIL_VAULT_KEY_FILE");
    }
    SIGIL_ASSIGN_OR_RETURN(std::string material, ReadFile(source.key_file));
    if (material.size() < 32) {
      SecureWipe(material);
      return InvalidArgumentError("the vault key file " + source.key_file +
                                  " must hold at least 32 bytes (e.g. head -c 32 /dev/urandom)");
    }
    crypto_generichash(reinterpret_cast<unsigned char*>(key.data()), key.size(),
                       reinterpret_cast<const unsigned char*>(material.data()), material.size(),
                       reinterpret_cast<const unsigned char*>(salt.data()), salt.size());
    SecureWipe(material);
    return key;
  }
  if (kdf != "argon2id13") return FailedPreconditionError(path + " uses an unknown KDF " + kdf);
  if (!source.key_file.empty() && source.passphrase_file.empty()) {
    return FailedPreconditionError("the vault " + path +
                                   " is locked with a passphrase, not a key file: unset "
                                   "SIGIL_VAULT_KEY_FILE or set SIGIL_VAULT_PASSPHRASE_FILE");
  }
  SIGIL_ASSIGN_OR_RETURN(std::string passphrase, ObtainPassphrase(source, is_new, path));
  int rc =
      crypto_pwhash(reinterpret_cast<unsigned char*>(key.data()), key.size(), passphrase.data(),
                    passphrase.size(), reinterpret_cast<const unsigned char*>(salt.data()),
                    header.value("opslimit", 0ULL), header.value("memlimit", size_t{0}),
                    crypto_pwhash_ALG_ARGON2ID13);
  SecureWipe(passphrase);
  if (rc != 0) return Status(StatusCode::kResourceExhausted, "Argon2id ran out of memory");
  return key;
}

std::string AssociatedData(const nlohmann::json& header) {
  return "sigil-vault/1|" + header.value("kdf", "") + "|" +
         std::to_string(header.value("opslimit", 0ULL)) + "|" +
         std::to_string(header.value("memlimit", size_t{0})) + "|" + header.value("salt", "");
}

}  // namespace

VaultKeySource VaultKeySourceFromEnv(const Environment& env) {
  VaultKeySource source;
  source.key_file = env.GetNonEmpty("SIGIL_VAULT_KEY_FILE").value_or("");
  source.passphrase_file = env.GetNonEmpty("SIGIL_VAULT_PASSPHRASE_FILE").value_or("");
  return source;
}

std::string DefaultVaultPath(const Environment& env, const AwsFilePaths& paths) {
  if (auto p = env.GetNonEmpty("SIGIL_VAULT")) return ExpandHome(env, *p);
  return DirName(paths.config) + "/sigil/vault";
}

KdfCost InteractiveKdfCost() {
  return {crypto_pwhash_OPSLIMIT_INTERACTIVE, crypto_pwhash_MEMLIMIT_INTERACTIVE};
}

void WipeJson(nlohmann::json& value) {
  if (value.is_string()) {
    SecureWipe(value.get_ref<std::string&>());
  } else if (value.is_structured()) {
    for (auto& child : value) WipeJson(child);
  }
  value = nullptr;
}

StatusOr<std::unique_ptr<Vault>> Vault::Open(const std::string& path, const VaultKeySource& source,
                                             bool create, KdfCost cost) {
  if (sodium_init() < 0) return InternalError("libsodium failed to initialize");
  std::unique_ptr<Vault> vault(new Vault());
  vault->path_ = path;
  SIGIL_RETURN_IF_ERROR(MakeDirectories(DirName(path), 0700));
  const std::string lock_path = path + ".lock";
  vault->lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (vault->lock_fd_ < 0) return ErrnoStatus(errno, "opening " + lock_path);
  // Another sigil process may hold it for a while (a prompt); wait, but not forever.
  for (int waited_ms = 0; ::flock(vault->lock_fd_, LOCK_EX | LOCK_NB) != 0; waited_ms += 50) {
    if (errno != EWOULDBLOCK) return ErrnoStatus(errno, "locking " + lock_path);
    if (waited_ms >= 60000) {
      return UnavailableError("the vault " + path +
                              " is in use by another sigil command; finish that one and retry");
    }
    ::usleep(50 * 1000);
  }

  StatusOr<std::string> text = ReadFile(path);
  if (!text.ok() && text.status().code() != StatusCode::kNotFound) return text.status();
  if (!text.ok()) {
    if (!create) {
      return NotFoundError("there is no vault at " + path +
                           " yet: run `sigil configure` or `sigil vault import` first");
    }
    nlohmann::json header;
    header["format"] = "sigil-vault";
    header["version"] = 1;
    header["salt"] = Base64Encode(Random(kSaltSize));
    if (!source.key_file.empty()) {
      header["kdf"] = "keyfile";
    } else {
      header["kdf"] = "argon2id13";
      header["opslimit"] = cost.opslimit;
      header["memlimit"] = cost.memlimit;
    }
    SIGIL_ASSIGN_OR_RETURN(vault->key_, DeriveKey(header, source, /*is_new=*/true, path));
    vault->header_json_ = std::move(header);
    vault->data_ = {{"keys", nlohmann::json::object()},
                    {"sessions", nlohmann::json::object()},
                    {"rotations", nlohmann::json::object()}};
    SIGIL_RETURN_IF_ERROR(vault->Save());
    return vault;
  }
  nlohmann::json file = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!file.is_object() || file.value("format", "") != "sigil-vault" ||
      file.value("version", 0) != 1) {
    return FailedPreconditionError(path + " is not a Sigil vault (move it away to start afresh)");
  }
  SIGIL_ASSIGN_OR_RETURN(vault->key_, DeriveKey(file, source, /*is_new=*/false, path));
  SIGIL_ASSIGN_OR_RETURN(std::string nonce, Base64Decode(file.value("nonce", "")));
  SIGIL_ASSIGN_OR_RETURN(std::string sealed, Base64Decode(file.value("ciphertext", "")));
  if (nonce.size() != crypto_aead_xchacha20poly1305_ietf_NPUBBYTES ||
      sealed.size() < crypto_aead_xchacha20poly1305_ietf_ABYTES) {
    return FailedPreconditionError(path + " is damaged (bad nonce or ciphertext)");
  }
  std::string plain(sealed.size() - crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  unsigned long long plain_len = 0;
  const std::string ad = AssociatedData(file);
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(plain.data()), &plain_len, nullptr,
          reinterpret_cast<const unsigned char*>(sealed.data()), sealed.size(),
          reinterpret_cast<const unsigned char*>(ad.data()), ad.size(),
          reinterpret_cast<const unsigned char*>(nonce.data()),
          reinterpret_cast<const unsigned char*>(vault->key_.data())) != 0) {
    return Status(StatusCode::kPermissionDenied, "wrong passphrase or key file for the vault " +
                                                     path + " (nothing was changed; try again)");
  }
  plain.resize(plain_len);
  vault->data_ = nlohmann::json::parse(plain, nullptr, /*allow_exceptions=*/false);
  sodium_memzero(plain.data(), plain.size());
  if (!vault->data_.is_object()) return FailedPreconditionError(path + " holds a damaged document");
  for (const char* section : {"keys", "sessions", "rotations"}) {
    if (!vault->data_.contains(section)) vault->data_[section] = nlohmann::json::object();
  }
  file.erase("nonce");
  file.erase("ciphertext");
  vault->header_json_ = std::move(file);
  return vault;
}

Vault::~Vault() {
  WipeJson(data_);
  if (!key_.empty()) sodium_memzero(key_.data(), key_.size());
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

Status Vault::Save() {
  std::string plain = data_.dump();
  std::string nonce = Random(crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
  std::string sealed(plain.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES, '\0');
  unsigned long long sealed_len = 0;
  const std::string ad = AssociatedData(header_json_);
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      reinterpret_cast<unsigned char*>(sealed.data()), &sealed_len,
      reinterpret_cast<const unsigned char*>(plain.data()), plain.size(),
      reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nullptr,
      reinterpret_cast<const unsigned char*>(nonce.data()),
      reinterpret_cast<const unsigned char*>(key_.data()));
  sodium_memzero(plain.data(), plain.size());
  sealed.resize(sealed_len);
  nlohmann::json file = header_json_;
  file["nonce"] = Base64Encode(nonce);
  file["ciphertext"] = Base64Encode(sealed);
  return WriteFileAtomically(path_, file.dump(2) + "\n", 0600);
}

}  // namespace sigil::client
