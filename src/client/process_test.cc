#include "client/process.h"

#include <gtest/gtest.h>

namespace sigil::client {
namespace {

TEST(ProcessTest, SplitsLikeShlex) {
  using V = std::vector<std::string>;
  EXPECT_EQ(SplitCommandLine("a b  c"), (V{"a", "b", "c"}));
  EXPECT_EQ(SplitCommandLine("'/opt/my tool' --x \"y z\""), (V{"/opt/my tool", "--x", "y z"}));
  EXPECT_EQ(SplitCommandLine(R"(a\ b "c\"d" 'e\f')"), (V{"a b", "c\"d", "e\\f"}));
  EXPECT_EQ(SplitCommandLine("''"), (V{""}));
  EXPECT_EQ(SplitCommandLine("'open"), std::nullopt);
  EXPECT_EQ(SplitCommandLine("trailing\\"), std::nullopt);
}

TEST(ProcessTest, RunsAndCapturesStdout) {
  auto r = RunProcess({"sh", "-c", "echo hello; exit 3"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->output, "hello\n");
  EXPECT_EQ(r->exit_code, 3);
  Environment env({{"PATH", "/usr/bin:/bin"}, {"X", "42"}});
  r = RunProcess({"sh", "-c", "echo $X"}, &env);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->output, "42\n");
  auto missing = RunProcess({"no-such-program-sigil"}, &env);
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(missing.status().message(),
            "cannot find the program \"no-such-program-sigil\" in PATH");
}

}  // namespace
}  // namespace sigil::client
