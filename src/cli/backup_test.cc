#include "cli/backup.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

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
    ASSERT_TRUE(MakeDirectories(root_ + "/blobs/tmp", 0700).ok());
    blob_a_ = PutBlob("0a", "object bytes A");
    blob_b_ = PutBlob("0b", "object bytes B");
    // Neither named by the database: an orphan and an upload in progress.
    PutBlob("0c", "orphan");
    ASSERT_TRUE(WriteFileAtomically(root_ + "/blobs/tmp/" + Id("0d") + ".part", "torn", 0600).ok());
    sources_.snapshot_database =
        [this](const std::string& path) -> StatusOr<std::vector<std::string>> {
      ++snapshots_;
      SIGIL_RETURN_IF_ERROR(WriteFileAtomically(path, "database bytes", 0644));
      return named_;
    };
    named_ = {blob_a_, blob_b_, blob_a_};  // an id may come twice
    sources_.blob_dir = root_ + "/blobs";
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

  // A 32-hex-digit blob id starting with `prefix`.
  static std::string Id(const std::string& prefix) {
    return prefix + std::string(32 - prefix.size(), '1');
  }
  // A committed blob file in ROOT/blobs, as the blob store lays it out; returns its id.
  std::string PutBlob(const std::string& prefix, const std::string& data) {
    const std::string id = Id(prefix);
    EXPECT_TRUE(MakeDirectories(root_ + "/blobs/" + id.substr(0, 2), 0700).ok());
    EXPECT_TRUE(
        WriteFileAtomically(root_ + "/blobs/" + id.substr(0, 2) + "/" + id, data, 0600).ok());
    return id;
  }
  // The names in a folder (to show a failed restore left nothing beside it).
  std::vector<std::string> Entries(const std::string& relative) {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(root_ + "/" + relative)) {
      out.push_back(e.path().filename().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  std::string root_;
  BackupSources sources_;
  OsRandomSource random_;
  std::string blob_a_;
  std::string blob_b_;
  std::vector<std::string> named_;
  int snapshots_ = 0;
};

TEST_F(BackupTest, RoundTripsEveryFileWithPrivateModes) {
  ASSERT_TRUE(Backup().ok());
  EXPECT_EQ(*FileMode(root_ + "/backup"), 0700u);
  const std::string blob_a = "blobs/0a/" + blob_a_;
  const std::string blob_b = "blobs/0b/" + blob_b_;
  for (const std::string& f :
       {std::string("sigil.db"), std::string("master.key.sealed"),
        std::string("session-token.keys.sealed"), std::string("audit/2024/05/log.json"), blob_a,
        blob_b, std::string("manifest.json")}) {
    EXPECT_EQ(*FileMode(root_ + "/backup/" + f), 0600u) << f;
  }
  // Only the blobs the snapshot names: no orphan, nothing from blobs/tmp.
  EXPECT_EQ(Entries("backup/blobs"), (std::vector<std::string>{"0a", "0b"}));
  EXPECT_EQ(snapshots_, 1);
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
  EXPECT_EQ(manifest->format, 2);
  EXPECT_EQ(manifest->database, "sqlite");
  ASSERT_EQ(manifest->files.size(), 6u);
  EXPECT_EQ(manifest->files[0].path, "sigil.db");
  EXPECT_EQ(manifest->files[0].sha256, Sha256Hex("database bytes"));
  EXPECT_EQ(manifest->files[4].path, blob_a);
  EXPECT_EQ(manifest->files[4].sha256, Sha256Hex("object bytes A"));
  EXPECT_EQ(manifest->files[5].path, blob_b);

  ASSERT_TRUE(RestoreBackup(root_ + "/backup", "correct horse", root_ + "/restored").ok());
  EXPECT_EQ(Read("restored/sigil.db"), "database bytes");
  EXPECT_EQ(Read("restored/master.key"), "bWFzdGVy\n");
  EXPECT_EQ(Read("restored/session-token.keys"), "1 c2Vzc2lvbg==\n");
  EXPECT_EQ(Read("restored/audit/2024/05/log.json"), "{\"r\":1}");
  EXPECT_EQ(Read("restored/" + blob_a), "object bytes A");
  EXPECT_EQ(Read("restored/" + blob_b), "object bytes B");
  EXPECT_EQ(*FileMode(root_ + "/restored/" + blob_a), 0600u);
  EXPECT_EQ(*FileMode(root_ + "/restored/blobs/0a"), 0700u);
  EXPECT_EQ(*FileMode(root_ + "/restored/master.key"), 0600u);
  EXPECT_EQ(*FileMode(root_ + "/restored/session-token.keys"), 0600u);
  EXPECT_EQ(*FileMode(root_ + "/restored"), 0700u);
  // The staging folder beside it was renamed, not left behind.
  for (const std::string& name : Entries(""))
    EXPECT_EQ(name.find(".restoring-"), std::string::npos);
}

TEST_F(BackupTest, ABlobDeletedAfterTheSnapshotTakesANewerSnapshot) {
  const std::string blob_c = PutBlob("0e", "object bytes C");
  sources_.snapshot_database = [&](const std::string& path) -> StatusOr<std::vector<std::string>> {
    ++snapshots_;
    SIGIL_RETURN_IF_ERROR(
        WriteFileAtomically(path, "snapshot " + std::to_string(snapshots_), 0600));
    if (snapshots_ == 1) {
      // Object A is overwritten by C right after the first snapshot: A's blob is deleted
      // before the backup gets to it.
      std::filesystem::remove(root_ + "/blobs/0a/" + blob_a_);
      return std::vector<std::string>{blob_a_, blob_b_};
    }
    return std::vector<std::string>{blob_b_, blob_c};
  };
  ASSERT_TRUE(Backup().ok());
  EXPECT_EQ(snapshots_, 2);
  EXPECT_EQ(Read("backup/sigil.db"), "snapshot 2");
  EXPECT_EQ(Entries("backup/blobs"), (std::vector<std::string>{"0b", "0e"}));
  auto manifest = ParseManifest(Read("backup/manifest.json"));
  ASSERT_TRUE(manifest.ok());
  ASSERT_EQ(manifest->files.size(), 6u);
  EXPECT_EQ(manifest->files[0].sha256, Sha256Hex("snapshot 2"));
  EXPECT_EQ(manifest->files[4].path, "blobs/0b/" + blob_b_);
  EXPECT_EQ(manifest->files[5].path, "blobs/0e/" + blob_c);
}

TEST_F(BackupTest, ABlobCopiedForAnEarlierSnapshotOnlyIsDropped) {
  const std::string gone = Id("0f");  // never existed: forces a second snapshot
  sources_.snapshot_database = [&](const std::string& path) -> StatusOr<std::vector<std::string>> {
    ++snapshots_;
    SIGIL_RETURN_IF_ERROR(WriteFileAtomically(path, "db", 0600));
    if (snapshots_ == 1) return std::vector<std::string>{blob_a_, gone};
    return std::vector<std::string>{blob_b_};  // A was deleted meanwhile
  };
  ASSERT_TRUE(Backup().ok());
  EXPECT_EQ(snapshots_, 2);
  EXPECT_EQ(Entries("backup/blobs/0a"), std::vector<std::string>{});
  EXPECT_EQ(Entries("backup/blobs/0b"), std::vector<std::string>{blob_b_});
}

TEST_F(BackupTest, GivesUpWhenBlobsKeepVanishing) {
  named_ = {Id("0f")};  // named by every snapshot, never there
  Status s = Backup();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.message(),
            "objects kept changing during the backup: 5 database snapshots in a row named blobs "
            "that were deleted before they could be copied (1 the last time); try again when the "
            "store is quieter");
  EXPECT_EQ(snapshots_, kMaxSnapshotAttempts);
  EXPECT_FALSE(FileMode(root_ + "/backup/manifest.json").ok());
}

