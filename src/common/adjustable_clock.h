// A Clock for test servers only: the system time (or another clock) plus an offset in seconds
// that a test changes while the server runs, by writing it to a file, so that expiry (STS
// sessions, presigned URLs, TOTP steps) can be tested without waiting. Thread-safe; Now() costs
// one stat() and reads the file again only when it changed.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace sigil {

class AdjustableClock final : public Clock {
 public:
  // Now() is `base`'s time plus the offset read from `offset_file`. The file holds a whole
  // number of seconds, optionally signed, with optional surrounding whitespace ("900\n",
  // "-30"); at most ten years either way. No file means offset 0. A file that cannot be read or
  // parsed (including an empty one, as while it is being written) keeps the last good offset.
  // The file is read again whenever its inode, size or modification time changes, so replacing
  // it (write a temporary file, then rename) is seen by the very next call. `base` must outlive
  // this clock.
  AdjustableClock(std::string offset_file, const Clock& base);
  // Over the system clock.
  explicit AdjustableClock(std::string offset_file);

  TimePoint Now() const override;

  // The offset in force, in milliseconds (checks the file first, as Now() does).
  int64_t OffsetMillis() const;
  const std::string& offset_file() const { return path_; }

  // Parses the file's text: seconds as described above. nullopt when malformed.
  static std::optional<int64_t> ParseOffsetSeconds(std::string_view text);

 private:
  // What identifies one version of the file; absent == no file.
  struct FileVersion {
    bool present = false;
    uint64_t inode = 0;
    int64_t size = 0;
    int64_t mtime_ns = 0;
    bool operator==(const FileVersion&) const = default;
  };
  void RefreshIfChanged() const;

  const std::string path_;
  SystemClock system_clock_;
  const Clock& base_;

  mutable std::mutex reload_mu_;  // one reader of the file at a time; Now() never waits on it
                                  // unless the file changed
  mutable std::atomic<bool> seen_present_{false};
  mutable std::atomic<uint64_t> seen_inode_{0};
  mutable std::atomic<int64_t> seen_size_{-1};
  mutable std::atomic<int64_t> seen_mtime_ns_{0};
  mutable std::atomic<int64_t> offset_ms_{0};
};

}  // namespace sigil
