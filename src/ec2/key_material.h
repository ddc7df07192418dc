// Key pair material for CreateKeyPair and ImportKeyPair, with OpenSSL: new RSA (2048-bit) and
// ED25519 keys with the private key rendered once, in the format asked for: "pem" (RSA as PKCS#1
// PEM, ED25519 in OpenSSH's own format, which is what EC2 returns and what ssh accepts) or "ppk"
// (PuTTY's key file, version 2, unencrypted); OpenSSH public keys; and fingerprints computed as
// EC2 documents them:
//   created RSA:  SHA-1 of the PKCS#8 DER private key, colon-separated hex;
//   imported RSA: MD5 of the DER SubjectPublicKeyInfo, colon-separated hex;
//   ED25519:      base64 of the SHA-256 of the OpenSSH public key blob.
// Every OpenSSL failure becomes a Status here. Pure functions (plus OpenSSL's RNG); thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace sigil::ec2 {

enum class KeyType { kRsa, kEd25519 };
enum class KeyFormat { kPem, kPpk };

struct NewKeyPair {
  std::string private_key;  // PEM text, never stored
  std::string public_key;   // "ssh-rsa AAAA..." / "ssh-ed25519 AAAA..."
  std::string fingerprint;
};

// `comment` names the key inside a PuTTY file (EC2 puts the key name there). kInternal when
// OpenSSL fails.
StatusOr<NewKeyPair> GenerateKeyPair(KeyType type, KeyFormat format, std::string_view comment);

struct ImportedPublicKey {
  KeyType type = KeyType::kRsa;
  std::string public_key;  // normalised: "TYPE BASE64" without the comment
  std::string fingerprint;
};

// Parses an OpenSSH public key line ("ssh-rsa AAAA... comment"); RSA keys must have 1024 to
// 16384 bits. InvalidKey.Format (400, "Key is not in valid OpenSSH public key format") otherwise.
StatusOr<ImportedPublicKey> ParseOpenSshPublicKey(std::string_view material);

// Colon-separated lower-case hex ("1f:51:ae:...").
std::string ColonHex(std::string_view bytes);

}  // namespace sigil::ec2
