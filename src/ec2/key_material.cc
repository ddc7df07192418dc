#include "ec2/key_material.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <cstdint>
#include <memory>

#include "common/crypto.h"
#include "common/strings.h"

namespace sigil::ec2 {
namespace {

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
struct Pkcs8Free {
  void operator()(PKCS8_PRIV_KEY_INFO* p) const { PKCS8_PRIV_KEY_INFO_free(p); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;
using Bio = std::unique_ptr<BIO, BioFree>;
using Bn = std::unique_ptr<BIGNUM, BnFree>;

Status OpenSslError(std::string_view what) {
  return InternalError("openssl: " + std::string(what) + " failed");
}

StatusOr<std::string> Digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1) {
    return OpenSslError("digest");
  }
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string BioText(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

// ---- SSH wire encoding (RFC 4251 section 5).

void PutU32(std::string* out, uint32_t n) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>(n >> shift));
}
void PutString(std::string* out, std::string_view s) {
  PutU32(out, static_cast<uint32_t>(s.size()));
  out->append(s);
}
// A non-negative mpint: big-endian, with a leading zero byte when the top bit is set.
void PutMpint(std::string* out, const BIGNUM* bn) {
  std::string bytes(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  if (!bytes.empty() && (static_cast<unsigned char>(bytes[0]) & 0x80) != 0)
    bytes.insert(0, 1, '\0');
  PutString(out, bytes);
}

class SshReader {
 public:
  explicit SshReader(std::string_view data) : data_(data) {}
  bool ReadString(std::string_view* out) {
    if (data_.size() < 4) return false;
    uint32_t n = 0;
    for (int i = 0; i < 4; ++i) n = (n << 8) | static_cast<unsigned char>(data_[i]);
    data_.remove_prefix(4);
    if (n > data_.size()) return false;
    *out = data_.substr(0, n);
    data_.remove_prefix(n);
    return true;
  }
  bool done() const { return data_.empty(); }

 private:
  std::string_view data_;
};

StatusOr<Bn> BnParam(EVP_PKEY* key, const char* name) {
  BIGNUM* bn = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &bn) != 1) return OpenSslError("reading an RSA parameter");
  return Bn(bn);
}

StatusOr<std::string> RsaPublicBlob(EVP_PKEY* key) {
  SIGIL_ASSIGN_OR_RETURN(Bn e, BnParam(key, OSSL_PKEY_PARAM_RSA_E));
  SIGIL_ASSIGN_OR_RETURN(Bn n, BnParam(key, OSSL_PKEY_PARAM_RSA_N));
  std::string blob;
  PutString(&blob, "ssh-rsa");
  PutMpint(&blob, e.get());
  PutMpint(&blob, n.get());
  return blob;
}

std::string Ed25519PublicBlob(std::string_view raw_public) {
  std::string blob;
  PutString(&blob, "ssh-ed25519");
  PutString(&blob, raw_public);
  return blob;
}

StatusOr<std::string> Sha256Fingerprint(std::string_view blob) {
  SIGIL_ASSIGN_OR_RETURN(std::string digest, Digest(EVP_sha256(), blob));
  return Base64Encode(digest);
}

// PEM armour around base64 in 70-column lines, as ssh-keygen writes.
std::string Armour(std::string_view label, std::string_view der) {
  const std::string b64 = Base64Encode(der);
  std::string out = "-----BEGIN " + std::string(label) + "-----\n";
  for (size_t i = 0; i < b64.size(); i += 70) out += b64.substr(i, 70) + "\n";
  out += "-----END " + std::string(label) + "-----\n";
  return out;
}

// OpenSSH's private key format (PROTOCOL.key), unencrypted, for an ED25519 key.
StatusOr<std::string> OpenSshEd25519PrivateKey(std::string_view seed, std::string_view pub) {
  unsigned char check[4];
  if (RAND_bytes(check, sizeof(check)) != 1) return OpenSslError("random check bytes");
  std::string priv;
  priv.append(reinterpret_cast<char*>(check), 4);
  priv.append(reinterpret_cast<char*>(check), 4);
  PutString(&priv, "ssh-ed25519");
  PutString(&priv, pub);
  PutString(&priv, std::string(seed) + std::string(pub));
  PutString(&priv, "");  // comment
  for (char pad = 1; priv.size() % 8 != 0; ++pad) priv.push_back(pad);
  std::string out("openssh-key-v1", 14);
  out.push_back('\0');
  PutString(&out, "none");
  PutString(&out, "none");
  PutString(&out, "");
  PutU32(&out, 1);
  PutString(&out, Ed25519PublicBlob(pub));
  PutString(&out, priv);
  std::string armoured = Armour("OPENSSH PRIVATE KEY", out);
  SecureWipe(priv);
  SecureWipe(out);
  return armoured;
}

// PuTTY's key file format, version 2, unencrypted: the public and private blobs in base64 lines
// of 64 columns, and an HMAC-SHA-1 over both (and the names) under SHA-1 of
// "putty-private-key-file-mac-key" (the empty passphrase appended).
StatusOr<std::string> PuttyKeyFile(std::string_view algorithm, std::string_view public_blob,
                                   std::string_view private_blob, std::string_view comment) {
  SIGIL_ASSIGN_OR_RETURN(std::string mac_key, Digest(EVP_sha1(), "putty-private-key-file-mac-key"));
  std::string data;
  PutString(&data, algorithm);
  PutString(&data, "none");
  PutString(&data, comment);
  PutString(&data, public_blob);
  PutString(&data, private_blob);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  const bool ok = HMAC(EVP_sha1(), mac_key.data(), static_cast<int>(mac_key.size()),
                       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac,
                       &mac_len) != nullptr;
  SecureWipe(data);
  if (!ok) return OpenSslError("HMAC-SHA-1");
  auto lines = [](std::string_view bytes, std::string_view label) {
    const std::string b64 = Base64Encode(bytes);
    std::string body;
    size_t count = 0;
    for (size_t i = 0; i < b64.size(); i += 64, ++count) body += b64.substr(i, 64) + "\n";
    return std::string(label) + "-Lines: " + std::to_string(count) + "\n" + body;
  };
  std::string out = "PuTTY-User-Key-File-2: " + std::string(algorithm) +
                    "\nEncryption: none\nComment: " + std::string(comment) + "\n";
  out += lines(public_blob, "Public");
  out += lines(private_blob, "Private");
  out +=
      "Private-MAC: " + HexEncode(std::string_view(reinterpret_cast<char*>(mac), mac_len)) + "\n";
  return out;
}

// PuTTY's RSA private blob: d, p, q and iqmp (q^-1 mod p, OpenSSL's first CRT coefficient).
StatusOr<std::string> RsaPuttyPrivateBlob(EVP_PKEY* key) {
  std::string blob;
  for (const char* name : {OSSL_PKEY_PARAM_RSA_D, OSSL_PKEY_PARAM_RSA_FACTOR1,
                           OSSL_PKEY_PARAM_RSA_FACTOR2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1}) {
    SIGIL_ASSIGN_OR_RETURN(Bn bn, BnParam(key, name));
    PutMpint(&blob, bn.get());
  }
  return blob;
}

StatusOr<NewKeyPair> GenerateRsa(KeyFormat format, std::string_view comment) {
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}));
  if (!key) return OpenSslError("RSA key generation");
  NewKeyPair out;
  Bio pem(BIO_new(BIO_s_mem()));
  if (!pem || PEM_write_bio_PrivateKey_traditional(pem.get(), key.get(), nullptr, nullptr, 0,
                                                   nullptr, nullptr) != 1) {
    return OpenSslError("writing the RSA private key");
  }
  out.private_key = BioText(pem.get());
  SIGIL_ASSIGN_OR_RETURN(std::string blob, RsaPublicBlob(key.get()));
  if (format == KeyFormat::kPpk) {
    SecureWipe(out.private_key);
    SIGIL_ASSIGN_OR_RETURN(std::string private_blob, RsaPuttyPrivateBlob(key.get()));
    auto ppk = PuttyKeyFile("ssh-rsa", blob, private_blob, comment);
    SecureWipe(private_blob);
    if (!ppk.ok()) return ppk.status();
    out.private_key = std::move(ppk).value();
  }
  // EC2's fingerprint of a key it created: SHA-1 of the PKCS#8 DER private key.
  std::unique_ptr<PKCS8_PRIV_KEY_INFO, Pkcs8Free> p8(EVP_PKEY2PKCS8(key.get()));
  if (!p8) return OpenSslError("PKCS#8 encoding");
  unsigned char* der = nullptr;
  const int der_len = i2d_PKCS8_PRIV_KEY_INFO(p8.get(), &der);
  if (der_len <= 0) return OpenSslError("PKCS#8 DER encoding");
  std::string der_text(reinterpret_cast<char*>(der), static_cast<size_t>(der_len));
  OPENSSL_clear_free(der, static_cast<size_t>(der_len));
  auto sha1 = Digest(EVP_sha1(), der_text);
  SecureWipe(der_text);
  if (!sha1.ok()) return sha1.status();
  out.fingerprint = ColonHex(*sha1);
  out.public_key = "ssh-rsa " + Base64Encode(blob);
  return out;
}

