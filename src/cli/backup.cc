#include "cli/backup.h"

#include <openssl/evp.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <system_error>

#include "common/file_util.h"
#include "common/time_format.h"

namespace sigil::cli {

namespace {

constexpr size_t kSaltSize = 16;
// OpenSSL's default scrypt memory cap is 32 MiB; N=2^15, r=8 needs 32 MiB plus a little.
constexpr uint64_t kMaxScryptMemory = uint64_t{256} << 20;
constexpr std::string_view kDatabaseFile = "sigil.db";
constexpr std::string_view kMasterKeyFile = "master.key";
constexpr std::string_view kSessionKeysFile = "session-token.keys";
constexpr std::string_view kSealedSuffix = ".sealed";
constexpr std::string_view kAuditFolder = "audit";
constexpr std::string_view kManifestFile = "manifest.json";

// The additional data of a sealed key file: a sealed master key cannot pass for the key ring.
std::string SealingAad(std::string_view name) { return "sigil-backup/" + std::string(name); }

std::string ManifestMac(const nlohmann::json& without_mac, const SecretBox& key) {
  return HexEncode(HmacSha256(key.DeriveKey("sigil-backup-manifest"), without_mac.dump()));
}

bool IsPlainRelativePath(const std::string& path) {
  if (path.empty() || path.front() == '/' || path.back() == '/') return false;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    std::string_view part(path.data() + start, end - start);
    if (part.empty() || part == "." || part == "..") return false;
    start = end + 1;
  }
  return path.find('\0') == std::string::npos;
}

// True when `dir` does not exist or is an empty folder.
StatusOr<bool> AbsentOrEmpty(const std::string& dir) {
  std::error_code ec;
  auto status = std::filesystem::status(dir, ec);
  if (ec && ec != std::errc::no_such_file_or_directory) {
    return ErrnoStatus(ec.value(), "inspect " + dir);
  }
  if (!std::filesystem::exists(status)) return true;
  if (!std::filesystem::is_directory(status)) return false;
  bool empty = std::filesystem::is_empty(dir, ec);
  if (ec) return ErrnoStatus(ec.value(), "list " + dir);
  return empty;
}

Status PrepareEmptyDir(const std::string& dir, const std::string& what) {
  SIGIL_ASSIGN_OR_RETURN(bool usable, AbsentOrEmpty(dir));
  if (!usable) {
    return AlreadyExistsError(dir + " exists and is not an empty folder; give a new " + what);
  }
  SIGIL_RETURN_IF_ERROR(MakeDirectories(dir, 0700));
  std::error_code ec;
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);
  if (ec) return ErrnoStatus(ec.value(), "chmod 700 " + dir);
  return OkStatus();
}

// Every regular file under `root`, as '/'-separated paths relative to it, sorted.
StatusOr<std::vector<std::string>> ListFiles(const std::string& root) {
  std::vector<std::string> out;
  std::error_code ec;
  std::filesystem::recursive_directory_iterator it(root, ec), end;
  for (; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file(ec)) {
      out.push_back(std::filesystem::relative(it->path(), root, ec).generic_string());
    }
  }
  if (ec) return ErrnoStatus(ec.value(), "list " + root);
  std::sort(out.begin(), out.end());
  return out;
}

Status WriteInto(const std::string& root, const std::string& relative, const std::string& data) {
  const std::string path = root + "/" + relative;
  SIGIL_RETURN_IF_ERROR(MakeDirectories(path.substr(0, path.rfind('/')), 0700));
  return WriteFileAtomically(path, data, 0600);
}

}  // namespace

StatusOr<SecretBox> DeriveBackupKey(std::string_view passphrase, const KdfParams& kdf) {
  if (passphrase.empty()) return InvalidArgumentError("the backup passphrase is empty");
  std::string key(SecretBox::kKeySize, '\0');
  if (EVP_PBE_scrypt(passphrase.data(), passphrase.size(),
                     reinterpret_cast<const unsigned char*>(kdf.salt.data()), kdf.salt.size(),
                     kdf.n, kdf.r, kdf.p, kMaxScryptMemory,
                     reinterpret_cast<unsigned char*>(key.data()), key.size()) != 1) {
    return InvalidArgumentError("scrypt refused the key derivation parameters");
  }
  auto box = SecretBox::Create(key);
  SecureWipe(key);
  return box;
}

