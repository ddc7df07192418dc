// `sigil server`: its options and the wiring of store, identity, services, pipeline and HTTP
// server, plus signal handling and the start-up banner. Called once from main.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

namespace sigil::cli {

struct ServerFlags {
  std::string data_dir = "./sigil-data";
  std::string database = "sqlite";  // --database: see cli/database_option.h
  std::string listen = "127.0.0.1:9000";
  int threads = 2;
  int64_t max_skew_seconds = 900;
  uint64_t max_body_bytes = 1 << 20;
  int max_connections = 1024;
  int idle_timeout_seconds = 60;
  int request_timeout_seconds = 300;
  std::string master_key_file;
  std::string session_keys_file;
  std::string trusted_proxies;
  std::string clock_offset_file;
  bool access_log = true;
  std::string metrics_listen;  // HOST:PORT serving /metrics, /health and /ready (off when empty)
  std::string tls_cert;        // PEM certificate chain: --listen serves HTTPS when set
  std::string tls_key;         // its private key (mode 0600)
  std::string http_listen;     // with TLS: a second HOST:PORT serving plain HTTP (off when empty)
  // The audit trail in DATA_DIR/audit (see audit/writer.h).
  bool audit = true;
  size_t audit_queue = 10000;                 // records queued before --audit-when-full applies
  std::string audit_when_full = "block";      // "block" | "drop"
  uint64_t audit_rotate_bytes = 64ull << 20;  // a log file is closed at this size
  int64_t audit_rotate_seconds = 3600;        // or this long after it was opened
  // S3: virtual-hosted-style requests under this domain (BUCKET.DOMAIN; off when empty), and
  // whether legacy Signature Version 2 is accepted.
  std::string s3_domain;
  bool sigv2 = true;
  // EC2: the regions DescribeRegions lists as enabled (comma-separated); empty: AWS's regions
  // that need no opt-in.
  std::string ec2_regions;
};

void AddServerFlags(CLI::App* command, ServerFlags* flags);
// Runs until SIGINT/SIGTERM (SIGHUP reloads the TLS certificate); returns the process exit code.
int RunServer(const ServerFlags& flags);

}  // namespace sigil::cli
