#include "store/postgres_test_server.h"

#include <gtest/gtest.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <vector>

#include "store/postgres_db.h"

namespace sigil::postgres_test {
namespace {

struct Server {
  std::mutex mu;
  bool started = false;
  StatusOr<std::string> conninfo = UnavailableError("not started");
  std::string cluster_dir;           // set when this process started the cluster
  std::vector<std::string> schemas;  // created by FreshSchema, dropped at the end
  int next_schema = 0;
  std::string shared_schema;  // EmptiedSharedSchema's connection string once it exists
};

Server& TheServer() {
  static Server* server = new Server;  // never destroyed: used from the environment's TearDown
  return *server;
}

std::string Script() { return std::string(SIGIL_SOURCE_DIR) + "/scripts/pg-test-cluster.sh"; }

// Runs `command` with the shell; returns its stdout, or an error when it fails.
StatusOr<std::string> RunCommand(const std::string& command) {
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) return UnavailableError("popen: " + std::string(std::strerror(errno)));
  std::string output;
  char buffer[512];
  size_t n = 0;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
  const int status = pclose(pipe);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return UnavailableError("'" + command + "' failed (its output is on stderr)");
  }
  while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) output.pop_back();
  return output;
}

StatusOr<std::string> StartCluster(Server& server) {
  if (const char* external = std::getenv("SIGIL_TEST_PG"); external != nullptr && *external) {
    return std::string(external);
  }
  // Directly under /tmp: short enough for the socket path, and traversable by the unprivileged
  // user the server runs as.
  char dir[] = "/tmp/sigil-pg-XXXXXX";
  if (mkdtemp(dir) == nullptr) {
    return UnavailableError("mkdtemp: " + std::string(std::strerror(errno)));
  }
  server.cluster_dir = dir;
  return RunCommand("'" + Script() + "' start '" + server.cluster_dir + "' --watch " +
                    std::to_string(getpid()));
}

// Drops the schemas and stops the cluster this process started.
class ServerEnvironment : public ::testing::Environment {
 public:
  void TearDown() override {
    Server& server = TheServer();
    std::lock_guard lock(server.mu);
    if (!server.cluster_dir.empty()) {
      // Also cleans up after a start that failed halfway.
      auto stopped = RunCommand("'" + Script() + "' stop '" + server.cluster_dir + "'");
      EXPECT_TRUE(stopped.ok()) << stopped.status().ToString();
    } else if (server.conninfo.ok()) {
      // An external server outlives the tests: leave it as it was.
      auto db = postgres::Db::Connect(*server.conninfo);
      ASSERT_TRUE(db.ok()) << db.status().ToString();
      for (const std::string& schema : server.schemas) {
        EXPECT_TRUE(db->Exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE").ok()) << schema;
      }
    }
    server.schemas.clear();
  }
};

[[maybe_unused]] ::testing::Environment* const kEnvironment =
    ::testing::AddGlobalTestEnvironment(new ServerEnvironment);

}  // namespace

StatusOr<std::string> ServerConninfo() {
  Server& server = TheServer();
  std::lock_guard lock(server.mu);
  if (!server.started) {
    server.started = true;
    server.conninfo = StartCluster(server);
  }
  return server.conninfo;
}

StatusOr<std::string> FreshSchema(std::string* schema) {
  SIGIL_ASSIGN_OR_RETURN(std::string conninfo, ServerConninfo());
  std::string name;
  {
    Server& server = TheServer();
    std::lock_guard lock(server.mu);
    name = "sigil_test_" + std::to_string(getpid()) + "_" + std::to_string(++server.next_schema);
    server.schemas.push_back(name);
  }
  SIGIL_ASSIGN_OR_RETURN(postgres::Db db, postgres::Db::Connect(conninfo));
  SIGIL_RETURN_IF_ERROR(db.Exec("CREATE SCHEMA " + name).status());  // a generated identifier
  if (schema != nullptr) *schema = name;
  return WithOption(conninfo, "options", "-c search_path=" + name);
}

StatusOr<std::string> EmptiedSharedSchema(Status (*migrate)(const std::string& conninfo)) {
  Server& server = TheServer();
  std::string conninfo;
  {
    std::lock_guard lock(server.mu);
    conninfo = server.shared_schema;
  }
  if (conninfo.empty()) {
    SIGIL_ASSIGN_OR_RETURN(conninfo, FreshSchema());
    SIGIL_RETURN_IF_ERROR(migrate(conninfo));
    std::lock_guard lock(server.mu);
    server.shared_schema = conninfo;
    return conninfo;
  }
  // One DELETE per table in one statement: the foreign-key checks run at its end, when every
  // table is empty, so the order does not matter (it would with an ON DELETE RESTRICT key).
  SIGIL_ASSIGN_OR_RETURN(postgres::Db db, postgres::Db::Connect(conninfo));
  SIGIL_ASSIGN_OR_RETURN(
      postgres::Result deletes,
      db.Exec("SELECT string_agg(format('d%s AS (DELETE FROM %I)', n, tablename), ', ')"
              " FROM (SELECT tablename, row_number() OVER () AS n FROM pg_tables"
              "  WHERE schemaname = current_schema() AND tablename <> 'schema_migrations') t"));
  if (deletes.Rows() != 1 || deletes.IsNull(0, 0)) {
    return InternalError("the shared test schema has no tables");
  }
  SIGIL_RETURN_IF_ERROR(db.Exec("WITH " + deletes.Text(0, 0) + " SELECT 1").status());
  return conninfo;
}

std::string WithOption(const std::string& conninfo, const std::string& key,
                       const std::string& value) {
  std::string quoted;
  for (char c : value) {
    if (c == '\'' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return conninfo + " " + key + "='" + quoted + "'";
}

}  // namespace sigil::postgres_test
