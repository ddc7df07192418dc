#include "auth/totp.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "common/base32.h"

namespace sigil::auth {
namespace {

using std::chrono::milliseconds;

// RFC 6238 appendix B and RFC 4226 appendix D use this ASCII seed for HMAC-SHA1.
constexpr std::string_view kRfcSeed = "12345678901234567890";

TimePoint At(int64_t unix_seconds) { return FromUnixSeconds(unix_seconds); }
TimePoint AtStep(int64_t step, int64_t seconds_into_step = 0) {
  return At(step * kTotpStepSeconds + seconds_into_step);
}

TEST(TotpTest, Rfc6238Sha1VectorsWithEightDigits) {
  struct Vector {
    int64_t unix_seconds;
    const char* code;
  };
  const Vector kVectors[] = {
      {59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
      {1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
  };
  for (const Vector& v : kVectors) {
    EXPECT_EQ(TotpCode(kRfcSeed, TotpStep(At(v.unix_seconds)), 8), v.code) << v.unix_seconds;
  }
}

TEST(TotpTest, Rfc6238VectorsTruncatedToSixDigits) {
  // The same HOTP values reduced modulo 10^6, as a 6-digit authenticator shows them.
  EXPECT_EQ(TotpCode(kRfcSeed, TotpStep(At(59))), "287082");
  EXPECT_EQ(TotpCode(kRfcSeed, TotpStep(At(1111111109))), "081804");
  EXPECT_EQ(TotpCode(kRfcSeed, TotpStep(At(20000000000))), "353130");
}

TEST(TotpTest, Rfc4226HotpVectors) {
  const char* kCodes[] = {"755224", "287082", "359152", "969429", "338314",
                          "254676", "287922", "162583", "399871", "520489"};
  for (int64_t counter = 0; counter < 10; ++counter) {
    EXPECT_EQ(TotpCode(kRfcSeed, counter), kCodes[counter]) << counter;
  }
}

TEST(TotpTest, CodeKeepsLeadingZeros) {
  // T = 1111111109 gives 07081804: the leading zero must survive.
  EXPECT_EQ(TotpCode(kRfcSeed, 37037036, 8), "07081804");
  EXPECT_EQ(TotpCode(kRfcSeed, 37037036, 7), "7081804");
}

TEST(TotpTest, RejectsUnsupportedDigitsAndNegativeSteps) {
  EXPECT_EQ(TotpCode(kRfcSeed, 1, 0), "");
  EXPECT_EQ(TotpCode(kRfcSeed, 1, 10), "");
  EXPECT_EQ(TotpCode(kRfcSeed, -1), "");
  EXPECT_EQ(TotpCode(kRfcSeed, 1, 9).size(), 9u);
  EXPECT_EQ(TotpCode(kRfcSeed, 1, 1).size(), 1u);
}

TEST(TotpTest, WorksWithAwsSizedAndEmptySeeds) {
  const std::string seed(kTotpSeedBytes, '\x42');
  EXPECT_EQ(TotpCode(seed, 1000).size(), 6u);
  EXPECT_NE(TotpCode(seed, 1000), TotpCode(std::string(kTotpSeedBytes, '\x43'), 1000));
  EXPECT_EQ(TotpCode("", 1).size(), 6u);
  // A seed given to an app as base32 gives the same codes once decoded.
  auto decoded = Base32Decode(Base32Encode(seed));
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(TotpCode(*decoded, 1000), TotpCode(seed, 1000));
}

TEST(TotpTest, StepBoundaries) {
  EXPECT_EQ(TotpStep(At(0)), 0);
  EXPECT_EQ(TotpStep(At(29) + milliseconds(999)), 0);
  EXPECT_EQ(TotpStep(At(30)), 1);
  EXPECT_EQ(TotpStep(At(59)), 1);
  EXPECT_EQ(TotpStep(At(60)), 2);
  // Floor, not truncation, before the epoch.
  EXPECT_EQ(TotpStep(TimePoint(milliseconds(-1))), -1);
  EXPECT_EQ(TotpStep(At(-30)), -1);
  EXPECT_EQ(TotpStep(At(-30) - milliseconds(1)), -2);
}

class MatchTotpTest : public ::testing::Test {
 protected:
  static constexpr int64_t kStep = 56000000;  // 2023-03-28
  std::string Code(int64_t step) { return TotpCode(kRfcSeed, step); }
  TimePoint now_ = AtStep(kStep, 17);
};

TEST_F(MatchTotpTest, AcceptsTheCurrentStep) {
  EXPECT_EQ(MatchTotp(kRfcSeed, Code(kStep), now_), kStep);
  // Anywhere within the step.
  EXPECT_EQ(MatchTotp(kRfcSeed, Code(kStep), AtStep(kStep)), kStep);
  EXPECT_EQ(MatchTotp(kRfcSeed, Code(kStep), AtStep(kStep + 1) - milliseconds(1)), kStep);
}

TEST_F(MatchTotpTest, WindowOfOneStepEachWay) {
  EXPECT_EQ(MatchTotp(kRfcSeed, Code(kStep - 1), now_), kStep - 1);
  EXPECT_EQ(MatchTotp(kRfcSeed, Code(kStep + 1), now_), kStep + 1);
  EXPECT_EQ(MatchTotp(kRfcSeed, Code(kStep - 2), now_), std::nullopt);
  EXPECT_EQ(MatchTotp(kRfcSeed, Code(kStep + 2), now_), std::nullopt);
}

TEST_F(MatchTotpTest, WindowIsAParameter) {
  EXPECT_EQ(MatchTotp(kRfcSeed, Code(kStep), now_, 0), kStep);
  EXPECT_EQ(MatchTotp(kRfcSeed, Code(kStep - 1), now_, 0), std::nullopt);
  EXPECT_EQ(MatchTotp(kRfcSeed, Code(kStep + 1), now_, 0), std::nullopt);
  EXPECT_EQ(MatchTotp(kRfcSeed, Code(kStep - 2), now_, 2), kStep - 2);
  EXPECT_EQ(MatchTotp(kRfcSeed, Code(kStep + 2), now_, 2), kStep + 2);
  EXPECT_EQ(MatchTotp(kRfcSeed, Code(kStep - 3), now_, 2), std::nullopt);
  EXPECT_EQ(MatchTotp(kRfcSeed, Code(kStep), now_, -1), std::nullopt);
}

TEST_F(MatchTotpTest, ReplayOfAnAcceptedCodeIsRefused) {
  std::optional<int64_t> accepted = MatchTotp(kRfcSeed, Code(kStep), now_);
  ASSERT_EQ(accepted, kStep);
  // The same code again, within the same step and in the next one while still in the window.
  EXPECT_EQ(MatchTotp(kRfcSeed, Code(kStep), now_, 1, *accepted), std::nullopt);
  EXPECT_EQ(MatchTotp(kRfcSeed, Code(kStep), AtStep(kStep + 1), 1, *accepted), std::nullopt);
  // An older code, still in the window, is refused too.
  EXPECT_EQ(MatchTotp(kRfcSeed, Code(kStep - 1), now_, 1, *accepted), std::nullopt);
  // The next code is fine.
  EXPECT_EQ(MatchTotp(kRfcSeed, Code(kStep + 1), now_, 1, *accepted), kStep + 1);
  EXPECT_EQ(MatchTotp(kRfcSeed, Code(kStep + 1), AtStep(kStep + 1), 1, *accepted), kStep + 1);
}

TEST_F(MatchTotpTest, ACodeThatCollidesAcrossStepsMatchesTheLatest) {
  // Steps 50424280 and 50424281 of the RFC seed both give 070562 (found by search).
  constexpr int64_t kFirst = 50424280;
  ASSERT_EQ(Code(kFirst), "070562");
  ASSERT_EQ(Code(kFirst + 1), "070562");
  std::optional<int64_t> accepted = MatchTotp(kRfcSeed, "070562", AtStep(kFirst + 1));
  EXPECT_EQ(accepted, kFirst + 1);
  // Had the earlier step been recorded, the same code would have passed a second time.
  EXPECT_EQ(MatchTotp(kRfcSeed, "070562", AtStep(kFirst + 1), 1, *accepted), std::nullopt);
  EXPECT_EQ(MatchTotp(kRfcSeed, "070562", AtStep(kFirst + 1), 1, kFirst), kFirst + 1);
}

TEST_F(MatchTotpTest, MalformedCodesNeverMatch) {
  const std::string good = Code(kStep);
  EXPECT_EQ(MatchTotp(kRfcSeed, "", now_), std::nullopt);
  EXPECT_EQ(MatchTotp(kRfcSeed, good.substr(0, 5), now_), std::nullopt);
  EXPECT_EQ(MatchTotp(kRfcSeed, good + "0", now_), std::nullopt);
  EXPECT_EQ(MatchTotp(kRfcSeed, " " + good.substr(1), now_), std::nullopt);
  EXPECT_EQ(MatchTotp(kRfcSeed, good.substr(0, 5) + "a", now_), std::nullopt);
  EXPECT_EQ(MatchTotp(kRfcSeed, "+" + good.substr(1), now_), std::nullopt);
  EXPECT_EQ(MatchTotp(kRfcSeed, std::string(good.substr(0, 5)) + '\0', now_), std::nullopt);
  // The 8-digit form of the current code is not a 6-digit code.
  EXPECT_EQ(MatchTotp(kRfcSeed, TotpCode(kRfcSeed, kStep, 8), now_), std::nullopt);
  // Another seed's code.
  EXPECT_EQ(MatchTotp("another seed", good, now_), std::nullopt);
}

TEST_F(MatchTotpTest, NothingMatchesBeforeTheEpochsFirstStep) {
  EXPECT_EQ(MatchTotp(kRfcSeed, Code(0), AtStep(0)), 0);
  EXPECT_EQ(MatchTotp(kRfcSeed, Code(0), At(-1)), 0);  // step -1; step 0 is in the window
  EXPECT_EQ(MatchTotp(kRfcSeed, Code(0), At(-31)), std::nullopt);
}

TEST_F(MatchTotpTest, ConsecutiveCodesForEnableMfaDevice) {
  EXPECT_EQ(MatchConsecutiveTotp(kRfcSeed, Code(kStep - 1), Code(kStep), now_), kStep);
  EXPECT_EQ(MatchConsecutiveTotp(kRfcSeed, Code(kStep), Code(kStep + 1), now_), kStep + 1);
  // A pair from a few minutes ago is still fine, up to the past window.
  constexpr int kPast = kConsecutiveTotpPastSteps;
  EXPECT_EQ(MatchConsecutiveTotp(kRfcSeed, Code(kStep - kPast), Code(kStep - kPast + 1), now_),
            kStep - kPast + 1);
  EXPECT_EQ(MatchConsecutiveTotp(kRfcSeed, Code(kStep - kPast - 1), Code(kStep - kPast), now_),
            std::nullopt);
  // Too far in the future.
  EXPECT_EQ(MatchConsecutiveTotp(kRfcSeed, Code(kStep + 1), Code(kStep + 2), now_), std::nullopt);
  // The past window is a parameter.
  EXPECT_EQ(MatchConsecutiveTotp(kRfcSeed, Code(kStep - 3), Code(kStep - 2), now_, 3), kStep - 2);
  EXPECT_EQ(MatchConsecutiveTotp(kRfcSeed, Code(kStep - 4), Code(kStep - 3), now_, 3),
            std::nullopt);
  EXPECT_EQ(MatchConsecutiveTotp(kRfcSeed, Code(kStep), Code(kStep + 1), now_, 0), kStep + 1);
  EXPECT_EQ(MatchConsecutiveTotp(kRfcSeed, Code(kStep - 1), Code(kStep), now_, 0), std::nullopt);
}

TEST_F(MatchTotpTest, ConsecutiveCodesMustBeConsecutiveAndInOrder) {
  EXPECT_EQ(MatchConsecutiveTotp(kRfcSeed, Code(kStep - 2), Code(kStep), now_), std::nullopt);
  EXPECT_EQ(MatchConsecutiveTotp(kRfcSeed, Code(kStep), Code(kStep - 1), now_), std::nullopt);
  EXPECT_EQ(MatchConsecutiveTotp(kRfcSeed, Code(kStep), Code(kStep), now_), std::nullopt);
  EXPECT_EQ(MatchConsecutiveTotp(kRfcSeed, Code(kStep - 1), "12345", now_), std::nullopt);
  EXPECT_EQ(MatchConsecutiveTotp(kRfcSeed, "abcdef", Code(kStep), now_), std::nullopt);
  EXPECT_EQ(MatchConsecutiveTotp(kRfcSeed, Code(kStep - 1), Code(kStep), now_, -1), std::nullopt);
}

TEST_F(MatchTotpTest, ConsecutiveCodesRespectTheLastAcceptedStep) {
  EXPECT_EQ(MatchConsecutiveTotp(kRfcSeed, Code(kStep - 1), Code(kStep), now_,
                                 kConsecutiveTotpPastSteps, kStep - 1),
            std::nullopt);
  EXPECT_EQ(MatchConsecutiveTotp(kRfcSeed, Code(kStep - 1), Code(kStep), now_,
                                 kConsecutiveTotpPastSteps, kStep - 2),
            kStep);
}

TEST(OtpauthUriTest, KeyUriFormat) {
  EXPECT_EQ(OtpauthUri("Sigil", "alice@123456789012", "JBSWY3DPEHPK3PXP"),
            "otpauth://totp/Sigil:alice@123456789012?secret=JBSWY3DPEHPK3PXP&issuer=Sigil");
}

TEST(OtpauthUriTest, EncodesSpacesColonsAndReservedCharacters) {
  EXPECT_EQ(OtpauthUri("Sigil Test", "my:device@1", "ABC"),
            "otpauth://totp/Sigil%20Test:my%3Adevice@1?secret=ABC&issuer=Sigil%20Test");
  EXPECT_EQ(OtpauthUri("a&b", "x?y#z/w", "ABC"),
            "otpauth://totp/a%26b:x%3Fy%23z%2Fw?secret=ABC&issuer=a%26b");
  EXPECT_EQ(OtpauthUri("@", "@@", "A"), "otpauth://totp/@:@@?secret=A&issuer=@");
}

}  // namespace
}  // namespace sigil::auth
