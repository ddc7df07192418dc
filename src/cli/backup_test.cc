#include "cli/backup.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

#include "common/file_util.h"

namespace sigil::cli {
namespace {

// A fresh folder under /tmp, removed with its contents at the end of the test.
class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sigil-backup-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
    ASSERT_TRUE(MakeDirectories(root_ + "/audit/2024/05", 0700).ok());
    ASSERT_TRUE(WriteFileAtomically(root_ + "/audit/2024/05/log.json", "{\"r\":1}", 0600).ok());
    sources_.write_database = [](const std::string& path) {
      return WriteFileAtomically(path, "database bytes", 0644);
    };
    sources_.schema_version = 7;
    sources_.master_key = "bWFzdGVy\n";
    sources_.session_keys = "1 c2Vzc2lvbg==\n";
    sources_.audit_dir = root_ + "/audit";
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  Status Backup(std::string_view passphrase = "correct horse") {
    return WriteBackup(sources_, root_ + "/backup", passphrase, random_,
                       TimePoint(std::chrono::seconds(1714978800)));
  }
  std::string Read(const std::string& relative) {
    auto data = ReadFile(root_ + "/" + relative);
    EXPECT_TRUE(data.ok()) << data.status().ToString();
    return data.ok() ? *data : "";
  }

  std::string root_;
  BackupSources sources_;
  OsRandomSource random_;
};

TEST_F(BackupTest, RoundTripsEveryFileWithPrivateModes) {
  ASSERT_TRUE(Backup().ok());
  EXPECT_EQ(*FileMode(root_ + "/backup"), 0700u);
  for (const char* f : {"sigil.db", "master.key.sealed", "session-token.keys.sealed",
                        "audit/2024/05/log.json", "manifest.json"}) {
    EXPECT_EQ(*FileMode(root_ + "/backup/" + f), 0600u) << f;
  }
  // The keys are not in the clear anywhere in the backup.
  EXPECT_EQ(Read("backup/master.key.sealed").find("bWFzdGVy"), std::string::npos);

  auto manifest = ParseManifest(Read("backup/manifest.json"));
  ASSERT_TRUE(manifest.ok()) << manifest.status().ToString();
  EXPECT_EQ(manifest->schema_version, 7);
  EXPECT_EQ(manifest->created, "2024-05-06T07:00:00Z");
  EXPECT_EQ(manifest->kdf.n, uint64_t{1} << 15);
  EXPECT_EQ(manifest->kdf.r, 8u);
  EXPECT_EQ(manifest->kdf.p, 1u);
  EXPECT_EQ(manifest->kdf.salt.size(), 16u);
  ASSERT_EQ(manifest->files.size(), 4u);
  EXPECT_EQ(manifest->files[0].path, "sigil.db");
  EXPECT_EQ(manifest->files[0].sha256, Sha256Hex("database bytes"));

  ASSERT_TRUE(RestoreBackup(root_ + "/backup", "correct horse", root_ + "/restored").ok());
  EXPECT_EQ(Read("restored/sigil.db"), "database bytes");
  EXPECT_EQ(Read("restored/master.key"), "bWFzdGVy\n");
  EXPECT_EQ(Read("restored/session-token.keys"), "1 c2Vzc2lvbg==\n");
  EXPECT_EQ(Read("restored/audit/2024/05/log.json"), "{\"r\":1}");
  EXPECT_EQ(*FileMode(root_ + "/restored/master.key"), 0600u);
  EXPECT_EQ(*FileMode(root_ + "/restored/session-token.keys"), 0600u);
  EXPECT_EQ(*FileMode(root_ + "/restored"), 0700u);
}

TEST_F(BackupTest, RefusesAnEmptyPassphraseAndANonEmptyFolder) {
  Status empty = Backup("");
  EXPECT_EQ(empty.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(empty.message(), "the backup passphrase is empty");
  EXPECT_FALSE(FileMode(root_ + "/backup").ok());  // nothing written

  ASSERT_TRUE(Backup().ok());
  Status again = Backup();
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(again.message().find("is not an empty folder"), std::string::npos) << again.message();
}

TEST_F(BackupTest, WrongPassphraseWritesNothing) {
  ASSERT_TRUE(Backup().ok());
  Status s = RestoreBackup(root_ + "/backup", "wrong horse", root_ + "/restored");
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(s.message(), "wrong passphrase: the backup's keys do not open with it");
  EXPECT_FALSE(FileMode(root_ + "/restored").ok());
}

TEST_F(BackupTest, TamperedFileIsRefused) {
  ASSERT_TRUE(Backup().ok());
  ASSERT_TRUE(
      WriteFileAtomically(root_ + "/backup/audit/2024/05/log.json", "{\"r\":2}", 0600).ok());
  Status s = RestoreBackup(root_ + "/backup", "correct horse", root_ + "/restored");
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(),
            "the backup is damaged or was altered: audit/2024/05/log.json does not match its "
            "SHA-256 in manifest.json");
  EXPECT_FALSE(FileMode(root_ + "/restored").ok());
}

TEST_F(BackupTest, TamperedManifestIsRefused) {
  ASSERT_TRUE(Backup().ok());
  // Replace a file and its hash together: only the manifest's HMAC catches it.
  ASSERT_TRUE(WriteFileAtomically(root_ + "/backup/sigil.db", "other bytes", 0600).ok());
  std::string json = Read("backup/manifest.json");
  const std::string old_hash = Sha256Hex("database bytes");
  json.replace(json.find(old_hash), old_hash.size(), Sha256Hex("other bytes"));
  ASSERT_TRUE(WriteFileAtomically(root_ + "/backup/manifest.json", json, 0600).ok());
  Status s = RestoreBackup(root_ + "/backup", "correct horse", root_ + "/restored");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "manifest.json was altered: its hmac does not match");
  EXPECT_FALSE(FileMode(root_ + "/restored").ok());
}

TEST_F(BackupTest, RefusesAnExistingDataFolderAndEscapingPaths) {
  ASSERT_TRUE(Backup().ok());
  Status s = RestoreBackup(root_ + "/backup", "correct horse", root_ + "/audit");
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);

  auto escaping = ParseManifest(
      R"({"format":1,"database":"sqlite","schema_version":1,"created":"x",)"
      R"("kdf":{"algorithm":"scrypt","n":32768,"r":8,"p":1,"salt":"AAAAAAAAAAAAAAAAAAAAAA=="},)"
      R"("files":[{"path":"../evil","sha256":"00"}]})");
  EXPECT_EQ(escaping.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(escaping.status().message(),
            "manifest.json is malformed: a listed path is not a plain relative path");
}

TEST(DeriveBackupKeyTest, DependsOnPassphraseAndSalt) {
  KdfParams kdf;
  kdf.salt = std::string(16, 'a');
  OsRandomSource random;
  auto a = DeriveBackupKey("pass", kdf);
  ASSERT_TRUE(a.ok());
  auto sealed = a->Seal(random, "secret", "aad");
  ASSERT_TRUE(sealed.ok());
  EXPECT_TRUE(DeriveBackupKey("pass", kdf)->Open(*sealed, "aad").ok());
  EXPECT_FALSE(DeriveBackupKey("pasS", kdf)->Open(*sealed, "aad").ok());
  kdf.salt = std::string(16, 'b');
  EXPECT_FALSE(DeriveBackupKey("pass", kdf)->Open(*sealed, "aad").ok());
}

}  // namespace
}  // namespace sigil::cli
