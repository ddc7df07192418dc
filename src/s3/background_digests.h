// Internal to s3/: the digests of an upload (MD5 for the ETag, SHA-256 for a signed payload,
// the client's checksum) computed on a thread of their own, so hashing overlaps with reading
// the socket and writing the disk: MD5 alone runs below the disk's speed on one core. Small
// uploads hash inline (a thread would cost more than it saves). Bounded: Update waits while
// kMaxQueuedBytes are queued. One producer thread; not otherwise thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "common/checksum.h"

namespace sigil::s3 {

class BackgroundDigests {
 public:
  // Hashes with each of `algorithms`; on a worker thread when `expected_bytes` is at least
  // kThreadedFromBytes.
  BackgroundDigests(const std::vector<ChecksumAlgorithm>& algorithms, uint64_t expected_bytes);
  // Stops the worker (discarding what is queued) and joins it.
  ~BackgroundDigests();
  BackgroundDigests(const BackgroundDigests&) = delete;
  BackgroundDigests& operator=(const BackgroundDigests&) = delete;

  // Adds bytes (copied when threaded).
  void Update(std::string_view data);
  // Waits until everything added is hashed; returns each algorithm's raw digest, in the
  // constructor's order. Call once.
  std::vector<std::string> Finish();

  static constexpr uint64_t kThreadedFromBytes = 1024 * 1024;
  static constexpr size_t kMaxQueuedBytes = 8 * 1024 * 1024;

 private:
  void Run();

  std::vector<Checksum> digests_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::deque<std::string> queue_;   // guarded by mu_
  std::vector<std::string> spare_;  // buffers to reuse; guarded by mu_
  size_t queued_bytes_ = 0;         // guarded by mu_
  bool closing_ = false;            // guarded by mu_: no more input (Finish or destruction)
  bool abandoned_ = false;          // guarded by mu_: destruction without Finish
  std::thread worker_;
};

}  // namespace sigil::s3
