#include "audit/writer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "audit/audit_test_util.h"
#include "audit/validate.h"
#include "common/file_util.h"

namespace sigil::audit {
namespace {

using testing::At;
using testing::GateClock;
using testing::Slurp;
using testing::TempDir;
using testing::TestRecord;

constexpr char kKey[] = "0123456789abcdef0123456789abcdef";

class WriterTest : public ::testing::Test {
 protected:
  WriterTest() : clock_(At("2024-05-06T07:00:00Z")) {}

  WriterOptions Options() {
    WriterOptions o;
    o.audit_dir = dir_.path() + "/audit";
    o.signing_key = kKey;
    o.clock = &clock_;
    o.sync_interval = std::chrono::milliseconds(10);
    return o;
  }
  std::unique_ptr<Writer> OpenWriter(WriterOptions o) {
    auto w = Writer::Open(std::move(o));
    EXPECT_TRUE(w.ok()) << w.status().message();
    return w.ok() ? std::move(w).value() : nullptr;
  }
  std::string AuditPath(const std::string& relative) { return dir_.path() + "/audit/" + relative; }
  std::vector<FoundLogFile> Logs() { return *ListLogFiles(dir_.path() + "/audit"); }
  std::vector<Digest> Digests() {
    std::vector<Digest> out;
    std::vector<FoundDigestFile> files = *ListDigestFiles(dir_.path() + "/audit");
    for (const FoundDigestFile& f : files) {
      auto d = ParseDigest(Slurp(AuditPath(f.relative_path)));
      EXPECT_TRUE(d.ok()) << f.relative_path;
      if (d.ok()) out.push_back(*d);
    }
    return out;
  }
  std::vector<std::string> Lines(const std::string& relative) {
    std::vector<std::string> out;
    EXPECT_TRUE(ForEachLine(AuditPath(relative), [&](std::string_view l) {
                  out.emplace_back(l);
                  return true;
                }).ok());
    return out;
  }
  void Advance(std::chrono::milliseconds d) { clock_.Advance(d); }

  TempDir dir_;
  GateClock clock_;
};

TEST_F(WriterTest, WritesRecordsAsJsonLinesUnderANodeIdWithAGenesisDigest) {
  auto w = OpenWriter(Options());
  ASSERT_NE(w, nullptr);
  EXPECT_TRUE(IsValidNodeId(w->node_id()));
  EXPECT_EQ(Slurp(AuditPath("node-id")), w->node_id() + "\n");
  EXPECT_EQ(*FileMode(AuditPath("node-id")) & 0777, 0600u);
  EXPECT_EQ(*FileMode(dir_.path() + "/audit") & 0777, 0700u);

  // The chain starts before any log file.
  std::vector<Digest> digests = Digests();
  ASSERT_EQ(digests.size(), 1u);
  EXPECT_FALSE(digests[0].previous_file_name.has_value());
  EXPECT_TRUE(digests[0].log_files.empty());
  EXPECT_EQ(digests[0].start, At("2024-05-06T07:00:00Z"));

  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(w->Enqueue(TestRecord(At("2024-05-06T07:00:00Z"), "e" + std::to_string(i)),
                           At("2024-05-06T07:00:00Z")));
  }
  w->Flush();
  std::vector<FoundLogFile> logs = Logs();
  ASSERT_EQ(logs.size(), 1u);
  EXPECT_EQ(logs[0].relative_path,
            "2024/05/06/sigil_audit_" + w->node_id() + "_20240506T070000Z_000001.jsonl");
  EXPECT_EQ(*FileMode(AuditPath(logs[0].relative_path)) & 0777, 0600u);
  std::vector<std::string> lines = Lines(logs[0].relative_path);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0],
            R"({"eventVersion":"1.11","eventTime":"2024-05-06T07:00:00Z","eventName":"e0"})");
  EXPECT_EQ(ParseRecordLine(lines[2])->at("eventName"), "e2");

  // The node id survives a restart.
  const std::string node = w->node_id();
  EXPECT_TRUE(w->Close().ok());
  auto again = OpenWriter(Options());
  EXPECT_EQ(again->node_id(), node);
}

