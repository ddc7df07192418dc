#include "audit/writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "common/file_util.h"
#include "common/strings.h"
#include "common/time_format.h"

namespace sigil::audit {
namespace {

constexpr std::string_view kNodeIdAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
constexpr size_t kNodeIdLength = 10;
// A large batch is written in pieces of about this size, so memory stays bounded.
constexpr size_t kMaxPendingBytes = 1 << 20;

TimePoint WholeSeconds(TimePoint t) {
  return std::chrono::time_point_cast<std::chrono::seconds>(t);
}

std::string Dirname(const std::string& path) { return path.substr(0, path.rfind('/')); }

StatusOr<std::string> LoadOrCreateNodeId(const std::string& audit_dir, RandomSource* random) {
  const std::string path = audit_dir + "/node-id";
  auto text = ReadFile(path);
  if (text.ok()) {
    std::string id(TrimWhitespace(*text));
    if (!IsValidNodeId(id)) {
      return FailedPreconditionError(path +
                                     " does not hold a node id (8 to 16 characters a-z, 0-9); "
                                     "restore it or remove it to start a new one");
    }
    return id;
  }
  if (text.status().code() != StatusCode::kNotFound) return text.status();
  OsRandomSource os_random;
  std::string id =
      RandomString(random != nullptr ? *random : os_random, kNodeIdAlphabet, kNodeIdLength);
  SIGIL_RETURN_IF_ERROR(WriteFileAtomically(path, id + "\n", 0600));
  return id;
}

// The digest entry of a log file as it is on disk (a file a crash left out of the digests, or
// one whose write failed midway).
StatusOr<DigestLogFile> DescribeFromDisk(const std::string& audit_dir,
                                         const std::string& relative) {
  DigestLogFile out;
  out.file_name = relative;
  SIGIL_ASSIGN_OR_RETURN(std::string bytes, ReadFile(audit_dir + "/" + relative));
  out.hash_hex = Sha256Hex(bytes);
  out.size_bytes = bytes.size();
  SIGIL_RETURN_IF_ERROR(ForEachRecord(audit_dir + "/" + relative, [&](Record&& r) {
    ++out.record_count;
    if (auto t = RecordEventTime(r)) {
      if (!out.oldest_event || *t < *out.oldest_event) out.oldest_event = *t;
      if (!out.newest_event || *t > *out.newest_event) out.newest_event = *t;
    }
    return true;
  }));
  return out;
}

}  // namespace

std::optional<WhenFull> ParseWhenFull(std::string_view text) {
  if (text == "block") return WhenFull::kBlock;
  if (text == "drop") return WhenFull::kDrop;
  return std::nullopt;
}

struct Writer::OpenFile {
  int fd = -1;
  std::string relative_path;
  std::string path;
  uint64_t sequence = 0;
  TimePoint opened;
  uint64_t size = 0;  // bytes written and pending
  uint64_t records = 0;
  std::optional<TimePoint> oldest, newest;
  Sha256Hasher hasher;  // over every byte written and pending
  std::string pending;  // lines not yet written
  bool failed = false;  // a write failed: the hash no longer matches the file
};

Writer::Writer(WriterOptions options) : options_(std::move(options)) {}

Writer::~Writer() { (void)Close(); }

StatusOr<std::unique_ptr<Writer>> Writer::Open(WriterOptions options) {
  if (options.audit_dir.empty()) return InvalidArgumentError("the audit folder is not set");
  if (options.clock == nullptr) return InvalidArgumentError("the audit writer needs a clock");
  if (options.signing_key.empty()) {
    return InvalidArgumentError("the audit writer needs a digest signing key");
  }
  if (options.queue_capacity == 0) return InvalidArgumentError("the audit queue needs room");
  if (options.rotate_bytes == 0) {
    return InvalidArgumentError("the audit rotation size must be at least 1 byte");
  }
  if (options.rotate_age.count() < 1 || options.digest_interval.count() < 1) {
    return InvalidArgumentError("audit rotation and digest intervals must be at least 1 second");
  }
  std::unique_ptr<Writer> writer(new Writer(std::move(options)));
  SIGIL_RETURN_IF_ERROR(writer->Start());
  return writer;
}

Status Writer::Start() {
  const std::string& dir = options_.audit_dir;
  SIGIL_RETURN_IF_ERROR(MakeDirectories(dir, 0700));
  SIGIL_ASSIGN_OR_RETURN(node_id_, LoadOrCreateNodeId(dir, options_.random));

  // Chain from this node's newest digest.
  SIGIL_ASSIGN_OR_RETURN(std::vector<FoundDigestFile> digests, ListDigestFiles(dir));
  last_digest_end_ = WholeSeconds(options_.clock->Now());
  const FoundDigestFile* newest = nullptr;
  for (const FoundDigestFile& d : digests) {
    if (d.name.node_id == node_id_) newest = &d;
  }
  if (newest != nullptr) {
    SIGIL_ASSIGN_OR_RETURN(std::string bytes, ReadFile(dir + "/" + newest->relative_path));
    auto parsed = ParseDigest(bytes);
    if (!parsed.ok()) {
      return FailedPreconditionError(
          "the newest audit digest " + dir + "/" + newest->relative_path + " is damaged (" +
          parsed.status().message() +
          "); run `sigil admin audit validate`, then move the damaged file away to start a new "
          "chain");
    }
    previous_digest_name_ = newest->relative_path;
    previous_digest_hash_ = Sha256Hex(bytes);
    previous_digest_signature_ = parsed->signature_hex;
    last_log_sequence_ = parsed->last_log_sequence;
    last_digest_end_ = parsed->end;
  }

  // Never reuse a sequence; list what a crash left out of the digests.
  SIGIL_ASSIGN_OR_RETURN(std::vector<FoundLogFile> files, ListLogFiles(dir));
  next_sequence_ = last_log_sequence_ + 1;
  for (const FoundLogFile& f : files) {
    if (f.name.node_id != node_id_) continue;
    next_sequence_ = std::max(next_sequence_, f.name.sequence + 1);
    // Files newer than the chain: a crash closed them before their digest. Without any digest
    // (the chain was removed) they are not adopted: re-signing them would vouch for whatever
    // they now hold, so validation reports them instead.
    if (newest != nullptr && f.name.sequence > last_log_sequence_) {
      SIGIL_ASSIGN_OR_RETURN(DigestLogFile entry, DescribeFromDisk(dir, f.relative_path));
      closed_files_.push_back(std::move(entry));
      last_log_sequence_ = f.name.sequence;
    }
  }

  if (newest == nullptr) {
    // A node's chain starts when its writer first starts, before any log file exists, so a
    // node with log files and no digest is always a finding.
    last_log_sequence_ = next_sequence_ - 1;
    SIGIL_RETURN_IF_ERROR(WriteDigest(last_digest_end_, last_digest_end_));
  }

  if (options_.registry != nullptr) {
    depth_gauge_ = &options_.registry
                        ->AddGauge("sigil_audit_queue_depth",
                                   "Audit records queued and not yet written to the trail.")
                        .Get();
    dropped_counter_ = &options_.registry
                            ->AddCounter("sigil_audit_dropped_total",
                                         "Audit records dropped because the queue was full "
                                         "(--audit-when-full drop).")
                            .Get();
    error_counter_ = &options_.registry
                          ->AddCounter("sigil_audit_write_errors_total",
                                       "Failures writing the audit trail (files or digests).")
                          .Get();
  }
  thread_ = std::thread([this] { Run(); });
  return OkStatus();
}

bool Writer::Enqueue(Record record, TimePoint event_time) {
  std::unique_lock lock(mu_);
  if (!closing_ && queue_.size() >= options_.queue_capacity) {
    if (options_.when_full == WhenFull::kDrop) {
      dropped_.fetch_add(1, std::memory_order_relaxed);
      if (dropped_counter_ != nullptr) dropped_counter_->Increment();
      return false;
    }
    has_room_.wait(lock, [&] { return closing_ || queue_.size() < options_.queue_capacity; });
  }
  if (closing_) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    if (dropped_counter_ != nullptr) dropped_counter_->Increment();
    return false;
  }
  const bool was_empty = queue_.empty();
  queue_.push_back(Item{std::move(record), event_time});
  if (depth_gauge_ != nullptr) depth_gauge_->Set(static_cast<double>(queue_.size()));
  lock.unlock();
  // The writer waits only on an empty queue.
  if (was_empty) has_work_.notify_one();
  return true;
}

