#include "client/ini_file.h"

#include <gtest/gtest.h>

namespace sigil::client {
namespace {

TEST(IniFileTest, ReadsTheBotocoreDialect) {
  IniDocument doc = IniDocument::Parse(
      "# a comment\n"
      "[default]\n"
      "AWS_Access_Key_ID = AKIDEXAMPLE\n"
      "region: eu-west-1\n"
      "; another comment\n"
      "[profile dev]\n"
      "  output=json\n"
      "s3 =\n"
      "  endpoint_url = http://localhost:9000\n"
      "  addressing_style = path\n");
  EXPECT_TRUE(doc.problems().empty());
  EXPECT_EQ(doc.SectionNames(), (std::vector<std::string>{"default", "profile dev"}));
  EXPECT_EQ(doc.Get("default", "aws_access_key_id"), "AKIDEXAMPLE");
  EXPECT_EQ(doc.Get("default", "REGION"), "eu-west-1");
  EXPECT_EQ(doc.Get("profile dev", "output"), "json");
  EXPECT_EQ(doc.Get("default", "output"), std::nullopt);
  EXPECT_EQ(doc.Get("missing", "output"), std::nullopt);
  auto nested = doc.Nested("profile dev", "s3");
  EXPECT_EQ(nested.size(), 2u);
  EXPECT_EQ(nested["endpoint_url"], "http://localhost:9000");
  EXPECT_EQ(nested["addressing_style"], "path");
  // A plain value is not nested.
  EXPECT_TRUE(doc.Nested("default", "region").empty());
}

TEST(IniFileTest, ContinuationLinesJoinWithNewlines) {
  IniDocument doc = IniDocument::Parse("[a]\nkey = first\n    second\nother = x\n");
  EXPECT_EQ(doc.Get("a", "key"), "first\nsecond");
  EXPECT_EQ(doc.Get("a", "other"), "x");
}

TEST(IniFileTest, NoInlineCommentsButTheyAreReported) {
  IniDocument doc = IniDocument::Parse("[a]\nregion = us-east-1 # main\n");
  EXPECT_EQ(doc.Get("a", "region"), "us-east-1 # main");
  ASSERT_EQ(doc.problems().size(), 1u);
  EXPECT_EQ(doc.problems()[0].line, 2);
  EXPECT_NE(doc.problems()[0].message.find("no inline comments"), std::string::npos);
}

TEST(IniFileTest, ReportsWhatBotocoreRefuses) {
  IniDocument doc = IniDocument::Parse(
      "key = outside\n"
      "[a]\n"
      "x = 1\n"
      "x = 2\n"
      "just words\n"
      "[a]\n"
      "[ b ]\n");
  std::vector<int> lines;
  for (const IniProblem& p : doc.problems()) lines.push_back(p.line);
  EXPECT_EQ(lines, (std::vector<int>{1, 4, 5, 6, 7}));
  EXPECT_NE(doc.problems()[0].message.find("outside any section"), std::string::npos);
  EXPECT_NE(doc.problems()[1].message.find("appears again (first at line 3)"), std::string::npos);
  EXPECT_NE(doc.problems()[2].message.find("not \"key = value\""), std::string::npos);
  EXPECT_NE(doc.problems()[3].message.find("section [a] appears again"), std::string::npos);
  EXPECT_NE(doc.problems()[4].message.find("spaces inside the brackets"), std::string::npos);
  // The first section of a name is the one read.
  EXPECT_EQ(doc.Get("a", "x"), "1");
}

TEST(IniFileTest, EditsKeepEverythingElse) {
  const std::string text =
      "# keep me\n"
      "[default]\n"
      "region = us-east-1   \n"
      "aws_secret_access_key = old\n"
      "  continued\n"
      "\n"
      "; and me\n"
      "[other]\n"
      "a=b\n";
  IniDocument doc = IniDocument::Parse(text);
  EXPECT_EQ(doc.Render(), text);  // byte for byte
  doc.Set("default", "aws_secret_access_key", "new");
  doc.Set("other", "c", "d");
  doc.Set("profile fresh", "region", "eu-west-1");
  EXPECT_EQ(doc.Render(),
            "# keep me\n"
            "[default]\n"
            "region = us-east-1   \n"
            "aws_secret_access_key = new\n"
            "\n"
            "; and me\n"
            "[other]\n"
            "a=b\n"
            "c = d\n"
            "\n"
            "[profile fresh]\n"
            "region = eu-west-1\n");
  EXPECT_TRUE(doc.Remove("default", "AWS_SECRET_ACCESS_KEY"));
  EXPECT_FALSE(doc.Remove("default", "aws_secret_access_key"));
  EXPECT_TRUE(doc.RemoveSection("other"));
  EXPECT_EQ(doc.Render(),
            "# keep me\n"
            "[default]\n"
            "region = us-east-1   \n"
            "\n"
            "; and me\n"
            "[profile fresh]\n"
            "region = eu-west-1\n");
}

TEST(IniFileTest, KeepsCrLfAndAMissingFinalNewline) {
  const std::string text = "[a]\r\nx = 1\r\ny = 2";
  IniDocument doc = IniDocument::Parse(text);
  EXPECT_EQ(doc.Get("a", "x"), "1");
  EXPECT_EQ(doc.Render(), text);
}

}  // namespace
}  // namespace sigil::client