TEST_F(WriterTest, RotatesBySizeAndListsEachClosedFileInTheNextDigest) {
  WriterOptions o = Options();
  o.rotate_bytes = 200;
  auto w = OpenWriter(o);
  const std::string line_marker(100, 'x');
  for (int i = 0; i < 5; ++i) {
    w->Enqueue(TestRecord(At("2024-05-06T07:00:00Z") + std::chrono::seconds(i), line_marker),
               At("2024-05-06T07:00:00Z") + std::chrono::seconds(i));
  }
  w->Flush();
  // Each record is about 150 bytes: two per file, the fifth in an open file.
  std::vector<FoundLogFile> logs = Logs();
  ASSERT_EQ(logs.size(), 3u);
  EXPECT_EQ(logs[0].name.sequence, 1u);
  EXPECT_EQ(logs[2].name.sequence, 3u);
  EXPECT_EQ(Lines(logs[0].relative_path).size(), 2u);
  EXPECT_EQ(Lines(logs[2].relative_path).size(), 1u);
  // The rotation's digest waits for the next second (digest names have whole seconds).
  EXPECT_EQ(Digests().size(), 1u);
  Advance(std::chrono::seconds(1));
  w->Flush();
  std::vector<Digest> digests = Digests();
  ASSERT_EQ(digests.size(), 2u);
  const Digest& d = digests[1];
  ASSERT_EQ(d.log_files.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const std::string bytes = Slurp(AuditPath(logs[i].relative_path));
    EXPECT_GE(bytes.size(), 200u);
    EXPECT_EQ(d.log_files[i].file_name, logs[i].relative_path);
    EXPECT_EQ(d.log_files[i].hash_hex, Sha256Hex(bytes));
    EXPECT_EQ(d.log_files[i].size_bytes, bytes.size());
    EXPECT_EQ(d.log_files[i].record_count, 2u);
  }
  EXPECT_EQ(d.log_files[0].oldest_event, At("2024-05-06T07:00:00Z"));
  EXPECT_EQ(d.log_files[0].newest_event, At("2024-05-06T07:00:01Z"));
  EXPECT_EQ(d.last_log_sequence, 2u);
}

TEST_F(WriterTest, RotatesByAgeOnTheInjectedClock) {
  WriterOptions o = Options();
  o.rotate_age = std::chrono::seconds(60);
  auto w = OpenWriter(o);
  w->Enqueue(TestRecord(At("2024-05-06T07:00:00Z"), "a"), At("2024-05-06T07:00:00Z"));
  w->Flush();
  Advance(std::chrono::seconds(59));
  w->Flush();
  EXPECT_EQ(Digests().size(), 1u);  // still open: only the genesis digest
  Advance(std::chrono::seconds(1));
  w->Flush();
  std::vector<Digest> digests = Digests();
  ASSERT_EQ(digests.size(), 2u);
  ASSERT_EQ(digests[1].log_files.size(), 1u);
  EXPECT_EQ(digests[1].end, At("2024-05-06T07:01:00Z"));
  // No empty file is opened until a record comes; the next one has the next sequence and time.
  EXPECT_EQ(Logs().size(), 1u);
  w->Enqueue(TestRecord(At("2024-05-06T07:01:00Z"), "b"), At("2024-05-06T07:01:00Z"));
  w->Flush();
  std::vector<FoundLogFile> logs = Logs();
  ASSERT_EQ(logs.size(), 2u);
  EXPECT_EQ(logs[1].name.sequence, 2u);
  EXPECT_EQ(logs[1].name.opened, At("2024-05-06T07:01:00Z"));
}

TEST_F(WriterTest, DigestsAreChainedSignedAndWrittenHourlyWithoutNewFiles) {
  auto w = OpenWriter(Options());
  Advance(std::chrono::minutes(59));
  w->Flush();
  EXPECT_EQ(Digests().size(), 1u);
  Advance(std::chrono::minutes(1));
  w->Flush();
  Advance(std::chrono::hours(1));
  w->Flush();
  std::vector<FoundDigestFile> files = *ListDigestFiles(dir_.path() + "/audit");
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files[1].name.end, At("2024-05-06T08:00:00Z"));
  EXPECT_EQ(files[2].name.end, At("2024-05-06T09:00:00Z"));
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string bytes = Slurp(AuditPath(files[i].relative_path));
    EXPECT_TRUE(DigestSignatureValid(bytes, kKey)) << files[i].relative_path;
    EXPECT_FALSE(DigestSignatureValid(bytes, "another key"));
    Digest d = *ParseDigest(bytes);
    EXPECT_EQ(d.file_name, files[i].relative_path);
    EXPECT_TRUE(d.log_files.empty());
    if (i == 0) continue;
    const std::string previous = Slurp(AuditPath(files[i - 1].relative_path));
    EXPECT_EQ(d.previous_file_name, files[i - 1].relative_path);
    EXPECT_EQ(d.previous_hash_hex, Sha256Hex(previous));
    EXPECT_EQ(d.previous_signature_hex, ParseDigest(previous)->signature_hex);
    EXPECT_EQ(d.start, ParseDigest(previous)->end);
  }
}