TEST_F(BackupTest, AMalformedBlobIdInTheDatabaseIsAnError) {
  named_ = {"../../etc/passwd"};
  Status s = Backup();
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_EQ(s.message(), "the database names a malformed blob id: ../../etc/passwd");
}

TEST_F(BackupTest, RestoresIntoAnExistingEmptyFolder) {
  ASSERT_TRUE(Backup().ok());
  ASSERT_TRUE(MakeDirectories(root_ + "/empty", 0755).ok());
  ASSERT_TRUE(RestoreBackup(root_ + "/backup", "correct horse", root_ + "/empty/").ok());
  EXPECT_EQ(Read("empty/blobs/0b/" + blob_b_), "object bytes B");
  EXPECT_EQ(*FileMode(root_ + "/empty"), 0700u);
}

TEST_F(BackupTest, ATamperedBlobLeavesNothingBehind) {
  ASSERT_TRUE(Backup().ok());
  ASSERT_TRUE(
      WriteFileAtomically(root_ + "/backup/blobs/0b/" + blob_b_, "object bytes b", 0600).ok());
  const std::vector<std::string> before = Entries("");
  Status s = RestoreBackup(root_ + "/backup", "correct horse", root_ + "/restored");
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "the backup is damaged or was altered: blobs/0b/" + blob_b_ +
                             " does not match its SHA-256 in manifest.json");
  EXPECT_EQ(Entries(""), before);  // no data folder, no staging folder

  // Into an existing empty folder: emptied again.
  ASSERT_TRUE(MakeDirectories(root_ + "/empty", 0700).ok());
  s = RestoreBackup(root_ + "/backup", "correct horse", root_ + "/empty");
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(Entries("empty"), std::vector<std::string>{});
}

