// `sigil admin`: operator commands that work on a data folder directly, also while a server runs
// on it (SQLite WAL lets a second process write; servers notice identity changes within about a
// second), or on the PostgreSQL database of several nodes (--database, as the server's: every
// node notices within about a second too). `account create|list`, `session-keys rotate`, `tls
// init` (a private CA and server certificate for HTTPS), `audit validate` (the audit trail's
// digest chain) and `backup` / `restore` (an online copy of a SQLite data folder, keys sealed
// under a passphrase). Called once from main.
#pragma once

#include <CLI/CLI.hpp>
#include <cstddef>
#include <string>

namespace sigil::cli {

struct AdminFlags {
  std::string data_dir;             // default: the server's (--data-dir / SIGIL_DATA_DIR)
  std::string database = "sqlite";  // as the server's --database / SIGIL_DATABASE
  std::string master_key_file;      // as the server's --master-key-file / SIGIL_MASTER_KEY
  std::string session_keys_file;    // as the server's --session-keys-file
  std::string account_name;         // account create NAME
  size_t keep = 3;                  // session-keys rotate --keep N
  std::string tls_hosts = "localhost,127.0.0.1,::1";  // tls init --hosts
  bool force = false;                                 // tls init --force
  std::string audit_from;                             // audit validate --from (ISO 8601)
  std::string audit_to;                               // audit validate --to
  std::string backup_dir;                             // backup DIR / restore DIR
  std::string passphrase_file;                        // backup/restore --passphrase-file
};

// The `admin` command and its leaves, as registered on the application.
struct AdminCommands {
  CLI::App* admin = nullptr;
  CLI::App* account_create = nullptr;
  CLI::App* account_list = nullptr;
  CLI::App* session_keys_rotate = nullptr;
  CLI::App* tls_init = nullptr;
  CLI::App* audit_validate = nullptr;
  CLI::App* backup = nullptr;
  CLI::App* restore = nullptr;
};

// Registers `admin` and its subcommands on `app`, storing their options in `flags`.
AdminCommands AddAdminCommands(CLI::App* app, AdminFlags* flags);

// Runs the admin subcommand that was parsed; returns the process exit code (0, or 1 after
// printing "sigil: WHAT: message" on stderr).
int RunAdmin(const AdminCommands& commands, const AdminFlags& flags);

}  // namespace sigil::cli
