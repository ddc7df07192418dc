#include "ec2/key_material.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <map>
#include <sstream>

#include "common/crypto.h"

namespace sigil::ec2 {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::StartsWith;

// Made with ssh-keygen; the expected fingerprints with the commands EC2's documentation gives:
// openssl rsa -in KEY -pubout -outform DER | openssl md5 -c, and ssh-keygen -l -E sha256
// (which prints the same SHA-256 without base64 padding).
constexpr char kRsaPublic[] =
    "ssh-rsa "
    "AAAAB3NzaC1yc2EAAAADAQABAAABAQDLQ6Xt6K8Sgy9fe90PGzQwStpeSi+Zc3c4q8kIlI5eWGf1kgKlH+"
    "pVa6euISuoUpChzT7GbLmFAhRD8G+"
    "06X42g0LxWbeXfdirhfeRWedmAL6zEkHca1NEICcApdSctxLG1kovm4vW10YoZKWpF+mwKvlXxVPakdkRGOtprCJV+"
    "AVbrEBMysv1Cjgrm6vjURhJTnbNJdfdOTr8drdVHOMXA4BTn7UKklm2GtNCFnBNdZ/"
    "35+jWqfPJP4UVjF+IVaAoGBz0MV6Vc0rcRc4JUNNTfjTE0gvDXghUJ+"
    "FyXjRPyXEcRKopPowER4oSXqF2qCOKQ29R092SLPmvOhTMgn4h root@vm";
constexpr char kEd25519Public[] =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIFQNuMe89y4Z5/qak9Ek0GbwD4vZvr/Gx5T9tUvz9Sy root@vm";

TEST(ParseOpenSshPublicKey, RsaFingerprintIsMd5OfTheDerPublicKey) {
  auto key = ParseOpenSshPublicKey(kRsaPublic);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key->type, KeyType::kRsa);
  EXPECT_EQ(key->fingerprint, "96:08:e5:41:24:ca:5b:27:97:0e:f6:5c:e6:bd:46:e3");
  EXPECT_THAT(key->public_key, StartsWith("ssh-rsa AAAAB3NzaC1yc2E"));
  EXPECT_THAT(key->public_key, ::testing::Not(HasSubstr("root@vm")));  // the comment is dropped
}

TEST(ParseOpenSshPublicKey, Ed25519FingerprintIsBase64Sha256OfTheBlob) {
  auto key = ParseOpenSshPublicKey(std::string(kEd25519Public) + "\n");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_EQ(key->type, KeyType::kEd25519);
  EXPECT_EQ(key->fingerprint, "F9Bptk33vzpLLsaxyJaGOfEpvihWvBX/9EH42x1GRdk=");
}

TEST(ParseOpenSshPublicKey, RefusesWhatIsNotAnOpenSshKey) {
  for (const char* bad : {"", "ssh-rsa", "ssh-rsa !!!", "ssh-dss AAAAB3NzaC1kc3MAAA==",
                          "ssh-ed25519 AAAAC3NzaC1yc2EAAAADAQAB",  // type mismatch
                          "-----BEGIN PUBLIC KEY-----"}) {
    auto key = ParseOpenSshPublicKey(bad);
    ASSERT_FALSE(key.ok()) << bad;
    EXPECT_EQ(key.status().aws_code(), "InvalidKey.Format") << bad;
    EXPECT_EQ(key.status().message(), "Key is not in valid OpenSSH public key format");
    EXPECT_EQ(key.status().http_status(), 400);
  }
}

TEST(GenerateKeyPair, RsaIsPkcs1PemWithSha1Fingerprint) {
  auto key = GenerateKeyPair(KeyType::kRsa, KeyFormat::kPem, "k");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_THAT(key->private_key, StartsWith("-----BEGIN RSA PRIVATE KEY-----\n"));
  EXPECT_THAT(key->fingerprint, MatchesRegex("([0-9a-f]{2}:){19}[0-9a-f]{2}"));
  // The public half parses back as an OpenSSH key.
  auto parsed = ParseOpenSshPublicKey(key->public_key);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->type, KeyType::kRsa);
  EXPECT_EQ(parsed->public_key, key->public_key);
}

TEST(GenerateKeyPair, Ed25519IsOpenSshFormatAndFingerprintMatchesItsImport) {
  auto key = GenerateKeyPair(KeyType::kEd25519, KeyFormat::kPem, "k");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_THAT(key->private_key, StartsWith("-----BEGIN OPENSSH PRIVATE KEY-----\n"));
  EXPECT_THAT(key->private_key, HasSubstr("\n-----END OPENSSH PRIVATE KEY-----\n"));
  auto parsed = ParseOpenSshPublicKey(key->public_key);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->fingerprint, key->fingerprint);
  EXPECT_EQ(key->fingerprint.size(), 44u);
}

TEST(GenerateKeyPair, EveryKeyIsNew) {
  auto a = GenerateKeyPair(KeyType::kEd25519, KeyFormat::kPem, "k");
  auto b = GenerateKeyPair(KeyType::kEd25519, KeyFormat::kPem, "k");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->public_key, b->public_key);
}

// ---- PuTTY key files, checked by reading them back independently of the writer.

struct Ppk {
  std::map<std::string, std::string> headers;
  std::string public_blob;
  std::string private_blob;
};

