// The primitive matchers of the policy language: wildcard globs (`*`, `?`), ARN matching segment
// by segment, and the typed value parsers the condition operators need (numbers, dates, booleans,
// IP addresses and CIDR ranges). Internal to src/policy; pure functions, thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sigil::policy::internal {

// Byte equality for the short strings policies are made of (service names, ARN components):
// lengths first, then an inline loop, since a libc memcmp call costs more than the comparison.
inline bool ShortEquals(const char* a, const char* b, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}
inline bool FastEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ShortEquals(a.data(), b.data(), a.size());
}

// ---- Globs ----------------------------------------------------------------------------------
//
// A glob is kept in "escaped" form: `*` matches any run of characters (also empty), `?` exactly
// one character (one UTF-8 code point), and a backslash makes the next byte literal. Policy text
// never has escapes of its own (the policy language has none); they are introduced by
// EscapeGlobLiteral for text that must match literally: the values of policy variables and the
// special variables ${*} and ${?}.

// Escapes `*`, `?` and `\` so the text matches only itself.
void AppendEscapedGlobLiteral(std::string_view literal, std::string* out);
// Converts raw policy text (where `*` and `?` are wildcards) to escaped form.
std::string GlobFromPolicyText(std::string_view text);

// Matches `text` against an escaped glob.
bool GlobMatch(std::string_view escaped_glob, std::string_view text);

// A glob compiled for the hot path: the common shapes (`*`, a literal, `prefix*`) avoid the
// general matcher.
class Glob {
 public:
  Glob() = default;
  explicit Glob(std::string escaped);

  bool Matches(std::string_view text) const;
  bool matches_everything() const { return kind_ == Kind::kAny; }
  const std::string& escaped() const { return escaped_; }

 private:
  enum class Kind { kAny, kLiteral, kPrefix, kGeneral };
  Kind kind_ = Kind::kLiteral;
  std::string escaped_;
  std::string literal_;  // kLiteral: the text; kPrefix: the prefix
};

// ---- ARNs -----------------------------------------------------------------------------------

// The six colon-separated components of an ARN: "arn", partition, service, region, account and
// the resource (which may itself contain colons). `ok` is false for text with fewer than five
// colons, which is not an ARN.
struct ArnParts {
  bool ok = false;
  std::array<std::string_view, 6> part;
};
ArnParts SplitArn(std::string_view arn);

// Splits an escaped glob the same way (a `:` is never escaped, so each unescaped `:` is a
// separator among the first five). `ok` is false when the glob has fewer than five colons.
struct ArnGlobParts {
  bool ok = false;
  std::array<std::string, 6> part;
};
ArnGlobParts SplitArnGlob(std::string_view escaped_glob);

// ArnLike / Resource matching as AWS documents it: each of the first five components is matched
// on its own (a wildcard never crosses a colon there) and the resource component as a whole (a
// wildcard may span `/` and `:`). A pattern that is not ARN-shaped (e.g. "*") is matched against
// the whole text.
bool ArnGlobMatch(std::string_view escaped_glob, std::string_view arn);

// An ArnGlobMatch pattern compiled once.
class ArnGlob {
 public:
  ArnGlob() = default;
  explicit ArnGlob(std::string_view escaped_glob);

  bool Matches(const ArnParts& arn, std::string_view whole) const;
  bool matches_everything() const { return !segmented_ && whole_.matches_everything(); }

 private:
  bool segmented_ = false;
  std::array<Glob, 6> parts_;
  Glob whole_;
};

// ---- Typed values ---------------------------------------------------------------------------

// A decimal number as the Numeric operators compare it: an optional sign, digits, an optional
// fraction and exponent. Integers compare exactly up to 2^63.
struct Number {
  bool integral = false;
  int64_t i = 0;
  long double d = 0;
};
std::optional<Number> ParseNumber(std::string_view text);
// -1, 0 or 1.
int CompareNumbers(const Number& a, const Number& b);

// A date as the Date operators accept it: epoch seconds (an optional sign and digits, fraction
// allowed) or one of the W3C profiles of ISO 8601 (YYYY, YYYY-MM, YYYY-MM-DD,
// YYYY-MM-DDThh:mmTZD, YYYY-MM-DDThh:mm:ssTZD, YYYY-MM-DDThh:mm:ss.sTZD, TZD being Z or +hh:mm /
// -hh:mm; a missing TZD on a time is read as UTC). Milliseconds since the epoch.
std::optional<int64_t> ParseDateMillis(std::string_view text);

// "true" / "false", case-insensitively.
std::optional<bool> ParseBool(std::string_view text);

// An IPv4 or IPv6 address. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are read as IPv4, so a
// client reaching a dual-stack listener over IPv4 still matches IPv4 ranges. An IPv4 address
// never matches an IPv6 range and vice versa.
struct IpAddress {
  bool v4 = false;
  std::array<uint8_t, 16> bytes{};  // IPv4: the first four bytes
};
struct IpRange {
  IpAddress network;
  int prefix_bits = 0;
};
// "203.0.113.0/24", "2001:DB8::/32", or an address without a prefix (/32 for IPv4, /128 for
// IPv6, as AWS defaults). nullopt for anything else.
std::optional<IpRange> ParseCidr(std::string_view text);
// A single address; nullopt when not an IPv4 or IPv6 address.
std::optional<IpAddress> ParseIpAddress(std::string_view text);
bool IpInRange(const IpAddress& address, const IpRange& range);

// Length in bytes of the UTF-8 sequence starting at text[i] (1 for a stray byte), so `?` consumes
// one character.
size_t Utf8SequenceLength(std::string_view text, size_t i);

}  // namespace sigil::policy::internal
