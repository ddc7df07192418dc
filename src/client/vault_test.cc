#include "client/vault.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <cstdlib>
#include <filesystem>

#include "common/file_util.h"

namespace sigil::client {
namespace {

// The cheapest Argon2id cost keeps the tests fast; the format records the cost used.
const KdfCost kFast{crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};

class VaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / "sigil-vault-test-XXXXXX";
    ASSERT_NE(::mkdtemp(dir_.data()), nullptr);
    path_ = dir_ + "/sub/vault";
    ASSERT_TRUE(WriteFileAtomically(dir_ + "/pass", "correct horse battery\n", 0600).ok());
    ASSERT_TRUE(WriteFileAtomically(dir_ + "/wrong", "incorrect horse\n", 0600).ok());
    source_.passphrase_file = dir_ + "/pass";
    source_.allow_prompt = false;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string dir_;
  std::string path_;
  VaultKeySource source_;
};

TEST_F(VaultTest, RoundTripWithAPassphrase) {
  {
    auto vault = Vault::Open(path_, source_, /*create=*/true, kFast);
    ASSERT_TRUE(vault.ok()) << vault.status().ToString();
    (*vault)->data()["keys"]["dev"] = {{"access_key_id", "AKIA1"},
                                       {"secret_access_key", "very-secret-value"}};
    ASSERT_TRUE((*vault)->Save().ok());
  }
  EXPECT_EQ(*FileMode(path_) & 0777, 0600u);
  auto text = ReadFile(path_);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->find("very-secret-value"), std::string::npos);
  EXPECT_EQ(text->find("AKIA1"), std::string::npos);
  auto vault = Vault::Open(path_, source_, /*create=*/false);
  ASSERT_TRUE(vault.ok()) << vault.status().ToString();
  EXPECT_EQ((*vault)->data()["keys"]["dev"]["secret_access_key"], "very-secret-value");
}

TEST_F(VaultTest, WrongPassphraseIsRefusedAndChangesNothing) {
  ASSERT_TRUE(Vault::Open(path_, source_, true, kFast).ok());
  auto before = ReadFile(path_);
  VaultKeySource wrong = source_;
  wrong.passphrase_file = dir_ + "/wrong";
  auto vault = Vault::Open(path_, wrong, false);
  ASSERT_FALSE(vault.ok());
  EXPECT_EQ(vault.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(vault.status().message(), "wrong passphrase or key file for the vault " + path_ +
                                          " (nothing was changed; try again)");
  EXPECT_EQ(*ReadFile(path_), *before);
}

TEST_F(VaultTest, TamperedHeaderFailsAuthentication) {
  ASSERT_TRUE(Vault::Open(path_, source_, true, kFast).ok());
  std::string text = *ReadFile(path_);
  size_t pos = text.find("\"opslimit\": ");
  ASSERT_NE(pos, std::string::npos);
  text.insert(pos + 12, "1");  // a different cost: the associated data no longer matches
  ASSERT_TRUE(WriteFileAtomically(path_, text, 0600).ok());
  auto vault = Vault::Open(path_, source_, false);
  EXPECT_EQ(vault.status().code(), StatusCode::kPermissionDenied);
}

TEST_F(VaultTest, KeyFileVault) {
  ASSERT_TRUE(WriteFileAtomically(dir_ + "/key", std::string(32, 'k'), 0600).ok());
  ASSERT_TRUE(WriteFileAtomically(dir_ + "/short", "short", 0600).ok());
  VaultKeySource keyed;
  keyed.key_file = dir_ + "/key";
  keyed.allow_prompt = false;
  {
    auto vault = Vault::Open(path_, keyed, true);
    ASSERT_TRUE(vault.ok()) << vault.status().ToString();
    (*vault)->data()["keys"]["p"] = "x";
    ASSERT_TRUE((*vault)->Save().ok());
  }
  auto vault = Vault::Open(path_, keyed, false);
  ASSERT_TRUE(vault.ok());
  EXPECT_EQ((*vault)->data()["keys"]["p"], "x");
  vault = Status(StatusCode::kInternal, "closed");  // releases the lock
  vault = Vault::Open(path_, source_, false);       // a passphrase for a key-file vault
  EXPECT_EQ(vault.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(vault.status().message(),
            "the vault " + path_ + " is locked with a key file: set SIGIL_VAULT_KEY_FILE");
  keyed.key_file = dir_ + "/short";
  vault = Vault::Open(path_, keyed, false);
  EXPECT_EQ(vault.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(VaultTest, MissingVaultAndNoKeySource) {
  auto vault = Vault::Open(path_, source_, /*create=*/false);
  EXPECT_EQ(vault.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(vault.status().message(),
            "there is no vault at " + path_ +
                " yet: run `sigil configure` or `sigil vault import` first");
  VaultKeySource none;
  none.allow_prompt = false;
  vault = Vault::Open(path_, none, true, kFast);
  EXPECT_EQ(vault.status().code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(WriteFileAtomically(dir_ + "/tiny", "short\n", 0600).ok());
  none.passphrase_file = dir_ + "/tiny";
  vault = Vault::Open(path_, none, true, kFast);
  EXPECT_EQ(vault.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(vault.status().message(), "the vault passphrase must have at least 8 characters");
}

TEST(VaultPathTest, Defaults) {
  Environment env({{"HOME", "/h"}});
  EXPECT_EQ(DefaultVaultPath(env, ResolveAwsFilePaths(env)), "/h/.aws/sigil/vault");
  env.Set("SIGIL_VAULT", "~/v");
  EXPECT_EQ(DefaultVaultPath(env, ResolveAwsFilePaths(env)), "/h/v");
}

}  // namespace
}  // namespace sigil::client
