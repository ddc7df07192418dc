#include "cli/server_command.h"

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <thread>

#include "auth/sigv4.h"
#include "common/adjustable_clock.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "http/server.h"
#include "iam/aws_managed_policies.h"
#include "iam/iam_service.h"
#include "identity/identity_service.h"
#include "identity/key_usage_tracker.h"
#include "server/bootstrap.h"
#include "server/pipeline.h"
#include "store/sqlite_metadata_store.h"
#include "sts/sts_service.h"

namespace sigil::cli {

void AddServerFlags(CLI::App* cmd, ServerFlags* f) {
  cmd->add_option("--data-dir", f->data_dir,
                  "Folder for the database, master key and root credentials (created 0700)")
      ->envname("SIGIL_DATA_DIR")
      ->capture_default_str();
  cmd->add_option("--listen", f->listen,
                  "HOST:PORT to listen on; port 0 picks a free port (printed at start)")
      ->envname("SIGIL_LISTEN")
      ->capture_default_str();
  cmd->add_option("--threads", f->threads, "Worker threads serving requests")
      ->envname("SIGIL_THREADS")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  cmd->add_option("--max-skew", f->max_skew_seconds,
                  "Allowed clock skew of signed requests, in seconds")
      ->envname("SIGIL_MAX_SKEW")
      ->check(CLI::Range(int64_t{1}, int64_t{7 * 24 * 3600}))
      ->capture_default_str();
  cmd->add_option("--max-body-bytes", f->max_body_bytes,
                  "Largest IAM/STS request body accepted (413 beyond)")
      ->envname("SIGIL_MAX_BODY_BYTES")
      ->capture_default_str();
  cmd->add_option("--max-connections", f->max_connections, "Open connections allowed at once")
      ->envname("SIGIL_MAX_CONNECTIONS")
      ->check(CLI::Range(1, 1 << 20))
      ->capture_default_str();
  cmd->add_option("--idle-timeout", f->idle_timeout_seconds,
                  "Seconds a keep-alive connection may stay idle")
      ->envname("SIGIL_IDLE_TIMEOUT")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  cmd->add_option("--request-timeout", f->request_timeout_seconds,
                  "Seconds a request may take to arrive whole")
      ->envname("SIGIL_REQUEST_TIMEOUT")
      ->check(CLI::Range(1, 24 * 3600))
      ->capture_default_str();
  cmd->add_option("--master-key-file", f->master_key_file,
                  "File holding the master key that seals secrets (default DATA_DIR/master.key); "
                  "or give the key itself, base64, in SIGIL_MASTER_KEY")
      ->envname("SIGIL_MASTER_KEY_FILE");
  cmd->add_option("--session-keys-file", f->session_keys_file,
                  "File holding the key ring that seals STS session tokens (default "
                  "DATA_DIR/session-token.keys); every node of a deployment needs the same file")
      ->envname("SIGIL_SESSION_KEYS_FILE");
  cmd->add_option("--trusted-proxies", f->trusted_proxies,
                  "Comma-separated addresses/CIDRs of reverse proxies whose X-Forwarded-For is "
                  "believed for aws:SourceIp (default: none; the TCP peer is the source)")
      ->envname("SIGIL_TRUSTED_PROXIES");
  cmd->add_option("--clock-offset-file", f->clock_offset_file,
                  "Testing only: add the whole seconds written in this file to the server's clock "
                  "(to test expiring credentials without waiting)")
      ->envname("SIGIL_CLOCK_OFFSET_FILE")
      ->group("Testing");
  cmd->add_flag("--access-log,!--no-access-log", f->access_log,
                "One JSON line per request on stderr (never secrets)")
      ->envname("SIGIL_ACCESS_LOG")
      ->capture_default_str();
}

namespace {

int Fail(const std::string& what, const Status& status) {
  std::fprintf(stderr, "sigil: %s: %s\n", what.c_str(), status.message().c_str());
  return 1;
}

struct ListenAddress {
  std::string host;
  uint16_t port = 0;
};

std::optional<ListenAddress> ParseListen(const std::string& text) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon + 1 >= text.size()) return std::nullopt;
  ListenAddress out;
  out.host = text.substr(0, colon);
  if (out.host.size() >= 2 && out.host.front() == '[' && out.host.back() == ']') {
    out.host = out.host.substr(1, out.host.size() - 2);
  }
  int port = 0;
  for (char c : text.substr(colon + 1)) {
    if (c < '0' || c > '9') return std::nullopt;
    port = port * 10 + (c - '0');
    if (port > 65535) return std::nullopt;
  }
  out.port = static_cast<uint16_t>(port);
  return out;
}

}  // namespace

