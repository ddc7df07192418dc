#include "cli/config_file.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <string>
#include <vector>

namespace sigil::cli {
namespace {

// A command shaped like `sigil server`: a text, a ranged number, a negatable flag.
struct Command {
  CLI::App app{"test"};
  std::string listen = "127.0.0.1:9000";
  int threads = 2;
  bool access_log = true;
  Command() {
    app.add_option("--listen", listen, "HOST:PORT")
        ->envname("SIGIL_TEST_LISTEN")
        ->capture_default_str();
    app.add_option("--threads", threads, "Worker threads")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    app.add_flag("--access-log,!--no-access-log", access_log, "Log requests")->default_str("true");
    app.add_option("--config", "Config file");
  }
  void Parse(std::vector<std::string> args) {
    std::reverse(args.begin(), args.end());
    app.parse(args);
  }
};

std::string WriteFile(const std::string& text) {
  char tmpl[] = "/tmp/sigil_config_XXXXXX";
  std::string path = std::string(mkdtemp(tmpl)) + "/sigil.toml";
  std::ofstream(path) << text;
  return path;
}

TEST(ConfigFile, SetsWhatTheCommandLineLeftUnset) {
  Command c;
  c.Parse({"--threads", "8"});
  std::string path = WriteFile("listen = \"0.0.0.0:443\"\nthreads = 3\naccess-log = false\n");
  ASSERT_TRUE(ApplyConfigFile(c.app, path).ok());
  EXPECT_EQ(c.listen, "0.0.0.0:443");
  EXPECT_EQ(c.threads, 8);  // the flag wins
  EXPECT_FALSE(c.access_log);
}

TEST(ConfigFile, EnvironmentWinsOverTheFile) {
  setenv("SIGIL_TEST_LISTEN", "10.0.0.1:1", 1);
  Command c;
  c.Parse({});
  unsetenv("SIGIL_TEST_LISTEN");
  ASSERT_TRUE(ApplyConfigFile(c.app, WriteFile("listen = \"0.0.0.0:443\"\n")).ok());
  EXPECT_EQ(c.listen, "10.0.0.1:1");
}

TEST(ConfigFile, AcceptsAServerTable) {
  Command c;
  c.app.name("server");
  c.Parse({});
  ASSERT_TRUE(ApplyConfigFile(c.app, WriteFile("[server]\nthreads = 4\n")).ok());
  EXPECT_EQ(c.threads, 4);
}

TEST(ConfigFile, RefusesUnknownKeysBadValuesAndBrokenFiles) {
  Command c;
  c.Parse({});
  std::string unknown = WriteFile("# comment\nthreds = 4\n");
  Status s = ApplyConfigFile(c.app, unknown);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), unknown + ":2: unknown option 'threds' (see `sigil server --help`)");

  Command range;
  range.Parse({});
  Status out_of_range = ApplyConfigFile(range.app, WriteFile("threads = 0\n"));
  EXPECT_EQ(out_of_range.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(out_of_range.message().find("not in range 1 to 256"), std::string::npos);

  Command table;
  table.Parse({});
  EXPECT_NE(ApplyConfigFile(table.app, WriteFile("listen = [1, 2]\n"))
                .message()
                .find("must be a string, number or boolean"),
            std::string::npos);

  Command syntax;
  syntax.Parse({});
  Status broken = ApplyConfigFile(syntax.app, WriteFile("listen = \n"));
  EXPECT_EQ(broken.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(broken.message().find(":1:"), std::string::npos);

  Command missing;
  missing.Parse({});
  EXPECT_EQ(ApplyConfigFile(missing.app, "/nonexistent/sigil.toml").code(), StatusCode::kNotFound);

  Command not_config;
  not_config.Parse({});
  EXPECT_EQ(ApplyConfigFile(not_config.app, WriteFile("config = \"x\"\n")).code(),
            StatusCode::kInvalidArgument);
}

TEST(ConfigFile, RenderedConfigurationReadsBackTheSame) {
  Command c;
  c.Parse({"--no-access-log", "--listen", "0.0.0.0:8443"});
  std::string text = RenderConfig(c.app);
  EXPECT_NE(text.find("\n# HOST:PORT\nlisten = '0.0.0.0:8443'\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nthreads = 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\naccess-log = false\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("config ="), std::string::npos);

  Command back;
  back.Parse({});
  ASSERT_TRUE(ApplyConfigFile(back.app, WriteFile(text)).ok());
  EXPECT_EQ(back.listen, "0.0.0.0:8443");
  EXPECT_FALSE(back.access_log);
  EXPECT_EQ(RenderConfig(back.app), text);
}

}  // namespace
}  // namespace sigil::cli