void Writer::Flush() {
  std::unique_lock lock(mu_);
  if (closed_) return;
  const uint64_t ticket = ++flush_requested_;
  has_work_.notify_one();
  flushed_.wait(lock, [&] { return flush_done_ >= ticket || closed_; });
}

Status Writer::Close() {
  std::unique_lock lock(mu_);
  if (!closing_) {
    closing_ = true;
    has_work_.notify_one();
    has_room_.notify_all();
  }
  lock.unlock();
  if (thread_.joinable()) thread_.join();
  lock.lock();
  return first_error_;
}

size_t Writer::queue_depth() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void Writer::Run() {
  std::vector<Item> batch;
  for (;;) {
    uint64_t flush_target = 0;
    bool closing = false;
    {
      // Wake up when unsynced records are due for their sync, and at least every interval (for
      // the time-based rotation and digests).
      auto timeout =
          std::chrono::duration_cast<std::chrono::steady_clock::duration>(options_.sync_interval);
      if (unsynced_) {
        timeout = std::max(std::chrono::steady_clock::duration::zero(),
                           unsynced_since_ + timeout - std::chrono::steady_clock::now());
      }
      std::unique_lock lock(mu_);
      has_work_.wait_for(lock, timeout, [&] {
        return !queue_.empty() || flush_requested_ > flush_done_ || closing_;
      });
      batch.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
      queue_.clear();
      if (depth_gauge_ != nullptr) depth_gauge_->Set(0);
      flush_target = flush_requested_;
      closing = closing_;
    }
    has_room_.notify_all();
    WriteBatch(batch);
    batch.clear();
    TimeChecks(closing);
    std::lock_guard lock(mu_);
    flush_done_ = flush_target;
    if (closing) closed_ = true;
    flushed_.notify_all();
    if (closing) return;
  }
}