Ppk ReadPpk(const std::string& text) {
  Ppk out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    const size_t colon = line.find(": ");
    if (colon == std::string::npos) continue;
    const std::string name = line.substr(0, colon);
    const std::string value = line.substr(colon + 2);
    out.headers[name] = value;
    if (name == "Public-Lines" || name == "Private-Lines") {
      std::string b64;
      for (int i = 0, n = std::stoi(value); i < n && std::getline(in, line); ++i) {
        EXPECT_LE(line.size(), 64u);
        b64 += line;
      }
      (name == "Public-Lines" ? out.public_blob : out.private_blob) = *Base64Decode(b64);
    }
  }
  return out;
}

std::string SshString(std::string_view s) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>(s.size() >> (24 - 8 * i));
  return out + std::string(s);
}

// Reads the SSH strings (and mpints) of a blob in order.
std::vector<std::string> SshFields(std::string_view blob) {
  std::vector<std::string> out;
  while (blob.size() >= 4) {
    uint32_t n = 0;
    for (int i = 0; i < 4; ++i) n = (n << 8) | static_cast<unsigned char>(blob[i]);
    out.emplace_back(blob.substr(4, n));
    blob.remove_prefix(4 + n);
  }
  return out;
}

void ExpectValidMac(const Ppk& ppk) {
  unsigned char key[20];
  const std::string label = "putty-private-key-file-mac-key";
  ASSERT_EQ(EVP_Digest(label.data(), label.size(), key, nullptr, EVP_sha1(), nullptr), 1);
  const std::string data = SshString(ppk.headers.at("PuTTY-User-Key-File-2")) + SshString("none") +
                           SshString(ppk.headers.at("Comment")) + SshString(ppk.public_blob) +
                           SshString(ppk.private_blob);
  unsigned char mac[20];
  unsigned int len = 0;
  HMAC(EVP_sha1(), key, 20, reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac,
       &len);
  EXPECT_EQ(ppk.headers.at("Private-MAC"),
            HexEncode(std::string_view(reinterpret_cast<char*>(mac), len)));
}

BIGNUM* Bn(const std::string& bytes) {
  return BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                   static_cast<int>(bytes.size()), nullptr);
}

TEST(GenerateKeyPair, RsaPpkHoldsAConsistentKeyUnderAValidMac) {
  auto key = GenerateKeyPair(KeyType::kRsa, KeyFormat::kPpk, "deploy");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_THAT(key->private_key, StartsWith("PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\n"
                                           "Comment: deploy\nPublic-Lines: "));
  const Ppk ppk = ReadPpk(key->private_key);
  EXPECT_EQ("ssh-rsa " + Base64Encode(ppk.public_blob), key->public_key);
  ExpectValidMac(ppk);
  // d, p, q, iqmp: p*q = n, e*d = 1 mod (p-1), iqmp*q = 1 mod p.
  const std::vector<std::string> pub = SshFields(ppk.public_blob);
  const std::vector<std::string> priv = SshFields(ppk.private_blob);
  ASSERT_EQ(pub.size(), 3u);
  ASSERT_EQ(priv.size(), 4u);
  BN_CTX* ctx = BN_CTX_new();
  BIGNUM *e = Bn(pub[1]), *n = Bn(pub[2]), *d = Bn(priv[0]), *p = Bn(priv[1]), *q = Bn(priv[2]),
         *iqmp = Bn(priv[3]);
  BIGNUM *r = BN_new(), *pm1 = BN_dup(p);
  BN_sub_word(pm1, 1);
  BN_mul(r, p, q, ctx);
  EXPECT_EQ(BN_cmp(r, n), 0);
  BN_mod_mul(r, e, d, pm1, ctx);
  EXPECT_TRUE(BN_is_one(r));
  BN_mod_mul(r, iqmp, q, p, ctx);
  EXPECT_TRUE(BN_is_one(r));
  for (BIGNUM* b : {e, n, d, p, q, iqmp, r, pm1}) BN_free(b);
  BN_CTX_free(ctx);
}

TEST(GenerateKeyPair, Ed25519PpkHoldsTheSecretOfItsPublicKey) {
  auto key = GenerateKeyPair(KeyType::kEd25519, KeyFormat::kPpk, "k");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  const Ppk ppk = ReadPpk(key->private_key);
  EXPECT_EQ(ppk.headers.at("PuTTY-User-Key-File-2"), "ssh-ed25519");
  EXPECT_EQ("ssh-ed25519 " + Base64Encode(ppk.public_blob), key->public_key);
  ExpectValidMac(ppk);
  const std::vector<std::string> priv = SshFields(ppk.private_blob);
  ASSERT_EQ(priv.size(), 1u);
  ASSERT_EQ(priv[0].size(), 32u);
  EVP_PKEY* pkey = EVP_PKEY_new_raw_private_key(
      EVP_PKEY_ED25519, nullptr, reinterpret_cast<const unsigned char*>(priv[0].data()), 32);
  ASSERT_NE(pkey, nullptr);
  std::string raw_public(32, '\0');
  size_t len = 32;
  EVP_PKEY_get_raw_public_key(pkey, reinterpret_cast<unsigned char*>(raw_public.data()), &len);
  EVP_PKEY_free(pkey);
  EXPECT_EQ(SshFields(ppk.public_blob)[1], raw_public);
}

TEST(ColonHex, PairsOfLowerCaseHex) { EXPECT_EQ(ColonHex("\x01\xab\xff"), "01:ab:ff"); }

}  // namespace
}  // namespace sigil::ec2
