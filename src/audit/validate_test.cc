#include "audit/validate.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "audit/audit_test_util.h"
#include "audit/writer.h"
#include "common/file_util.h"

namespace sigil::audit {
namespace {

using testing::At;
using testing::Slurp;
using testing::Spit;
using testing::TempDir;
using testing::TestRecord;

constexpr char kKey[] = "0123456789abcdef0123456789abcdef";

// A trail of one node: the genesis digest, then three rotations one second apart (each file
// in its own digest), then a final digest; files 1-3 closed, no file open.
class ValidateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FakeClock clock(At("2024-05-06T07:00:00Z"));
    WriterOptions o;
    o.audit_dir = audit_;
    o.signing_key = kKey;
    o.clock = &clock;
    o.sync_interval = std::chrono::milliseconds(10);
    auto w = Writer::Open(o);
    ASSERT_TRUE(w.ok()) << w.status().message();
    for (int i = 0; i < 3; ++i) {
      clock.Advance(std::chrono::seconds(1));
      (*w)->Enqueue(TestRecord(clock.Now(), "r" + std::to_string(i)), clock.Now());
      (*w)->Flush();
      clock.Advance(std::chrono::hours(1));  // rotates by age, and writes the digest
      (*w)->Flush();
    }
    ASSERT_TRUE((*w)->Close().ok());
    logs_ = *ListLogFiles(audit_);
    digests_ = *ListDigestFiles(audit_);
    ASSERT_EQ(logs_.size(), 3u);
    ASSERT_EQ(digests_.size(), 5u);  // genesis, one per file, final
  }

  ValidationReport Run(const ValidateOptions& options = {}, std::string_view key = kKey) {
    auto report = Validate(audit_, key, options);
    EXPECT_TRUE(report.ok()) << report.status().message();
    return report.ok() ? *report : ValidationReport();
  }
  std::string Path(const std::string& relative) { return audit_ + "/" + relative; }
  static std::vector<Problem> Problems(const ValidationReport& r) {
    std::vector<Problem> out;
    for (const Finding& f : r.findings) out.push_back(f.problem);
    return out;
  }

  TempDir dir_;
  std::string audit_ = dir_.path() + "/audit";
  std::vector<FoundLogFile> logs_;
  std::vector<FoundDigestFile> digests_;
};

TEST_F(ValidateTest, AnUntouchedTrailIsValid) {
  ValidationReport r = Run();
  EXPECT_TRUE(r.ok()) << FormatReport(r);
  EXPECT_EQ(r.digests_checked, 5u);
  EXPECT_EQ(r.log_files_checked, 3u);
  EXPECT_TRUE(r.pending_files.empty());
  EXPECT_NE(FormatReport(r).find("Checked 5 digest file(s) and 3 log file(s) of node(s) "),
            std::string::npos);
  EXPECT_NE(FormatReport(r).find(": valid.\n"), std::string::npos);
}

TEST_F(ValidateTest, OneAlteredByteInALogFileIsReported) {
  std::string bytes = Slurp(Path(logs_[1].relative_path));
  bytes[bytes.find("r1")] = 'X';
  Spit(Path(logs_[1].relative_path), bytes);
  ValidationReport r = Run();
  ASSERT_EQ(Problems(r), std::vector<Problem>{Problem::kLogFileTampered});
  EXPECT_EQ(r.findings[0].path, logs_[1].relative_path);
  EXPECT_NE(FormatReport(r).find("FAILED   log file tampered: " + logs_[1].relative_path),
            std::string::npos)
      << FormatReport(r);
  EXPECT_NE(FormatReport(r).find("1 problem(s) found"), std::string::npos);
}

TEST_F(ValidateTest, ATruncatedLogFileIsReported) {
  std::string bytes = Slurp(Path(logs_[0].relative_path));
  Spit(Path(logs_[0].relative_path), bytes.substr(0, bytes.size() - 1));
  EXPECT_EQ(Problems(Run()), std::vector<Problem>{Problem::kLogFileTampered});
}

TEST_F(ValidateTest, ADeletedLogFileIsReported) {
  std::filesystem::remove(Path(logs_[2].relative_path));
  ValidationReport r = Run();
  ASSERT_EQ(Problems(r), std::vector<Problem>{Problem::kLogFileMissing});
  EXPECT_EQ(r.findings[0].path, logs_[2].relative_path);
}

TEST_F(ValidateTest, ADeletedDigestBreaksTheChainAndUnlistsItsFiles) {
  // digests_[2] lists logs_[1].
  std::filesystem::remove(Path(digests_[2].relative_path));
  ValidationReport r = Run();
  EXPECT_EQ(Problems(r),
            (std::vector<Problem>{Problem::kDigestChainBroken, Problem::kLogFileUnlisted}))
      << FormatReport(r);
  EXPECT_EQ(r.findings[0].path, digests_[3].relative_path);
  EXPECT_NE(
      r.findings[0].detail.find("its previous digest " + digests_[2].relative_path + " is missing"),
      std::string::npos);
  EXPECT_EQ(r.findings[1].path, logs_[1].relative_path);
}

