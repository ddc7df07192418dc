#include "common/crypto.h"

#include <gtest/gtest.h>

namespace sigil {
namespace {

class CountingRandom final : public RandomSource {
 public:
  std::string Bytes(size_t n) override {
    std::string out(n, '\0');
    for (char& c : out) c = static_cast<char>(next_++);
    return out;
  }

 private:
  uint8_t next_ = 0;
};

TEST(Crypto, KnownDigests) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // RFC 4231 test case 2.
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // RFC 4231 test case 6: a key longer than the block size is hashed first.
  EXPECT_EQ(HexEncode(HmacSha256(std::string(131, '\xaa'),
                                 "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  Sha256Hasher h;
  h.Update("ab");
  h.Update("c");
  EXPECT_EQ(HexEncode(h.Finish()), Sha256Hex("abc"));
}

TEST(Crypto, Base64RoundTripAndStrictness) {
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(*Base64Decode("Zm8="), "fo");
  EXPECT_EQ(*Base64Decode(""), "");
  EXPECT_FALSE(Base64Decode("Zm8").ok());
  EXPECT_FALSE(Base64Decode("Zm8*").ok());
}

TEST(Crypto, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
}

TEST(Crypto, RandomStringUsesOnlyTheAlphabet) {
  OsRandomSource random;
  std::string s = RandomString(random, "AB", 64);
  EXPECT_EQ(s.size(), 64u);
  EXPECT_EQ(s.find_first_not_of("AB"), std::string::npos);
  EXPECT_NE(RandomString(random, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16),
            RandomString(random, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16));
}

TEST(SecretBox, DeriveKeyIsHmacOfThePurposeUnderTheKey) {
  const std::string key(32, 'k');
  auto box = SecretBox::Create(key);
  ASSERT_TRUE(box.ok());
  const std::string derived = box->DeriveKey("sigil/audit-digest");
  EXPECT_EQ(derived.size(), 32u);
  EXPECT_EQ(derived, std::string(AsStringView(HmacSha256(key, "sigil/audit-digest"))));
  EXPECT_NE(derived, box->DeriveKey("sigil/other"));
  EXPECT_NE(derived, box->DeriveKey("sigil/audit-digest "));
}

TEST(SecretBox, SealOpenAndEveryTamperFails) {
  CountingRandom random;
  auto box = SecretBox::Create(std::string(32, 'k'));
  ASSERT_TRUE(box.ok());
  std::string sealed = *box->Seal(random, "wJalrXUtnFEMI/K7MDENG", "AKID1");
  EXPECT_EQ(sealed.find("wJalr"), std::string::npos);
  EXPECT_EQ(*box->Open(sealed, "AKID1"), "wJalrXUtnFEMI/K7MDENG");
  EXPECT_EQ(box->Open(sealed, "AKID2").status().code(), StatusCode::kInvalidArgument);
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string t = sealed;
    t[i] = static_cast<char>(t[i] ^ 1);
    EXPECT_FALSE(box->Open(t, "AKID1").ok()) << "byte " << i;
  }
  EXPECT_FALSE(box->Open(sealed.substr(0, 20), "AKID1").ok());
  auto other = SecretBox::Create(std::string(32, 'o'));
  class NoRandom final : public RandomSource {
   public:
    std::string Bytes(size_t) override { return std::string(); }
  } broken;
  EXPECT_EQ(box->Seal(broken, "x", "y").status().code(), StatusCode::kInternal);
  EXPECT_FALSE(other->Open(sealed, "AKID1").ok());
  EXPECT_FALSE(SecretBox::Create("short").ok());
}

}  // namespace
}  // namespace sigil
