// The audit trail's writer: requests enqueue records into a bounded queue and return; one
// background thread appends them as JSON Lines to files under DATA_DIR/audit (layout in
// audit/reader.h), rotates the files by size and age, and writes the signed, hash-chained digest
// files (audit/digest.h). Thread-safe: Enqueue from any thread.
//
// Durability: each batch taken off the queue is written to the file at once (readers such as
// LookupEvents see it), fdatasync'ed at least once a second, and the file is fsync'ed when it is
// closed. A process crash loses only the records still queued (normally milliseconds' worth); a
// machine crash loses also up to about a second of written records. A crash may leave a
// file's last line incomplete (readers skip it) and the file not yet in any digest: the next
// start lists such files in its first digest.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "audit/digest.h"
#include "audit/reader.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/status.h"
#include "metrics/registry.h"

namespace sigil::audit {

// What Enqueue does when the queue is full.
enum class WhenFull {
  kBlock,  // wait for room: no record is lost, requests slow down
  kDrop,   // drop the record and count it (sigil_audit_dropped_total)
};
// "block" | "drop"; nullopt otherwise.
std::optional<WhenFull> ParseWhenFull(std::string_view text);

struct WriterOptions {
  std::string audit_dir;    // DATA_DIR/audit; created (0700) when absent
  std::string signing_key;  // DigestSigningKey(master key)
  size_t queue_capacity = 10000;
  WhenFull when_full = WhenFull::kBlock;
  uint64_t rotate_bytes = 64ull << 20;            // close a file once it reaches this size
  std::chrono::seconds rotate_age{3600};          // close a file this long after it was opened
  std::chrono::seconds digest_interval{3600};     // longest time between two digests
  std::chrono::milliseconds sync_interval{1000};  // longest time written records stay unsynced
  // File names, event bookkeeping, rotation by age and digest times. Not owned; must outlive.
  const Clock* clock = nullptr;
  // Registers sigil_audit_queue_depth, sigil_audit_dropped_total and
  // sigil_audit_write_errors_total there when set. Not owned; must outlive the writer.
  metrics::Registry* registry = nullptr;
  // For the node id when DATA_DIR/audit/node-id does not exist yet. Not owned; used in Open only.
  RandomSource* random = nullptr;
};

class Writer {
 public:
  // Prepares the audit dir: loads or creates the node id; finds the node's newest digest (to
  // chain from) and highest file sequence; lists the node's files not yet in any digest (a
  // crash) for the first digest; then starts the background thread. Errors: kInvalidArgument for
  // bad options, kFailedPrecondition for a damaged node-id file or newest digest, I/O errors.
  static StatusOr<std::unique_ptr<Writer>> Open(WriterOptions options);
  // Close()s.
  ~Writer();
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // Queues one record (its eventTime is `event_time`). Returns false when the record was
  // dropped: the queue is full under WhenFull::kDrop, or the writer is closed. Under kBlock,
  // waits for room. Never does I/O.
  bool Enqueue(Record record, TimePoint event_time);

  // Waits until every record queued before the call is written, then runs the time-based checks
  // (rotation by age, the periodic digest) at the clock's current time. For tests with a fake
  // clock, and for orderly shutdown.
  void Flush();

  // Writes what is queued, closes the current file, writes a final digest and stops the thread.
  // Later Enqueues are dropped. Idempotent. Returns the first write error met, if any.
  Status Close();

  const std::string& node_id() const { return node_id_; }
  size_t queue_depth() const;
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  uint64_t write_errors() const { return write_errors_.load(std::memory_order_relaxed); }

 private:
  struct Item {
    Record record;
    TimePoint event_time;
  };
  struct OpenFile;

  explicit Writer(WriterOptions options);
  Status Start();
  void Run();
  // Background thread only.
  void WriteBatch(std::vector<Item>& batch);
  void WritePending();
  void TimeChecks(bool closing);
  Status OpenNewFile();
  Status CloseCurrentFile();
  Status MaybeWriteDigest(bool force);
  Status WriteDigest(TimePoint start, TimePoint end);
  void ReportError(const Status& s);

  WriterOptions options_;
  std::string node_id_;

  mutable std::mutex mu_;
  std::condition_variable has_work_;  // items queued, a flush asked, or closing
  std::condition_variable has_room_;  // the queue shrank
  std::condition_variable flushed_;   // a flush completed
  std::deque<Item> queue_;
  uint64_t flush_requested_ = 0;
  uint64_t flush_done_ = 0;
  bool closing_ = false;
  bool closed_ = false;
  Status first_error_;

  std::atomic<uint64_t> dropped_{0};
  std::atomic<uint64_t> write_errors_{0};
  metrics::Gauge* depth_gauge_ = nullptr;
  metrics::Counter* dropped_counter_ = nullptr;
  metrics::Counter* error_counter_ = nullptr;

  // Background thread state.
  std::unique_ptr<OpenFile> file_;
  uint64_t next_sequence_ = 1;
  std::vector<DigestLogFile> closed_files_;  // closed since the last digest
  uint64_t last_log_sequence_ = 0;
  std::optional<std::string> previous_digest_name_;
  std::optional<std::string> previous_digest_hash_;
  std::optional<std::string> previous_digest_signature_;
  TimePoint last_digest_end_;
  bool unsynced_ = false;  // written since the last (f)sync
  std::chrono::steady_clock::time_point unsynced_since_;
  std::chrono::steady_clock::time_point last_error_print_;
  std::thread thread_;
};

}  // namespace sigil::audit
