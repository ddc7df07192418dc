#include "cli/backup.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <system_error>

#include "blob/blob_store.h"
#include "common/file_util.h"
#include "common/time_format.h"

namespace sigil::cli {

namespace {

constexpr size_t kSaltSize = 16;
// OpenSSL's default scrypt memory cap is 32 MiB; N=2^15, r=8 needs 32 MiB plus a little.
constexpr uint64_t kMaxScryptMemory = uint64_t{256} << 20;
constexpr std::string_view kDatabaseFile = "sigil.db";
constexpr std::string_view kPostgresDumpFile = "database.pgdump";
constexpr std::string_view kSqlite = "sqlite";
constexpr std::string_view kPostgres = "postgresql";
constexpr std::string_view kMasterKeyFile = "master.key";
constexpr std::string_view kSessionKeysFile = "session-token.keys";
constexpr std::string_view kSealedSuffix = ".sealed";
constexpr std::string_view kAuditFolder = "audit";
constexpr std::string_view kBlobFolder = "blobs";
constexpr size_t kCopyBufferSize = size_t{1} << 20;
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

// The snapshot's file name in a backup of `database` ("sqlite" or "postgresql").
StatusOr<std::string> DatabaseFileOf(const std::string& database) {
  if (database == kSqlite) return std::string(kDatabaseFile);
  if (database == kPostgres) return std::string(kPostgresDumpFile);
  return FailedPreconditionError("this backup is of a '" + database +
                                 "' database, which this Sigil cannot restore");
}

// The folder `path` is in ("." for a bare name).
std::string ParentOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// Closes a descriptor when it goes out of scope.
struct Fd {
  explicit Fd(int value) : fd(value) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  int fd;
};

// Reads `in` (the file `name`) to its end in 1 MiB steps, handing each to `sink`, and returns
// the SHA-256 (hex) of what it read.
StatusOr<std::string> StreamFile(const Fd& in, const std::string& name,
                                 const std::function<Status(std::string_view)>& sink) {
  Sha256Hasher hasher;
  std::string buffer(kCopyBufferSize, '\0');
  while (true) {
    const ssize_t n = ::read(in.fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus(errno, "reading " + name);
    if (n == 0) break;
    const std::string_view chunk(buffer.data(), static_cast<size_t>(n));
    hasher.Update(chunk);
    SIGIL_RETURN_IF_ERROR(sink(chunk));
  }
  return HexEncode(hasher.Finish());
}

StatusOr<std::string> HashFile(const std::string& path) {
  Fd in(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.fd < 0) return ErrnoStatus(errno, "opening " + path);
  return StreamFile(in, path, [](std::string_view) { return OkStatus(); });
}

// Copies `from` into the new file `to` (0600, its folder created 0700) without holding it in
// memory, fsyncs it and returns the SHA-256 (hex) of the bytes copied. kNotFound only when `from`
// does not exist (then nothing is made); a failed copy removes `to`.
StatusOr<std::string> CopyFile(const std::string& from, const std::string& to) {
  Fd in(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
  if (in.fd < 0) return ErrnoStatus(errno, "opening " + from);
  ::posix_fadvise(in.fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  // kNotFound is kept for a missing source.
  auto not_missing = [](const Status& s) {
    return s.code() == StatusCode::kNotFound ? InternalError(s.message()) : s;
  };
  SIGIL_RETURN_IF_ERROR(not_missing(MakeDirectories(ParentOf(to), 0700)));
  Fd out(::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (out.fd < 0) return not_missing(ErrnoStatus(errno, "creating " + to));
  StatusOr<std::string> sha =
      StreamFile(in, from, [&](std::string_view chunk) { return WriteAll(out.fd, chunk, to); });
  if (sha.ok() && ::fsync(out.fd) != 0) sha = ErrnoStatus(errno, "syncing " + to);
  if (!sha.ok()) ::unlink(to.c_str());
  return sha;
}

// fsync(2) of every folder in `dirs`, so the files made in them survive a crash.
Status SyncDirectories(const std::set<std::string>& dirs) {
  for (const std::string& dir : dirs) SIGIL_RETURN_IF_ERROR(FsyncDirectory(dir));
  return OkStatus();
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
  m.format = j["format"].get<int>();
  const auto& kdf = j.value("kdf", nlohmann::json());
  if (!j.value("format", nlohmann::json()).is_number_integer() || j["format"] < 1 ||
      j["format"] > 2) {
    return malformed("unknown format (this Sigil reads formats 1 and 2)");
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

namespace {

// Takes database snapshots until every blob the latest one names is copied into `blob_copies`
// (the backup's blobs/): blobs are immutable and a row is committed only after its blob is
// durable, so each named blob existed when the snapshot was taken, and only a delete since
// (an object replaced or removed) can make one vanish before it is copied. Then another snapshot
// is taken and only blobs not yet copied are copied, so each round is shorter than the last.
// Returns the SHA-256 of each named blob's copy, by id; copies an earlier snapshot named but the
// last one does not are removed.
StatusOr<std::map<std::string, std::string>> SnapshotWithBlobs(const BackupSources& sources,
                                                               const std::string& db_path,
                                                               const std::string& blob_copies) {
  std::map<std::string, std::string> copied;
  for (int attempt = 1;; ++attempt) {
    if (attempt > 1 && ::unlink(db_path.c_str()) != 0 && errno != ENOENT) {
      return ErrnoStatus(errno, "removing the earlier snapshot " + db_path);
    }
    SIGIL_ASSIGN_OR_RETURN(std::vector<std::string> named, sources.snapshot_database(db_path));
    std::sort(named.begin(), named.end());
    named.erase(std::unique(named.begin(), named.end()), named.end());
    size_t vanished = 0;
    for (const std::string& id : named) {
      if (copied.count(id)) continue;
      const std::string relative = BlobStore::RelativePath(id);
      if (relative.empty()) {
        return InternalError("the database names a malformed blob id: " + id);
      }
      auto sha = CopyFile(sources.blob_dir + "/" + relative, blob_copies + "/" + relative);
      if (sha.ok()) {
        copied[id] = std::move(sha).value();
      } else if (sha.status().code() == StatusCode::kNotFound) {
        ++vanished;  // deleted since the snapshot: take a newer one
      } else {
        return sha.status();
      }
    }
    if (vanished == 0) {
      for (auto it = copied.begin(); it != copied.end();) {
        if (std::binary_search(named.begin(), named.end(), it->first)) {
          ++it;
          continue;
        }
        const std::string path = blob_copies + "/" + BlobStore::RelativePath(it->first);
        if (::unlink(path.c_str()) != 0) return ErrnoStatus(errno, "removing " + path);
        it = copied.erase(it);
      }
      return copied;
    }
    if (attempt == kMaxSnapshotAttempts) {
      return UnavailableError(
          "objects kept changing during the backup: " + std::to_string(kMaxSnapshotAttempts) +
          " database snapshots in a row named blobs that were deleted before they could be "
          "copied (" +
          std::to_string(vanished) + " the last time); try again when the store is quieter");
    }
  }
}

}  // namespace

Status WriteBackup(const BackupSources& sources, const std::string& dir,
                   std::string_view passphrase, RandomSource& random, TimePoint now) {
  Manifest manifest;
  manifest.database = sources.database;
  manifest.schema_version = sources.schema_version;
  manifest.created = FormatIso8601(now);
  manifest.kdf.salt = random.Bytes(kSaltSize);
  if (manifest.kdf.salt.size() != kSaltSize) return InternalError("no randomness for the salt");
  SIGIL_ASSIGN_OR_RETURN(const std::string db_name, DatabaseFileOf(sources.database));
  // Before anything is written: an empty passphrase is refused here.
  SIGIL_ASSIGN_OR_RETURN(SecretBox key, DeriveBackupKey(passphrase, manifest.kdf));
  SIGIL_RETURN_IF_ERROR(PrepareEmptyDir(dir, "backup folder"));

  // The snapshot first, then the blobs it names (see SnapshotWithBlobs).
  const std::string db_path = dir + "/" + db_name;
  const std::string blob_copies = dir + "/" + std::string(kBlobFolder);
  SIGIL_ASSIGN_OR_RETURN(auto blobs, SnapshotWithBlobs(sources, db_path, blob_copies));
  std::error_code ec;
  std::filesystem::permissions(
      db_path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
      std::filesystem::perm_options::replace, ec);
  if (ec) return ErrnoStatus(ec.value(), "chmod 600 " + db_path);
  {
    Fd db(::open(db_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (db.fd < 0 || ::fsync(db.fd) != 0) return ErrnoStatus(errno, "syncing " + db_path);
  }
  SIGIL_ASSIGN_OR_RETURN(std::string db_sha, HashFile(db_path));
  manifest.files.push_back({db_name, db_sha});

  for (auto [name, text] : {std::pair{kMasterKeyFile, &sources.master_key},
                            std::pair{kSessionKeysFile, &sources.session_keys}}) {
    SIGIL_ASSIGN_OR_RETURN(std::string sealed, key.Seal(random, *text, SealingAad(name)));
    const std::string relative = std::string(name) + std::string(kSealedSuffix);
    SIGIL_RETURN_IF_ERROR(WriteInto(dir, relative, sealed));
    manifest.files.push_back({relative, Sha256Hex(sealed)});
  }
  std::set<std::string> folders = {dir};
  if (!sources.audit_dir.empty() && FileMode(sources.audit_dir).ok()) {
    SIGIL_ASSIGN_OR_RETURN(std::vector<std::string> files, ListFiles(sources.audit_dir));
    for (const std::string& f : files) {
      const std::string relative = std::string(kAuditFolder) + "/" + f;
      // The active log grows meanwhile: the copy is whatever prefix was read, hashed as copied.
      auto sha = CopyFile(sources.audit_dir + "/" + f, dir + "/" + relative);
      if (!sha.ok() && sha.status().code() == StatusCode::kNotFound) continue;  // removed since
      if (!sha.ok()) return sha.status();
      manifest.files.push_back({relative, *sha});
      folders.insert(ParentOf(dir + "/" + relative));
    }
  }
  for (const auto& [id, sha] : blobs) {
    const std::string relative = std::string(kBlobFolder) + "/" + BlobStore::RelativePath(id);
    manifest.files.push_back({relative, sha});
    folders.insert(ParentOf(dir + "/" + relative));
  }
  if (!blobs.empty()) folders.insert(blob_copies);
  SIGIL_RETURN_IF_ERROR(SyncDirectories(folders));
  return WriteFileAtomically(dir + "/" + std::string(kManifestFile), ManifestToJson(manifest, key),
                             0600);
}

namespace {

// Reads a small listed file whole and checks it against the manifest.
StatusOr<std::string> ReadListed(const std::string& dir, const ManifestFile& file) {
  auto data = ReadFile(dir + "/" + file.path);
  if (!data.ok()) {
    return FailedPreconditionError("the backup is incomplete: " + file.path + ": " +
                                   data.status().message());
  }
  if (Sha256Hex(*data) != file.sha256) {
    return FailedPreconditionError("the backup is damaged or was altered: " + file.path +
                                   " does not match its SHA-256 in manifest.json");
  }
  return data;
}

// Why a listed file's copy (or check) failed, in the words ReadListed uses.
Status ListedFileError(const ManifestFile& file, const StatusOr<std::string>& sha) {
  if (!sha.ok()) {
    return FailedPreconditionError("the backup is incomplete: " + file.path + ": " +
                                   sha.status().message());
  }
  return FailedPreconditionError("the backup is damaged or was altered: " + file.path +
                                 " does not match its SHA-256 in manifest.json");
}

// Removes what a failed restore wrote: the staging folder, or the contents of the (empty)
// data folder it restored into.
void RemoveRestored(const std::string& work, bool staging) {
  std::error_code ec;
  if (staging) {
    std::filesystem::remove_all(work, ec);
    return;
  }
  for (auto it = std::filesystem::directory_iterator(work, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    std::error_code ignored;
    std::filesystem::remove_all(it->path(), ignored);
  }
}

// Everything a restore writes, into `work` (the staging folder or the empty data folder).
Status LayOut(const std::string& dir, const Manifest& manifest, const std::string& db_name,
              const std::string& master, const std::string& sessions, const std::string& work,
              const DatabaseTarget& target) {
  SIGIL_RETURN_IF_ERROR(WriteInto(work, std::string(kMasterKeyFile), master));
  SIGIL_RETURN_IF_ERROR(WriteInto(work, std::string(kSessionKeysFile), sessions));
  std::set<std::string> folders = {work};
  const std::string audit_prefix = std::string(kAuditFolder) + "/";
  const std::string blob_prefix = std::string(kBlobFolder) + "/";
  const ManifestFile* database = nullptr;
  for (const ManifestFile& f : manifest.files) {
    if (f.path == db_name) database = &f;
    const bool sqlite_db = f.path == db_name && manifest.database == kSqlite;
    if (!sqlite_db && f.path.rfind(audit_prefix, 0) != 0 && f.path.rfind(blob_prefix, 0) != 0) {
      continue;
    }
    const std::string to = work + "/" + f.path;
    auto sha = CopyFile(dir + "/" + f.path, to);
    if (!sha.ok() || *sha != f.sha256) return ListedFileError(f, sha);
    for (std::string folder = ParentOf(to); folder.size() > work.size();
         folder = ParentOf(folder)) {
      folders.insert(folder);
    }
  }
  SIGIL_RETURN_IF_ERROR(SyncDirectories(folders));
  if (manifest.database != kPostgres) return OkStatus();
  const std::string archive = dir + "/" + database->path;
  auto sha = HashFile(archive);
  if (!sha.ok() || *sha != database->sha256) return ListedFileError(*database, sha);
  return target.load(archive);
}

}  // namespace

Status RestoreBackup(const std::string& dir, std::string_view passphrase,
                     const std::string& data_dir, const DatabaseTarget& target) {
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
  SIGIL_ASSIGN_OR_RETURN(const std::string db_name, DatabaseFileOf(manifest.database));
  if (manifest.database == kPostgres && (!target.check || !target.load)) {
    return FailedPreconditionError(
        "this backup is of a PostgreSQL database: give the new, empty database to restore it "
        "into with --database");
  }
  if (manifest.database == kSqlite && (target.check || target.load)) {
    return FailedPreconditionError(
        "this backup is of a SQLite database: restore it without --database (it becomes "
        "sigil.db in the data folder)");
  }
  std::map<std::string, const ManifestFile*> listed;
  for (const ManifestFile& f : manifest.files) listed[f.path] = &f;
  const std::string sealed_master = std::string(kMasterKeyFile) + std::string(kSealedSuffix);
  const std::string sealed_sessions = std::string(kSessionKeysFile) + std::string(kSealedSuffix);
  for (const std::string* required : {&db_name, &sealed_master, &sealed_sessions}) {
    if (!listed.count(*required)) {
      return FailedPreconditionError("the backup is incomplete: manifest.json does not list " +
                                     *required);
    }
  }
  SIGIL_ASSIGN_OR_RETURN(std::string sealed_master_data, ReadListed(dir, *listed[sealed_master]));
  SIGIL_ASSIGN_OR_RETURN(std::string sealed_sessions_data,
                         ReadListed(dir, *listed[sealed_sessions]));
  SIGIL_ASSIGN_OR_RETURN(SecretBox key, DeriveBackupKey(passphrase, manifest.kdf));
  auto master = key.Open(sealed_master_data, SealingAad(kMasterKeyFile));
  auto sessions = key.Open(sealed_sessions_data, SealingAad(kSessionKeysFile));
  if (!master.ok() || !sessions.ok()) {
    if (master.ok()) SecureWipe(*master);
    if (sessions.ok()) SecureWipe(*sessions);
    return Status(StatusCode::kPermissionDenied,
                  "wrong passphrase: the backup's keys do not open with it");
  }
  Status result = VerifyManifestMac(*json, key);
  if (result.ok() && manifest.database == kPostgres) result = target.check();

  // A new data folder is made beside its final name and renamed at the end, so a failed or
  // interrupted restore never leaves a folder a server could start on. An existing (empty)
  // folder, perhaps a mount point, is restored into directly and emptied again on failure.
  std::string final_dir = data_dir;
  while (final_dir.size() > 1 && final_dir.back() == '/') final_dir.pop_back();
  bool staging = false;
  std::string work;  // set once something may be written there
  if (result.ok()) {
    staging = !FileMode(final_dir).ok();
    if (staging) {
      std::string tmpl = final_dir + ".restoring-XXXXXX";
      if (::mkdtemp(tmpl.data()) == nullptr) {
        result = ErrnoStatus(errno, "creating a folder beside " + final_dir);
      } else {
        work = tmpl;
      }
    } else {
      result = PrepareEmptyDir(final_dir, "data folder");
      work = final_dir;
    }
  }
  if (result.ok()) result = LayOut(dir, manifest, db_name, *master, *sessions, work, target);
  SecureWipe(*master);
  SecureWipe(*sessions);
  if (result.ok() && staging) {
    if (::rename(work.c_str(), final_dir.c_str()) != 0) {
      result = ErrnoStatus(errno, "renaming " + work + " to " + final_dir);
    } else {
      result = FsyncDirectory(ParentOf(final_dir));
    }
  }
  if (!result.ok() && !work.empty()) RemoveRestored(work, staging);
  return result;
}

}  // namespace sigil::cli
