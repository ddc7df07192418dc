#include "common/time_format.h"

#include <array>
#include <cstdio>
#include <ctime>

namespace sigil {
namespace {

std::tm ToUtc(TimePoint t) {
  std::time_t secs = static_cast<std::time_t>(ToUnixSeconds(t));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}

std::string Format(TimePoint t, const char* fmt) {
  std::tm tm = ToUtc(t);
  std::array<char, 64> buf{};
  size_t n = std::strftime(buf.data(), buf.size(), fmt, &tm);
  return std::string(buf.data(), n);
}

bool Digits(std::string_view s, size_t pos, size_t count, int* out) {
  if (pos + count > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

std::optional<TimePoint> FromFields(int year, int month, int day, int hour, int minute,
                                    int second) {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  std::time_t secs = timegm(&tm);
  if (secs == static_cast<std::time_t>(-1)) return std::nullopt;
  return FromUnixSeconds(secs);
}

constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

}  // namespace

std::string FormatIso8601(TimePoint t) { return Format(t, "%Y-%m-%dT%H:%M:%SZ"); }
std::string FormatAmzDate(TimePoint t) { return Format(t, "%Y%m%dT%H%M%SZ"); }
std::string FormatScopeDate(TimePoint t) { return Format(t, "%Y%m%d"); }
std::string FormatHttpDate(TimePoint t) { return Format(t, "%a, %d %b %Y %H:%M:%S GMT"); }

std::optional<TimePoint> ParseAmzDate(std::string_view s) {
  int y, mo, d, h, mi, se;
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  if (!Digits(s, 0, 4, &y) || !Digits(s, 4, 2, &mo) || !Digits(s, 6, 2, &d) ||
      !Digits(s, 9, 2, &h) || !Digits(s, 11, 2, &mi) || !Digits(s, 13, 2, &se)) {
    return std::nullopt;
  }
  return FromFields(y, mo, d, h, mi, se);
}

std::optional<TimePoint> ParseHttpDate(std::string_view s) {
  // "Sun, 30 Aug 2015 12:36:00 GMT"
  if (s.size() != 29 || s[3] != ',' || s[4] != ' ' || s.substr(26) != "GMT") return std::nullopt;
  int d, y, h, mi, se;
  if (!Digits(s, 5, 2, &d) || !Digits(s, 12, 4, &y) || !Digits(s, 17, 2, &h) ||
      !Digits(s, 20, 2, &mi) || !Digits(s, 23, 2, &se)) {
    return std::nullopt;
  }
  std::string_view mon = s.substr(8, 3);
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (kMonths[i] == mon) return FromFields(y, static_cast<int>(i) + 1, d, h, mi, se);
  }
  return std::nullopt;
}

std::optional<TimePoint> ParseIso8601(std::string_view s) {
  int y, mo, d, h, mi, se;
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
      s.back() != 'Z') {
    return std::nullopt;
  }
  if (!Digits(s, 0, 4, &y) || !Digits(s, 5, 2, &mo) || !Digits(s, 8, 2, &d) ||
      !Digits(s, 11, 2, &h) || !Digits(s, 14, 2, &mi) || !Digits(s, 17, 2, &se)) {
    return std::nullopt;
  }
  std::string_view frac = s.substr(19, s.size() - 20);
  if (!frac.empty()) {
    if (frac[0] != '.' || frac.size() < 2) return std::nullopt;
    for (char c : frac.substr(1)) {
      if (c < '0' || c > '9') return std::nullopt;
    }
  }
  return FromFields(y, mo, d, h, mi, se);
}

}  // namespace sigil
