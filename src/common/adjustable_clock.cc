#include "common/adjustable_clock.h"

#include <sys/stat.h>

#include <cerrno>
#include <charconv>

#include "common/file_util.h"
#include "common/strings.h"

namespace sigil {

namespace {
constexpr int64_t kMaxOffsetSeconds = int64_t{10} * 366 * 24 * 3600;
}  // namespace

AdjustableClock::AdjustableClock(std::string offset_file, const Clock& base)
    : path_(std::move(offset_file)), base_(base) {}

AdjustableClock::AdjustableClock(std::string offset_file)
    : path_(std::move(offset_file)), base_(system_clock_) {}

TimePoint AdjustableClock::Now() const {
  int64_t offset = OffsetMillis();
  return base_.Now() + std::chrono::milliseconds(offset);
}

int64_t AdjustableClock::OffsetMillis() const {
  RefreshIfChanged();
  return offset_ms_.load();
}

std::optional<int64_t> AdjustableClock::ParseOffsetSeconds(std::string_view text) {
  std::string_view s = TrimWhitespace(text);
  // from_chars takes a '-' but not a '+'; strip one '+' and then insist on a digit.
  if (!s.empty() && s.front() == '+') {
    s.remove_prefix(1);
    if (s.empty() || s.front() < '0' || s.front() > '9') return std::nullopt;
  }
  if (s.empty()) return std::nullopt;
  int64_t seconds = 0;
  auto [end, err] = std::from_chars(s.data(), s.data() + s.size(), seconds);
  if (err != std::errc() || end != s.data() + s.size()) return std::nullopt;
  if (seconds > kMaxOffsetSeconds || seconds < -kMaxOffsetSeconds) return std::nullopt;
  return seconds;
}

void AdjustableClock::RefreshIfChanged() const {
  FileVersion now;
  struct stat st {};
  if (::stat(path_.c_str(), &st) == 0) {
    now.present = true;
    now.inode = static_cast<uint64_t>(st.st_ino);
    now.size = static_cast<int64_t>(st.st_size);
    now.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  } else if (errno != ENOENT && errno != ENOTDIR) {
    return;  // cannot tell (e.g. a permission problem): keep what we have
  }
  auto seen = [this] {
    return FileVersion{seen_present_.load(), seen_inode_.load(), seen_size_.load(),
                       seen_mtime_ns_.load()};
  };
  if (seen() == now) return;

  std::lock_guard<std::mutex> lock(reload_mu_);
  if (seen() == now) return;  // another thread got here first
  if (!now.present) {
    offset_ms_.store(0);
  } else {
    StatusOr<std::string> text = ReadFile(path_);
    if (text.ok()) {
      if (std::optional<int64_t> seconds = ParseOffsetSeconds(*text)) {
        offset_ms_.store(*seconds * 1000);
      }
    } else if (text.status().code() == StatusCode::kNotFound) {
      offset_ms_.store(0);  // removed since the stat
    }
  }
  // The offset is stored before the version, so a caller that sees this version sees its offset.
  seen_present_.store(now.present);
  seen_inode_.store(now.inode);
  seen_size_.store(now.size);
  seen_mtime_ns_.store(now.mtime_ns);
}

}  // namespace sigil
