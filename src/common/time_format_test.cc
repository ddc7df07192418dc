#include "common/time_format.h"

#include <gtest/gtest.h>

namespace sigil {
namespace {

const TimePoint kExample = FromUnixSeconds(1440938160);  // 2015-08-30T12:36:00Z

TEST(TimeFormat, FormatsEveryAwsShape) {
  EXPECT_EQ(FormatIso8601(kExample), "2015-08-30T12:36:00Z");
  EXPECT_EQ(FormatAmzDate(kExample), "20150830T123600Z");
  EXPECT_EQ(FormatScopeDate(kExample), "20150830");
  EXPECT_EQ(FormatHttpDate(kExample), "Sun, 30 Aug 2015 12:36:00 GMT");
}

TEST(TimeFormat, ParsesAndRejects) {
  EXPECT_EQ(ParseAmzDate("20150830T123600Z"), kExample);
  EXPECT_FALSE(ParseAmzDate("20150830T123600"));
  EXPECT_FALSE(ParseAmzDate("20151330T123600Z"));
  EXPECT_FALSE(ParseAmzDate("2015083OT123600Z"));
  EXPECT_EQ(ParseHttpDate("Sun, 30 Aug 2015 12:36:00 GMT"), kExample);
  EXPECT_FALSE(ParseHttpDate("Sun, 30 Foo 2015 12:36:00 GMT"));
  EXPECT_EQ(ParseIso8601("2015-08-30T12:36:00Z"), kExample);
  EXPECT_EQ(ParseIso8601("2015-08-30T12:36:00.123Z"), kExample);
  EXPECT_FALSE(ParseIso8601("2015-08-30 12:36:00Z"));
}

}  // namespace
}  // namespace sigil