void Writer::WriteBatch(std::vector<Item>& batch) {
  for (Item& item : batch) {
    if (file_ == nullptr) {
      if (Status s = OpenNewFile(); !s.ok()) {
        ReportError(s);
        return;  // the batch is lost; the next batch tries again
      }
    }
    OpenFile& f = *file_;
    std::string line = item.record.dump(-1, ' ', false, Record::error_handler_t::replace);
    line.push_back('\n');
    f.hasher.Update(line);
    f.size += line.size();
    ++f.records;
    if (!f.oldest || item.event_time < *f.oldest) f.oldest = item.event_time;
    if (!f.newest || item.event_time > *f.newest) f.newest = item.event_time;
    f.pending += line;
    if (f.size >= options_.rotate_bytes) {
      if (Status s = CloseCurrentFile(); !s.ok()) ReportError(s);
    } else if (f.pending.size() >= kMaxPendingBytes) {
      WritePending();
    }
  }
  WritePending();
}

void Writer::WritePending() {
  if (file_ != nullptr && !file_->pending.empty()) {
    Status s = WriteAll(file_->fd, file_->pending, file_->path);
    file_->pending.clear();
    if (!unsynced_) unsynced_since_ = std::chrono::steady_clock::now();
    unsynced_ = true;
    if (!s.ok()) {
      file_->failed = true;
      ReportError(s);
      // Close it (its digest entry describes what reached the disk) and start a new one.
      if (Status c = CloseCurrentFile(); !c.ok()) ReportError(c);
    }
  }
}

void Writer::TimeChecks(bool closing) {
  const TimePoint now = options_.clock->Now();
  if (file_ != nullptr && (closing || now - file_->opened >= options_.rotate_age)) {
    if (Status s = CloseCurrentFile(); !s.ok()) ReportError(s);
  }
  if (file_ != nullptr && unsynced_ &&
      std::chrono::steady_clock::now() - unsynced_since_ >= options_.sync_interval) {
    if (::fdatasync(file_->fd) != 0) ReportError(ErrnoStatus(errno, "syncing " + file_->path));
    unsynced_ = false;
  }
  if (Status s = MaybeWriteDigest(closing); !s.ok()) ReportError(s);
}

