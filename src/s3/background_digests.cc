#include "s3/background_digests.h"

namespace sigil::s3 {

BackgroundDigests::BackgroundDigests(const std::vector<ChecksumAlgorithm>& algorithms,
                                     uint64_t expected_bytes) {
  for (ChecksumAlgorithm a : algorithms) digests_.emplace_back(a);
  if (expected_bytes >= kThreadedFromBytes) worker_ = std::thread([this] { Run(); });
}

BackgroundDigests::~BackgroundDigests() {
  if (!worker_.joinable()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closing_ = true;
    abandoned_ = true;
  }
  changed_.notify_all();
  worker_.join();
}

void BackgroundDigests::Update(std::string_view data) {
  if (!worker_.joinable()) {
    for (Checksum& d : digests_) d.Update(data);
    return;
  }
  std::unique_lock<std::mutex> lock(mu_);
  changed_.wait(lock, [&] { return queued_bytes_ < kMaxQueuedBytes; });
  std::string buffer;
  if (!spare_.empty()) {
    buffer = std::move(spare_.back());
    spare_.pop_back();
  }
  buffer.assign(data.data(), data.size());
  queued_bytes_ += buffer.size();
  queue_.push_back(std::move(buffer));
  lock.unlock();
  changed_.notify_all();
}

std::vector<std::string> BackgroundDigests::Finish() {
  if (worker_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      closing_ = true;
    }
    changed_.notify_all();
    worker_.join();
  }
  std::vector<std::string> out;
  for (Checksum& d : digests_) out.push_back(d.Finish());
  return out;
}

void BackgroundDigests::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    changed_.wait(lock, [&] { return !queue_.empty() || closing_; });
    if (abandoned_ || queue_.empty()) return;  // closing with nothing left
    std::string buffer = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    for (Checksum& d : digests_) d.Update(buffer);
    lock.lock();
    queued_bytes_ -= buffer.size();
    if (spare_.size() < 4) spare_.push_back(std::move(buffer));
    changed_.notify_all();
  }
}

}  // namespace sigil::s3