TEST_F(WriterTest, DropsWhenFullAndCountsTheDrops) {
  metrics::Registry registry;
  WriterOptions o = Options();
  o.queue_capacity = 2;
  o.when_full = WhenFull::kDrop;
  o.registry = &registry;
  auto w = OpenWriter(o);
  clock_.Close();
  clock_.AwaitBlocked();  // the writer's thread is held in the clock with an empty queue
  EXPECT_TRUE(w->Enqueue(TestRecord(At("2024-05-06T07:00:00Z"), "1"), At("2024-05-06T07:00:00Z")));
  EXPECT_TRUE(w->Enqueue(TestRecord(At("2024-05-06T07:00:00Z"), "2"), At("2024-05-06T07:00:00Z")));
  EXPECT_EQ(w->queue_depth(), 2u);
  EXPECT_FALSE(w->Enqueue(TestRecord(At("2024-05-06T07:00:00Z"), "3"), At("2024-05-06T07:00:00Z")));
  EXPECT_EQ(w->dropped(), 1u);
  const std::string text = registry.Render();
  EXPECT_NE(text.find("sigil_audit_dropped_total 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("sigil_audit_queue_depth 2\n"), std::string::npos) << text;
  clock_.Open();
  w->Flush();
  std::vector<FoundLogFile> logs = Logs();
  ASSERT_EQ(logs.size(), 1u);
  std::vector<std::string> lines = Lines(logs[0].relative_path);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(ParseRecordLine(lines[1])->at("eventName"), "2");
  EXPECT_NE(registry.Render().find("sigil_audit_queue_depth 0\n"), std::string::npos);
}

TEST_F(WriterTest, BlocksWhenFullUntilThereIsRoom) {
  WriterOptions o = Options();
  o.queue_capacity = 1;
  o.when_full = WhenFull::kBlock;
  auto w = OpenWriter(o);
  clock_.Close();
  clock_.AwaitBlocked();
  EXPECT_TRUE(w->Enqueue(TestRecord(At("2024-05-06T07:00:00Z"), "1"), At("2024-05-06T07:00:00Z")));
  std::atomic<bool> returned{false};
  std::thread producer([&] {
    w->Enqueue(TestRecord(At("2024-05-06T07:00:00Z"), "2"), At("2024-05-06T07:00:00Z"));
    returned = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(returned.load());  // waiting for room
  clock_.Open();
  producer.join();
  EXPECT_TRUE(returned.load());
  w->Flush();
  EXPECT_EQ(w->dropped(), 0u);
  EXPECT_EQ(Lines(Logs()[0].relative_path).size(), 2u);
}

TEST_F(WriterTest, CloseWritesTheLastFileIntoAFinalDigestAndLaterRecordsAreDropped) {
  auto w = OpenWriter(Options());
  w->Enqueue(TestRecord(At("2024-05-06T07:00:00Z"), "a"), At("2024-05-06T07:00:00Z"));
  EXPECT_TRUE(w->Close().ok());
  std::vector<Digest> digests = Digests();
  ASSERT_EQ(digests.size(), 2u);
  // Same second as the genesis digest: the final one takes the next second.
  EXPECT_EQ(digests[1].end, At("2024-05-06T07:00:01Z"));
  ASSERT_EQ(digests[1].log_files.size(), 1u);
  EXPECT_EQ(digests[1].log_files[0].record_count, 1u);
  EXPECT_FALSE(w->Enqueue(TestRecord(At("2024-05-06T07:00:00Z"), "b"), At("2024-05-06T07:00:00Z")));
  EXPECT_TRUE(w->Close().ok());  // idempotent
}

TEST_F(WriterTest, ARestartContinuesTheChainAndTheSequence) {
  {
    auto w = OpenWriter(Options());
    w->Enqueue(TestRecord(At("2024-05-06T07:00:00Z"), "a"), At("2024-05-06T07:00:00Z"));
    ASSERT_TRUE(w->Close().ok());
  }
  Advance(std::chrono::seconds(5));
  {
    auto w = OpenWriter(Options());
    w->Enqueue(TestRecord(At("2024-05-06T07:00:05Z"), "b"), At("2024-05-06T07:00:05Z"));
    ASSERT_TRUE(w->Close().ok());
  }
  std::vector<FoundLogFile> logs = Logs();
  ASSERT_EQ(logs.size(), 2u);
  EXPECT_EQ(logs[1].name.sequence, 2u);
  std::vector<Digest> digests = Digests();
  ASSERT_EQ(digests.size(), 3u);  // genesis, first run's final, second run's final
  EXPECT_EQ(digests[2].previous_file_name, digests[1].file_name);
  EXPECT_EQ(digests[2].start, digests[1].end);
  auto report = Validate(dir_.path() + "/audit", kKey);
  ASSERT_TRUE(report.ok());
  EXPECT_TRUE(report->ok()) << FormatReport(*report);
  EXPECT_EQ(report->log_files_checked, 2u);
}

TEST_F(WriterTest, FilesACrashLeftOutOfTheDigestsGoIntoTheNextStartsFirstDigest) {
  std::string node;
  {
    auto w = OpenWriter(Options());
    node = w->node_id();
    ASSERT_TRUE(w->Close().ok());
  }
  // What a crashed process leaves: a file with the next sequence, its last line cut short.
  const std::string relative =
      LogFileRelativePath(LogFileName{node, At("2024-05-06T07:00:02Z"), 1});
  ASSERT_TRUE(MakeDirectories(AuditPath("2024/05/06"), 0700).ok());
  testing::Spit(AuditPath(relative),
                TestRecord(At("2024-05-06T07:00:02Z"), "kept").dump() + "\n{\"eventVe");
  Advance(std::chrono::seconds(10));
  auto w = OpenWriter(Options());
  w->Flush();
  std::vector<Digest> digests = Digests();
  ASSERT_EQ(digests.size(), 3u);
  ASSERT_EQ(digests[2].log_files.size(), 1u);
  EXPECT_EQ(digests[2].log_files[0].file_name, relative);
  EXPECT_EQ(digests[2].log_files[0].record_count, 1u);
  EXPECT_EQ(digests[2].log_files[0].hash_hex, Sha256Hex(Slurp(AuditPath(relative))));
  // New files never reuse its sequence.
  w->Enqueue(TestRecord(At("2024-05-06T07:00:10Z"), "new"), At("2024-05-06T07:00:10Z"));
  w->Flush();
  EXPECT_EQ(Logs().back().name.sequence, 2u);
  ASSERT_TRUE(w->Close().ok());
  auto report = Validate(dir_.path() + "/audit", kKey);
  EXPECT_TRUE(report->ok()) << FormatReport(*report);
}

TEST_F(WriterTest, AfterItsDigestsAreRemovedANewChainDoesNotVouchForOldFiles) {
  {
    auto w = OpenWriter(Options());
    w->Enqueue(TestRecord(At("2024-05-06T07:00:00Z"), "a"), At("2024-05-06T07:00:00Z"));
    ASSERT_TRUE(w->Close().ok());
  }
  std::filesystem::remove_all(AuditPath("digest"));
  Advance(std::chrono::seconds(5));
  auto w = OpenWriter(Options());
  ASSERT_TRUE(w->Close().ok());
  auto report = Validate(dir_.path() + "/audit", kKey);
  ASSERT_TRUE(report.ok());
  ASSERT_EQ(report->findings.size(), 1u) << FormatReport(*report);
  EXPECT_EQ(report->findings[0].problem, Problem::kLogFileUnlisted);
  EXPECT_EQ(report->findings[0].path, Logs()[0].relative_path);
}

TEST_F(WriterTest, ADamagedNewestDigestStopsTheStart) {
  {
    auto w = OpenWriter(Options());
    ASSERT_TRUE(w->Close().ok());
  }
  std::vector<FoundDigestFile> digests = *ListDigestFiles(dir_.path() + "/audit");
  testing::Spit(AuditPath(digests.back().relative_path), "{");
  auto refused = Writer::Open(Options());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("is damaged (not a valid digest file: not a JSON "
                                            "object); run `sigil admin audit validate`"),
            std::string::npos)
      << refused.status().message();
}

TEST_F(WriterTest, RefusesBadOptionsAndADamagedNodeId) {
  WriterOptions o = Options();
  o.signing_key.clear();
  EXPECT_EQ(Writer::Open(o).status().code(), StatusCode::kInvalidArgument);
  o = Options();
  o.queue_capacity = 0;
  EXPECT_EQ(Writer::Open(o).status().message(), "the audit queue needs room");
  o = Options();
  o.clock = nullptr;
  EXPECT_EQ(Writer::Open(o).status().message(), "the audit writer needs a clock");
  ASSERT_TRUE(MakeDirectories(dir_.path() + "/audit", 0700).ok());
  testing::Spit(AuditPath("node-id"), "Not An Id\n");
  auto refused = Writer::Open(Options());
  EXPECT_EQ(refused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("does not hold a node id"), std::string::npos);
}

TEST(WhenFull, Parses) {
  EXPECT_EQ(ParseWhenFull("block"), WhenFull::kBlock);
  EXPECT_EQ(ParseWhenFull("drop"), WhenFull::kDrop);
  EXPECT_EQ(ParseWhenFull("Drop"), std::nullopt);
}

}  // namespace
}  // namespace sigil::audit
