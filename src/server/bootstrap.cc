#include "server/bootstrap.h"

#include <sys/stat.h>

#include <algorithm>

#include "common/file_util.h"
#include "common/strings.h"

namespace sigil::server {

StatusOr<DataPaths> PrepareDataDir(const std::string& dir, const std::string& master_key_file) {
  SIGIL_RETURN_IF_ERROR(MakeDirectories(dir, 0700));
  SIGIL_ASSIGN_OR_RETURN(std::string abs, AbsolutePath(dir));
  // The folder holds the database, keys and credentials: other users must not even list it.
  SIGIL_ASSIGN_OR_RETURN(mode_t mode, FileMode(abs));
  if ((mode & 077) != 0) {
    return FailedPreconditionError("the data folder " + abs +
                                   " may be read by other users; run: chmod 700 " + abs);
  }
  DataPaths paths;
  paths.dir = abs;
  paths.database = abs + "/sigil.db";
  paths.master_key = master_key_file.empty() ? abs + "/master.key" : master_key_file;
  paths.root_credentials = abs + "/root-credentials";
  paths.session_keys = abs + "/session-token.keys";
  return paths;
}

StatusOr<SecretBox> LoadOrCreateMasterKey(const std::string& path,
                                          const std::optional<std::string>& env_base64,
                                          RandomSource& random) {
  if (env_base64) {
    auto key = Base64Decode(std::string(TrimWhitespace(*env_base64)));
    if (!key.ok() || key->size() != SecretBox::kKeySize) {
      return InvalidArgumentError("SIGIL_MASTER_KEY must be 32 bytes, base64-encoded");
    }
    return SecretBox::Create(*key);
  }
  auto mode = FileMode(path);
  if (!mode.ok() && mode.status().code() == StatusCode::kNotFound) {
    std::string key = random.Bytes(SecretBox::kKeySize);
    if (key.size() != SecretBox::kKeySize) return InternalError("no randomness for the master key");
    SIGIL_RETURN_IF_ERROR(WriteFileAtomically(path, Base64Encode(key) + "\n", 0600));
    return SecretBox::Create(key);
  }
  if (!mode.ok()) return mode.status();
  if ((*mode & 077) != 0) {
    return FailedPreconditionError("the master key file " + path +
                                   " may be read by other users; run: chmod 600 " + path);
  }
  SIGIL_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  auto key = Base64Decode(std::string(TrimWhitespace(text)));
  if (!key.ok() || key->size() != SecretBox::kKeySize) {
    return FailedPreconditionError("the master key file " + path +
                                   " is damaged: it must hold 32 bytes, base64-encoded");
  }
  return SecretBox::Create(*key);
}

namespace {

// Parses the key ring file: "ID BASE64KEY" per line; blank lines and '#' comments skipped.
StatusOr<std::vector<auth::SessionTokenKey>> ParseSessionKeys(const std::string& path,
                                                              const std::string& text) {
  std::vector<auth::SessionTokenKey> keys;
  auto damaged = [&](const std::string& why) {
    return FailedPreconditionError("the session key file " + path + " is damaged (" + why +
                                   "); restore it from backup, or delete it to start a new ring "
                                   "(every live session token then stops working)");
  };
  for (std::string_view line : Split(text, '\n')) {
    line = TrimWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    size_t space = line.find(' ');
    if (space == std::string_view::npos) return damaged("a line is not 'ID KEY'");
    uint32_t id = 0;
    for (char c : line.substr(0, space)) {
      if (c < '0' || c > '9' || id > 400000000) return damaged("a key id is not a number");
      id = id * 10 + static_cast<uint32_t>(c - '0');
    }
    auto key = Base64Decode(TrimWhitespace(line.substr(space + 1)));
    if (!key.ok() || key->size() != SecretBox::kKeySize) {
      return damaged("a key is not 32 bytes, base64-encoded");
    }
    keys.push_back(auth::SessionTokenKey{id, std::move(key).value()});
  }
  if (keys.empty()) return damaged("it holds no key");
  return keys;
}

std::string FormatSessionKeys(const std::vector<auth::SessionTokenKey>& keys) {
  std::string text =
      "# Sigil STS session token keys: \"ID BASE64KEY\" per line, the newest seals. Keep this "
      "file private (mode 0600) and identical on every node.\n";
  for (const auto& k : keys) text += std::to_string(k.id) + " " + Base64Encode(k.key) + "\n";
  return text;
}

StatusOr<std::vector<auth::SessionTokenKey>> ReadSessionKeys(const std::string& path) {
  SIGIL_ASSIGN_OR_RETURN(mode_t mode, FileMode(path));
  if ((mode & 077) != 0) {
    return FailedPreconditionError("the session key file " + path +
                                   " may be read by other users; run: chmod 600 " + path);
  }
  SIGIL_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  auto keys = ParseSessionKeys(path, text);
  SecureWipe(text);
  return keys;
}

auth::SessionTokenKey NewSessionKey(uint32_t id, RandomSource& random) {
  return auth::SessionTokenKey{id, random.Bytes(SecretBox::kKeySize)};
}

Status WriteSessionKeys(const std::string& path, std::vector<auth::SessionTokenKey>& keys) {
  for (const auto& k : keys) {
    if (k.key.size() != SecretBox::kKeySize) return InternalError("no randomness for a key");
  }
  std::string text = FormatSessionKeys(keys);
  Status written = WriteFileAtomically(path, text, 0600);
  SecureWipe(text);
  return written;
}

void WipeKeys(std::vector<auth::SessionTokenKey>& keys) {
  for (auto& k : keys) SecureWipe(k.key);
}

}  // namespace

StatusOr<auth::SessionTokenSealer> LoadOrCreateSessionKeys(const std::string& path,
                                                           RandomSource& random) {
  std::vector<auth::SessionTokenKey> keys;
  auto existing = ReadSessionKeys(path);
  if (existing.ok()) {
    keys = std::move(existing).value();
  } else if (existing.status().code() == StatusCode::kNotFound) {
    keys.push_back(NewSessionKey(1, random));
    if (Status s = WriteSessionKeys(path, keys); !s.ok()) {
      WipeKeys(keys);
      return s;
    }
  } else {
    return existing.status();
  }
  auto sealer = auth::SessionTokenSealer::FromKeyRing(keys);
  WipeKeys(keys);
  if (!sealer.ok()) {
    return FailedPreconditionError("the session key file " + path +
                                   " is damaged: " + sealer.status().message());
  }
  return sealer;
}

StatusOr<uint32_t> RotateSessionKeys(const std::string& path, RandomSource& random, size_t keep) {
  if (keep == 0) return InvalidArgumentError("at least one session key must be kept");
  std::vector<auth::SessionTokenKey> keys;
  auto existing = ReadSessionKeys(path);
  if (existing.ok()) {
    keys = std::move(existing).value();
  } else if (existing.status().code() != StatusCode::kNotFound) {
    return existing.status();
  }
  uint32_t next = 1;
  for (const auto& k : keys) next = std::max(next, k.id + 1);
  keys.push_back(NewSessionKey(next, random));
  std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
  if (keys.size() > keep) {
    for (size_t i = 0; i + keep < keys.size(); ++i) SecureWipe(keys[i].key);
    keys.erase(keys.begin(), keys.end() - static_cast<std::ptrdiff_t>(keep));
  }
  Status written = WriteSessionKeys(path, keys);
  WipeKeys(keys);
  SIGIL_RETURN_IF_ERROR(written);
  return next;
}

std::string RootCredentialsFile(const std::string& account_id, const std::string& key_id,
                                const std::string& secret) {
  return "# Sigil root credentials for account " + account_id +
         ". Keep this file private (mode 0600).\n"
         "# Use them to create IAM users, then stop using root (AWS's advice holds here too).\n"
         "[default]\n"
         "aws_access_key_id = " +
         key_id +
         "\n"
         "aws_secret_access_key = " +
         secret + "\n";
}

StatusOr<RootAccount> EnsureRootAccount(IdentityService& identity,
                                        const std::string& credentials_path, bool shared_store) {
  RootAccount result;
  auto snapshot = identity.Current();
  if (snapshot->accounts().empty()) {
    SIGIL_ASSIGN_OR_RETURN(Account account, identity.CreateAccount("default"));
    result.account_id = account.account_id;
    result.created = true;
  } else {
    // The oldest account is the one the data folder was created with.
    const Account* first = &snapshot->accounts().front();
    for (const Account& a : snapshot->accounts()) {
      if (a.created < first->created) first = &a;
    }
    result.account_id = first->account_id;
  }
  auto existing = FileMode(credentials_path);
  if (existing.ok()) return result;
  if (existing.status().code() != StatusCode::kNotFound) return existing.status();

  const size_t root_keys = identity.Current()->Keys(result.account_id, "").size();
  if (shared_store && !result.created && root_keys > 0) {
    // Another node created the account and holds the file; a missing file here is not a loss.
    result.credentials_elsewhere = true;
    return result;
  }
  if (root_keys >= 2) {
    return FailedPreconditionError(
        "the root credentials file " + credentials_path +
        " is missing and the root user already has two access keys; restore the file");
  }
  SIGIL_ASSIGN_OR_RETURN(NewAccessKey key, identity.CreateAccessKey(result.account_id, "", 2));
  std::string text =
      RootCredentialsFile(result.account_id, key.key.access_key_id, key.secret_access_key);
  Status written = WriteFileAtomically(credentials_path, text, 0600);
  SecureWipe(text);
  SecureWipe(key.secret_access_key);
  SIGIL_RETURN_IF_ERROR(written);
  result.credentials_written = true;
  return result;
}

Status RequireMasterKeyToJoin(MetadataStore& store, const std::string& master_key_path,
                              bool key_in_environment) {
  if (key_in_environment) return OkStatus();
  auto mode = FileMode(master_key_path);
  if (mode.ok() || mode.status().code() != StatusCode::kNotFound) return OkStatus();
  SIGIL_ASSIGN_OR_RETURN(IdentityData data, store.LoadIdentity());
  if (data.accounts.empty()) return OkStatus();
  return FailedPreconditionError(
      "the shared database already holds accounts, sealed under the master key of the node that "
      "created them, and this node has none (no " +
      master_key_path + ", no SIGIL_MASTER_KEY): copy master.key from that node's data folder to " +
      master_key_path + " (mode 0600), or give every node the same SIGIL_MASTER_KEY");
}

}  // namespace sigil::server
