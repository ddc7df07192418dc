#include "cli/admin_command.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <vector>

#include "cli/server_command.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/file_util.h"
#include "common/strings.h"
#include "common/time_format.h"
#include "iam/aws_managed_policies.h"
#include "identity/identity_service.h"
#include "server/bootstrap.h"
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
StatusOr<server::DataPaths> OpenExistingDataDir(const AdminFlags& flags) {
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
  auto paths = OpenExistingDataDir(flags);
  if (!paths.ok()) return Fail("data folder", paths.status());
  OsRandomSource random;
  SystemClock clock;
  auto box = LoadMasterKey(*paths, random);
  if (!box.ok()) return Fail("master key", box.status());
  auto store = SqliteMetadataStore::Open(paths->database);
  if (!store.ok()) return Fail("database " + paths->database, store.status());
  IdentityService identity(**store, std::move(box).value(), random, clock,
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
  auto paths = OpenExistingDataDir(flags);
  if (!paths.ok()) return Fail("data folder", paths.status());
  auto store = SqliteMetadataStore::Open(paths->database);
  if (!store.ok()) return Fail("database " + paths->database, store.status());
  auto data = (*store)->LoadIdentity();
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
  auto paths = OpenExistingDataDir(flags);
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
  AddDataDirOption(c.account_create, flags);
  c.account_create
      ->add_option("--master-key-file", flags->master_key_file,
                   "File holding the master key (default DATA_DIR/master.key); or give the key "
                   "itself, base64, in SIGIL_MASTER_KEY")
      ->envname("SIGIL_MASTER_KEY_FILE");

  c.account_list = account->add_subcommand(
      "list", "One line per account: id, name, creation time (tab-separated, with a header).");
  AddDataDirOption(c.account_list, flags);

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
  AddDataDirOption(c.session_keys_rotate, flags);
  c.session_keys_rotate
      ->add_option("--session-keys-file", flags->session_keys_file,
                   "The key ring file, as given to the servers (default "
                   "DATA_DIR/session-token.keys)")
      ->envname("SIGIL_SESSION_KEYS_FILE");
  return c;
}

int RunAdmin(const AdminCommands& commands, const AdminFlags& flags) {
  if (commands.account_create->parsed()) return RunAccountCreate(flags);
  if (commands.account_list->parsed()) return RunAccountList(flags);
  if (commands.session_keys_rotate->parsed()) return RunSessionKeysRotate(flags);
  return 1;  // unreachable: CLI11 requires one leaf
}

}  // namespace sigil::cli
