#include "blob/blob_store.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "common/file_util.h"
#include "gtest/gtest.h"

namespace sigil {
namespace {

namespace fs = std::filesystem;

class BlobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "sigil-blobs-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    root_ = dir_ + "/blobs";
    StatusOr<std::unique_ptr<BlobStore>> store = BlobStore::Open(root_, random_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Put(const std::string& bytes) {
    StatusOr<std::unique_ptr<BlobWriter>> writer = store_->Create();
    EXPECT_TRUE(writer.ok());
    EXPECT_TRUE((*writer)->Append(bytes).ok());
    StatusOr<std::string> id = (*writer)->Commit();
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : "";
  }
  std::string ReadAll(const std::string& id) {
    StatusOr<std::unique_ptr<BlobFile>> file = store_->OpenBlob(id);
    EXPECT_TRUE(file.ok()) << file.status().ToString();
    if (!file.ok()) return "";
    std::string out((*file)->size(), '\0');
    StatusOr<size_t> n = (*file)->ReadAt(0, std::span<char>(out.data(), out.size()));
    EXPECT_TRUE(n.ok());
    return out;
  }
  size_t FilesIn(const std::string& dir) {
    size_t n = 0;
    for (const auto& e : fs::recursive_directory_iterator(dir)) n += e.is_regular_file() ? 1 : 0;
    return n;
  }

  OsRandomSource random_;
  std::string dir_;
  std::string root_;
  std::unique_ptr<BlobStore> store_;
};

TEST_F(BlobStoreTest, CommittedBlobReadsBackWholeAndAtOffsets) {
  const std::string id = Put("hello, blob world");
  EXPECT_EQ(id.size(), 32u);
  EXPECT_EQ(ReadAll(id), "hello, blob world");
  StatusOr<std::unique_ptr<BlobFile>> file = store_->OpenBlob(id);
  ASSERT_TRUE(file.ok());
  EXPECT_EQ((*file)->size(), 17u);
  std::string part(4, '\0');
  StatusOr<size_t> n = (*file)->ReadAt(7, std::span<char>(part.data(), part.size()));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 4u);
  EXPECT_EQ(part, "blob");
  n = (*file)->ReadAt(15, std::span<char>(part.data(), part.size()));
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2u);  // short only at the end
  // Files are private to the server's user.
  struct stat st {};
  ASSERT_EQ(::stat((root_ + "/" + id.substr(0, 2) + "/" + id).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(BlobStoreTest, AbandonedWriterLeavesNothing) {
  {
    StatusOr<std::unique_ptr<BlobWriter>> writer = store_->Create();
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Append("partial").ok());
    EXPECT_EQ((*writer)->size(), 7u);
    EXPECT_EQ(FilesIn(root_), 1u);
  }
  EXPECT_EQ(FilesIn(root_), 0u);
}

TEST_F(BlobStoreTest, OpeningRemovesTemporaryFilesACrashLeft) {
  ASSERT_TRUE(WriteFileAtomically(root_ + "/tmp/0123.part", "torn", 0600).ok());
  const std::string kept = Put("whole");
  store_.reset();
  StatusOr<std::unique_ptr<BlobStore>> reopened = BlobStore::Open(root_, random_);
  ASSERT_TRUE(reopened.ok());
  store_ = std::move(reopened).value();
  EXPECT_FALSE(fs::exists(root_ + "/tmp/0123.part"));
  EXPECT_EQ(ReadAll(kept), "whole");
}

TEST_F(BlobStoreTest, IdsThatAreNotOursNeverBecomePaths) {
  for (std::string_view bad : {"../../etc/passwd", "", "0123", "ABCDEF0123456789ABCDEF0123456789",
                               "0123456789abcdef0123456789abcde/"}) {
    StatusOr<std::unique_ptr<BlobFile>> file = store_->OpenBlob(bad);
    ASSERT_FALSE(file.ok());
    EXPECT_EQ(file.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(store_->Delete(bad).code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(BlobStore::RelativePath(bad), "") << bad;
  }
  const std::string id = Put("placed");
  EXPECT_EQ(BlobStore::RelativePath(id), id.substr(0, 2) + "/" + id);
  EXPECT_TRUE(fs::exists(root_ + "/" + BlobStore::RelativePath(id)));
  StatusOr<std::unique_ptr<BlobFile>> missing =
      store_->OpenBlob("0123456789abcdef0123456789abcdef");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

TEST_F(BlobStoreTest, DeleteRemovesAndToleratesAbsence) {
  const std::string id = Put("x");
  EXPECT_TRUE(store_->Delete(id).ok());
  EXPECT_EQ(store_->OpenBlob(id).status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(store_->Delete(id).ok());
}

TEST_F(BlobStoreTest, SweepRemovesOnlyOldUnreferencedBlobs) {
  const std::string referenced = Put("a");
  const std::string orphan = Put("b");
  // Nothing is old enough yet: a blob about to be named by a row must survive.
  StatusOr<size_t> removed =
      store_->SweepUnreferenced({referenced}, SystemClock().Now() - std::chrono::hours(1));
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 0u);
  removed = store_->SweepUnreferenced({referenced}, SystemClock().Now() + std::chrono::seconds(5));
  ASSERT_TRUE(removed.ok());
  EXPECT_EQ(*removed, 1u);
  EXPECT_EQ(ReadAll(referenced), "a");
  EXPECT_EQ(store_->OpenBlob(orphan).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace sigil
