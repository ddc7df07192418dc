#include "iam/credential_report.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/strings.h"

namespace sigil::iam {
namespace {

// 2024-01-02T03:04:05Z
const TimePoint kT0 = FromUnixSeconds(1704164645);

std::vector<std::string> Lines(const std::string& csv) {
  std::vector<std::string> lines;
  for (std::string_view line : Split(csv, '\n')) lines.emplace_back(line);
  return lines;
}

CredentialReportRow Root() {
  CredentialReportRow root;
  root.user = std::string(kRootAccountRowName);
  root.arn = "arn:aws:iam::123456789012:root";
  root.created = kT0;
  root.is_root = true;
  return root;
}

TEST(CredentialReportTest, FormatsTimesWithAnExplicitOffset) {
  EXPECT_EQ(FormatReportTime(kT0), "2024-01-02T03:04:05+00:00");
  EXPECT_EQ(FormatReportTime(kT0 + std::chrono::milliseconds(999)), "2024-01-02T03:04:05+00:00");
}

TEST(CredentialReportTest, HeaderHasAwsColumnsInOrder) {
  const std::string csv = BuildCredentialReportCsv({});
  EXPECT_EQ(csv, kCredentialReportHeader);
  std::vector<std::string_view> columns = Split(csv, ',');
  ASSERT_EQ(columns.size(), 22u);
  EXPECT_EQ(columns.front(), "user");
  EXPECT_EQ(columns[7], "mfa_active");
  EXPECT_EQ(columns[13], "access_key_2_active");
  EXPECT_EQ(columns.back(), "cert_2_last_rotated");
}

TEST(CredentialReportTest, RootRowWithoutKeys) {
  const std::vector<std::string> lines = Lines(BuildCredentialReportCsv({Root()}));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1],
            "<root_account>,arn:aws:iam::123456789012:root,2024-01-02T03:04:05+00:00,"
            "not_supported,N/A,not_supported,not_supported,false,"
            "false,N/A,N/A,N/A,N/A,"
            "false,N/A,N/A,N/A,N/A,"
            "false,N/A,false,N/A");
}

TEST(CredentialReportTest, UserRowWithMfaAndTwoKeys) {
  CredentialReportRow alice;
  alice.user = "alice";
  alice.arn = "arn:aws:iam::123456789012:user/ops/alice";
  alice.created = kT0;
  alice.mfa_active = true;
  const AccessKeyUsage used{"AKIAIOSFODNN7EXAMPLE", kT0 + std::chrono::hours(2), "eu-west-1", "s3"};
  alice.keys = {
      {true, kT0 + std::chrono::minutes(1), used},
      {false, kT0 + std::chrono::minutes(2), std::nullopt},
      // Only two keys have columns; a third (impossible under the quota) is not shown.
      {true, kT0 + std::chrono::minutes(3), std::nullopt},
  };
  CredentialReportRow root = Root();
  root.mfa_active = true;
  root.keys = {{true, kT0, std::nullopt}};
  const std::vector<std::string> lines = Lines(BuildCredentialReportCsv({root, alice}));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1],
            "<root_account>,arn:aws:iam::123456789012:root,2024-01-02T03:04:05+00:00,"
            "not_supported,N/A,not_supported,not_supported,true,"
            "true,2024-01-02T03:04:05+00:00,N/A,N/A,N/A,"
            "false,N/A,N/A,N/A,N/A,"
            "false,N/A,false,N/A");
  EXPECT_EQ(lines[2],
            "alice,arn:aws:iam::123456789012:user/ops/alice,2024-01-02T03:04:05+00:00,"
            "false,N/A,N/A,N/A,true,"
            "true,2024-01-02T03:05:05+00:00,2024-01-02T05:04:05+00:00,eu-west-1,s3,"
            "false,2024-01-02T03:06:05+00:00,N/A,N/A,N/A,"
            "false,N/A,false,N/A");
}

TEST(CredentialReportTest, QuotesFieldsThatNeedIt) {
  // User names may hold commas; paths may hold quotes (pathType allows U+0021-U+007F).
  CredentialReportRow odd;
  odd.user = "a,b";
  odd.arn = "arn:aws:iam::123456789012:user/x\"y/a,b";
  odd.created = kT0;
  const std::vector<std::string> lines = Lines(BuildCredentialReportCsv({odd}));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_TRUE(StartsWith(lines[1],
                         "\"a,b\",\"arn:aws:iam::123456789012:user/x\"\"y/a,b\","
                         "2024-01-02T03:04:05+00:00,false,"))
      << lines[1];
}

void ExpectReportError(const Status& s, const char* aws_code, const std::string& message) {
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.aws_code(), aws_code);
  EXPECT_EQ(s.http_status(), 410);
  EXPECT_EQ(s.message(), message);
}

TEST(CredentialReportStoreTest, NotPresentBeforeTheFirstReport) {
  CredentialReportStore store;
  ExpectReportError(store.Fresh("111111111111", kT0).status(), "ReportNotPresent",
                    "The request was rejected because the credential report does not exist. To "
                    "generate a credential report, use GenerateCredentialReport.");
}

TEST(CredentialReportStoreTest, RegeneratesOnlyAfterFourHours) {
  CredentialReportStore store;
  int builds = 0;
  auto build = [&] { return "report " + std::to_string(++builds); };

  EXPECT_TRUE(store.GenerateIfStale("111111111111", kT0, build));
  const TimePoint almost = kT0 + kCredentialReportMaxAge - std::chrono::milliseconds(1);
  EXPECT_FALSE(store.GenerateIfStale("111111111111", almost, build));
  EXPECT_EQ(builds, 1);
  auto fresh = store.Fresh("111111111111", almost);
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(fresh->csv, "report 1");
  EXPECT_EQ(fresh->generated, kT0);

  // Another account has its own report.
  EXPECT_FALSE(store.Fresh("222222222222", kT0).ok());
  EXPECT_TRUE(store.GenerateIfStale("222222222222", kT0, build));
  EXPECT_EQ(store.Fresh("222222222222", kT0)->csv, "report 2");

  // Four hours on, the report has expired until it is generated again.
  const TimePoint later = kT0 + kCredentialReportMaxAge;
  ExpectReportError(store.Fresh("111111111111", later).status(), "ReportExpired",
                    "The request was rejected because the most recent credential report has "
                    "expired. To generate a new credential report, use GenerateCredentialReport.");
  EXPECT_TRUE(store.GenerateIfStale("111111111111", later, build));
  EXPECT_EQ(store.Fresh("111111111111", later)->csv, "report 3");
  EXPECT_EQ(store.Fresh("111111111111", later)->generated, later);
  EXPECT_EQ(store.Fresh("222222222222", kT0)->csv, "report 2");
}

}  // namespace
}  // namespace sigil::iam
