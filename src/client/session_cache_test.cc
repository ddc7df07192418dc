#include "client/session_cache.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <filesystem>

#include "common/file_util.h"

namespace sigil::client {
namespace {

class SessionCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / "sigil-cache-test-XXXXXX";
    ASSERT_NE(::mkdtemp(dir_.data()), nullptr);
    ASSERT_TRUE(WriteFileAtomically(dir_ + "/key", std::string(40, 'z'), 0600).ok());
    VaultKeySource source;
    source.key_file = dir_ + "/key";
    source.allow_prompt = false;
    auto vault = Vault::Open(dir_ + "/vault", source, true);
    ASSERT_TRUE(vault.ok());
    vault_ = std::move(*vault);
  }
  void TearDown() override {
    vault_.reset();
    std::filesystem::remove_all(dir_);
  }

  Credentials Session(const std::string& id, int64_t expires) {
    Credentials c;
    c.access_key_id = id;
    c.secret_access_key = "s-" + id;
    c.session_token = "t-" + id;
    c.expiration = FromUnixSeconds(expires);
    c.mfa = true;
    return c;
  }

  std::string dir_;
  std::unique_ptr<Vault> vault_;
};

TEST_F(SessionCacheTest, KeysShareByMfaDevice) {
  EXPECT_EQ(SessionTokenCacheKey("AKIA1", "arn:mfa/x"), "mfa|arn:mfa/x");
  EXPECT_EQ(SessionTokenCacheKey("AKIA2", "arn:mfa/x"), "mfa|arn:mfa/x");
  EXPECT_EQ(SessionTokenCacheKey("AKIA1", ""), "key|AKIA1");
  EXPECT_NE(RoleCacheKey("r", "AKIA1", "s", "", ""), RoleCacheKey("r", "AKIA1", "s", "ext", ""));
}

TEST_F(SessionCacheTest, ReusedUntilNearExpiry) {
  const TimePoint now = FromUnixSeconds(1000000);
  StoreSession(*vault_, "k", Session("ASIA1", 1000000 + 3600), "AKIA1", now);
  auto hit = CachedSession(*vault_, "k", now, std::chrono::minutes(15));
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->session_token, "t-ASIA1");
  EXPECT_TRUE(hit->mfa);
  EXPECT_FALSE(CachedSession(*vault_, "k", now + std::chrono::minutes(46), std::chrono::minutes(15))
                   .has_value());
  EXPECT_TRUE(CachedSession(*vault_, "k", now + std::chrono::minutes(46), std::chrono::minutes(1))
                  .has_value());
  EXPECT_FALSE(CachedSession(*vault_, "other", now, std::chrono::minutes(15)).has_value());
}

TEST_F(SessionCacheTest, ExpiredEntriesDropAndRotationClears) {
  const TimePoint now = FromUnixSeconds(1000000);
  StoreSession(*vault_, "old", Session("ASIA0", 1000000 + 10), "AKIA0", now);
  StoreSession(*vault_, "a", Session("ASIA1", 1000000 + 3600), "AKIA1",
               now + std::chrono::seconds(20));
  EXPECT_FALSE(vault_->data()["sessions"].contains("old"));
  StoreSession(*vault_, "b", Session("ASIA2", 1000000 + 3600), "AKIA1", now);
  StoreSession(*vault_, "c", Session("ASIA3", 1000000 + 3600), "AKIA2", now);
  EXPECT_EQ(ClearSessions(*vault_, "AKIA1"), 2);
  EXPECT_EQ(vault_->data()["sessions"].size(), 1u);
  EXPECT_TRUE(vault_->data()["sessions"].contains("c"));
}

}  // namespace
}  // namespace sigil::client
