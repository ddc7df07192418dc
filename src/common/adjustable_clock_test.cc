#include "common/adjustable_clock.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <set>
#include <thread>
#include <vector>

#include "common/file_util.h"

namespace sigil {
namespace {

using std::chrono::seconds;

const TimePoint kBase = FromUnixSeconds(1'700'000'000);

std::string TempDir() {
  char tmpl[] = "/tmp/sigil_adjustable_clock_XXXXXX";
  return mkdtemp(tmpl);
}

// Rewrites `path` in place (same inode), as `echo N > file` does.
void WriteInPlace(const std::string& path, const std::string& text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ASSERT_EQ(::close(fd), 0);
}

timespec MtimeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0);
  return st.st_mtim;
}

void SetMtime(const std::string& path, timespec mtime) {
  timespec times[2] = {mtime, mtime};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
}

TEST(AdjustableClock, MissingFileMeansNoOffset) {
  FakeClock base(kBase);
  AdjustableClock clock(TempDir() + "/offset", base);
  EXPECT_EQ(clock.Now(), kBase);
  EXPECT_EQ(clock.OffsetMillis(), 0);
  base.Advance(std::chrono::milliseconds(1500));
  EXPECT_EQ(clock.Now(), kBase + std::chrono::milliseconds(1500));

  AdjustableClock in_missing_dir("/nonexistent-sigil-dir/offset", base);
  EXPECT_EQ(in_missing_dir.OffsetMillis(), 0);
}

TEST(AdjustableClock, FollowsTheFileAsItChangesAndIsRemoved) {
  std::string path = TempDir() + "/offset";
  FakeClock base(kBase);
  AdjustableClock clock(path, base);
  ASSERT_TRUE(WriteFileAtomically(path, "900\n", 0600).ok());
  EXPECT_EQ(clock.Now(), kBase + seconds(900));

  // Replaced by rename (a new inode): seen at once, even with the same size.
  ASSERT_TRUE(WriteFileAtomically(path, "-30\n", 0600).ok());
  EXPECT_EQ(clock.Now(), kBase - seconds(30));
  // Rewritten in place with another size.
  WriteInPlace(path, "  +3600  \n");
  EXPECT_EQ(clock.Now(), kBase + seconds(3600));
  EXPECT_EQ(clock.OffsetMillis(), 3'600'000);

  ASSERT_EQ(::unlink(path.c_str()), 0);
  EXPECT_EQ(clock.Now(), kBase);
  // And back again after removal.
  ASSERT_TRUE(WriteFileAtomically(path, "60", 0600).ok());
  EXPECT_EQ(clock.Now(), kBase + seconds(60));
}

TEST(AdjustableClock, MalformedFileKeepsTheLastGoodOffset) {
  std::string path = TempDir() + "/offset";
  FakeClock base(kBase);
  AdjustableClock clock(path, base);
  ASSERT_TRUE(WriteFileAtomically(path, "120\n", 0600).ok());
  EXPECT_EQ(clock.Now(), kBase + seconds(120));
  for (const char* bad : {"", "   \n", "abc", "12abc", "1.5", "--5", "99999999999999999999",
                          "400000000" /* beyond ten years */}) {
    ASSERT_TRUE(WriteFileAtomically(path, bad, 0600).ok());
    EXPECT_EQ(clock.Now(), kBase + seconds(120)) << "file text: '" << bad << "'";
  }
  ASSERT_TRUE(WriteFileAtomically(path, "-7", 0600).ok());
  EXPECT_EQ(clock.Now(), kBase - seconds(7));

  // A directory where the file should be: unreadable, so the offset stays.
  ASSERT_EQ(::unlink(path.c_str()), 0);
  ASSERT_EQ(::mkdir(path.c_str(), 0700), 0);
  EXPECT_EQ(clock.Now(), kBase - seconds(7));
}

TEST(AdjustableClock, ReadsTheFileAgainOnlyWhenItsVersionChanged) {
  std::string path = TempDir() + "/offset";
  FakeClock base(kBase);
  AdjustableClock clock(path, base);
  WriteInPlace(path, "100");
  EXPECT_EQ(clock.Now(), kBase + seconds(100));
  timespec mtime = MtimeOf(path);

  // Same inode, same size, modification time put back: the cached offset stays.
  WriteInPlace(path, "200");
  SetMtime(path, mtime);
  EXPECT_EQ(clock.Now(), kBase + seconds(100));

  // A new modification time is noticed.
  mtime.tv_sec += 1;
  SetMtime(path, mtime);
  EXPECT_EQ(clock.Now(), kBase + seconds(200));
}

TEST(AdjustableClock, OverTheSystemClock) {
  std::string path = TempDir() + "/offset";
  AdjustableClock clock(path);
  ASSERT_TRUE(WriteFileAtomically(path, "86400", 0600).ok());
  TimePoint before = SystemClock().Now();
  TimePoint now = clock.Now();
  TimePoint after = SystemClock().Now();
  EXPECT_GE(now, before + seconds(86400));
  EXPECT_LE(now, after + seconds(86400));
  EXPECT_EQ(clock.offset_file(), path);
}

TEST(AdjustableClock, ConcurrentReadersSeeOnlyWrittenOffsets) {
  std::string path = TempDir() + "/offset";
  FakeClock base(kBase);
  AdjustableClock clock(path, base);
  std::atomic<bool> done{false};
  std::vector<std::set<int64_t>> seen(4);
  std::vector<std::thread> readers;
  for (size_t i = 0; i < seen.size(); ++i) {
    readers.emplace_back([&, i] {
      while (!done.load()) seen[i].insert(ToUnixSeconds(clock.Now()) - ToUnixSeconds(kBase));
    });
  }
  for (int round = 0; round < 200; ++round) {
    ASSERT_TRUE(WriteFileAtomically(path, std::to_string(round % 2 == 0 ? 10 : 2000), 0600).ok());
  }
  done = true;
  for (std::thread& t : readers) t.join();
  std::set<int64_t> all;
  for (const auto& s : seen) all.insert(s.begin(), s.end());
  for (int64_t offset : all) {
    EXPECT_TRUE(offset == 0 || offset == 10 || offset == 2000) << offset;
  }
  EXPECT_EQ(clock.Now(), kBase + seconds(2000));  // the last write (round 199)
}

TEST(AdjustableClock, ParseOffsetSeconds) {
  EXPECT_EQ(AdjustableClock::ParseOffsetSeconds("0"), 0);
  EXPECT_EQ(AdjustableClock::ParseOffsetSeconds(" 42\n"), 42);
  EXPECT_EQ(AdjustableClock::ParseOffsetSeconds("+5"), 5);
  EXPECT_EQ(AdjustableClock::ParseOffsetSeconds("-900"), -900);
  EXPECT_EQ(AdjustableClock::ParseOffsetSeconds("315000000"), 315'000'000);
  EXPECT_EQ(AdjustableClock::ParseOffsetSeconds(""), std::nullopt);
  EXPECT_EQ(AdjustableClock::ParseOffsetSeconds("+"), std::nullopt);
  EXPECT_EQ(AdjustableClock::ParseOffsetSeconds("- 5"), std::nullopt);
  EXPECT_EQ(AdjustableClock::ParseOffsetSeconds("+-5"), std::nullopt);
  EXPECT_EQ(AdjustableClock::ParseOffsetSeconds("5s"), std::nullopt);
  EXPECT_EQ(AdjustableClock::ParseOffsetSeconds("1 2"), std::nullopt);
  EXPECT_EQ(AdjustableClock::ParseOffsetSeconds("-400000000"), std::nullopt);
}

}  // namespace
}  // namespace sigil
