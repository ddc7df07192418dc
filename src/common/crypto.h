// Thin, typed wrappers over OpenSSL 3 for the primitives Sigil uses: SHA-256, HMAC-SHA256,
// AES-256-GCM sealing, a cryptographic random source, constant-time comparison and encodings.
// All functions are pure apart from the random source; all are thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace sigil {

using Sha256Digest = std::array<uint8_t, 32>;

Sha256Digest Sha256(std::string_view data);
std::string Sha256Hex(std::string_view data);
// HMAC-SHA256(key, data).
Sha256Digest HmacSha256(std::string_view key, std::string_view data);
inline std::string_view AsStringView(const Sha256Digest& d) {
  return std::string_view(reinterpret_cast<const char*>(d.data()), d.size());
}

// Incremental SHA-256 for streamed bodies.
class Sha256Hasher {
 public:
  Sha256Hasher();
  ~Sha256Hasher();
  Sha256Hasher(const Sha256Hasher&) = delete;
  Sha256Hasher& operator=(const Sha256Hasher&) = delete;
  void Update(std::string_view data);
  Sha256Digest Finish();

 private:
  void* ctx_;  // EVP_MD_CTX*
};

std::string HexEncode(std::string_view bytes);  // lower case
template <size_t N>
std::string HexEncode(const std::array<uint8_t, N>& bytes) {
  return HexEncode(std::string_view(reinterpret_cast<const char*>(bytes.data()), N));
}
std::string Base64Encode(std::string_view bytes);
// Strict standard base64 (with padding); nullopt-like error on anything else.
StatusOr<std::string> Base64Decode(std::string_view text);

// Compares without an early exit, so timing reveals nothing about where two secrets differ.
// Different lengths compare unequal (length is not secret for signatures).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Overwrites memory in a way the compiler may not elide.
void SecureWipe(std::string& s);

// A source of cryptographic randomness, injectable for tests.
class RandomSource {
 public:
  virtual ~RandomSource() = default;
  virtual std::string Bytes(size_t n) = 0;
};

// OpenSSL's RAND_bytes (CSPRNG seeded by the OS). Aborts nothing: failures are impossible in
// practice with OpenSSL 3's default provider and are reported as an empty string never used.
class OsRandomSource final : public RandomSource {
 public:
  std::string Bytes(size_t n) override;
};

// Uniformly random string of `n` characters from `alphabet` (rejection sampling, no bias).
std::string RandomString(RandomSource& random, std::string_view alphabet, size_t n);

// AES-256-GCM authenticated encryption under a 32-byte key. Sealed form:
// version byte 0x01 | 12-byte nonce | ciphertext | 16-byte tag. `aad` binds the ciphertext to
// its context (e.g. the access key id) so sealed values cannot be swapped between rows.
class SecretBox {
 public:
  static constexpr size_t kKeySize = 32;
  // `key` must be kKeySize bytes.
  static StatusOr<SecretBox> Create(std::string_view key);

  // kInternal when the random source cannot supply a nonce (a repeated or short nonce would
  // break GCM, so sealing never proceeds without one).
  StatusOr<std::string> Seal(RandomSource& random, std::string_view plaintext,
                             std::string_view aad) const;
  // kInvalidArgument when the sealed value is malformed, truncated, tampered or under another key.
  StatusOr<std::string> Open(std::string_view sealed, std::string_view aad) const;

  // A 32-byte key for another use, HMAC-SHA256(key, purpose): independent of the sealing key
  // and of every other purpose's key, so one master key can sign (e.g. audit digests) without
  // that key ever sealing anything.
  std::string DeriveKey(std::string_view purpose) const;

 private:
  explicit SecretBox(std::string key) : key_(std::move(key)) {}
  std::string key_;
};

}  // namespace sigil
