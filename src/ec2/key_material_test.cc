#include "ec2/key_material.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

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
  auto key = GenerateKeyPair(KeyType::kRsa);
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
  auto key = GenerateKeyPair(KeyType::kEd25519);
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  EXPECT_THAT(key->private_key, StartsWith("-----BEGIN OPENSSH PRIVATE KEY-----\n"));
  EXPECT_THAT(key->private_key, HasSubstr("\n-----END OPENSSH PRIVATE KEY-----\n"));
  auto parsed = ParseOpenSshPublicKey(key->public_key);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->fingerprint, key->fingerprint);
  EXPECT_EQ(key->fingerprint.size(), 44u);
}

TEST(GenerateKeyPair, EveryKeyIsNew) {
  auto a = GenerateKeyPair(KeyType::kEd25519);
  auto b = GenerateKeyPair(KeyType::kEd25519);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->public_key, b->public_key);
}

TEST(ColonHex, PairsOfLowerCaseHex) { EXPECT_EQ(ColonHex("\x01\xab\xff"), "01:ab:ff"); }

}  // namespace
}  // namespace sigil::ec2
