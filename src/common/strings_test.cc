#include "common/strings.h"

#include <gtest/gtest.h>

namespace sigil {
namespace {

TEST(Strings, UriEncodeUsesTheUnreservedSet) {
  EXPECT_EQ(UriEncode("a b/c~d*e"), "a%20b%2Fc~d%2Ae");
  EXPECT_EQ(UriEncode("a b/c", /*keep_slash=*/true), "a%20b/c");
  EXPECT_EQ(UriEncode("\xc3\xa9"), "%C3%A9");
}

TEST(Strings, UriDecode) {
  EXPECT_EQ(*UriDecode("a%20b+c"), "a b+c");
  EXPECT_EQ(*UriDecode("a%20b+c", true), "a b c");
  EXPECT_FALSE(UriDecode("%2"));
  EXPECT_FALSE(UriDecode("%zz"));
  EXPECT_FALSE(UriDecode("abc%"));
}

TEST(Strings, ParseQueryString) {
  auto p = ParseQueryString("Action=ListUsers&Version=2010-05-08&PathPrefix=%2Fops%2F&flag");
  ASSERT_TRUE(p);
  ASSERT_EQ(p->size(), 4u);
  EXPECT_EQ((*p)[2].value, "/ops/");
  EXPECT_EQ((*p)[3].key, "flag");
  EXPECT_EQ((*p)[3].value, "");
  EXPECT_FALSE(ParseQueryString("a=%G1"));
}

TEST(Strings, CaseAndTrim) {
  EXPECT_EQ(AsciiLower("X-Amz-Date"), "x-amz-date");
  EXPECT_TRUE(EqualsIgnoreCase("Host", "hOST"));
  EXPECT_EQ(TrimWhitespace("  a b \t"), "a b");
  EXPECT_EQ(Split("a,,b", ',').size(), 3u);
}

}  // namespace
}  // namespace sigil
