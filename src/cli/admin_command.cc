#include "cli/admin_command.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <tuple>
#include <vector>

#include "audit/digest.h"
#include "audit/reader.h"
#include "audit/validate.h"
#include "cli/backup.h"
#include "cli/backup_database.h"
#include "cli/database_option.h"
#include "cli/server_command.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/file_util.h"
#include "common/strings.h"
#include "common/time_format.h"
#include "common/tls_certs.h"
#include "iam/aws_managed_policies.h"
#include "identity/identity_service.h"
#include "server/bootstrap.h"
#include "store/migrations.h"
#include "store/sqlite_metadata_store.h"

namespace sigil::cli {

namespace {

constexpr size_t kMaxAccountNameLength = 64;

void AddDataDirOption(CLI::App* cmd, AdminFlags* f) {
  cmd->add_option("--data-dir", f->data_dir,
                  "The data folder of `sigil server` (it must exist already)")
      ->envname("SIGIL_DATA_DIR")
      ->capture_default_str();
}

// For the commands that open the metadata store: the same option as the server's.
void AddStoreOptions(CLI::App* cmd, AdminFlags* f) {
  AddDataDirOption(cmd, f);
  AddDatabaseOption(cmd, &f->database);
}

int Fail(const std::string& what, const Status& status) {
  std::fprintf(stderr, "sigil: %s: %s\n", what.c_str(), status.message().c_str());
  return 1;
}

// An operator's label, shown in lists: IAM's name characters, so it needs no quoting anywhere
// (and never holds the tab that separates `account list` columns).
Status ValidateAccountName(const std::string& name) {
  if (name.empty() || name.size() > kMaxAccountNameLength) {
    return InvalidArgumentError("the account name must have 1 to " +
                                std::to_string(kMaxAccountNameLength) + " characters");
  }
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::string_view("+=,.@_-").find(c) != std::string_view::npos;
    if (!ok) {
      return InvalidArgumentError(
          "the account name may hold only letters, digits and + = , . @ _ -");
    }
  }
  return OkStatus();
}

// Resolves the data folder's paths, refusing a folder `sigil server` never initialised: an
// admin command must not create a fresh folder (or master key) because of a mistyped path.
// With a PostgreSQL database the folder holds no sigil.db; it must exist all the same (the
// master key and new root credentials files live there).
StatusOr<server::DataPaths> OpenExistingDataDir(const AdminFlags& flags,
                                                const DatabaseChoice& database) {
  if (database.kind == DatabaseKind::kPostgres) {
    auto dir = FileMode(flags.data_dir);
    if (!dir.ok() && dir.status().code() == StatusCode::kNotFound) {
      return FailedPreconditionError(flags.data_dir +
                                     " does not exist; give the data folder of "
                                     "a `sigil server` that uses this database");
    }
    if (!dir.ok()) return dir.status();
    return server::PrepareDataDir(flags.data_dir, flags.master_key_file);
  }
  auto db = FileMode(flags.data_dir + "/sigil.db");
  if (!db.ok() && db.status().code() == StatusCode::kNotFound) {
    return FailedPreconditionError(flags.data_dir +
                                   " is not a Sigil data folder (it has no sigil.db); run "
                                   "`sigil server --data-dir " +
                                   flags.data_dir + "` once to create it");
  }
  if (!db.ok()) return db.status();
  return server::PrepareDataDir(flags.data_dir, flags.master_key_file);
}

// As the server loads it, except that a missing key file is an error: a new key could not
// open the secrets already sealed in this folder.
StatusOr<SecretBox> LoadMasterKey(const server::DataPaths& paths, RandomSource& random) {
  std::optional<std::string> env_key;
  if (const char* v = std::getenv("SIGIL_MASTER_KEY")) env_key = std::string(v);
  if (!env_key) {
    auto mode = FileMode(paths.master_key);
    if (!mode.ok() && mode.status().code() == StatusCode::kNotFound) {
      return FailedPreconditionError(
          "the master key file " + paths.master_key +
          " does not exist; give the key this data folder was created with "
          "(--master-key-file or SIGIL_MASTER_KEY)");
    }
  }
  return server::LoadOrCreateMasterKey(paths.master_key, env_key, random);
}

std::string AccountCredentialsPath(const server::DataPaths& paths, const std::string& account_id) {
  return paths.dir + "/accounts/" + account_id + "/root-credentials";
}

struct CreatedAccount {
  std::string account_id;
  std::string credentials_path;
  bool resumed = false;  // finished an earlier create that stopped before writing the file
};

// Issues the root access key of `account_id` and writes it to `path` (folders 0700, file 0600).
// On failure no key is left behind whose secret nobody has.
Status WriteNewRootCredentials(IdentityService& identity, const std::string& account_id,
                               const std::string& path) {
  SIGIL_RETURN_IF_ERROR(MakeDirectories(path.substr(0, path.rfind('/')), 0700));
  SIGIL_ASSIGN_OR_RETURN(NewAccessKey key, identity.CreateAccessKey(account_id, "", 2));
  std::string text =
      server::RootCredentialsFile(account_id, key.key.access_key_id, key.secret_access_key);
  Status written = WriteFileAtomically(path, text, 0600);
  SecureWipe(text);
  SecureWipe(key.secret_access_key);
  if (!written.ok()) {
    if (Status s = identity.DeleteAccessKey(key.key.access_key_id); !s.ok()) {
      return Status(written.code(), written.message() + "; and the unwritten root key " +
                                        key.key.access_key_id +
                                        " could not be deleted: " + s.message());
    }
  }
  return written;
}

StatusOr<CreatedAccount> CreateAccountWithRootKey(IdentityService& identity,
                                                  const server::DataPaths& paths,
                                                  const std::string& name) {
  CreatedAccount out;
  auto snapshot = identity.Current();
  const Account* existing = nullptr;
  for (const Account& a : snapshot->accounts()) {
    if (EqualsIgnoreCase(a.name, name)) existing = &a;
  }
  if (existing != nullptr) {
    out.account_id = existing->account_id;
    out.credentials_path = AccountCredentialsPath(paths, out.account_id);
    // Only an earlier create that stopped between the account and its credentials file (no
    // root key, no file) is finished now; anything else is a name conflict.
    auto file = FileMode(out.credentials_path);
    bool no_file = !file.ok() && file.status().code() == StatusCode::kNotFound;
    if (!no_file || !snapshot->Keys(out.account_id, "").empty()) {
      return AlreadyExistsError("an account named '" + existing->name +
                                "' already exists: " + out.account_id);
    }
    out.resumed = true;
  } else {
    SIGIL_ASSIGN_OR_RETURN(Account account, identity.CreateAccount(name));
    out.account_id = account.account_id;
    out.credentials_path = AccountCredentialsPath(paths, out.account_id);
  }
  if (Status s = WriteNewRootCredentials(identity, out.account_id, out.credentials_path); !s.ok()) {
    return Status(s.code(), "account " + out.account_id +
                                " exists but its root credentials were not written (" +
                                s.message() + "); run the same command again to finish");
  }
  return out;
}

int RunAccountCreate(const AdminFlags& flags) {
  if (Status s = ValidateAccountName(flags.account_name); !s.ok()) {
    return Fail("account create", s);
  }
  auto database = ParseDatabaseOption(flags.database);
  if (!database.ok()) return Fail("--database", database.status());
  auto paths = OpenExistingDataDir(flags, *database);
  if (!paths.ok()) return Fail("data folder", paths.status());
  OsRandomSource random;
  SystemClock clock;
  auto box = LoadMasterKey(*paths, random);
  if (!box.ok()) return Fail("master key", box.status());
  auto store = OpenStore(*database, paths->database);
  if (!store.ok()) return Fail("database", store.status());
  IdentityService identity(*store->store, std::move(box).value(), random, clock,
                           [](std::string_view arn) -> std::string_view {
                             const iam::AwsManagedPolicy* p = iam::FindAwsManagedPolicy(arn);
                             return p == nullptr ? std::string_view() : p->document;
                           });
  if (Status s = identity.Load(); !s.ok()) return Fail("loading identities", s);

  auto created = CreateAccountWithRootKey(identity, *paths, flags.account_name);
  if (!created.ok()) return Fail("account create", created.status());
  std::printf("account:          %s (%s, %s)\n", created->account_id.c_str(),
              flags.account_name.c_str(),
              created->resumed ? "root credentials issued now" : "created now");
  std::printf("root credentials: %s (profile [default])\n", created->credentials_path.c_str());
  return 0;
}

// Reads the store only: listing needs no secret, so no master key.
int RunAccountList(const AdminFlags& flags) {
  auto database = ParseDatabaseOption(flags.database);
  if (!database.ok()) return Fail("--database", database.status());
  auto paths = OpenExistingDataDir(flags, *database);
  if (!paths.ok()) return Fail("data folder", paths.status());
  auto store = OpenStore(*database, paths->database);
  if (!store.ok()) return Fail("database", store.status());
  auto data = store->store->LoadIdentity();
  if (!data.ok()) return Fail("loading identities", data.status());
  std::vector<Account> accounts = std::move(data->accounts);
  std::sort(accounts.begin(), accounts.end(), [](const Account& a, const Account& b) {
    return a.created != b.created ? a.created < b.created : a.account_id < b.account_id;
  });
  std::printf("ACCOUNT_ID\tNAME\tCREATED\n");
  for (const Account& a : accounts) {
    std::printf("%s\t%s\t%s\n", a.account_id.c_str(), a.name.c_str(),
                FormatIso8601(a.created).c_str());
  }
  return 0;
}

int RunSessionKeysRotate(const AdminFlags& flags) {
  // Only to recognise the data folder: the key ring is a file, not in the database.
  auto database = ParseDatabaseOption(flags.database);
  if (!database.ok()) return Fail("--database", database.status());
  auto paths = OpenExistingDataDir(flags, *database);
  if (!paths.ok()) return Fail("data folder", paths.status());
  const std::string& path =
      flags.session_keys_file.empty() ? paths->session_keys : flags.session_keys_file;
  OsRandomSource random;
  auto id = server::RotateSessionKeys(path, random, flags.keep);
  if (!id.ok()) return Fail("session-keys rotate", id.status());
  std::printf("session-token key %u added to %s (the newest %zu keys are kept)\n",
              static_cast<unsigned>(*id), path.c_str(), flags.keep);
  std::printf(
      "servers seal new tokens with it after their next restart; restart every server that "
      "shares this key file\n");
  return 0;
}

// Writes a new private CA and a server certificate for --hosts into DATA_DIR/tls. The data
// folder need not exist yet: HTTPS can be set up before the first start.
int RunTlsInit(const AdminFlags& flags) {
  const std::string dir = flags.data_dir + "/tls";
  const std::string ca_path = dir + "/ca.pem";
  const std::string cert_path = dir + "/server.pem";
  const std::string key_path = dir + "/server.key";
  if (!flags.force) {
    for (const std::string* path : {&ca_path, &cert_path, &key_path}) {
      if (FileMode(*path).ok()) {
        return Fail(
            "tls init",
            AlreadyExistsError(*path + " already exists; --force replaces the CA and the "
                                       "certificate (clients must then trust the new ca.pem)"));
      }
    }
  }
  LocalCaOptions options;
  options.hosts = SplitHostList(flags.tls_hosts);
  // A few minutes in the past, for clients whose clocks run a little behind.
  options.not_before = SystemClock().Now() - std::chrono::minutes(5);
  auto certs = CreateLocalCertificates(options);
  if (!certs.ok()) return Fail("tls init", certs.status());
  // The key first: a server reloading in between sees the old certificate with the new key,
  // refuses the pair and keeps serving the old one.
  Status written = MakeDirectories(dir, 0700);
  if (written.ok()) written = WriteFileAtomically(key_path, certs->server_private_key_pem, 0600);
  SecureWipe(certs->server_private_key_pem);
  if (written.ok()) written = WriteFileAtomically(cert_path, certs->server_chain_pem, 0644);
  if (written.ok()) written = WriteFileAtomically(ca_path, certs->ca_certificate_pem, 0644);
  if (!written.ok()) return Fail("tls init", written);

  auto absolute = AbsolutePath(dir);
  const std::string tls_dir = absolute.ok() ? *absolute : dir;
  const std::string& host = options.hosts.front();
  const std::string endpoint =
      "https://" + (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":9000";
  std::printf("A new private CA and a server certificate for %s:\n", flags.tls_hosts.c_str());
  std::printf("  %s/ca.pem      the CA (10 years; its private key was not kept)\n",
              tls_dir.c_str());
  std::printf("  %s/server.pem  the server certificate and the CA (825 days)\n", tls_dir.c_str());
  std::printf("  %s/server.key  its private key (mode 0600)\n", tls_dir.c_str());
  std::printf("Start the server with them (a running server reloads them on SIGHUP):\n");
  std::printf("  sigil server --data-dir %s --tls-cert %s/server.pem --tls-key %s/server.key\n",
              flags.data_dir.c_str(), tls_dir.c_str(), tls_dir.c_str());
  std::printf("Point the AWS CLI at the CA, by environment or by option:\n");
  std::printf("  AWS_CA_BUNDLE=%s/ca.pem aws --endpoint-url %s sts get-caller-identity\n",
              tls_dir.c_str(), endpoint.c_str());
  std::printf("  aws --ca-bundle %s/ca.pem --endpoint-url %s sts get-caller-identity\n",
              tls_dir.c_str(), endpoint.c_str());
  std::printf("and boto3:\n");
  std::printf("  boto3.client(\"sts\", endpoint_url=\"%s\", verify=\"%s/ca.pem\")\n",
              endpoint.c_str(), tls_dir.c_str());
  return 0;
}

// Checks the audit trail in DATA_DIR/audit against its signed digests: report on stdout, exit 1
// on any finding. Needs the master key (the digests' signing key derives from it), not the
// database.
int RunAuditValidate(const AdminFlags& flags) {
  const std::string audit_dir = audit::AuditDir(flags.data_dir);
  if (auto mode = FileMode(audit_dir); !mode.ok()) {
    return Fail(
        "audit validate",
        mode.status().code() == StatusCode::kNotFound
            ? FailedPreconditionError(audit_dir + " does not exist: this data folder has no audit "
                                                  "trail (was the server run with --no-audit?)")
            : mode.status());
  }
  audit::ValidateOptions options;
  for (auto [text, out, name] : {std::tuple{&flags.audit_from, &options.from, "--from"},
                                 std::tuple{&flags.audit_to, &options.to, "--to"}}) {
    if (text->empty()) continue;
    *out = ParseIso8601(*text);
    if (!*out) {
      return Fail(name, InvalidArgumentError(
                            "expected a UTC time like 2024-05-06T07:00:00Z, got '" + *text + "'"));
    }
  }
  auto paths = server::PrepareDataDir(flags.data_dir, flags.master_key_file);
  if (!paths.ok()) return Fail("data folder", paths.status());
  OsRandomSource random;
  auto box = LoadMasterKey(*paths, random);
  if (!box.ok()) return Fail("master key", box.status());
  std::string key = audit::DigestSigningKey(*box);
  auto report = audit::Validate(audit_dir, key, options);
  SecureWipe(key);
  if (!report.ok()) return Fail("audit validate", report.status());
  std::fputs(audit::FormatReport(*report).c_str(), stdout);
  return report->ok() ? 0 : 1;
}

// The backup passphrase: --passphrase-file (its trailing newline dropped) or
// SIGIL_BACKUP_PASSPHRASE. Never echoed anywhere.
StatusOr<std::string> BackupPassphrase(const AdminFlags& flags) {
  std::string passphrase;
  if (!flags.passphrase_file.empty()) {
    SIGIL_ASSIGN_OR_RETURN(passphrase, ReadFile(flags.passphrase_file));
    while (!passphrase.empty() && (passphrase.back() == '\n' || passphrase.back() == '\r')) {
      passphrase.pop_back();
    }
  } else if (const char* v = std::getenv("SIGIL_BACKUP_PASSPHRASE")) {
    passphrase = v;
  }
  if (passphrase.empty()) {
    return InvalidArgumentError(
        "give a non-empty passphrase in SIGIL_BACKUP_PASSPHRASE or --passphrase-file (the keys "
        "in the backup are sealed under it)");
  }
  return passphrase;
}

int RunBackup(const AdminFlags& flags) {
  auto database = ParseDatabaseOption(flags.database);
  if (!database.ok()) return Fail("--database", database.status());
  auto passphrase = BackupPassphrase(flags);
  if (!passphrase.ok()) return Fail("backup", passphrase.status());
  auto paths = OpenExistingDataDir(flags, *database);
  if (!paths.ok()) return Fail("data folder", paths.status());

  BackupSources sources;
  if (const char* v = std::getenv("SIGIL_MASTER_KEY")) {
    sources.master_key = std::string(TrimWhitespace(v)) + "\n";
  } else {
    auto key = ReadFile(paths->master_key);
    if (!key.ok()) return Fail("master key", key.status());
    sources.master_key = std::move(key).value();
  }
  const std::string& keys_path =
      flags.session_keys_file.empty() ? paths->session_keys : flags.session_keys_file;
  auto keys = ReadFile(keys_path);
  if (!keys.ok()) return Fail("session keys", keys.status());
  sources.session_keys = std::move(keys).value();
  std::unique_ptr<SqliteMetadataStore> sqlite;
  if (database->kind == DatabaseKind::kSqlite) {
    auto store = SqliteMetadataStore::Open(paths->database);
    if (!store.ok()) return Fail("database", store.status());
    sqlite = std::move(store).value();
    sources.snapshot_database = [&](const std::string& path) {
      return SnapshotSqlite(*sqlite, path);
    };
  } else {
    sources.database = "postgresql";
    sources.snapshot_database = [&](const std::string& path) {
      return SnapshotPostgres(database->conninfo, path);
    };
  }
  sources.schema_version = LatestSchemaVersion();
  sources.audit_dir = audit::AuditDir(paths->dir);
  sources.blob_dir = paths->dir + "/blobs";

  OsRandomSource random;
  Status written = WriteBackup(sources, flags.backup_dir, *passphrase, random, SystemClock().Now());
  SecureWipe(sources.master_key);
  SecureWipe(sources.session_keys);
  SecureWipe(*passphrase);
  if (!written.ok()) return Fail("backup", written);
  std::printf("backup written to %s (keys sealed under the passphrase; keep it apart)\n",
              flags.backup_dir.c_str());
  return 0;
}

int RunRestore(const AdminFlags& flags) {
  auto database = ParseDatabaseOption(flags.database);
  if (!database.ok()) return Fail("--database", database.status());
  auto passphrase = BackupPassphrase(flags);
  if (!passphrase.ok()) return Fail("restore", passphrase.status());
  DatabaseTarget target;
  if (database->kind == DatabaseKind::kPostgres) {
    target.check = [&] { return CheckPostgresEmpty(database->conninfo); };
    target.load = [&](const std::string& path) {
      return RestorePostgres(database->conninfo, path);
    };
  }
  Status restored = RestoreBackup(flags.backup_dir, *passphrase, flags.data_dir, target);
  SecureWipe(*passphrase);
  if (!restored.ok()) return Fail("restore", restored);
  const std::string& dir = flags.data_dir;
  const bool postgres = database->kind == DatabaseKind::kPostgres;
  std::printf("restored into %s: %s\n", dir.c_str(),
              postgres ? "master.key, session-token.keys, audit/, blobs/; and the database into "
                         "PostgreSQL (start the servers with the same --database)"
                       : "sigil.db, master.key, session-token.keys, audit/, blobs/");
  const std::string root_note =
      postgres ? "the root keys of the original deployment still work; on a shared database no "
                 "node issues a new one, so copy the original root-credentials file into " +
                     dir + " if you need it there"
               : "the root keys of the original folder still work for whoever holds them; "
                 "otherwise start the server once (it issues a new root key into " +
                     dir + "/root-credentials if the file is missing)";
  std::printf("root credentials are not in a backup: %s\n", root_note.c_str());
  return 0;
}

}  // namespace

AdminCommands AddAdminCommands(CLI::App* app, AdminFlags* flags) {
  if (flags->data_dir.empty()) flags->data_dir = ServerFlags().data_dir;
  AdminCommands c;
  c.admin = app->add_subcommand(
      "admin", "Operator commands on a data folder (safe while a server runs on it).");
  c.admin->require_subcommand(1);

  CLI::App* account = c.admin->add_subcommand("account", "Accounts and their root credentials.");
  account->require_subcommand(1);
  c.account_create =
      account->add_subcommand("create",
                              "Create an account and its root access key; the key is written to "
                              "DATA_DIR/accounts/ID/root-credentials (mode 0600), never printed.");
  c.account_create->add_option("NAME", flags->account_name, "A label for the account")->required();
  AddStoreOptions(c.account_create, flags);
  c.account_create
      ->add_option("--master-key-file", flags->master_key_file,
                   "File holding the master key (default DATA_DIR/master.key); or give the key "
                   "itself, base64, in SIGIL_MASTER_KEY")
      ->envname("SIGIL_MASTER_KEY_FILE");

  c.account_list = account->add_subcommand(
      "list", "One line per account: id, name, creation time (tab-separated, with a header).");
  AddStoreOptions(c.account_list, flags);

  CLI::App* session_keys =
      c.admin->add_subcommand("session-keys", "The key ring that seals STS session tokens.");
  session_keys->require_subcommand(1);
  c.session_keys_rotate = session_keys->add_subcommand(
      "rotate",
      "Add a new sealing key and drop the oldest beyond --keep. Servers use it after a restart.");
  c.session_keys_rotate
      ->add_option("--keep", flags->keep,
                   "Keys to keep, the new one included; tokens sealed under a dropped key stop "
                   "working (1 revokes every live session)")
      ->check(CLI::Range(size_t{1}, size_t{100}))
      ->capture_default_str();
  AddStoreOptions(c.session_keys_rotate, flags);
  c.session_keys_rotate
      ->add_option("--session-keys-file", flags->session_keys_file,
                   "The key ring file, as given to the servers (default "
                   "DATA_DIR/session-token.keys)")
      ->envname("SIGIL_SESSION_KEYS_FILE");

  CLI::App* tls = c.admin->add_subcommand("tls", "HTTPS certificates.");
  tls->require_subcommand(1);
  c.tls_init = tls->add_subcommand(
      "init",
      "Create a private CA and a server certificate signed by it (ECDSA P-256) in DATA_DIR/tls: "
      "ca.pem for clients, server.pem and server.key (0600) for `sigil server "
      "--tls-cert/--tls-key`.");
  c.tls_init
      ->add_option("--data-dir", flags->data_dir,
                   "The data folder; DATA_DIR/tls is created (the folder need not exist yet)")
      ->envname("SIGIL_DATA_DIR")
      ->capture_default_str();
  c.tls_init
      ->add_option("--hosts", flags->tls_hosts,
                   "Comma-separated DNS names and IP addresses the certificate is valid for")
      ->capture_default_str();
  c.tls_init->add_flag("--force", flags->force,
                       "Replace existing files (a new CA: clients must trust the new ca.pem)");

  CLI::App* audit = c.admin->add_subcommand("audit", "The audit trail in DATA_DIR/audit.");
  audit->require_subcommand(1);
  c.audit_validate = audit->add_subcommand(
      "validate",
      "Check every digest's signature and chain link and every log file's SHA-256, and report "
      "missing, altered or unlisted files (exit status 1 if any).");
  AddDataDirOption(c.audit_validate, flags);
  c.audit_validate
      ->add_option("--master-key-file", flags->master_key_file,
                   "File holding the master key (default DATA_DIR/master.key); or give the key "
                   "itself, base64, in SIGIL_MASTER_KEY")
      ->envname("SIGIL_MASTER_KEY_FILE");
  c.audit_validate->add_option("--from", flags->audit_from,
                               "Check only digests that end at or after this UTC time "
                               "(2024-05-06T07:00:00Z); the chain may start there");
  c.audit_validate->add_option("--to", flags->audit_to,
                               "Check only digests that end at or before this UTC time");

  c.backup = c.admin->add_subcommand(
      "backup",
      "Copy the data folder into DIR while the server runs: a consistent database snapshot "
      "(SQLite's online backup, or pg_dump for PostgreSQL), the object bytes it names, the "
      "master key and session keys sealed under a passphrase (scrypt, AES-256-GCM), the audit "
      "trail, and manifest.json with every file's SHA-256.");
  c.backup->add_option("DIR", flags->backup_dir, "A new or empty folder (created 0700)")
      ->required();
  AddStoreOptions(c.backup, flags);
  c.backup
      ->add_option("--master-key-file", flags->master_key_file,
                   "File holding the master key (default DATA_DIR/master.key); or give the key "
                   "itself, base64, in SIGIL_MASTER_KEY")
      ->envname("SIGIL_MASTER_KEY_FILE");
  c.backup
      ->add_option("--session-keys-file", flags->session_keys_file,
                   "The session key ring (default DATA_DIR/session-token.keys)")
      ->envname("SIGIL_SESSION_KEYS_FILE");
  c.backup->add_option("--passphrase-file", flags->passphrase_file,
                       "File holding the backup passphrase (else SIGIL_BACKUP_PASSPHRASE)");

  c.restore = c.admin->add_subcommand(
      "restore",
      "Check a backup (every SHA-256, the passphrase) and lay it out as a new data folder.");
  c.restore->add_option("DIR", flags->backup_dir, "The backup folder")->required();
  c.restore
      ->add_option("--data-dir", flags->data_dir,
                   "The new data folder (must not exist, or be empty)")
      ->required();
  c.restore->add_option("--passphrase-file", flags->passphrase_file,
                        "File holding the backup passphrase (else SIGIL_BACKUP_PASSPHRASE)");
  c.restore
      ->add_option("--database", flags->database,
                   "For a PostgreSQL backup: the new, empty database to load it into (a "
                   "postgresql:// URI or libpq key=value string; its password is passed to "
                   "pg_restore in PGPASSWORD). Default sqlite: the backup's sigil.db")
      ->envname("SIGIL_DATABASE")
      ->capture_default_str();
  return c;
}

int RunAdmin(const AdminCommands& commands, const AdminFlags& flags) {
  if (commands.account_create->parsed()) return RunAccountCreate(flags);
  if (commands.account_list->parsed()) return RunAccountList(flags);
  if (commands.session_keys_rotate->parsed()) return RunSessionKeysRotate(flags);
  if (commands.tls_init->parsed()) return RunTlsInit(flags);
  if (commands.audit_validate->parsed()) return RunAuditValidate(flags);
  if (commands.backup->parsed()) return RunBackup(flags);
  if (commands.restore->parsed()) return RunRestore(flags);
  return 1;  // unreachable: CLI11 requires one leaf
}

}  // namespace sigil::cli
