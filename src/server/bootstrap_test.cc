#include "server/bootstrap.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "common/file_util.h"
#include "store/sqlite_metadata_store.h"

namespace sigil::server {
namespace {

std::string TempDir() {
  char tmpl[] = "/tmp/sigil_bootstrap_XXXXXX";
  return mkdtemp(tmpl);
}

TEST(MasterKey, CreatedOnceWithMode0600AndReused) {
  OsRandomSource random;
  std::string path = TempDir() + "/master.key";
  auto first = LoadOrCreateMasterKey(path, std::nullopt, random);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*FileMode(path), 0600u);
  std::string sealed = *first->Seal(random, "secret", "aad");
  auto second = LoadOrCreateMasterKey(path, std::nullopt, random);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(*second->Open(sealed, "aad"), "secret");
}

TEST(MasterKey, RefusesAKeyOthersCanRead) {
  OsRandomSource random;
  std::string path = TempDir() + "/master.key";
  ASSERT_TRUE(LoadOrCreateMasterKey(path, std::nullopt, random).ok());
  chmod(path.c_str(), 0644);
  auto refused = LoadOrCreateMasterKey(path, std::nullopt, random);
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("chmod 600"), std::string::npos);
}

TEST(DataDir, CreatedPrivateAndRefusedWhenOthersCanRead) {
  std::string dir = TempDir() + "/data";
  ASSERT_TRUE(PrepareDataDir(dir, "").ok());
  EXPECT_EQ(*FileMode(dir), 0700u);
  chmod(dir.c_str(), 0755);
  auto refused = PrepareDataDir(dir, "");
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.status().message(),
            "the data folder " + dir + " may be read by other users; run: chmod 700 " + dir);
}

auth::SessionClaims SomeSession() {
  auth::SessionClaims c;
  c.access_key_id = "ASIAEXAMPLEEXAMPLE12";
  c.secret_access_key = "secret";
  c.account_id = "123456789012";
  c.principal_arn = "arn:aws:iam::123456789012:user/alice";
  c.issued_at = FromUnixSeconds(1700000000);
  c.expiration = c.issued_at + std::chrono::hours(1);
  return c;
}

TEST(SessionKeys, CreatedOnceWithMode0600AndReused) {
  OsRandomSource random;
  std::string path = TempDir() + "/session-token.keys";
  auto first = LoadOrCreateSessionKeys(path, random);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*FileMode(path), 0600u);
  std::string token = *first->Seal(SomeSession(), random);
  auto second = LoadOrCreateSessionKeys(path, random);
  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(std::holds_alternative<auth::SessionClaims>(
      second->Open(token, FromUnixSeconds(1700000001))));
}

TEST(SessionKeys, RotationKeepsLiveSessionsUntilTheirKeyIsDropped) {
  OsRandomSource random;
  std::string path = TempDir() + "/session-token.keys";
  auto before = LoadOrCreateSessionKeys(path, random);
  ASSERT_TRUE(before.ok());
  std::string token = *before->Seal(SomeSession(), random);
  const TimePoint now = FromUnixSeconds(1700000001);
  EXPECT_EQ(*RotateSessionKeys(path, random), 2u);
  auto after = LoadOrCreateSessionKeys(path, random);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->current_key_id(), 2u);
  EXPECT_TRUE(std::holds_alternative<auth::SessionClaims>(after->Open(token, now)));
  EXPECT_EQ(*RotateSessionKeys(path, random), 3u);
  EXPECT_EQ(*RotateSessionKeys(path, random), 4u);  // keeps 2, 3, 4: key 1 is dropped
  auto later = LoadOrCreateSessionKeys(path, random);
  ASSERT_TRUE(later.ok());
  auto refused = later->Open(token, now);
  ASSERT_TRUE(std::holds_alternative<auth::TokenRejection>(refused));
  EXPECT_EQ(std::get<auth::TokenRejection>(refused).defect, auth::TokenDefect::kUnknownKey);
  EXPECT_EQ(RotateSessionKeys(path, random, 0).status().code(), StatusCode::kInvalidArgument);
}

