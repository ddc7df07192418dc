#include "client/scan.h"

#include <gtest/gtest.h>

namespace sigil::client {
namespace {

std::vector<ScanLine> Lines(std::vector<std::string> texts, int first = 1) {
  std::vector<ScanLine> out;
  for (auto& t : texts) out.push_back({first++, std::move(t)});
  return out;
}

TEST(ScanTest, KeyWithSecretNearby) {
  auto hits = ScanLines(Lines({"[default]", "aws_access_key_id = AKIA2SIGILTESTKEY0XY",
                               "aws_secret_access_key = abcdEFGHijklMNOPqrstUVWXyz0123456789/+Ab"}),
                        "creds", false);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].location, "creds:2");
  EXPECT_EQ(hits[0].key_id, "AKIA2SIGILTESTKEY0XY");
  EXPECT_TRUE(hits[0].secret_nearby);
  EXPECT_FALSE(hits[0].example);
}

TEST(ScanTest, KeyIdAloneAndFormats) {
  auto hits = ScanLines(Lines({"id=ASIA2SIGILTESTKEY0XY;", "XAKIA2SIGILTESTKEY0XY", "AKIA2SHORT",
                               "AKIA2SIGILTESTKEY0XYZ"}),
                        "f", false);
  ASSERT_EQ(hits.size(), 1u);  // glued to other capitals or of the wrong length: not a key id
  EXPECT_EQ(hits[0].key_id, "ASIA2SIGILTESTKEY0XY");
  EXPECT_FALSE(hits[0].secret_nearby);
}

TEST(ScanTest, DocumentationExamplesOnlyWhenAsked) {
  auto lines = Lines({"aws_access_key_id = AKIAIOSFODNN7EXAMPLE",
                      "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"});
  EXPECT_TRUE(ScanLines(lines, "f", false).empty());
  auto hits = ScanLines(lines, "f", true);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_TRUE(hits[0].example);
  EXPECT_TRUE(hits[0].secret_nearby);
  // A real-looking key next to the example secret has no secret nearby.
  hits = ScanLines(Lines({"AKIA2SIGILTESTKEY0XY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}), "f",
                   false);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_FALSE(hits[0].secret_nearby);
}

TEST(ScanTest, GitHashesAreNotSecretsAndDistanceCounts) {
  auto hits = ScanLines(Lines({"AKIA2SIGILTESTKEY0XY", "0123456789abcdef0123456789abcdef01234567",
                               "", "", "", "abcdEFGHijklMNOPqrstUVWXyz0123456789/+Ab"}),
                        "f", false);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_FALSE(hits[0].secret_nearby);  // the hash is not a secret; the secret is 5 lines away
}

}  // namespace
}  // namespace sigil::client