Status Writer::OpenNewFile() {
  const TimePoint opened = WholeSeconds(options_.clock->Now());
  // O_EXCL: a name is never reused, even if someone made a file with the next sequence.
  for (int attempt = 0; attempt < 1000; ++attempt) {
    LogFileName name{node_id_, opened, next_sequence_++};
    auto f = std::make_unique<OpenFile>();
    f->relative_path = LogFileRelativePath(name);
    f->path = options_.audit_dir + "/" + f->relative_path;
    f->sequence = name.sequence;
    f->opened = opened;
    const std::string dir = Dirname(f->path);
    SIGIL_RETURN_IF_ERROR(MakeDirectories(dir, 0700));
    f->fd = ::open(f->path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
    if (f->fd < 0) {
      if (errno == EEXIST) continue;
      return ErrnoStatus(errno, "creating " + f->path);
    }
    // The new name must survive a crash too.
    SIGIL_RETURN_IF_ERROR(FsyncDirectory(dir));
    file_ = std::move(f);
    return OkStatus();
  }
  return InternalError("no free audit file name in " + options_.audit_dir);
}

Status Writer::CloseCurrentFile() {
  if (file_ == nullptr) return OkStatus();
  std::unique_ptr<OpenFile> f = std::move(file_);
  Status status = OkStatus();
  if (!f->pending.empty() && !f->failed) {
    status = WriteAll(f->fd, f->pending, f->path);
    if (!status.ok()) f->failed = true;
  }
  if (::fsync(f->fd) != 0 && status.ok()) status = ErrnoStatus(errno, "syncing " + f->path);
  ::close(f->fd);
  unsynced_ = false;
  DigestLogFile entry;
  if (f->failed) {
    // Describe what is really on disk, so the digest still verifies it.
    auto on_disk = DescribeFromDisk(options_.audit_dir, f->relative_path);
    if (!on_disk.ok()) return on_disk.status();
    entry = std::move(on_disk).value();
  } else {
    entry.file_name = f->relative_path;
    entry.hash_hex = HexEncode(f->hasher.Finish());
    entry.size_bytes = f->size;
    entry.record_count = f->records;
    entry.oldest_event = f->oldest;
    entry.newest_event = f->newest;
  }
  closed_files_.push_back(std::move(entry));
  last_log_sequence_ = std::max(last_log_sequence_, f->sequence);
  return status;
}

Status Writer::MaybeWriteDigest(bool force) {
  const TimePoint now = WholeSeconds(options_.clock->Now());
  const bool due =
      force || !closed_files_.empty() || now - last_digest_end_ >= options_.digest_interval;
  if (!due) return OkStatus();
  TimePoint end = now;
  if (end <= last_digest_end_) {
    // Names have whole seconds: wait for the next second, except for the last digest, which
    // takes the next second now.
    if (!force) return OkStatus();
    end = last_digest_end_ + std::chrono::seconds(1);
  }
  return WriteDigest(last_digest_end_, end);
}

Status Writer::WriteDigest(TimePoint start, TimePoint end) {
  Digest d;
  d.node_id = node_id_;
  d.file_name = DigestRelativePath(DigestFileName{node_id_, end});
  d.start = start;
  d.end = end;
  d.previous_file_name = previous_digest_name_;
  d.previous_hash_hex = previous_digest_hash_;
  d.previous_signature_hex = previous_digest_signature_;
  d.last_log_sequence = last_log_sequence_;
  d.log_files = closed_files_;
  const std::string bytes = RenderDigest(d, options_.signing_key);
  const std::string path = options_.audit_dir + "/" + d.file_name;
  SIGIL_RETURN_IF_ERROR(MakeDirectories(Dirname(path), 0700));
  SIGIL_RETURN_IF_ERROR(WriteFileAtomically(path, bytes, 0600));
  auto written = ParseDigest(bytes);
  if (!written.ok()) return written.status();  // cannot happen: we rendered it
  previous_digest_name_ = d.file_name;
  previous_digest_hash_ = Sha256Hex(bytes);
  previous_digest_signature_ = written->signature_hex;
  last_digest_end_ = end;
  closed_files_.clear();
  return OkStatus();
}

void Writer::ReportError(const Status& s) {
  write_errors_.fetch_add(1, std::memory_order_relaxed);
  if (error_counter_ != nullptr) error_counter_->Increment();
  {
    std::lock_guard lock(mu_);
    if (first_error_.ok()) first_error_ = s;
  }
  // At most one line per ten seconds: a full disk must not flood the log.
  const auto now = std::chrono::steady_clock::now();
  if (last_error_print_ == std::chrono::steady_clock::time_point() ||
      now - last_error_print_ >= std::chrono::seconds(10)) {
    last_error_print_ = now;
    std::fprintf(stderr, "sigil: audit trail: %s\n", s.message().c_str());
  }
}

}  // namespace sigil::audit
