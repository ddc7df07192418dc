#include "protocol/pattern.h"

#include <map>
#include <mutex>
#include <regex>
#include <string>
#include <utility>
#include <vector>

namespace sigil::protocol {
namespace {

using Range = std::pair<char32_t, char32_t>;

// Unicode categories approximated for validation: ASCII exactly, non-ASCII generously (AWS's
// own classes are wider than anything a client legitimately sends in these fields).
void AddCategory(char cat, std::vector<Range>* out) {
  switch (cat) {
    case 'L':
      out->insert(out->end(), {{'a', 'z'},
                               {'A', 'Z'},
                               {0xAA, 0xAA},
                               {0xB5, 0xB5},
                               {0xBA, 0xBA},
                               {0xC0, 0xD6},
                               {0xD8, 0xF6},
                               {0xF8, 0x1FFF},
                               {0x3040, 0xFFEF},
                               {0x10000, 0x10FFFF}});
      break;
    case 'N':
      out->insert(out->end(), {{'0', '9'}, {0x660, 0x669}, {0xFF10, 0xFF19}});
      break;
    case 'Z':
      out->insert(out->end(), {{' ', ' '},
                               {0xA0, 0xA0},
                               {0x2000, 0x200A},
                               {0x2028, 0x2029},
                               {0x202F, 0x202F},
                               {0x205F, 0x205F},
                               {0x3000, 0x3000}});
      break;
    default:
      break;
  }
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class AcceptAll final : public PatternMatcher {
 public:
  bool Matches(std::string_view utf8) const override {
    std::u32string cps;
    return DecodeUtf8(utf8, &cps);
  }
};

// "[class]+" or "[class]*": every code point must be in the class.
class ClassMatcher final : public PatternMatcher {
 public:
  ClassMatcher(std::vector<Range> ranges, bool allow_empty)
      : ranges_(std::move(ranges)), allow_empty_(allow_empty) {}
  bool Matches(std::string_view utf8) const override {
    std::u32string cps;
    if (!DecodeUtf8(utf8, &cps)) return false;
    if (cps.empty()) return allow_empty_;
    for (char32_t c : cps) {
      bool in = false;
      for (const Range& r : ranges_) {
        if (c >= r.first && c <= r.second) {
          in = true;
          break;
        }
      }
      if (!in) return false;
    }
    return true;
  }

 private:
  std::vector<Range> ranges_;
  bool allow_empty_;
};

class RegexMatcher final : public PatternMatcher {
 public:
  explicit RegexMatcher(std::wregex re) : re_(std::move(re)) {}
  bool Matches(std::string_view utf8) const override {
    std::u32string cps;
    if (!DecodeUtf8(utf8, &cps)) return false;
    // libstdc++'s regex recurses per character; long inputs are accepted unchecked rather than
    // risk the stack (the length constraint is still enforced by the caller).
    if (cps.size() > 2048) return true;
    std::wstring w(cps.begin(), cps.end());
    return std::regex_match(w, re_);
  }

 private:
  std::wregex re_;
};

// Parses one class item at `i` (just past '[' or a previous item). Returns false if unsupported.
bool ParseClassAtom(std::string_view p, size_t* i, char32_t* cp, std::vector<Range>* special) {
  if (p[*i] != '\\') {
    *cp = static_cast<unsigned char>(p[*i]);
    ++*i;
    return true;
  }
  if (*i + 1 >= p.size()) return false;
  char e = p[*i + 1];
  if (e == 'u') {
    if (*i + 6 > p.size()) return false;
    char32_t v = 0;
    for (size_t k = *i + 2; k < *i + 6; ++k) {
      int d = HexDigit(p[k]);
      if (d < 0) return false;
      v = v * 16 + static_cast<char32_t>(d);
    }
    *cp = v;
    *i += 6;
    return true;
  }
  if (e == 'p') {
    if (*i + 5 > p.size() || p[*i + 2] != '{' || p[*i + 4] != '}') return false;
    AddCategory(p[*i + 3], special);
    *i += 5;
    *cp = 0xFFFFFFFF;  // marks "category, not a code point"
    return true;
  }
  *i += 2;
  switch (e) {
    case 'w':
      special->insert(special->end(), {{'a', 'z'}, {'A', 'Z'}, {'0', '9'}, {'_', '_'}});
      *cp = 0xFFFFFFFF;
      return true;
    case 'd':
      special->push_back({'0', '9'});
      *cp = 0xFFFFFFFF;
      return true;
    case 's':
      special->insert(special->end(), {{' ', ' '}, {'\t', '\r'}});
      *cp = 0xFFFFFFFF;
      return true;
    case 't':
      *cp = '\t';
      return true;
    case 'n':
      *cp = '\n';
      return true;
    case 'r':
      *cp = '\r';
      return true;
    default:
      *cp = static_cast<unsigned char>(e);
      return true;
  }
}

std::unique_ptr<PatternMatcher> TryClassPattern(std::string_view p) {
  if (!p.empty() && p.front() == '^') p.remove_prefix(1);
  if (!p.empty() && p.back() == '$') p.remove_suffix(1);
  if (p.size() < 3 || p.front() != '[' || (p.back() != '+' && p.back() != '*')) return nullptr;
  bool allow_empty = p.back() == '*';
  std::string_view body = p.substr(1, p.size() - 3);
  if (p[p.size() - 2] != ']' || body.empty() || body.front() == '^') return nullptr;
  std::vector<Range> ranges;
  size_t i = 0;
  while (i < body.size()) {
    if (body[i] == '[' || body[i] == ']') return nullptr;  // nested or early close
    char32_t lo;
    if (!ParseClassAtom(body, &i, &lo, &ranges)) return nullptr;
    if (lo == 0xFFFFFFFF) continue;
    if (i + 1 < body.size() && body[i] == '-') {
      ++i;
      char32_t hi;
      if (!ParseClassAtom(body, &i, &hi, &ranges) || hi == 0xFFFFFFFF || hi < lo) return nullptr;
      ranges.push_back({lo, hi});
    } else {
      ranges.push_back({lo, lo});
    }
  }
  return std::make_unique<ClassMatcher>(std::move(ranges), allow_empty);
}

// Java pattern → ECMAScript wide regex: \p{X} only appears inside classes in botocore models.
std::unique_ptr<PatternMatcher> TryRegexPattern(std::string_view p) {
  std::wstring out;
  for (size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '\\' && i + 4 < p.size() + 0 && p[i + 1] == 'p' && p[i + 2] == '{') {
      std::vector<Range> ranges;
      AddCategory(p[i + 3], &ranges);
      for (const Range& r : ranges) {
        out += static_cast<wchar_t>(r.first);
        out += L'-';
        out += static_cast<wchar_t>(r.second);
      }
      i += 4;
      continue;
    }
    out += static_cast<wchar_t>(static_cast<unsigned char>(p[i]));
  }
  try {
    return std::make_unique<RegexMatcher>(std::wregex(out, std::regex::ECMAScript));
  } catch (const std::regex_error&) {
    return nullptr;  // unsupported construct: accept (see MatcherFor)
  }
}

}  // namespace

bool DecodeUtf8(std::string_view s, std::u32string* out) {
  out->clear();
  for (size_t i = 0; i < s.size();) {
    auto b = static_cast<unsigned char>(s[i]);
    char32_t cp;
    size_t len;
    if (b < 0x80) {
      cp = b;
      len = 1;
    } else if ((b & 0xE0) == 0xC0) {
      cp = b & 0x1F;
      len = 2;
    } else if ((b & 0xF0) == 0xE0) {
      cp = b & 0x0F;
      len = 3;
    } else if ((b & 0xF8) == 0xF0) {
      cp = b & 0x07;
      len = 4;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      auto c = static_cast<unsigned char>(s[i + k]);
      if ((c & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3F);
    }
    static constexpr char32_t kMinForLen[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLen[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    out->push_back(cp);
    i += len;
  }
  return true;
}

const PatternMatcher& MatcherFor(std::string_view java_pattern) {
  static std::mutex mu;
  static auto* cache = new std::map<std::string, std::unique_ptr<PatternMatcher>, std::less<>>();
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache->find(java_pattern);
  if (it != cache->end()) return *it->second;
  std::unique_ptr<PatternMatcher> m = TryClassPattern(java_pattern);
  if (!m) m = TryRegexPattern(java_pattern);
  if (!m) m = std::make_unique<AcceptAll>();
  auto [pos, inserted] = cache->emplace(std::string(java_pattern), std::move(m));
  return *pos->second;
}

}  // namespace sigil::protocol
