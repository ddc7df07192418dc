// `sigil server`: its options and the wiring of store, identity, services, pipeline and HTTP
// server, plus signal handling and the start-up banner. Called once from main.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

namespace sigil::cli {

struct ServerFlags {
  std::string data_dir = "./sigil-data";
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
};

void AddServerFlags(CLI::App* command, ServerFlags* flags);
// Runs until SIGINT/SIGTERM; returns the process exit code.
int RunServer(const ServerFlags& flags);

}  // namespace sigil::cli
