#include "common/base32.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>

namespace sigil {
namespace {

struct Vector {
  std::string plain;
  std::string unpadded;
  std::string padded;
};

// RFC 4648 section 10.
const Vector kRfcVectors[] = {
    {"", "", ""},
    {"f", "MY", "MY======"},
    {"fo", "MZXQ", "MZXQ===="},
    {"foo", "MZXW6", "MZXW6==="},
    {"foob", "MZXW6YQ", "MZXW6YQ="},
    {"fooba", "MZXW6YTB", "MZXW6YTB"},
    {"foobar", "MZXW6YTBOI", "MZXW6YTBOI======"},
};

TEST(Base32Test, EncodesRfc4648VectorsWithoutPadding) {
  for (const Vector& v : kRfcVectors) EXPECT_EQ(Base32Encode(v.plain), v.unpadded) << v.plain;
}

TEST(Base32Test, DecodesRfc4648VectorsPaddedUnpaddedAndLowerCase) {
  for (const Vector& v : kRfcVectors) {
    auto unpadded = Base32Decode(v.unpadded);
    ASSERT_TRUE(unpadded.ok()) << v.unpadded;
    EXPECT_EQ(*unpadded, v.plain);
    auto padded = Base32Decode(v.padded);
    ASSERT_TRUE(padded.ok()) << v.padded;
    EXPECT_EQ(*padded, v.plain);
    std::string lower = v.unpadded;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto lowered = Base32Decode(lower);
    ASSERT_TRUE(lowered.ok()) << lower;
    EXPECT_EQ(*lowered, v.plain);
  }
}

TEST(Base32Test, RoundTripsEveryByteValueAndLength) {
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(static_cast<char>(i));
  for (size_t n = 0; n <= bytes.size(); n += 7) {
    std::string plain = bytes.substr(bytes.size() - n);
    auto decoded = Base32Decode(Base32Encode(plain));
    ASSERT_TRUE(decoded.ok());
    EXPECT_EQ(*decoded, plain);
  }
  // A 40-byte seed (AWS's size) is exactly 64 characters, no padding needed.
  EXPECT_EQ(Base32Encode(std::string(40, '\x5a')).size(), 64u);
}

void ExpectInvalid(const std::string& text, const std::string& message) {
  auto decoded = Base32Decode(text);
  ASSERT_FALSE(decoded.ok()) << text;
  EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument) << text;
  EXPECT_EQ(decoded.status().message(), message) << text;
}

TEST(Base32Test, RejectsCharactersOutsideTheAlphabet) {
  ExpectInvalid("MZXW1", "invalid base32 character");  // '1' is not in the alphabet
  ExpectInvalid("MZXW8", "invalid base32 character");
  ExpectInvalid("MZ W6", "invalid base32 character");
  ExpectInvalid("MZ=W6", "invalid base32 character");  // '=' inside, not trailing
  ExpectInvalid(std::string("MZ\0W6", 5), "invalid base32 character");
}

TEST(Base32Test, RejectsImpossibleLengths) {
  ExpectInvalid("M", "base32 length is invalid");
  ExpectInvalid("MZX", "base32 length is invalid");
  ExpectInvalid("MZXW6Y", "base32 length is invalid");
  ExpectInvalid("MZXW6YTBO", "base32 length is invalid");
}

TEST(Base32Test, RejectsWrongPadding) {
  ExpectInvalid("MY=", "base32 padding is malformed");               // not a full group
  ExpectInvalid("MY=====", "base32 padding is malformed");           // 7 characters
  ExpectInvalid("MZXQ======", "base32 padding is malformed");        // 10 characters
  ExpectInvalid("MZXW6YTB========", "base32 padding is malformed");  // a whole group of '='
  ExpectInvalid("========", "base32 padding is malformed");
  ExpectInvalid("MZXW6Y==", "base32 length is invalid");  // 6 data characters
}

TEST(Base32Test, RejectsNonZeroTrailingBits) {
  // "MY" holds 'f' plus two zero bits; "MZ" sets one of them.
  ExpectInvalid("MZ", "base32 has non-zero trailing bits");
  ExpectInvalid("MZXW6YTBOJ", "base32 has non-zero trailing bits");
}

}  // namespace
}  // namespace sigil
