#include "policy/matchers.h"

#include <gtest/gtest.h>

#include "policy/compiled.h"

namespace sigil::policy::internal {
namespace {

TEST(GlobTest, WildcardsAndLiterals) {
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("*", "anything"));
  EXPECT_TRUE(GlobMatch("a*c", "abbbc"));
  EXPECT_TRUE(GlobMatch("a*c", "ac"));
  EXPECT_FALSE(GlobMatch("a*c", "abd"));
  EXPECT_TRUE(GlobMatch("a?c", "abc"));
  EXPECT_FALSE(GlobMatch("a?c", "ac"));
  EXPECT_FALSE(GlobMatch("a?c", "abbc"));
  EXPECT_TRUE(GlobMatch("*a*b*", "xxaxxbxx"));
  EXPECT_FALSE(GlobMatch("*a*b*", "xxbxxaxx"));
  EXPECT_TRUE(GlobMatch("", ""));
  EXPECT_FALSE(GlobMatch("", "a"));
}

TEST(GlobTest, QuestionMarkConsumesOneUtf8Character) {
  EXPECT_TRUE(GlobMatch("caf?", "caf\xC3\xA9"));
  EXPECT_FALSE(GlobMatch("caf??", "caf\xC3\xA9"));
  EXPECT_TRUE(GlobMatch("?", "\xF0\x9F\x98\x80"));  // one 4-byte code point
  EXPECT_EQ(Utf8SequenceLength("\xC3\xA9", 0), 2u);
  EXPECT_EQ(Utf8SequenceLength("\xC3", 0), 1u);  // truncated sequence: a stray byte
}

TEST(GlobTest, EscapesMakeWildcardsLiteral) {
  std::string g = "a";
  AppendEscapedGlobLiteral("*?\\", &g);
  EXPECT_EQ(g, "a\\*\\?\\\\");
  EXPECT_TRUE(GlobMatch(g, "a*?\\"));
  EXPECT_FALSE(GlobMatch(g, "axy\\"));
  EXPECT_EQ(GlobFromPolicyText("a\\b*"), "a\\\\b*");
  EXPECT_TRUE(GlobMatch(GlobFromPolicyText("a\\b*"), "a\\bcd"));
}

TEST(GlobTest, CompiledShapesAgreeWithGeneralMatcher) {
  for (const char* pattern : {"*", "**", "abc", "ab*", "a*c", "a?c", "", "\\*x*"}) {
    Glob glob(pattern);
    for (const char* text : {"", "a", "abc", "abcd", "ab", "*x", "*xy", "a c"}) {
      EXPECT_EQ(glob.Matches(text), GlobMatch(pattern, text)) << pattern << " vs " << text;
    }
  }
  EXPECT_TRUE(Glob("*").matches_everything());
  EXPECT_FALSE(Glob("a*").matches_everything());
}

TEST(GlobTest, PathologicalPatternStaysFast) {
  const std::string text(4000, 'a');
  std::string pattern;
  for (int i = 0; i < 50; ++i) pattern += "*a";
  pattern += "b";
  EXPECT_FALSE(GlobMatch(pattern, text));  // O(|p|·|t|), not exponential
}

TEST(ArnTest, SplitsSixComponents) {
  ArnParts p = SplitArn("arn:aws:logs:us-east-1:111122223333:log-group:app:log-stream:x");
  ASSERT_TRUE(p.ok);
  EXPECT_EQ(p.part[0], "arn");
  EXPECT_EQ(p.part[1], "aws");
  EXPECT_EQ(p.part[2], "logs");
  EXPECT_EQ(p.part[3], "us-east-1");
  EXPECT_EQ(p.part[4], "111122223333");
  EXPECT_EQ(p.part[5], "log-group:app:log-stream:x");
  EXPECT_FALSE(SplitArn("arn:aws:s3").ok);
  EXPECT_TRUE(SplitArn("arn:aws:s3:::").ok);
}

TEST(ArnTest, MatchesComponentByComponent) {
  EXPECT_TRUE(ArnGlobMatch("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a/b:c"));
  EXPECT_TRUE(ArnGlobMatch("arn:aws:iam::*:user/*", "arn:aws:iam::111122223333:user/x"));
  EXPECT_FALSE(
      ArnGlobMatch("arn:aws:svc:*:111122223333:r", "arn:aws:svc:us-east-1:999:111122223333:r"));
  EXPECT_TRUE(
      GlobMatch("arn:aws:svc:*:111122223333:r", "arn:aws:svc:us-east-1:999:111122223333:r"));
  EXPECT_TRUE(ArnGlobMatch("*", "not-an-arn"));
  EXPECT_FALSE(ArnGlobMatch("arn:aws:s3:::*", "not-an-arn"));
  EXPECT_FALSE(ArnGlobMatch("arn:aws:s3:::bucket", "arn:aws:s3:::Bucket"));
  EXPECT_TRUE(ArnGlob("*").matches_everything());
  EXPECT_FALSE(ArnGlob("arn:*:*:*:*:*").matches_everything());
}

TEST(NumberTest, ParsesIntegersAndDecimals) {
  auto n = ParseNumber("42");
  ASSERT_TRUE(n.has_value());
  EXPECT_TRUE(n->integral);
  EXPECT_EQ(n->i, 42);
  EXPECT_TRUE(ParseNumber("-3.5").has_value());
  EXPECT_TRUE(ParseNumber("1e3").has_value());
  EXPECT_TRUE(ParseNumber("+7").has_value());
  EXPECT_TRUE(ParseNumber(".5").has_value());
  for (const char* bad : {"", "abc", "1.2.3", "inf", "nan", "0x10", "1e", "-", "5 "}) {
    EXPECT_FALSE(ParseNumber(bad).has_value()) << bad;
  }
  EXPECT_EQ(CompareNumbers(*ParseNumber("10"), *ParseNumber("10.0")), 0);
  EXPECT_LT(CompareNumbers(*ParseNumber("9007199254740992"), *ParseNumber("9007199254740993")), 0);
  EXPECT_GT(CompareNumbers(*ParseNumber("0.5"), *ParseNumber("0.25")), 0);
}

TEST(DateTest, ParsesW3cProfilesAndEpoch) {
  EXPECT_EQ(ParseDateMillis("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(ParseDateMillis("2024-01-01T00:00:00Z"), 1704067200000);
  EXPECT_EQ(ParseDateMillis("2024-01-01"), 1704067200000);
  EXPECT_EQ(ParseDateMillis("2024"), 1704067200000);
  EXPECT_EQ(ParseDateMillis("2024-01"), 1704067200000);
  EXPECT_EQ(ParseDateMillis("2024-01-01T02:00+02:00"), 1704067200000);
  EXPECT_EQ(ParseDateMillis("2023-12-31T19:00:00-05:00"), 1704067200000);
  EXPECT_EQ(ParseDateMillis("2024-01-01T00:00:00.250Z"), 1704067200250);
  EXPECT_EQ(ParseDateMillis("1704067200"), 1704067200000);
  EXPECT_EQ(ParseDateMillis("1704067200.5"), 1704067200500);
  EXPECT_EQ(ParseDateMillis("2024-02-29"), 1709164800000);  // leap day
  for (const char* bad : {"", "2023-02-29", "2024-13-01", "2024-01-01T25:00Z", "yesterday",
                          "2024-01-01T00:00:00Q", "2024-1-1", "12:00"}) {
    EXPECT_FALSE(ParseDateMillis(bad).has_value()) << bad;
  }
}

TEST(BoolTest, CaseInsensitive) {
  EXPECT_EQ(ParseBool("true"), true);
  EXPECT_EQ(ParseBool("FALSE"), false);
  EXPECT_FALSE(ParseBool("yes").has_value());
  EXPECT_FALSE(ParseBool("").has_value());
}

TEST(IpTest, CidrRanges) {
  auto range = ParseCidr("203.0.113.0/24");
  ASSERT_TRUE(range.has_value());
  EXPECT_TRUE(IpInRange(*ParseIpAddress("203.0.113.255"), *range));
  EXPECT_FALSE(IpInRange(*ParseIpAddress("203.0.112.255"), *range));
  auto v6 = ParseCidr("2001:DB8:1234:5678::/64");
  ASSERT_TRUE(v6.has_value());
  EXPECT_TRUE(IpInRange(*ParseIpAddress("2001:db8:1234:5678:ffff::1"), *v6));
  EXPECT_FALSE(IpInRange(*ParseIpAddress("2001:db8:1234:5679::1"), *v6));
  EXPECT_FALSE(IpInRange(*ParseIpAddress("203.0.113.1"), *v6));
  EXPECT_EQ(ParseCidr("10.0.0.1")->prefix_bits, 32);
  EXPECT_EQ(ParseCidr("::1")->prefix_bits, 128);
  EXPECT_TRUE(ParseIpAddress("::ffff:10.1.2.3")->v4);
  EXPECT_TRUE(IpInRange(*ParseIpAddress("10.200.0.1"), *ParseCidr("10.0.0.0/8")));
  EXPECT_TRUE(IpInRange(*ParseIpAddress("1.2.3.4"), *ParseCidr("0.0.0.0/0")));
  for (const char* bad :
       {"10.0.0.0/33", "::/129", "10.0.0/8", "300.1.1.1", "10.0.0.0/", "x/8", "10.0.0.0/-1"}) {
    EXPECT_FALSE(ParseCidr(bad).has_value()) << bad;
  }
}

TEST(ValueTemplateTest, ExpandsVariablesDefaultsAndSpecials) {
  RequestContext ctx{{"aws:username", "alice"}, {"aws:TagKeys", "a"}, {"aws:TagKeys", "b"}};
  std::string out;
  MissingKeys missing;

  auto t = ValueTemplate::Compile("home/${aws:username}/*", ValueTemplate::Mode::kGlob, true);
  ASSERT_TRUE(t.has_variables());
  ASSERT_TRUE(t.Expand(ctx, &out, &missing));
  EXPECT_EQ(out, "home/alice/*");

  t = ValueTemplate::Compile("${AWS:USERNAME}", ValueTemplate::Mode::kLiteral, true);
  ASSERT_TRUE(t.Expand(ctx, &out, &missing));
  EXPECT_EQ(out, "alice");

  t = ValueTemplate::Compile("${aws:userid, 'anonymous'}", ValueTemplate::Mode::kLiteral, true);
  ASSERT_TRUE(t.Expand(ctx, &out, &missing));
  EXPECT_EQ(out, "anonymous");
  EXPECT_TRUE(missing.empty());

  t = ValueTemplate::Compile("${aws:userid}", ValueTemplate::Mode::kLiteral, true);
  EXPECT_FALSE(t.Expand(ctx, &out, &missing));
  ASSERT_EQ(missing.size(), 1u);
  EXPECT_EQ(missing[0], "aws:userid");

  t = ValueTemplate::Compile("${aws:TagKeys}", ValueTemplate::Mode::kLiteral, true);
  EXPECT_FALSE(t.Expand(ctx, &out, nullptr));  // multivalued keys cannot be variables

  // Special variables are literal characters; in glob mode they are escaped.
  t = ValueTemplate::Compile("a${*}b${?}c${$}", ValueTemplate::Mode::kGlob, true);
  EXPECT_FALSE(t.has_variables());
  EXPECT_EQ(t.fixed(), "a\\*b\\?c$");
  t = ValueTemplate::Compile("a${*}b${?}c${$}", ValueTemplate::Mode::kLiteral, true);
  EXPECT_EQ(t.fixed(), "a*b?c$");

  // A substituted value never acts as a wildcard.
  RequestContext star{{"aws:PrincipalTag/p", "x*"}};
  t = ValueTemplate::Compile("${aws:PrincipalTag/p}", ValueTemplate::Mode::kGlob, true);
  ASSERT_TRUE(t.Expand(star, &out, nullptr));
  EXPECT_EQ(out, "x\\*");

  // Disabled (Version 2008-10-17) or before `variables_from`: literal text.
  t = ValueTemplate::Compile("${aws:username}", ValueTemplate::Mode::kLiteral, false);
  EXPECT_FALSE(t.has_variables());
  EXPECT_EQ(t.fixed(), "${aws:username}");
  t = ValueTemplate::Compile("${a:b}:${aws:username}", ValueTemplate::Mode::kLiteral, true, 7);
  ASSERT_TRUE(t.Expand(ctx, &out, nullptr));
  EXPECT_EQ(out, "${a:b}:alice");

  // Unreadable variable syntax stays literal.
  for (const char* text : {"${aws:username", "${}", "${a b}", "${aws:x, default}"}) {
    t = ValueTemplate::Compile(text, ValueTemplate::Mode::kLiteral, true);
    EXPECT_FALSE(t.has_variables()) << text;
    EXPECT_EQ(t.fixed(), text);
  }
}

}  // namespace
}  // namespace sigil::policy::internal