StatusOr<NewKeyPair> GenerateEd25519(KeyFormat format, std::string_view comment) {
  Pkey key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  if (!key) return OpenSslError("ED25519 key generation");
  std::string pub(32, '\0');
  std::string seed(32, '\0');
  size_t pub_len = pub.size();
  size_t seed_len = seed.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), reinterpret_cast<unsigned char*>(pub.data()),
                                  &pub_len) != 1 ||
      EVP_PKEY_get_raw_private_key(key.get(), reinterpret_cast<unsigned char*>(seed.data()),
                                   &seed_len) != 1 ||
      pub_len != 32 || seed_len != 32) {
    return OpenSslError("reading the ED25519 key");
  }
  NewKeyPair out;
  const std::string blob = Ed25519PublicBlob(pub);
  StatusOr<std::string> private_key = std::string();
  if (format == KeyFormat::kPpk) {
    // PuTTY's ED25519 private blob: the 32-byte secret as a string.
    std::string private_blob;
    PutString(&private_blob, seed);
    private_key = PuttyKeyFile("ssh-ed25519", blob, private_blob, comment);
    SecureWipe(private_blob);
  } else {
    private_key = OpenSshEd25519PrivateKey(seed, pub);
  }
  SecureWipe(seed);
  if (!private_key.ok()) return private_key.status();
  out.private_key = std::move(private_key).value();
  out.public_key = "ssh-ed25519 " + Base64Encode(blob);
  SIGIL_ASSIGN_OR_RETURN(out.fingerprint, Sha256Fingerprint(blob));
  return out;
}

