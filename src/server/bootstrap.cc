#include "server/bootstrap.h"

#include "common/file_util.h"
#include "common/strings.h"

namespace sigil::server {

StatusOr<DataPaths> PrepareDataDir(const std::string& dir, const std::string& master_key_file) {
  SIGIL_RETURN_IF_ERROR(MakeDirectories(dir, 0700));
  SIGIL_ASSIGN_OR_RETURN(std::string abs, AbsolutePath(dir));
  DataPaths paths;
  paths.dir = abs;
  paths.database = abs + "/sigil.db";
  paths.master_key = master_key_file.empty() ? abs + "/master.key" : master_key_file;
  paths.root_credentials = abs + "/root-credentials";
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
                                        const std::string& credentials_path) {
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

  if (identity.Current()->Keys(result.account_id, "").size() >= 2) {
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

}  // namespace sigil::server