std::string ManifestToJson(const Manifest& manifest, const SecretBox& key) {
  nlohmann::json files = nlohmann::json::array();
  for (const ManifestFile& f : manifest.files) {
    files.push_back({{"path", f.path}, {"sha256", f.sha256}});
  }
  nlohmann::json j = {
      {"format", manifest.format},
      {"database", manifest.database},
      {"schema_version", manifest.schema_version},
      {"created", manifest.created},
      {"kdf",
       {{"algorithm", "scrypt"},
        {"n", manifest.kdf.n},
        {"r", manifest.kdf.r},
        {"p", manifest.kdf.p},
        {"salt", Base64Encode(manifest.kdf.salt)}}},
      {"cipher", "AES-256-GCM"},
      {"files", files},
  };
  j["hmac"] = ManifestMac(j, key);
  return j.dump(2) + "\n";
}

StatusOr<Manifest> ParseManifest(std::string_view json) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  auto malformed = [](const std::string& why) {
    return InvalidArgumentError("manifest.json is malformed: " + why);
  };
  if (!j.is_object()) return malformed("not a JSON object");
  Manifest m;
  const auto& kdf = j.value("kdf", nlohmann::json());
  if (!j.value("format", nlohmann::json()).is_number_integer() || j["format"] != 1) {
    return malformed("unknown format (this Sigil reads format 1)");
  }
  if (!j.value("database", nlohmann::json()).is_string() ||
      !j.value("schema_version", nlohmann::json()).is_number_integer() ||
      !j.value("created", nlohmann::json()).is_string() || !kdf.is_object() ||
      kdf.value("algorithm", "") != "scrypt" ||
      !kdf.value("n", nlohmann::json()).is_number_unsigned() ||
      !kdf.value("r", nlohmann::json()).is_number_unsigned() ||
      !kdf.value("p", nlohmann::json()).is_number_unsigned() ||
      !kdf.value("salt", nlohmann::json()).is_string() ||
      !j.value("files", nlohmann::json()).is_array()) {
    return malformed("a field is missing or has the wrong type");
  }
  m.database = j["database"].get<std::string>();
  m.schema_version = j["schema_version"].get<int>();
  m.created = j["created"].get<std::string>();
  m.kdf.n = kdf["n"].get<uint64_t>();
  m.kdf.r = kdf["r"].get<uint64_t>();
  m.kdf.p = kdf["p"].get<uint64_t>();
  auto salt = Base64Decode(kdf["salt"].get<std::string>());
  if (!salt.ok() || salt->size() != kSaltSize) return malformed("the salt is not 16 bytes");
  m.kdf.salt = *salt;
  for (const auto& f : j["files"]) {
    if (!f.is_object() || !f.value("path", nlohmann::json()).is_string() ||
        !f.value("sha256", nlohmann::json()).is_string()) {
      return malformed("a file entry needs a path and a sha256");
    }
    ManifestFile file{f["path"].get<std::string>(), f["sha256"].get<std::string>()};
    if (!IsPlainRelativePath(file.path) || file.path == kManifestFile) {
      return malformed("a listed path is not a plain relative path");
    }
    m.files.push_back(std::move(file));
  }
  return m;
}

Status VerifyManifestMac(std::string_view json, const SecretBox& key) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object() || !j.value("hmac", nlohmann::json()).is_string()) {
    return InvalidArgumentError("manifest.json was altered: it has no hmac");
  }
  std::string mac = j["hmac"].get<std::string>();
  j.erase("hmac");
  if (!ConstantTimeEquals(mac, ManifestMac(j, key))) {
    return InvalidArgumentError("manifest.json was altered: its hmac does not match");
  }
  return OkStatus();
}

Status WriteBackup(const BackupSources& sources, const std::string& dir,
                   std::string_view passphrase, RandomSource& random, TimePoint now) {
  Manifest manifest;
  manifest.schema_version = sources.schema_version;
  manifest.created = FormatIso8601(now);
  manifest.kdf.salt = random.Bytes(kSaltSize);
  if (manifest.kdf.salt.size() != kSaltSize) return InternalError("no randomness for the salt");
  // Before anything is written: an empty passphrase is refused here.
  SIGIL_ASSIGN_OR_RETURN(SecretBox key, DeriveBackupKey(passphrase, manifest.kdf));
  SIGIL_RETURN_IF_ERROR(PrepareEmptyDir(dir, "backup folder"));

  auto add = [&](const std::string& relative, const std::string& data) -> Status {
    SIGIL_RETURN_IF_ERROR(WriteInto(dir, relative, data));
    manifest.files.push_back({relative, Sha256Hex(data)});
    return OkStatus();
  };
  const std::string db_path = dir + "/" + std::string(kDatabaseFile);
  SIGIL_RETURN_IF_ERROR(sources.write_database(db_path));
  std::error_code ec;
  std::filesystem::permissions(
      db_path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
      std::filesystem::perm_options::replace, ec);
  if (ec) return ErrnoStatus(ec.value(), "chmod 600 " + db_path);
  SIGIL_ASSIGN_OR_RETURN(std::string db, ReadFile(db_path));
  manifest.files.push_back({std::string(kDatabaseFile), Sha256Hex(db)});

  for (auto [name, text] : {std::pair{kMasterKeyFile, &sources.master_key},
                            std::pair{kSessionKeysFile, &sources.session_keys}}) {
    SIGIL_ASSIGN_OR_RETURN(std::string sealed, key.Seal(random, *text, SealingAad(name)));
    SIGIL_RETURN_IF_ERROR(add(std::string(name) + std::string(kSealedSuffix), sealed));
  }
  if (!sources.audit_dir.empty() && FileMode(sources.audit_dir).ok()) {
    SIGIL_ASSIGN_OR_RETURN(std::vector<std::string> files, ListFiles(sources.audit_dir));
    for (const std::string& f : files) {
      SIGIL_ASSIGN_OR_RETURN(std::string data, ReadFile(sources.audit_dir + "/" + f));
      SIGIL_RETURN_IF_ERROR(add(std::string(kAuditFolder) + "/" + f, data));
    }
  }
  return WriteFileAtomically(dir + "/" + std::string(kManifestFile), ManifestToJson(manifest, key),
                             0600);
}

