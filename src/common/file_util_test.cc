#include "common/file_util.h"

#include <gtest/gtest.h>
#include <stdlib.h>

namespace sigil {
namespace {

std::string TempDir() {
  char tmpl[] = "/tmp/sigil_file_util_XXXXXX";
  return mkdtemp(tmpl);
}

TEST(FileUtil, AtomicWriteSetsExactModeAndReplaces) {
  std::string dir = TempDir();
  std::string path = dir + "/secret";
  ASSERT_TRUE(WriteFileAtomically(path, "one", 0600).ok());
  ASSERT_TRUE(WriteFileAtomically(path, "two", 0600).ok());
  EXPECT_EQ(*ReadFile(path), "two");
  EXPECT_EQ(*FileMode(path), 0600u);
}

TEST(FileUtil, ErrorsAreTranslated) {
  EXPECT_EQ(ReadFile("/nonexistent/x").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(WriteFileAtomically("/nonexistent/dir/x", "a", 0600).code(), StatusCode::kNotFound);
  std::string dir = TempDir();
  ASSERT_TRUE(WriteFileAtomically(dir + "/file", "a", 0600).ok());
  EXPECT_EQ(MakeDirectories(dir + "/file", 0700).code(), StatusCode::kFailedPrecondition);
}

TEST(FileUtil, MakeDirectoriesIsIdempotent) {
  std::string dir = TempDir() + "/a/b/c";
  EXPECT_TRUE(MakeDirectories(dir, 0700).ok());
  EXPECT_TRUE(MakeDirectories(dir, 0700).ok());
  EXPECT_EQ(*FileMode(dir), 0700u);
}

}  // namespace
}  // namespace sigil
