#include "cli/child_process.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace sigil::cli {
namespace {

TEST(RunChildTest, CapturesStderrAndTheExitCode) {
  auto run = RunChild({"sh", "-c", "echo to-stdout; echo to-stderr >&2; exit 3"});
  ASSERT_TRUE(run.ok()) << run.status().ToString();
  EXPECT_EQ(run->exit_code, 3);
  EXPECT_EQ(run->stderr_text, "to-stderr\n");  // stdout goes to /dev/null
}

TEST(RunChildTest, ArgumentsAreNotInterpretedByAShell) {
  auto echoed = RunChild({"sh", "-c", "printf '%s|' \"$@\" >&2", "sh", "$HOME", "a b;c"});
  ASSERT_TRUE(echoed.ok());
  EXPECT_EQ(echoed->stderr_text, "$HOME|a b;c|");
}

TEST(RunChildTest, ExtraEnvironmentReplacesAndAdds) {
  ASSERT_EQ(::setenv("SIGIL_CHILD_TEST_A", "old", 1), 0);
  auto run = RunChild({"sh", "-c",
                       "printf '%s,%s,%s' \"$SIGIL_CHILD_TEST_A\" "
                       "\"$SIGIL_CHILD_TEST_B\" \"$PATH\" >&2"},
                      {"SIGIL_CHILD_TEST_A=new", "SIGIL_CHILD_TEST_B=added"});
  ::unsetenv("SIGIL_CHILD_TEST_A");
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->stderr_text, "new,added," + std::string(std::getenv("PATH")));
}

TEST(RunChildTest, AMissingProgramIsNotFound) {
  auto run = RunChild({"sigil-no-such-program-8c1f"});
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(run.status().message(),
            "running sigil-no-such-program-8c1f: No such file or directory");
}

TEST(RunChildTest, ASignalIsReportedAs128PlusIt) {
  auto run = RunChild({"sh", "-c", "kill -TERM $$"});
  ASSERT_TRUE(run.ok());
  EXPECT_EQ(run->exit_code, 128 + 15);
}

}  // namespace
}  // namespace sigil::cli
