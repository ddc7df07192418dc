// Matches strings against the Java-flavoured regular expressions in botocore models (the
// "pattern" constraint), as AWS validates input. Character-class patterns ("[...]+"), the
// common case, are matched code point by code point without a regex engine (no recursion, so
// 10 KiB policy documents are safe); anything else falls back to std::wregex on short inputs.
// Thread-safe: compiled matchers are immutable and cached.
#pragma once

#include <memory>
#include <string_view>

namespace sigil::protocol {

class PatternMatcher {
 public:
  virtual ~PatternMatcher() = default;
  // True when the whole UTF-8 string matches. Invalid UTF-8 never matches.
  virtual bool Matches(std::string_view utf8) const = 0;
};

// Returns the cached matcher for a model pattern; never null (an unsupported pattern yields a
// matcher that accepts everything, so a model quirk can never block valid input).
const PatternMatcher& MatcherFor(std::string_view java_pattern);

// Decodes UTF-8 into code points; false on malformed input.
bool DecodeUtf8(std::string_view utf8, std::u32string* out);

}  // namespace sigil::protocol