TEST(SessionKeys, RefusesAReadableOrDamagedFile) {
  OsRandomSource random;
  std::string path = TempDir() + "/session-token.keys";
  ASSERT_TRUE(LoadOrCreateSessionKeys(path, random).ok());
  chmod(path.c_str(), 0640);
  auto readable = LoadOrCreateSessionKeys(path, random);
  EXPECT_EQ(readable.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(readable.status().message().find("chmod 600"), std::string::npos);

  ASSERT_TRUE(WriteFileAtomically(path, "1 not-base64!\n", 0600).ok());
  auto damaged = LoadOrCreateSessionKeys(path, random);
  EXPECT_EQ(damaged.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(damaged.status().message().find("is damaged"), std::string::npos);
  ASSERT_TRUE(WriteFileAtomically(path, "# nothing\n", 0600).ok());
  EXPECT_EQ(LoadOrCreateSessionKeys(path, random).status().code(), StatusCode::kFailedPrecondition);
}

TEST(MasterKey, FromEnvironment) {
  OsRandomSource random;
  EXPECT_TRUE(LoadOrCreateMasterKey("/nonexistent", std::string(43, 'A') + "=", random).ok());
  EXPECT_EQ(LoadOrCreateMasterKey("/nonexistent", std::string("c2hvcnQ="), random).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(RootAccount, FirstStartWritesCredentialsAndRestartKeepsThem) {
  std::string dir = TempDir();
  OsRandomSource random;
  SystemClock clock;
  auto store = SqliteMetadataStore::Open(dir + "/sigil.db");
  IdentityService identity(**store, *SecretBox::Create(std::string(32, 'k')), random, clock);
  ASSERT_TRUE(identity.Load().ok());
  const std::string creds = dir + "/root-credentials";
  auto first = EnsureRootAccount(identity, creds);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->created);
  EXPECT_TRUE(first->credentials_written);
  EXPECT_EQ(first->account_id.size(), 12u);
  EXPECT_EQ(*FileMode(creds), 0600u);
  std::string text = *ReadFile(creds);
  EXPECT_NE(text.find("[default]\naws_access_key_id = AKIA"), std::string::npos);
  EXPECT_NE(text.find("aws_secret_access_key = "), std::string::npos);

  auto again = EnsureRootAccount(identity, creds);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->created);
  EXPECT_FALSE(again->credentials_written);
  EXPECT_EQ(again->account_id, first->account_id);
  EXPECT_EQ(*ReadFile(creds), text);

  // A lost file is replaced by a second root key; a third loss cannot be repaired silently.
  ::unlink(creds.c_str());
  auto replaced = EnsureRootAccount(identity, creds);
  ASSERT_TRUE(replaced.ok());
  EXPECT_TRUE(replaced->credentials_written);
  ::unlink(creds.c_str());
  EXPECT_EQ(EnsureRootAccount(identity, creds).status().code(), StatusCode::kFailedPrecondition);
}

// Several nodes on one database: the first writes the root credentials file; the others find
// the account and must not issue root keys just because their own folders have no file.
TEST(RootAccount, SharedStoreWritesCredentialsOnlyOnTheCreatingNode) {
  std::string dir = TempDir();
  OsRandomSource random;
  SystemClock clock;
  auto store = SqliteMetadataStore::Open(dir + "/sigil.db");  // stands in for the shared one
  ASSERT_TRUE(store.ok());
  const SecretBox box = *SecretBox::Create(std::string(32, 'k'));
  IdentityService node_a(**store, box, random, clock);
  ASSERT_TRUE(node_a.Load().ok());
  const std::string creds_a = dir + "/a-root-credentials";
  auto first = EnsureRootAccount(node_a, creds_a, /*shared_store=*/true);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_TRUE(first->created);
  EXPECT_TRUE(first->credentials_written);
  EXPECT_FALSE(first->credentials_elsewhere);

  IdentityService node_b(**store, box, random, clock);
  ASSERT_TRUE(node_b.Load().ok());
  const std::string creds_b = dir + "/b-root-credentials";
  for (int start = 0; start < 3; ++start) {
    auto joined = EnsureRootAccount(node_b, creds_b, /*shared_store=*/true);
    ASSERT_TRUE(joined.ok()) << joined.status().ToString();
    EXPECT_EQ(joined->account_id, first->account_id);
    EXPECT_FALSE(joined->created);
    EXPECT_FALSE(joined->credentials_written);
    EXPECT_TRUE(joined->credentials_elsewhere);
    EXPECT_EQ(FileMode(creds_b).status().code(), StatusCode::kNotFound);
    EXPECT_EQ(node_b.Current()->Keys(first->account_id, "").size(), 1u);
  }
  // The creating node's own restarts find its file as before.
  auto restarted = EnsureRootAccount(node_a, creds_a, /*shared_store=*/true);
  ASSERT_TRUE(restarted.ok());
  EXPECT_FALSE(restarted->credentials_written);
  EXPECT_FALSE(restarted->credentials_elsewhere);
}

// The creating node stopped between the account and its root key: nobody holds root
// credentials, so the next node to start finishes the job.
TEST(RootAccount, SharedStoreIssuesTheFirstRootKeyIfTheCreatorStoppedBeforeIt) {
  std::string dir = TempDir();
  OsRandomSource random;
  SystemClock clock;
  auto store = SqliteMetadataStore::Open(dir + "/sigil.db");
  ASSERT_TRUE(store.ok());
  IdentityService identity(**store, *SecretBox::Create(std::string(32, 'k')), random, clock);
  ASSERT_TRUE(identity.Load().ok());
  auto account = identity.CreateAccount("default");
  ASSERT_TRUE(account.ok());
  const std::string creds = dir + "/root-credentials";
  auto finished = EnsureRootAccount(identity, creds, /*shared_store=*/true);
  ASSERT_TRUE(finished.ok()) << finished.status().ToString();
  EXPECT_EQ(finished->account_id, account->account_id);
  EXPECT_FALSE(finished->created);
  EXPECT_TRUE(finished->credentials_written);
  EXPECT_FALSE(finished->credentials_elsewhere);
  EXPECT_EQ(*FileMode(creds), 0600u);
}

TEST(MasterKey, JoiningASharedDatabaseNeedsItsKey) {
  std::string dir = TempDir();
  OsRandomSource random;
  SystemClock clock;
  auto store = SqliteMetadataStore::Open(dir + "/sigil.db");
  ASSERT_TRUE(store.ok());
  const std::string key_path = dir + "/master.key";
  // An empty database: the first node creates the key.
  EXPECT_TRUE(RequireMasterKeyToJoin(**store, key_path, false).ok());

  IdentityService identity(**store, *SecretBox::Create(std::string(32, 'k')), random, clock);
  ASSERT_TRUE(identity.Load().ok());
  ASSERT_TRUE(identity.CreateAccount("default").ok());
  Status refused = RequireMasterKeyToJoin(**store, key_path, false);
  EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.message(),
            "the shared database already holds accounts, sealed under the master key of the node "
            "that created them, and this node has none (no " +
                key_path +
                ", no SIGIL_MASTER_KEY): copy master.key from that node's data folder "
                "to " +
                key_path + " (mode 0600), or give every node the same SIGIL_MASTER_KEY");
  EXPECT_EQ(FileMode(key_path).status().code(), StatusCode::kNotFound);  // nothing made up
  EXPECT_TRUE(RequireMasterKeyToJoin(**store, key_path, true).ok());
  ASSERT_TRUE(WriteFileAtomically(key_path, std::string(43, 'A') + "=\n", 0600).ok());
  EXPECT_TRUE(RequireMasterKeyToJoin(**store, key_path, false).ok());
}

}  // namespace
}  // namespace sigil::server
