#include "s3/background_digests.h"

#include <string>

#include "gtest/gtest.h"

namespace sigil::s3 {
namespace {

std::string Bytes(size_t n) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 131 + i / 7) & 0xFF);
  return s;
}

const std::vector<ChecksumAlgorithm> kAlgorithms = {
    ChecksumAlgorithm::kMd5, ChecksumAlgorithm::kSha256, ChecksumAlgorithm::kCrc32c};

TEST(BackgroundDigestsTest, ThreadedAndInlineAgreeWithOneShotDigests) {
  const std::string data = Bytes(20 * 1024 * 1024 + 17);
  for (uint64_t expected : {uint64_t{10}, uint64_t{data.size()}}) {  // inline, then threaded
    BackgroundDigests digests(kAlgorithms, expected);
    // Pieces of uneven sizes, more than the queue holds, so Update has to wait.
    for (size_t at = 0; at < data.size();) {
      const size_t n = std::min<size_t>(data.size() - at, 300000 + at % 1000);
      digests.Update(std::string_view(data).substr(at, n));
      at += n;
    }
    const std::vector<std::string> out = digests.Finish();
    ASSERT_EQ(out.size(), 3u);
    for (size_t i = 0; i < kAlgorithms.size(); ++i) {
      EXPECT_EQ(out[i], ComputeChecksum(kAlgorithms[i], data)) << "algorithm " << i;
    }
  }
}

TEST(BackgroundDigestsTest, AbandonedUploadStopsTheWorker) {
  BackgroundDigests digests(kAlgorithms, 64 * 1024 * 1024);
  digests.Update(Bytes(3 * 1024 * 1024));
  // Destroyed without Finish (a failed upload): the destructor joins without hanging.
}

}  // namespace
}  // namespace sigil::s3
