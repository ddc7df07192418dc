#include "identity/key_usage_tracker.h"

#include <functional>

namespace sigil {

KeyUsageTracker::KeyUsageTracker(MetadataStore& store, std::chrono::milliseconds interval)
    : store_(store), interval_(interval), thread_([this] { Run(); }) {}

KeyUsageTracker::~KeyUsageTracker() {
  {
    std::lock_guard<std::mutex> lock(stop_mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  thread_.join();
  (void)Flush();  // best effort at shutdown; usage is advisory data
}

KeyUsageTracker::Shard& KeyUsageTracker::ShardFor(std::string_view key) const {
  return shards_[std::hash<std::string_view>{}(key) % shards_.size()];
}

void KeyUsageTracker::Record(std::string_view access_key_id, TimePoint when,
                             std::string_view region, std::string_view service) {
  Shard& shard = ShardFor(access_key_id);
  std::lock_guard<std::mutex> lock(shard.mu);
  auto [it, inserted] = shard.latest.try_emplace(std::string(access_key_id));
  AccessKeyUsage& u = it->second;
  // Second granularity is plenty for "last used"; skip redundant work for hot keys.
  const bool same = !inserted && u.region == region && u.service == service &&
                    when - u.last_used < std::chrono::seconds(1);
  if (same) return;
  if (inserted || u.last_used < when) {
    if (inserted) u.access_key_id = std::string(access_key_id);
    u.last_used = when;
    u.region = std::string(region);
    u.service = std::string(service);
    shard.dirty.push_back(u.access_key_id);
  }
}

std::optional<AccessKeyUsage> KeyUsageTracker::Latest(std::string_view access_key_id) const {
  Shard& shard = ShardFor(access_key_id);
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.latest.find(std::string(access_key_id));
  if (it == shard.latest.end()) return std::nullopt;
  return it->second;
}

Status KeyUsageTracker::Flush() {
  std::lock_guard<std::mutex> flush_lock(flush_mu_);
  std::vector<AccessKeyUsage> batch;
  for (Shard& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mu);
    for (const std::string& key : shard.dirty) {
      auto it = shard.latest.find(key);
      if (it != shard.latest.end()) batch.push_back(it->second);
    }
    shard.dirty.clear();
  }
  if (batch.empty()) return OkStatus();
  return store_.RecordAccessKeyUsage(batch);
}

void KeyUsageTracker::Run() {
  std::unique_lock<std::mutex> lock(stop_mu_);
  while (!stopping_) {
    stop_cv_.wait_for(lock, interval_, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    (void)Flush();  // a failed batch is retried implicitly by the next use of the key
    lock.lock();
  }
}

}  // namespace sigil