Status RestoreBackup(const std::string& dir, std::string_view passphrase,
                     const std::string& data_dir) {
  SIGIL_ASSIGN_OR_RETURN(bool usable, AbsentOrEmpty(data_dir));
  if (!usable) {
    return AlreadyExistsError(data_dir +
                              " exists and is not empty; restore into a new data folder");
  }
  auto json = ReadFile(dir + "/" + std::string(kManifestFile));
  if (!json.ok()) {
    return FailedPreconditionError(dir + " is not a Sigil backup (no readable manifest.json: " +
                                   json.status().message() + ")");
  }
  SIGIL_ASSIGN_OR_RETURN(Manifest manifest, ParseManifest(*json));
  if (manifest.database != "sqlite") {
    return FailedPreconditionError("this backup is of a " + manifest.database +
                                   " database; only SQLite backups can be restored");
  }
  // Every file is read and checked before anything is written.
  std::map<std::string, std::string> contents;
  for (const ManifestFile& f : manifest.files) {
    auto data = ReadFile(dir + "/" + f.path);
    if (!data.ok()) {
      return FailedPreconditionError("the backup is incomplete: " + f.path + ": " +
                                     data.status().message());
    }
    if (Sha256Hex(*data) != f.sha256) {
      return FailedPreconditionError("the backup is damaged or was altered: " + f.path +
                                     " does not match its SHA-256 in manifest.json");
    }
    contents[f.path] = std::move(data).value();
  }
  const std::string db_name(kDatabaseFile);
  const std::string sealed_master = std::string(kMasterKeyFile) + std::string(kSealedSuffix);
  const std::string sealed_sessions = std::string(kSessionKeysFile) + std::string(kSealedSuffix);
  for (const std::string* required : {&db_name, &sealed_master, &sealed_sessions}) {
    if (!contents.count(*required)) {
      return FailedPreconditionError("the backup is incomplete: manifest.json does not list " +
                                     *required);
    }
  }
  SIGIL_ASSIGN_OR_RETURN(SecretBox key, DeriveBackupKey(passphrase, manifest.kdf));
  auto master = key.Open(contents[sealed_master], SealingAad(kMasterKeyFile));
  if (!master.ok()) {
    return Status(StatusCode::kPermissionDenied,
                  "wrong passphrase: the backup's keys do not open with it");
  }
  auto sessions = key.Open(contents[sealed_sessions], SealingAad(kSessionKeysFile));
  if (!sessions.ok()) {
    SecureWipe(*master);
    return Status(StatusCode::kPermissionDenied,
                  "wrong passphrase: the backup's keys do not open with it");
  }
  Status result = VerifyManifestMac(*json, key);
  if (result.ok()) result = PrepareEmptyDir(data_dir, "data folder");
  if (result.ok()) result = WriteInto(data_dir, db_name, contents[db_name]);
  if (result.ok()) result = WriteInto(data_dir, std::string(kMasterKeyFile), *master);
  if (result.ok()) result = WriteInto(data_dir, std::string(kSessionKeysFile), *sessions);
  SecureWipe(*master);
  SecureWipe(*sessions);
  const std::string audit_prefix = std::string(kAuditFolder) + "/";
  for (const auto& [path, data] : contents) {
    if (!result.ok()) break;
    if (path.rfind(audit_prefix, 0) == 0) result = WriteInto(data_dir, path, data);
  }
  return result;
}

}  // namespace sigil::cli
