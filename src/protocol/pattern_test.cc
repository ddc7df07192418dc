#include "protocol/pattern.h"

#include <gtest/gtest.h>

namespace sigil::protocol {
namespace {

TEST(Pattern, UserNameClass) {
  const PatternMatcher& m = MatcherFor("[\\w+=,.@-]+");
  EXPECT_TRUE(m.Matches("automation_user"));
  EXPECT_TRUE(m.Matches("a+b=c,d.e@f-g"));
  EXPECT_FALSE(m.Matches(""));
  EXPECT_FALSE(m.Matches("has space"));
  EXPECT_FALSE(m.Matches("slash/"));
}

TEST(Pattern, PathAlternationFallsBackToRegex) {
  const PatternMatcher& m = MatcherFor("(\\u002F)|(\\u002F[\\u0021-\\u007F]+\\u002F)");
  EXPECT_TRUE(m.Matches("/"));
  EXPECT_TRUE(m.Matches("/division_abc/subdivision_xyz/"));
  EXPECT_FALSE(m.Matches("/no-trailing"));
  EXPECT_FALSE(m.Matches("//"));
  EXPECT_FALSE(m.Matches("/a b/"));
}

TEST(Pattern, UnicodeCategoriesInTagKeys) {
  const PatternMatcher& m = MatcherFor("[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+");
  EXPECT_TRUE(m.Matches("Team Name"));
  EXPECT_TRUE(m.Matches("équipe:1"));
  EXPECT_FALSE(m.Matches("semi;colon"));
  EXPECT_FALSE(m.Matches("\xff"));  // invalid UTF-8
}

TEST(Pattern, LongDocumentsDoNotRecurse) {
  const PatternMatcher& m = MatcherFor("[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+");
  std::string doc(200000, 'x');
  EXPECT_TRUE(m.Matches(doc));
  doc[100000] = '\x01';
  EXPECT_FALSE(m.Matches(doc));
}

TEST(Utf8, RejectsOverlongAndSurrogates) {
  std::u32string out;
  EXPECT_TRUE(DecodeUtf8("h\xc3\xa9", &out));
  EXPECT_EQ(out, U"h\u00e9");
  EXPECT_FALSE(DecodeUtf8("\xc0\xaf", &out));
  EXPECT_FALSE(DecodeUtf8("\xed\xa0\x80", &out));
  EXPECT_FALSE(DecodeUtf8("\xe2\x82", &out));
}

}  // namespace
}  // namespace sigil::protocol
