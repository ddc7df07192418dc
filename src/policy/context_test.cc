#include "policy/context.h"

#include <gtest/gtest.h>

namespace sigil::policy {
namespace {

TEST(RequestContextTest, CaseInsensitiveKeys) {
  RequestContext ctx;
  ctx.Set("aws:SourceIp", "203.0.113.1");
  RequestContext::Values v = ctx.Find("AWS:SOURCEIP");
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0], "203.0.113.1");
  EXPECT_TRUE(ctx.Contains("aws:sourceip"));
  EXPECT_FALSE(ctx.Contains("aws:SourceVpc"));
  EXPECT_TRUE(ctx.Find("aws:SourceVpc").empty());
}

TEST(RequestContextTest, MultivaluedKeysStayTogether) {
  RequestContext ctx;
  ctx.Add("aws:TagKeys", "a");
  ctx.Set("aws:username", "alice");
  ctx.Add("AWS:TAGKEYS", "b");
  ctx.Add("aws:TagKeys", "c");
  RequestContext::Values v = ctx.Find("aws:tagkeys");
  ASSERT_EQ(v.size(), 3u);
  EXPECT_EQ(v[0], "a");
  EXPECT_EQ(v[1], "b");
  EXPECT_EQ(v[2], "c");
  EXPECT_EQ(ctx.Keys(), (std::vector<std::string>{"aws:tagkeys", "aws:username"}));
}

TEST(RequestContextTest, SetReplacesAndRemove) {
  RequestContext ctx{{"k:a", "1"}, {"k:a", "2"}, {"k:b", "3"}};
  EXPECT_EQ(ctx.Find("k:a").size(), 2u);
  ctx.Set("K:A", "9");
  ASSERT_EQ(ctx.Find("k:a").size(), 1u);
  EXPECT_EQ(ctx.Find("k:a")[0], "9");
  ctx.SetValues("k:b", {"x", "y"});
  EXPECT_EQ(ctx.Find("k:b").size(), 2u);
  ctx.SetValues("k:b", {});
  EXPECT_FALSE(ctx.Contains("k:b"));
  ctx.Remove("k:a");
  EXPECT_TRUE(ctx.Keys().empty());
}

}  // namespace
}  // namespace sigil::policy