int RunServer(const ServerFlags& flags) {
  // Block the shutdown signals in every thread; one thread waits for them below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto listen = ParseListen(flags.listen);
  if (!listen) {
    return Fail("--listen", InvalidArgumentError("expected HOST:PORT, got '" + flags.listen + "'"));
  }
  auto paths = server::PrepareDataDir(flags.data_dir, flags.master_key_file);
  if (!paths.ok()) return Fail("data folder", paths.status());

  OsRandomSource random;
  SystemClock system_clock;
  std::optional<AdjustableClock> adjustable_clock;
  if (!flags.clock_offset_file.empty()) adjustable_clock.emplace(flags.clock_offset_file);
  const Clock& clock =
      adjustable_clock ? static_cast<const Clock&>(*adjustable_clock) : system_clock;
  std::optional<std::string> env_key;
  if (const char* v = std::getenv("SIGIL_MASTER_KEY")) env_key = std::string(v);
  auto box = server::LoadOrCreateMasterKey(paths->master_key, env_key, random);
  if (!box.ok()) return Fail("master key", box.status());

  auto store = SqliteMetadataStore::Open(paths->database);
  if (!store.ok()) return Fail("database " + paths->database, store.status());

  auto source_ip = server::ParseTrustedProxies(flags.trusted_proxies);
  if (!source_ip.ok()) return Fail("--trusted-proxies", source_ip.status());
  AwsManagedPolicyText aws_managed = [](std::string_view arn) -> std::string_view {
    const iam::AwsManagedPolicy* p = iam::FindAwsManagedPolicy(arn);
    return p == nullptr ? std::string_view() : p->document;
  };
  IdentityService identity(**store, std::move(box).value(), random, clock, aws_managed);
  if (Status s = identity.Load(); !s.ok()) return Fail("loading identities", s);
  auto root = server::EnsureRootAccount(identity, paths->root_credentials);
  if (!root.ok()) return Fail("root account", root.status());

  auto sealer = server::LoadOrCreateSessionKeys(
      flags.session_keys_file.empty() ? paths->session_keys : flags.session_keys_file, random);
  if (!sealer.ok()) return Fail("session token keys", sealer.status());

  KeyUsageTracker usage(**store, std::chrono::seconds(1));
  SessionPolicyCompiler session_policies(aws_managed);
  auto iam = iam::MakeIamService(identity, usage);
  auto sts = sts::MakeStsService(sts::StsDeps{identity, *sealer, random, session_policies});
  auth::SigningKeyCache signing_keys;
  server::RequestLog log(flags.access_log);
  server::PipelineDeps deps{
      identity,   usage,
      *iam,       *sts,
      clock,      signing_keys,
      *sealer,    session_policies,
      log,        server::AuthenticateOptions{std::chrono::seconds(flags.max_skew_seconds)},
      *source_ip, flags.max_body_bytes};
  server::PipelineHandler handler(deps);

  http::ServerOptions options;
  options.listen_address = listen->host;
  options.port = listen->port;
  options.worker_threads = flags.threads;
  options.max_body_bytes = flags.max_body_bytes;
  options.max_connections = static_cast<size_t>(flags.max_connections);
  options.idle_timeout = std::chrono::seconds(flags.idle_timeout_seconds);
  options.request_timeout = std::chrono::seconds(flags.request_timeout_seconds);
  auto server = http::Server::Start(options, handler);
  if (!server.ok()) return Fail("listening on " + flags.listen, server.status());

  // Another process may change the store: `sigil admin` commands, other nodes. Notice within a
  // second (a cheap check when nothing changed).
  std::jthread refresher([&identity](std::stop_token stop) {
    while (!stop.stop_requested()) {
      for (int i = 0; i < 10 && !stop.stop_requested(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
      auto refreshed = identity.RefreshIfStoreChanged();
      if (!refreshed.ok()) {
        std::fprintf(stderr, "sigil: could not reload identities changed elsewhere: %s\n",
                     refreshed.status().message().c_str());
      }
    }
  });

  const std::string url = (*server)->url();
  std::printf("Sigil listening on %s\n", url.c_str());
  std::printf("  account:          %s%s\n", root->account_id.c_str(),
              root->created ? " (created now)" : "");
  std::printf("  root credentials: %s (profile [default]%s)\n", paths->root_credentials.c_str(),
              root->credentials_written ? ", written now" : "");
  std::printf(
      "  try:              AWS_SHARED_CREDENTIALS_FILE=%s aws --endpoint-url %s "
      "--region us-east-1 sts get-caller-identity\n",
      paths->root_credentials.c_str(), url.c_str());
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  std::fprintf(stderr, "sigil: received signal %d, finishing in-flight requests\n", signal_number);
  (*server)->Shutdown();
  refresher.request_stop();
  refresher.join();
  if (Status s = usage.Flush(); !s.ok()) {
    std::fprintf(stderr, "sigil: could not save key usage: %s\n", s.message().c_str());
  }
  return 0;
}

}  // namespace sigil::cli
