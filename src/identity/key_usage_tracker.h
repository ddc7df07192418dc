// Remembers when each access key was last used, for GetAccessKeyLastUsed, without slowing the
// request path: Record() touches one of many small shards in memory, and a background thread
// writes what changed to the store in one batch per interval. Thread-safe.
#pragma once

#include <array>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "identity/model.h"
#include "store/metadata_store.h"

namespace sigil {

class KeyUsageTracker {
 public:
  // Starts the flusher thread, which writes pending usage every `interval`.
  KeyUsageTracker(MetadataStore& store, std::chrono::milliseconds interval);
  // Flushes what is pending and stops the thread.
  ~KeyUsageTracker();
  KeyUsageTracker(const KeyUsageTracker&) = delete;
  KeyUsageTracker& operator=(const KeyUsageTracker&) = delete;

  void Record(std::string_view access_key_id, TimePoint when, std::string_view region,
              std::string_view service);
  // The newest usage recorded by this process, if any.
  std::optional<AccessKeyUsage> Latest(std::string_view access_key_id) const;
  // Writes everything pending now (also used at shutdown and by tests).
  Status Flush();

 private:
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, AccessKeyUsage> latest;
    std::vector<std::string> dirty;
  };
  Shard& ShardFor(std::string_view key) const;
  void Run();

  MetadataStore& store_;
  const std::chrono::milliseconds interval_;
  mutable std::array<Shard, 16> shards_;
  std::mutex flush_mu_;  // one flush at a time
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace sigil
