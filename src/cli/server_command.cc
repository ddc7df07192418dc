#include "cli/server_command.h"

#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <thread>

#include "audit/digest.h"
#include "audit/writer.h"
#include "auth/sigv4.h"
#include "blob/blob_store.h"
#include "cli/database_option.h"
#include "cloudtrail/cloudtrail_service.h"
#include "common/adjustable_clock.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/file_util.h"
#include "ec2/ec2_service.h"
#include "http/server.h"
#include "iam/aws_managed_policies.h"
#include "iam/iam_service.h"
#include "identity/identity_service.h"
#include "identity/key_usage_tracker.h"
#include "metrics/registry.h"
#include "s3/s3_service.h"
#include "server/bootstrap.h"
#include "server/ops_handler.h"
#include "server/pipeline.h"
#include "server/server_metrics.h"
#include "store/timed_metadata_store.h"
#include "sts/sts_service.h"

namespace sigil::cli {

void AddServerFlags(CLI::App* cmd, ServerFlags* f) {
  cmd->add_option("--data-dir", f->data_dir,
                  "Folder for the database, master key and root credentials (created 0700)")
      ->envname("SIGIL_DATA_DIR")
      ->capture_default_str();
  AddDatabaseOption(cmd, &f->database);
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
      ->default_str(f->access_log ? "true" : "false");
  cmd->add_option("--metrics-listen", f->metrics_listen,
                  "HOST:PORT serving Prometheus metrics (GET /metrics) and the /health and /ready "
                  "probes, without authentication (default: off)")
      ->envname("SIGIL_METRICS_LISTEN");
  cmd->add_option("--tls-cert", f->tls_cert,
                  "PEM certificate chain (server certificate first): --listen then serves HTTPS "
                  "only; SIGHUP reloads it (see `sigil admin tls init`)")
      ->envname("SIGIL_TLS_CERT")
      ->group("TLS");
  cmd->add_option("--tls-key", f->tls_key,
                  "PEM private key of --tls-cert, unencrypted; refused unless private (chmod 600)")
      ->envname("SIGIL_TLS_KEY")
      ->group("TLS");
  cmd->add_option("--http-listen", f->http_listen,
                  "With TLS: also serve plain HTTP on this HOST:PORT (default: off); "
                  "aws:SecureTransport is false there")
      ->envname("SIGIL_HTTP_LISTEN")
      ->group("TLS");
  cmd->add_option("--s3-domain", f->s3_domain,
                  "Serve S3 virtual-hosted-style requests for BUCKET.DOMAIN (e.g. "
                  "s3.localhost); path-style requests always work")
      ->envname("SIGIL_S3_DOMAIN")
      ->group("S3");
  cmd->add_flag("--sigv2,!--no-sigv2", f->sigv2,
                "Accept S3's legacy Signature Version 2 (header and presigned URLs), which "
                "boto3 and the AWS CLI v1 still produce for custom endpoints")
      ->envname("SIGIL_SIGV2")
      ->default_str(f->sigv2 ? "true" : "false")
      ->group("S3");
  cmd->add_flag("--audit,!--no-audit", f->audit,
                "Write the audit trail: one CloudTrail record per request in DATA_DIR/audit, with "
                "signed digest files (`sigil admin audit validate`)")
      ->envname("SIGIL_AUDIT")
      ->default_str(f->audit ? "true" : "false")
      ->group("Audit trail");
  cmd->add_option("--audit-queue", f->audit_queue,
                  "Records waiting to be written before --audit-when-full applies")
      ->envname("SIGIL_AUDIT_QUEUE")
      ->check(CLI::Range(size_t{1}, size_t{10000000}))
      ->capture_default_str()
      ->group("Audit trail");
  cmd->add_option("--audit-when-full", f->audit_when_full,
                  "When the queue is full: block (requests wait; nothing is lost) or drop (the "
                  "record is dropped and counted in sigil_audit_dropped_total)")
      ->envname("SIGIL_AUDIT_WHEN_FULL")
      ->check(CLI::IsMember({"block", "drop"}))
      ->capture_default_str()
      ->group("Audit trail");
  cmd->add_option("--audit-rotate-bytes", f->audit_rotate_bytes,
                  "A log file is closed (and listed in the next digest) at this size")
      ->envname("SIGIL_AUDIT_ROTATE_BYTES")
      ->check(CLI::Range(uint64_t{1024}, uint64_t{1} << 40))
      ->capture_default_str()
      ->group("Audit trail");
  cmd->add_option("--audit-rotate-seconds", f->audit_rotate_seconds,
                  "A log file is closed this many seconds after it was opened")
      ->envname("SIGIL_AUDIT_ROTATE_SECONDS")
      ->check(CLI::Range(int64_t{1}, int64_t{24 * 3600}))
      ->capture_default_str()
      ->group("Audit trail");
  cmd->add_option("--ec2-regions", f->ec2_regions,
                  "Comma-separated regions EC2's DescribeRegions lists as enabled (default: AWS's "
                  "regions that need no opt-in). Sigil's EC2 starts no virtual machines: "
                  "instances are records with a lifecycle")
      ->envname("SIGIL_EC2_REGIONS")
      ->group("EC2");
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

// "; clients trust it with AWS_CA_BUNDLE=DIR/ca.pem" when the certificate sits beside the CA of
// `sigil admin tls init`, else "".
std::string TlsCaHint(const std::string& cert_path) {
  const size_t slash = cert_path.rfind('/');
  const std::string ca =
      (slash == std::string::npos ? std::string() : cert_path.substr(0, slash + 1)) + "ca.pem";
  auto absolute = AbsolutePath(ca);
  if (!absolute.ok()) return "";
  return "; clients trust it with AWS_CA_BUNDLE=" + *absolute;
}

}  // namespace

int RunServer(const ServerFlags& flags) {
  // Block the shutdown and reload signals in every thread; one thread waits for them below.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto listen = ParseListen(flags.listen);
  if (!listen) {
    return Fail("--listen", InvalidArgumentError("expected HOST:PORT, got '" + flags.listen + "'"));
  }
  std::optional<ListenAddress> metrics_listen;
  if (!flags.metrics_listen.empty()) {
    metrics_listen = ParseListen(flags.metrics_listen);
    if (!metrics_listen) {
      return Fail("--metrics-listen",
                  InvalidArgumentError("expected HOST:PORT, got '" + flags.metrics_listen + "'"));
    }
  }
  const bool tls = !flags.tls_cert.empty() || !flags.tls_key.empty();
  if (tls && (flags.tls_cert.empty() || flags.tls_key.empty())) {
    return Fail("TLS", InvalidArgumentError("--tls-cert and --tls-key go together"));
  }
  std::optional<ListenAddress> http_listen;
  if (!flags.http_listen.empty()) {
    if (!tls) {
      return Fail("--http-listen",
                  InvalidArgumentError("needs --tls-cert and --tls-key (without TLS, --listen "
                                       "serves plain HTTP already)"));
    }
    http_listen = ParseListen(flags.http_listen);
    if (!http_listen) {
      return Fail("--http-listen",
                  InvalidArgumentError("expected HOST:PORT, got '" + flags.http_listen + "'"));
    }
  }
  auto database = ParseDatabaseOption(flags.database);
  if (!database.ok()) return Fail("--database", database.status());
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

  auto store = OpenStore(*database, paths->database);
  if (!store.ok()) return Fail("database", store.status());
  // One metrics registry for the process, handed explicitly to what records into it. Every
  // store call below goes through the timing decorator.
  metrics::Registry registry;
  server::ServerMetrics server_metrics(registry, system_clock.Now());
  TimedMetadataStore timed_store(*store->store, registry);

  auto source_ip = server::ParseTrustedProxies(flags.trusted_proxies);
  if (!source_ip.ok()) return Fail("--trusted-proxies", source_ip.status());
  AwsManagedPolicyText aws_managed = [](std::string_view arn) -> std::string_view {
    const iam::AwsManagedPolicy* p = iam::FindAwsManagedPolicy(arn);
    return p == nullptr ? std::string_view() : p->document;
  };
  // Under the store's start-up lock: nodes starting together on an empty shared database agree
  // on one master key and create one account between them.
  std::optional<IdentityService> identity_storage;
  std::optional<server::RootAccount> root;
  std::string audit_key;  // signs the audit trail's digests; derived from the master key
  std::string step = "database";
  Status started = store->run_exclusively([&]() -> Status {
    step = "master key";
    if (store->shared) {
      SIGIL_RETURN_IF_ERROR(
          server::RequireMasterKeyToJoin(*store->store, paths->master_key, env_key.has_value()));
    }
    SIGIL_ASSIGN_OR_RETURN(SecretBox box,
                           server::LoadOrCreateMasterKey(paths->master_key, env_key, random));
    audit_key = audit::DigestSigningKey(box);
    identity_storage.emplace(timed_store, std::move(box), random, clock, aws_managed);
    step = "loading identities";
    SIGIL_RETURN_IF_ERROR(identity_storage->Load());
    step = "root account";
    SIGIL_ASSIGN_OR_RETURN(
        root, server::EnsureRootAccount(*identity_storage, paths->root_credentials, store->shared));
    return OkStatus();
  });
  if (!started.ok() && step == "loading identities" && store->shared) {
    // Most likely a node started with a master key of its own.
    started = Status(started.code(), started.message() +
                                         " (every node sharing a database needs the master key "
                                         "of the node that created it)");
  }
  if (!started.ok()) return Fail(step, started);
  IdentityService& identity = *identity_storage;

  auto sealer = server::LoadOrCreateSessionKeys(
      flags.session_keys_file.empty() ? paths->session_keys : flags.session_keys_file, random);
  if (!sealer.ok()) return Fail("session token keys", sealer.status());

  KeyUsageTracker usage(timed_store, std::chrono::seconds(1));
  SessionPolicyCompiler session_policies(aws_managed);
  // IAM's service-last-accessed reports and CloudTrail's LookupEvents read the audit trail.
  auto iam = iam::MakeIamService(identity, usage, audit::AuditDir(paths->dir));
  auto sts = sts::MakeStsService(sts::StsDeps{identity, *sealer, random, session_policies});
  auto cloudtrail = cloudtrail::MakeCloudTrailService(
      cloudtrail::CloudTrailDeps{audit::AuditDir(paths->dir), *sealer, random});
  // EC2 keeps its records in the same database (on SQLite, on the identity store's connection).
  ec2::RegionCatalog regions;
  if (!flags.ec2_regions.empty()) {
    auto configured = ec2::RegionCatalog::FromList(flags.ec2_regions);
    if (!configured.ok()) return Fail("--ec2-regions", configured.status());
    regions = std::move(configured).value();
  }
  auto ec2_store = store->open_ec2();
  if (!ec2_store.ok()) return Fail("EC2 store", ec2_store.status());
  ec2::DefaultVpcs default_vpcs(**ec2_store, random);
  auto ec2 = ec2::MakeEc2Service(ec2::Ec2Deps{**ec2_store, random, regions, default_vpcs});
  auth::SigningKeyCache signing_keys;
  server::RequestLog log(flags.access_log);
  server::PipelineDeps deps{
      identity,   usage,
      *iam,       *sts,
      clock,      signing_keys,
      *sealer,    session_policies,
      log,        server::AuthenticateOptions{std::chrono::seconds(flags.max_skew_seconds)},
      *source_ip, flags.max_body_bytes};
  deps.metrics = &server_metrics;
  deps.ready = [&timed_store] { return timed_store.Ping(); };
  deps.cloudtrail = cloudtrail.get();
  deps.ec2 = ec2.get();
  // The audit trail: requests only enqueue; one thread writes DATA_DIR/audit.
  std::unique_ptr<audit::Writer> audit_writer;
  if (flags.audit) {
    audit::WriterOptions audit_options;
    audit_options.audit_dir = audit::AuditDir(paths->dir);
    audit_options.signing_key = audit_key;
    audit_options.queue_capacity = flags.audit_queue;
    audit_options.when_full =
        audit::ParseWhenFull(flags.audit_when_full).value_or(audit::WhenFull::kBlock);
    audit_options.rotate_bytes = flags.audit_rotate_bytes;
    audit_options.rotate_age = std::chrono::seconds(flags.audit_rotate_seconds);
    audit_options.clock = &clock;
    audit_options.registry = &registry;
    audit_options.random = &random;
    auto opened = audit::Writer::Open(std::move(audit_options));
    if (!opened.ok()) return Fail("audit trail", opened.status());
    audit_writer = std::move(opened).value();
    deps.audit = audit_writer.get();
  }
  SecureWipe(audit_key);
  // S3: metadata in the same database, bytes in DATA_DIR/blobs.
  auto object_store = store->open_objects();
  if (!object_store.ok()) return Fail("object store", object_store.status());
  auto blobs = BlobStore::Open(paths->dir + "/blobs", random);
  if (!blobs.ok()) return Fail("blob folder", blobs.status());
  s3::S3Options s3_options;
  s3_options.virtual_host_domain = flags.s3_domain;
  s3_options.allow_sigv2 = flags.sigv2;
  s3_options.max_skew = std::chrono::seconds(flags.max_skew_seconds);
  s3::S3Service s3_service(s3::S3Deps{**object_store, **blobs, identity, clock, random,
                                      signing_keys, *sealer, session_policies, log, *source_ip,
                                      s3_options, &server_metrics, deps.audit});
  if (auto swept = s3_service.SweepOrphanBlobs(); !swept.ok()) {
    return Fail("blob folder", swept.status());
  }
  deps.s3 = &s3_service;
  server::PipelineHandler handler(deps);

  http::ServerOptions options;
  options.listen_address = listen->host;
  options.port = listen->port;
  options.worker_threads = flags.threads;
  // The query/JSON pipeline applies --max-body-bytes itself; S3 streams uploads of up to 5 GiB
  // (plus aws-chunked framing) and applies its own limits per operation.
  options.max_body_bytes = uint64_t{6} * 1024 * 1024 * 1024;
  options.max_connections = static_cast<size_t>(flags.max_connections);
  options.idle_timeout = std::chrono::seconds(flags.idle_timeout_seconds);
  options.request_timeout = std::chrono::seconds(flags.request_timeout_seconds);
  if (tls) options.tls = http::TlsFiles{flags.tls_cert, flags.tls_key};
  if (http_listen) options.plain_http = http::ListenEndpoint{http_listen->host, http_listen->port};
  auto server = http::Server::Start(options, handler);
  if (!server.ok()) return Fail("listening on " + flags.listen, server.status());
  http::Server& api_server = **server;
  registry.AddCallbackGauge(
      "sigil_open_connections", "Connections open on the API listener(s), read at scrape time.",
      [&api_server] { return static_cast<double>(api_server.open_connections()); });

  // The operator endpoints on their own address, so they can stay off the public network.
  server::OpsHandler ops_handler(registry, deps.ready);
  std::unique_ptr<http::Server> metrics_server;
  if (metrics_listen) {
    http::ServerOptions ops;
    ops.listen_address = metrics_listen->host;
    ops.port = metrics_listen->port;
    ops.worker_threads = 1;
    ops.max_body_bytes = 0;
    ops.max_connections = 64;
    ops.request_timeout = std::chrono::seconds(30);
    auto started_ops = http::Server::Start(ops, ops_handler);
    if (!started_ops.ok()) {
      return Fail("listening on " + flags.metrics_listen + " (--metrics-listen)",
                  started_ops.status());
    }
    metrics_server = std::move(started_ops).value();
  }

  // Another process may change the store: `sigil admin` commands, other nodes. Look four times a
  // second (a cheap check when nothing changed: SQLite's data_version, or the notifications
  // PostgreSQL has already delivered), so a change made elsewhere holds here well within a
  // second. While the database is unreachable, say so when it starts, then once a minute.
  std::jthread refresher([&identity, &server_metrics](std::stop_token stop) {
    constexpr int kChecksPerLog = 240;
    int failures = 0;
    while (!stop.stop_requested()) {
      for (int i = 0; i < 5 && !stop.stop_requested(); ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      auto refreshed = identity.RefreshIfStoreChanged();
      if (refreshed.ok() && *refreshed) server_metrics.RecordSnapshotReload();
      if (!refreshed.ok()) {
        if (failures++ % kChecksPerLog == 0) {
          std::fprintf(stderr, "sigil: could not reload identities changed elsewhere: %s\n",
                       refreshed.status().message().c_str());
        }
      } else if (failures > 0) {
        std::fprintf(stderr, "sigil: the database answers again%s\n",
                     *refreshed ? "; identities reloaded" : "");
        failures = 0;
      }
    }
  });

  const std::string url = (*server)->url();
  std::printf("Sigil listening on %s\n", url.c_str());
  if (metrics_server) {
    std::printf("  metrics:          %s/metrics (and /health, /ready)\n",
                metrics_server->url().c_str());
  }
  if (http_listen) {
    std::printf("  plain HTTP:       %s (aws:SecureTransport is false)\n",
                (*server)->plain_http_url().c_str());
  }
  if (tls) {
    std::printf("  TLS certificate:  %s (SIGHUP reloads it)%s\n", flags.tls_cert.c_str(),
                TlsCaHint(flags.tls_cert).c_str());
  }
  std::printf("  account:          %s%s\n", root->account_id.c_str(),
              root->created ? " (created now)" : "");
  std::printf("  database:         %s\n", store->description.c_str());
  if (audit_writer) {
    std::printf("  audit trail:      %s (node %s)\n", audit::AuditDir(paths->dir).c_str(),
                audit_writer->node_id().c_str());
  } else {
    std::printf("  audit trail:      off (--no-audit)\n");
  }
  if (root->credentials_elsewhere) {
    std::printf(
        "  root credentials: written by the node that created the account, in its data folder\n");
    std::printf(
        "  try:              aws --endpoint-url %s --region us-east-1 sts "
        "get-caller-identity (with credentials of this account)\n",
        url.c_str());
  } else {
    std::printf("  root credentials: %s (profile [default]%s)\n", paths->root_credentials.c_str(),
                root->credentials_written ? ", written now" : "");
    std::printf(
        "  try:              AWS_SHARED_CREDENTIALS_FILE=%s aws --endpoint-url %s "
        "--region us-east-1 sts get-caller-identity\n",
        paths->root_credentials.c_str(), url.c_str());
  }
  std::fflush(stdout);

  int signal_number = 0;
  for (;;) {
    sigwait(&signals, &signal_number);
    if (signal_number != SIGHUP) break;
    // Reload: new connections get the files' certificate, open ones keep theirs.
    if (!tls) {
      std::fprintf(stderr, "sigil: received SIGHUP; no TLS certificate to reload\n");
    } else if (Status s = (*server)->ReloadTls(); s.ok()) {
      std::fprintf(stderr, "sigil: SIGHUP: reloaded the TLS certificate from %s\n",
                   flags.tls_cert.c_str());
    } else {
      std::fprintf(stderr, "sigil: SIGHUP: kept the current TLS certificate: %s\n",
                   s.message().c_str());
    }
  }
  std::fprintf(stderr, "sigil: received signal %d, finishing in-flight requests\n", signal_number);
  (*server)->Shutdown();
  if (metrics_server) metrics_server->Shutdown();
  refresher.request_stop();
  refresher.join();
  // The last records, the last file and a final digest.
  if (audit_writer) {
    if (Status s = audit_writer->Close(); !s.ok()) {
      std::fprintf(stderr, "sigil: audit trail: %s\n", s.message().c_str());
    }
  }
  if (Status s = usage.Flush(); !s.ok()) {
    std::fprintf(stderr, "sigil: could not save key usage: %s\n", s.message().c_str());
  }
  return 0;
}

}  // namespace sigil::cli