TEST_F(ValidateTest, AnAlteredDigestFailsItsSignatureAndTheNextLink) {
  std::string bytes = Slurp(Path(digests_[1].relative_path));
  const size_t at = bytes.find("\"recordCount\":1");
  ASSERT_NE(at, std::string::npos);
  bytes[at + 14] = '7';
  Spit(Path(digests_[1].relative_path), bytes);
  ValidationReport r = Run();
  EXPECT_EQ(Problems(r),
            (std::vector<Problem>{Problem::kDigestSignature, Problem::kDigestChainBroken}))
      << FormatReport(r);
  EXPECT_EQ(r.findings[0].path, digests_[1].relative_path);
  EXPECT_EQ(r.findings[1].path, digests_[2].relative_path);
}

TEST_F(ValidateTest, AReformattedDigestFailsItsSignature) {
  // Same content, one more space: not the canonical bytes that were signed.
  std::string bytes = Slurp(Path(digests_[4].relative_path));
  bytes.insert(1, " ");
  Spit(Path(digests_[4].relative_path), bytes);
  EXPECT_EQ(Problems(Run()), std::vector<Problem>{Problem::kDigestSignature});
}

TEST_F(ValidateTest, AnotherKeyFailsEverySignature) {
  ValidationReport r = Run({}, "not the key");
  EXPECT_EQ(r.findings.size(), 5u);
  for (const Finding& f : r.findings) EXPECT_EQ(f.problem, Problem::kDigestSignature);
}

TEST_F(ValidateTest, AnAddedLogFileIsReported) {
  // A file slipped in with an unused sequence number inside the chain's range.
  FoundLogFile fake = logs_[0];
  fake.name.sequence = 0;
  const std::string relative = LogFileRelativePath(fake.name);
  Spit(Path(relative), TestRecord(At("2024-05-06T07:00:01Z"), "forged").dump() + "\n");
  ValidationReport r = Run();
  ASSERT_EQ(Problems(r), std::vector<Problem>{Problem::kLogFileUnlisted});
  EXPECT_EQ(r.findings[0].path, relative);
}

TEST_F(ValidateTest, AFileNewerThanTheChainIsPendingNotAFailure) {
  FoundLogFile next = logs_[2];
  next.name.sequence = 4;
  const std::string relative = LogFileRelativePath(next.name);
  Spit(Path(relative), "");
  ValidationReport r = Run();
  EXPECT_TRUE(r.ok()) << FormatReport(r);
  EXPECT_EQ(r.pending_files, std::vector<std::string>{relative});
  EXPECT_NE(FormatReport(r).find("pending  " + relative), std::string::npos);
}

TEST_F(ValidateTest, DeletingTheFirstDigestIsReportedUnlessFromSkipsIt) {
  std::filesystem::remove(Path(digests_[0].relative_path));
  EXPECT_EQ(Problems(Run()), std::vector<Problem>{Problem::kDigestMissingStart});
  ValidateOptions from;
  from.from = digests_[1].name.end;
  ValidationReport r = Run(from);
  EXPECT_TRUE(r.ok()) << FormatReport(r);
  EXPECT_EQ(r.digests_checked, 4u);
}

TEST_F(ValidateTest, TheRangeSelectsDigestsByEndTime) {
  ValidateOptions range;
  range.from = digests_[1].name.end;
  range.to = digests_[2].name.end;
  ValidationReport r = Run(range);
  EXPECT_TRUE(r.ok()) << FormatReport(r);
  EXPECT_EQ(r.digests_checked, 2u);
  EXPECT_EQ(r.log_files_checked, 2u);
  EXPECT_TRUE(r.pending_files.empty());  // files after the range are out of scope
}

TEST_F(ValidateTest, LogFilesWithoutAnyDigestAreReported) {
  std::filesystem::remove_all(audit_ + "/digest");
  ValidationReport r = Run();
  ASSERT_EQ(Problems(r), std::vector<Problem>{Problem::kNoDigest});
  EXPECT_NE(r.findings[0].detail.find("has 3 log file(s) but no digest file"), std::string::npos);
}

TEST_F(ValidateTest, AMovedDigestIsMisplaced) {
  // The newest digest renamed one second later: its signed name no longer matches.
  DigestFileName moved = digests_[4].name;
  moved.end += std::chrono::seconds(1);
  std::filesystem::rename(Path(digests_[4].relative_path), Path(DigestRelativePath(moved)));
  EXPECT_EQ(Problems(Run()), std::vector<Problem>{Problem::kDigestMisplaced});
}

TEST_F(ValidateTest, AnEmptyAuditFolderIsValid) {
  TempDir empty;
  auto r = Validate(empty.path() + "/audit", kKey);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->ok());
  EXPECT_EQ(r->digests_checked, 0u);
}

}  // namespace
}  // namespace sigil::audit