TEST_F(BackupTest, AMissingBlobIsReported) {
  ASSERT_TRUE(Backup().ok());
  std::filesystem::remove(root_ + "/backup/blobs/0a/" + blob_a_);
  Status s = RestoreBackup(root_ + "/backup", "correct horse", root_ + "/restored");
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "the backup is incomplete: blobs/0a/" + blob_a_ + ": opening " + root_ +
                             "/backup/blobs/0a/" + blob_a_ + ": No such file or directory");
  EXPECT_FALSE(FileMode(root_ + "/restored").ok());
}

TEST_F(BackupTest, PostgresBackupsLoadTheArchiveIntoTheTarget) {
  sources_.database = "postgresql";
  ASSERT_TRUE(Backup().ok());
  EXPECT_EQ(Read("backup/database.pgdump"), "database bytes");
  EXPECT_FALSE(FileMode(root_ + "/backup/sigil.db").ok());

  // Without a target database: refused before anything is written.
  Status s = RestoreBackup(root_ + "/backup", "correct horse", root_ + "/restored");
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(),
            "this backup is of a PostgreSQL database: give the new, empty database to restore it "
            "into with --database");

  std::vector<std::string> calls;
  DatabaseTarget target;
  target.check = [&] {
    calls.push_back("check");
    return FailedPreconditionError("the database is not empty");
  };
  target.load = [&](const std::string& path) {
    calls.push_back("load " + path);
    // The files are in place (in the staging folder) before the database is loaded.
    return OkStatus();
  };
  s = RestoreBackup(root_ + "/backup", "correct horse", root_ + "/restored", target);
  EXPECT_EQ(s.message(), "the database is not empty");
  EXPECT_EQ(calls, std::vector<std::string>{"check"});
  EXPECT_FALSE(FileMode(root_ + "/restored").ok());

  target.check = [&] {
    calls.push_back("check");
    return OkStatus();
  };
  calls.clear();
  ASSERT_TRUE(RestoreBackup(root_ + "/backup", "correct horse", root_ + "/restored", target).ok());
  EXPECT_EQ(calls,
            (std::vector<std::string>{"check", "load " + root_ + "/backup/database.pgdump"}));
  EXPECT_EQ(Read("restored/master.key"), "bWFzdGVy\n");
  EXPECT_EQ(Read("restored/blobs/0a/" + blob_a_), "object bytes A");
  EXPECT_FALSE(FileMode(root_ + "/restored/sigil.db").ok());
  EXPECT_FALSE(FileMode(root_ + "/restored/database.pgdump").ok());
}

TEST_F(BackupTest, AFailedLoadLeavesNoDataFolder) {
  sources_.database = "postgresql";
  ASSERT_TRUE(Backup().ok());
  DatabaseTarget target;
  target.check = [] { return OkStatus(); };
  target.load = [](const std::string&) { return InternalError("pg_restore failed"); };
  const std::vector<std::string> before = Entries("");
  Status s = RestoreBackup(root_ + "/backup", "correct horse", root_ + "/restored", target);
  EXPECT_EQ(s.message(), "pg_restore failed");
  EXPECT_EQ(Entries(""), before);
}

TEST_F(BackupTest, ASqliteBackupRefusesATargetDatabase) {
  ASSERT_TRUE(Backup().ok());
  DatabaseTarget target;
  target.check = [] { return OkStatus(); };
  target.load = [](const std::string&) { return OkStatus(); };
  Status s = RestoreBackup(root_ + "/backup", "correct horse", root_ + "/restored", target);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(),
            "this backup is of a SQLite database: restore it without --database (it becomes "
            "sigil.db in the data folder)");
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
