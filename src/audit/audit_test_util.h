// Test helpers for the audit trail: a temporary folder, a clock that can hold the writer's
// background thread (to fill its queue deterministically), and small file helpers.
#pragma once

#include <stdlib.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <sstream>
#include <string>

#include "audit/reader.h"
#include "common/clock.h"
#include "common/time_format.h"

namespace sigil::audit::testing {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/sigil_audit_test_XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// A fake clock whose Now() blocks while the gate is closed: the writer's thread reads the clock
// when it opens a file, so closing the gate holds it there.
class GateClock final : public Clock {
 public:
  explicit GateClock(TimePoint start) : fake_(start) {}
  TimePoint Now() const override {
    std::unique_lock lock(mu_);
    ++waiting_;
    changed_.notify_all();
    changed_.wait(lock, [&] { return open_; });
    --waiting_;
    return fake_.Now();
  }
  void Close() {
    std::lock_guard lock(mu_);
    open_ = false;
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    changed_.notify_all();
  }
  // Waits until a thread is blocked in Now().
  void AwaitBlocked() {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return waiting_ > 0; });
  }
  void Advance(std::chrono::milliseconds d) { fake_.Advance(d); }

 private:
  FakeClock fake_;
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
  mutable int waiting_ = 0;
  bool open_ = true;
};

inline std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline void Spit(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

inline TimePoint At(const char* iso) { return *ParseIso8601(iso); }

// A small record with a marker, as the pipeline would enqueue.
inline Record TestRecord(TimePoint t, const std::string& marker) {
  Record r = Record::object();
  r["eventVersion"] = "1.11";
  r["eventTime"] = FormatIso8601(t);
  r["eventName"] = marker;
  return r;
}

}  // namespace sigil::audit::testing
