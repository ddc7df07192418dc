#include "policy/matchers.h"

#include <arpa/inet.h>

#include <charconv>
#include <cstring>

namespace sigil::policy::internal {
namespace {

constexpr size_t kNpos = std::string_view::npos;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at text[*pos]; advances *pos.
bool ReadDigits(std::string_view text, size_t* pos, size_t n, int* out) {
  if (*pos + n > text.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = text[*pos + i];
    if (!IsDigit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

// Days from 1970-01-01 to the given civil date (proleptic Gregorian; H. Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

std::optional<int64_t> ParseEpoch(std::string_view text) {
  // Seconds, optionally signed and with a fraction; held in milliseconds.
  size_t pos = 0;
  bool negative = false;
  if (pos < text.size() && (text[pos] == '-' || text[pos] == '+')) negative = text[pos++] == '-';
  const size_t int_start = pos;
  while (pos < text.size() && IsDigit(text[pos])) ++pos;
  if (pos == int_start || pos - int_start > 15) return std::nullopt;
  int64_t seconds = 0;
  std::from_chars(text.data() + int_start, text.data() + pos, seconds);
  int64_t millis = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    const size_t frac_start = pos;
    int scale = 100;
    while (pos < text.size() && IsDigit(text[pos])) {
      millis += (text[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == frac_start) return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  const int64_t total = seconds * 1000 + millis;
  return negative ? -total : total;
}

std::optional<int64_t> ParseW3cDate(std::string_view text) {
  size_t pos = 0;
  int year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0, millis = 0;
  if (!ReadDigits(text, &pos, 4, &year)) return std::nullopt;
  if (pos < text.size()) {
    if (text[pos++] != '-' || !ReadDigits(text, &pos, 2, &month)) return std::nullopt;
    if (month < 1 || month > 12) return std::nullopt;
    if (pos < text.size()) {
      if (text[pos++] != '-' || !ReadDigits(text, &pos, 2, &day)) return std::nullopt;
      if (day < 1 || day > DaysInMonth(year, month)) return std::nullopt;
    }
  }
  int64_t offset_minutes = 0;
  if (pos < text.size()) {
    if (text[pos++] != 'T' || !ReadDigits(text, &pos, 2, &hour)) return std::nullopt;
    if (pos >= text.size() || text[pos++] != ':' || !ReadDigits(text, &pos, 2, &minute)) {
      return std::nullopt;
    }
    if (pos < text.size() && text[pos] == ':') {
      ++pos;
      if (!ReadDigits(text, &pos, 2, &second)) return std::nullopt;
      if (pos < text.size() && text[pos] == '.') {
        ++pos;
        const size_t frac_start = pos;
        int scale = 100;
        while (pos < text.size() && IsDigit(text[pos])) {
          millis += (text[pos] - '0') * scale;
          scale /= 10;
          ++pos;
        }
        if (pos == frac_start) return std::nullopt;
      }
    }
    // hh:mm:60 would be a leap second; AWS timestamps never carry one.
    if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
    if (pos < text.size()) {
      const char z = text[pos++];
      if (z == 'Z' || z == 'z') {
        // UTC
      } else if (z == '+' || z == '-') {
        int oh = 0, om = 0;
        if (!ReadDigits(text, &pos, 2, &oh)) return std::nullopt;
        if (pos < text.size() && text[pos] == ':') ++pos;
        if (!ReadDigits(text, &pos, 2, &om) || oh > 23 || om > 59) return std::nullopt;
        offset_minutes = (oh * 60 + om) * (z == '-' ? -1 : 1);
      } else {
        return std::nullopt;
      }
    }
  }
  if (pos != text.size()) return std::nullopt;
  const int64_t days =
      DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return seconds * 1000 + millis;
}

}  // namespace

// ---- Globs ----------------------------------------------------------------------------------

size_t Utf8SequenceLength(std::string_view text, size_t i) {
  const auto c = static_cast<unsigned char>(text[i]);
  size_t n = 1;
  if (c >= 0xF0 && c <= 0xF7) {
    n = 4;
  } else if (c >= 0xE0) {
    n = c <= 0xEF ? 3 : 1;
  } else if (c >= 0xC0) {
    n = 2;
  }
  if (i + n > text.size()) return 1;
  for (size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return 1;
  }
  return n;
}

void AppendEscapedGlobLiteral(std::string_view literal, std::string* out) {
  for (char c : literal) {
    if (c == '*' || c == '?' || c == '\\') out->push_back('\\');
    out->push_back(c);
  }
}

std::string GlobFromPolicyText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

bool GlobMatch(std::string_view p, std::string_view t) {
  // Greedy two-cursor match with backtracking to the last `*`: O(|p|·|t|) worst case, no
  // recursion, so no input can make it run long or deep.
  size_t pi = 0, ti = 0;
  size_t star_p = kNpos, star_t = 0;
  while (ti < t.size()) {
    if (pi < p.size()) {
      const char c = p[pi];
      if (c == '*') {
        star_p = ++pi;
        star_t = ti;
        continue;
      }
      if (c == '?') {
        ++pi;
        ti += Utf8SequenceLength(t, ti);
        continue;
      }
      const bool escaped = c == '\\' && pi + 1 < p.size();
      const char literal = escaped ? p[pi + 1] : c;
      if (literal == t[ti]) {
        pi += escaped ? 2 : 1;
        ++ti;
        continue;
      }
    }
    if (star_p == kNpos) return false;
    star_t += Utf8SequenceLength(t, star_t);
    pi = star_p;
    ti = star_t;
  }
  while (pi < p.size() && p[pi] == '*') ++pi;
  return pi == p.size();
}

Glob::Glob(std::string escaped) : escaped_(std::move(escaped)) {
  bool all_stars = !escaped_.empty();
  for (char c : escaped_) all_stars &= c == '*';
  if (all_stars) {
    kind_ = Kind::kAny;
    return;
  }
  // Unescape while looking for wildcards.
  std::string literal;
  size_t wildcards = 0;
  bool trailing_star = false;
  for (size_t i = 0; i < escaped_.size(); ++i) {
    const char c = escaped_[i];
    if (c == '\\' && i + 1 < escaped_.size()) {
      literal.push_back(escaped_[++i]);
    } else if (c == '*' || c == '?') {
      ++wildcards;
      trailing_star = c == '*' && i + 1 == escaped_.size();
    } else {
      literal.push_back(c);
    }
  }
  if (wildcards == 0) {
    kind_ = Kind::kLiteral;
    literal_ = std::move(literal);
  } else if (wildcards == 1 && trailing_star) {
    kind_ = Kind::kPrefix;
    literal_ = std::move(literal);
  } else {
    kind_ = Kind::kGeneral;
  }
}

bool Glob::Matches(std::string_view text) const {
  switch (kind_) {
    case Kind::kAny:
      return true;
    case Kind::kLiteral:
      return FastEquals(text, literal_);
    case Kind::kPrefix:
      return text.size() >= literal_.size() &&
             ShortEquals(text.data(), literal_.data(), literal_.size());
    case Kind::kGeneral:
      return GlobMatch(escaped_, text);
  }
  return false;
}

// ---- ARNs -----------------------------------------------------------------------------------

ArnParts SplitArn(std::string_view arn) {
  ArnParts out;
  size_t start = 0;
  for (int i = 0; i < 5; ++i) {
    const size_t colon = arn.find(':', start);
    if (colon == kNpos) return out;
    out.part[i] = arn.substr(start, colon - start);
    start = colon + 1;
  }
  out.part[5] = arn.substr(start);
  out.ok = true;
  return out;
}

ArnGlobParts SplitArnGlob(std::string_view g) {
  ArnGlobParts out;
  size_t start = 0;
  int found = 0;
  for (size_t i = 0; i < g.size() && found < 5; ++i) {
    if (g[i] == '\\') {
      ++i;
      continue;
    }
    if (g[i] == ':') {
      out.part[found++] = std::string(g.substr(start, i - start));
      start = i + 1;
    }
  }
  if (found < 5) return out;
  out.part[5] = std::string(g.substr(start));
  out.ok = true;
  return out;
}

bool ArnGlobMatch(std::string_view escaped_glob, std::string_view arn) {
  ArnGlob glob(escaped_glob);
  return glob.Matches(SplitArn(arn), arn);
}

ArnGlob::ArnGlob(std::string_view escaped_glob) {
  ArnGlobParts parts = SplitArnGlob(escaped_glob);
  if (!parts.ok) {
    whole_ = Glob(std::string(escaped_glob));
    return;
  }
  segmented_ = true;
  for (size_t i = 0; i < 6; ++i) parts_[i] = Glob(std::move(parts.part[i]));
}

bool ArnGlob::Matches(const ArnParts& arn, std::string_view whole) const {
  if (!segmented_) return whole_.Matches(whole);
  if (!arn.ok) return false;
  // The resource part is the most selective; the prefix parts mostly repeat "arn", "aws", ...
  if (!parts_[5].Matches(arn.part[5])) return false;
  for (size_t i = 0; i < 5; ++i) {
    if (!parts_[i].Matches(arn.part[i])) return false;
  }
  return true;
}

// ---- Typed values ---------------------------------------------------------------------------

std::optional<Number> ParseNumber(std::string_view text) {
  if (text.empty()) return std::nullopt;
  // Validate the shape ourselves: from_chars accepts "inf"/"nan" and hex forms.
  size_t pos = 0;
  if (text[pos] == '-' || text[pos] == '+') ++pos;
  const size_t int_start = pos;
  while (pos < text.size() && IsDigit(text[pos])) ++pos;
  const bool int_digits = pos > int_start;
  bool integral = true;
  if (pos < text.size() && text[pos] == '.') {
    integral = false;
    ++pos;
    const size_t frac_start = pos;
    while (pos < text.size() && IsDigit(text[pos])) ++pos;
    if (!int_digits && pos == frac_start) return std::nullopt;
  } else if (!int_digits) {
    return std::nullopt;
  }
  if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
    integral = false;
    ++pos;
    if (pos < text.size() && (text[pos] == '-' || text[pos] == '+')) ++pos;
    const size_t exp_start = pos;
    while (pos < text.size() && IsDigit(text[pos])) ++pos;
    if (pos == exp_start) return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;

  std::string_view body = text[0] == '+' ? text.substr(1) : text;
  Number n;
  if (integral) {
    auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), n.i);
    if (ec == std::errc() && end == body.data() + body.size()) {
      n.integral = true;
      n.d = static_cast<long double>(n.i);
      return n;
    }
  }
  auto [end, ec] = std::from_chars(body.data(), body.data() + body.size(), n.d);
  if (ec != std::errc() || end != body.data() + body.size()) return std::nullopt;
  return n;
}

int CompareNumbers(const Number& a, const Number& b) {
  if (a.integral && b.integral) return a.i < b.i ? -1 : (a.i > b.i ? 1 : 0);
  return a.d < b.d ? -1 : (a.d > b.d ? 1 : 0);
}

std::optional<int64_t> ParseDateMillis(std::string_view text) {
  if (text.empty()) return std::nullopt;
  bool all_digits = true;
  for (char c : text) all_digits &= IsDigit(c);
  // Four digits alone are the W3C "YYYY" profile; other numbers are epoch seconds.
  if (all_digits && text.size() == 4) return ParseW3cDate(text);
  if (text.size() >= 5 && IsDigit(text[0]) && text[4] == '-') return ParseW3cDate(text);
  return ParseEpoch(text);
}

std::optional<bool> ParseBool(std::string_view text) {
  auto lower_equals = [&](std::string_view word) {
    if (text.size() != word.size()) return false;
    for (size_t i = 0; i < word.size(); ++i) {
      char c = text[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != word[i]) return false;
    }
    return true;
  };
  if (lower_equals("true")) return true;
  if (lower_equals("false")) return false;
  return std::nullopt;
}

std::optional<IpAddress> ParseIpAddress(std::string_view text) {
  // inet_pton needs a NUL-terminated string; addresses are short.
  char buffer[64];
  if (text.empty() || text.size() >= sizeof(buffer)) return std::nullopt;
  std::memcpy(buffer, text.data(), text.size());
  buffer[text.size()] = '\0';
  IpAddress out;
  if (text.find(':') == kNpos) {
    if (inet_pton(AF_INET, buffer, out.bytes.data()) != 1) return std::nullopt;
    out.v4 = true;
    return out;
  }
  if (inet_pton(AF_INET6, buffer, out.bytes.data()) != 1) return std::nullopt;
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(out.bytes.data(), kMapped, sizeof(kMapped)) == 0) {
    IpAddress v4;
    v4.v4 = true;
    std::memcpy(v4.bytes.data(), out.bytes.data() + 12, 4);
    return v4;
  }
  return out;
}

std::optional<IpRange> ParseCidr(std::string_view text) {
  const size_t slash = text.find('/');
  std::optional<IpAddress> address = ParseIpAddress(text.substr(0, slash));
  if (!address) return std::nullopt;
  IpRange range;
  range.network = *address;
  const int max_bits = address->v4 ? 32 : 128;
  range.prefix_bits = max_bits;
  if (slash != kNpos) {
    std::string_view bits = text.substr(slash + 1);
    if (bits.empty() || bits.size() > 3) return std::nullopt;
    int value = 0;
    for (char c : bits) {
      if (!IsDigit(c)) return std::nullopt;
      value = value * 10 + (c - '0');
    }
    if (value > max_bits) return std::nullopt;
    range.prefix_bits = value;
  }
  return range;
}

bool IpInRange(const IpAddress& address, const IpRange& range) {
  if (address.v4 != range.network.v4) return false;
  int bits = range.prefix_bits;
  for (size_t i = 0; bits > 0; ++i, bits -= 8) {
    const uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((address.bytes[i] & mask) != (range.network.bytes[i] & mask)) return false;
  }
  return true;
}

}  // namespace sigil::policy::internal