Status BadKeyFormat() {
  return AwsError(StatusCode::kInvalidArgument, "InvalidKey.Format",
                  "Key is not in valid OpenSSH public key format")
      .WithHttpStatus(400);
}

// EC2's fingerprint of an imported RSA key: MD5 of the DER SubjectPublicKeyInfo.
StatusOr<std::string> ImportedRsaFingerprint(std::string_view e_bytes, std::string_view n_bytes) {
  Bn e(BN_bin2bn(reinterpret_cast<const unsigned char*>(e_bytes.data()),
                 static_cast<int>(e_bytes.size()), nullptr));
  Bn n(BN_bin2bn(reinterpret_cast<const unsigned char*>(n_bytes.data()),
                 static_cast<int>(n_bytes.size()), nullptr));
  if (!e || !n) return OpenSslError("reading the RSA numbers");
  const int bits = BN_num_bits(n.get());
  if (bits < 1024 || bits > 16384 || BN_is_zero(e.get())) return BadKeyFormat();
  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> build(OSSL_PARAM_BLD_new(),
                                                                        &OSSL_PARAM_BLD_free);
  if (!build || OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    return OpenSslError("building RSA parameters");
  }
  std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(
      OSSL_PARAM_BLD_to_param(build.get()), &OSSL_PARAM_free);
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr), &EVP_PKEY_CTX_free);
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return OpenSslError("building the RSA public key");
  }
  Pkey key(raw);
  unsigned char* der = nullptr;
  const int der_len = i2d_PUBKEY(key.get(), &der);
  if (der_len <= 0) return OpenSslError("DER encoding the public key");
  std::string der_text(reinterpret_cast<char*>(der), static_cast<size_t>(der_len));
  OPENSSL_free(der);
  SIGIL_ASSIGN_OR_RETURN(std::string md5, Digest(EVP_md5(), der_text));
  return ColonHex(md5);
}

}  // namespace

std::string ColonHex(std::string_view bytes) {
  const std::string hex = HexEncode(bytes);
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    if (i > 0) out += ':';
    out += hex.substr(i, 2);
  }
  return out;
}

StatusOr<NewKeyPair> GenerateKeyPair(KeyType type, KeyFormat format, std::string_view comment) {
  return type == KeyType::kRsa ? GenerateRsa(format, comment) : GenerateEd25519(format, comment);
}

StatusOr<ImportedPublicKey> ParseOpenSshPublicKey(std::string_view material) {
  // "TYPE BASE64 [COMMENT]" on one line.
  std::string_view line = TrimWhitespace(material);
  const size_t space = line.find_first_of(" \t");
  if (space == std::string_view::npos) return BadKeyFormat();
  const std::string_view type = line.substr(0, space);
  std::string_view rest = TrimWhitespace(line.substr(space + 1));
  const std::string_view b64 = rest.substr(0, rest.find_first_of(" \t"));
  auto blob = Base64Decode(b64);
  if (!blob.ok()) return BadKeyFormat();
  SshReader reader(*blob);
  std::string_view blob_type;
  if (!reader.ReadString(&blob_type) || blob_type != type) return BadKeyFormat();
  ImportedPublicKey out;
  out.public_key = std::string(type) + " " + std::string(b64);
  if (type == "ssh-rsa") {
    std::string_view e;
    std::string_view n;
    if (!reader.ReadString(&e) || !reader.ReadString(&n) || !reader.done()) return BadKeyFormat();
    out.type = KeyType::kRsa;
    SIGIL_ASSIGN_OR_RETURN(out.fingerprint, ImportedRsaFingerprint(e, n));
    return out;
  }
  if (type == "ssh-ed25519") {
    std::string_view pub;
    if (!reader.ReadString(&pub) || pub.size() != 32 || !reader.done()) return BadKeyFormat();
    out.type = KeyType::kEd25519;
    SIGIL_ASSIGN_OR_RETURN(out.fingerprint, Sha256Fingerprint(*blob));
    return out;
  }
  return BadKeyFormat();
}

}  // namespace sigil::ec2
