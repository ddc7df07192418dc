#include "audit/reader.h"

#include <gtest/gtest.h>

#include "audit/audit_test_util.h"
#include "common/file_util.h"

namespace sigil::audit {
namespace {

using testing::At;
using testing::Spit;
using testing::TempDir;
using testing::TestRecord;

TEST(Reader, FileNamesRoundTrip) {
  LogFileName name{"k3x9a2bq00", At("2024-05-06T07:08:09Z"), 42};
  EXPECT_EQ(LogFileRelativePath(name),
            "2024/05/06/sigil_audit_k3x9a2bq00_20240506T070809Z_000042.jsonl");
  auto parsed = ParseLogFileName("sigil_audit_k3x9a2bq00_20240506T070809Z_000042.jsonl");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(parsed->node_id, "k3x9a2bq00");
  EXPECT_EQ(parsed->opened, At("2024-05-06T07:08:09Z"));
  EXPECT_EQ(parsed->sequence, 42u);
  EXPECT_EQ(ParseLogFileName("sigil_audit_k3x9a2bq00_20240506T070809Z_1234567.jsonl")->sequence,
            1234567u);

  DigestFileName digest{"k3x9a2bq00", At("2024-05-06T08:00:00Z")};
  EXPECT_EQ(DigestRelativePath(digest),
            "digest/2024/05/06/sigil_digest_k3x9a2bq00_20240506T080000Z.json");
  EXPECT_EQ(ParseDigestFileName("sigil_digest_k3x9a2bq00_20240506T080000Z.json")->end,
            At("2024-05-06T08:00:00Z"));
}

TEST(Reader, RejectsNamesOutsideTheLayout) {
  for (const char* bad : {
           "sigil_audit_k3x9a2bq00_20240506T070809Z_42.jsonl",       // not padded
           "sigil_audit_k3x9a2bq00_20240506T070809Z_0000042.jsonl",  // padded too much
           "sigil_audit_K3X9A2BQ00_20240506T070809Z_000042.jsonl",   // upper case node
           "sigil_audit_short_20240506T070809Z_000042.jsonl",        // node too short
           "sigil_audit_k3x9a2bq00_2024-05-06T07:08:09Z_000042.jsonl",
           "sigil_audit_k3x9a2bq00_20240506T070809Z_000042.json",
           "sigil_audit_k3x9a2bq00_20240506T070809Z_000042_x.jsonl",
           "sigil_audit_k3x9a2bq00_20240506T070809Z_00004a.jsonl",
       }) {
    EXPECT_FALSE(ParseLogFileName(bad).has_value()) << bad;
  }
  EXPECT_FALSE(ParseDigestFileName("sigil_digest_k3x9a2bq00_20240506T080000Z.jsonl"));
  EXPECT_FALSE(ParseDigestFileName("sigil_digest_k3x9a2bq00_20240506T080000Z_1.json"));
  EXPECT_TRUE(IsValidNodeId("abcdefgh"));
  EXPECT_FALSE(IsValidNodeId("abcdefg"));
  EXPECT_FALSE(IsValidNodeId("abcdefghijklmnopq"));
}

class ReaderFiles : public ::testing::Test {
 protected:
  // Writes a log file for `node`, `seq`, opened at `opened`.
  std::string Add(const std::string& node, const char* opened, uint64_t seq,
                  const std::string& content = "") {
    const std::string relative = LogFileRelativePath(LogFileName{node, At(opened), seq});
    const std::string path = audit_ + "/" + relative;
    EXPECT_TRUE(MakeDirectories(path.substr(0, path.rfind('/')), 0700).ok());
    Spit(path, content);
    return path;
  }
  TempDir dir_;
  std::string audit_ = dir_.path() + "/audit";
};

TEST_F(ReaderFiles, ListsByNodeAndSequenceAndSkipsForeignFiles) {
  Add("nodebbbbbb", "2024-05-06T07:00:00Z", 1);
  Add("nodeaaaaaa", "2024-05-06T09:00:00Z", 2);
  Add("nodeaaaaaa", "2024-05-05T23:00:00Z", 1);
  // A file in the wrong date folder, and a stranger.
  ASSERT_TRUE(MakeDirectories(audit_ + "/2024/05/07", 0700).ok());
  Spit(audit_ + "/2024/05/07/sigil_audit_nodeaaaaaa_20240506T070000Z_000003.jsonl", "");
  Spit(audit_ + "/2024/05/07/notes.txt", "");
  auto files = ListLogFiles(audit_);
  ASSERT_TRUE(files.ok());
  ASSERT_EQ(files->size(), 3u);
  EXPECT_EQ((*files)[0].relative_path,
            "2024/05/05/sigil_audit_nodeaaaaaa_20240505T230000Z_000001.jsonl");
  EXPECT_EQ((*files)[1].name.sequence, 2u);
  EXPECT_EQ((*files)[2].name.node_id, "nodebbbbbb");
  EXPECT_TRUE(ListLogFiles(dir_.path() + "/absent")->empty());
}

TEST_F(ReaderFiles, AuditFilesSelectsBySpanOldestFirst) {
  const std::string a1 = Add("nodeaaaaaa", "2024-05-06T07:00:00Z", 1);
  const std::string a2 = Add("nodeaaaaaa", "2024-05-06T08:00:00Z", 2);
  const std::string a3 = Add("nodeaaaaaa", "2024-05-06T09:00:00Z", 3);
  const std::string b1 = Add("nodebbbbbb", "2024-05-06T07:30:00Z", 1);
  using V = std::vector<std::string>;
  // 08:10-08:20: a2 (its span runs to a3's opening) and b1 (its node's newest: to now).
  EXPECT_EQ(*AuditFiles(audit_, At("2024-05-06T08:10:00Z"), At("2024-05-06T08:20:00Z")),
            (V{b1, a2}));
  // Just before a2 opened: a1, and a2 within the slack.
  EXPECT_EQ(*AuditFiles(audit_, At("2024-05-06T07:50:00Z"), At("2024-05-06T07:55:00Z")),
            (V{a1, b1, a2}));
  // Everything, oldest first.
  EXPECT_EQ(*AuditFiles(audit_, At("2024-05-01T00:00:00Z"), At("2024-05-07T00:00:00Z")),
            (V{a1, b1, a2, a3}));
  // Before any file.
  EXPECT_TRUE(AuditFiles(audit_, At("2024-05-01T00:00:00Z"), At("2024-05-02T00:00:00Z"))->empty());
}

TEST_F(ReaderFiles, ForEachRecordSkipsDamagedAndIncompleteLines) {
  const std::string path =
      Add("nodeaaaaaa", "2024-05-06T07:00:00Z", 1,
          TestRecord(At("2024-05-06T07:00:01Z"), "one").dump() + "\n" + "not json\n" +
              TestRecord(At("2024-05-06T07:00:02Z"), "two").dump() + "\n" + "{\"eventVer");
  std::vector<std::string> names;
  size_t skipped = 0;
  ASSERT_TRUE(ForEachRecord(
                  path,
                  [&](Record&& r) {
                    names.push_back(r["eventName"]);
                    EXPECT_TRUE(RecordEventTime(r).has_value());
                    return true;
                  },
                  &skipped)
                  .ok());
  EXPECT_EQ(names, (std::vector<std::string>{"one", "two"}));
  EXPECT_EQ(skipped, 1u);
  // Stopping early.
  int seen = 0;
  ASSERT_TRUE(ForEachLine(path, [&](std::string_view) { return ++seen < 2; }).ok());
  EXPECT_EQ(seen, 2);
  EXPECT_EQ(ForEachLine(path + ".gone", [](std::string_view) { return true; }).code(),
            StatusCode::kNotFound);
}

TEST_F(ReaderFiles, LinesLongerThanOneReadBlock) {
  const std::string big(200 * 1024, 'z');
  Record r = TestRecord(At("2024-05-06T07:00:01Z"), big);
  const std::string path = Add("nodeaaaaaa", "2024-05-06T07:00:00Z", 1, r.dump() + "\n");
  size_t count = 0;
  ASSERT_TRUE(ForEachRecord(path, [&](Record&& rec) {
                ++count;
                EXPECT_EQ(rec["eventName"], big);
                return true;
              }).ok());
  EXPECT_EQ(count, 1u);
}

TEST(Reader, ParseRecordLineAndEventTime) {
  EXPECT_FALSE(ParseRecordLine("[1,2]").has_value());
  EXPECT_FALSE(ParseRecordLine("{").has_value());
  auto r = ParseRecordLine(R"({"eventTime":"2024-05-06T07:08:09Z","b":1,"a":2})");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->dump(), R"({"eventTime":"2024-05-06T07:08:09Z","b":1,"a":2})");  // order kept
  EXPECT_EQ(RecordEventTime(*r), At("2024-05-06T07:08:09Z"));
  EXPECT_FALSE(RecordEventTime(*ParseRecordLine(R"({"eventTime":5})")).has_value());
}

}  // namespace
}  // namespace sigil::audit
