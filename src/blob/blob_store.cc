#include "blob/blob_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <unordered_set>
#include <utility>

#include "common/file_util.h"

namespace sigil {
namespace {

constexpr size_t kBlobIdBytes = 16;  // 32 hex digits
constexpr std::string_view kTempDir = "tmp";
constexpr std::string_view kTempSuffix = ".part";
// How many new bytes a writer accumulates before it asks the kernel to start writing them.
constexpr uint64_t kWritebackBytes = 8 * 1024 * 1024;

bool IsBlobId(std::string_view id) {
  if (id.size() != kBlobIdBytes * 2) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// Closes the descriptor, keeping the first error.
void CloseQuietly(int fd) {
  if (fd >= 0) ::close(fd);
}

// The entries of a folder other than "." and "..".
StatusOr<std::vector<std::string>> ListDirectory(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return ErrnoStatus(errno, "listing " + dir);
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string_view name(e->d_name);
    if (name == "." || name == "..") continue;
    names.emplace_back(name);
  }
  ::closedir(d);
  return names;
}

}  // namespace

BlobWriter::~BlobWriter() {
  CloseQuietly(fd_);
  if (!committed_) ::unlink(temp_path_.c_str());
}

Status BlobWriter::Append(std::string_view data) {
  if (fd_ < 0) return FailedPreconditionError("blob writer already committed");
  SIGIL_RETURN_IF_ERROR(WriteAll(fd_, data, "a blob"));
  size_ += data.size();
  if (size_ - writeback_started_ >= kWritebackBytes) {
    // Only starts the writeback (no wait); durability still comes from Commit's fsync.
    ::sync_file_range(fd_, static_cast<off_t>(writeback_started_),
                      static_cast<off_t>(size_ - writeback_started_), SYNC_FILE_RANGE_WRITE);
    writeback_started_ = size_;
  }
  return OkStatus();
}

StatusOr<std::string> BlobWriter::Commit() {
  if (fd_ < 0) return FailedPreconditionError("blob writer already committed");
  if (::fsync(fd_) != 0) return ErrnoStatus(errno, "syncing a blob");
  const int rc = ::close(fd_);
  fd_ = -1;
  if (rc != 0) return ErrnoStatus(errno, "closing a blob");
  SIGIL_RETURN_IF_ERROR(MakeDirectories(final_dir_, 0700));
  if (::rename(temp_path_.c_str(), final_path_.c_str()) != 0) {
    return ErrnoStatus(errno, "publishing a blob");
  }
  committed_ = true;
  SIGIL_RETURN_IF_ERROR(FsyncDirectory(final_dir_));
  return blob_id_;
}

BlobFile::~BlobFile() { CloseQuietly(fd_); }

StatusOr<size_t> BlobFile::ReadAt(uint64_t offset, std::span<char> buffer) const {
  size_t total = 0;
  while (total < buffer.size()) {
    const ssize_t n = ::pread(fd_, buffer.data() + total, buffer.size() - total,
                              static_cast<off_t>(offset + total));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(errno, "reading a blob");
    }
    if (n == 0) break;
    total += static_cast<size_t>(n);
  }
  return total;
}

StatusOr<std::unique_ptr<BlobStore>> BlobStore::Open(const std::string& root,
                                                     RandomSource& random) {
  if (root.empty()) return InvalidArgumentError("empty blob folder path");
  const std::string temp_dir = root + "/" + std::string(kTempDir);
  SIGIL_RETURN_IF_ERROR(MakeDirectories(temp_dir, 0700));
  // Writes a crash interrupted: nothing names them, and nothing ever will.
  SIGIL_ASSIGN_OR_RETURN(std::vector<std::string> leftovers, ListDirectory(temp_dir));
  for (const std::string& name : leftovers) {
    const std::string path = temp_dir + "/" + name;
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
      return ErrnoStatus(errno, "removing the interrupted write " + path);
    }
  }
  return std::unique_ptr<BlobStore>(new BlobStore(root, random));
}

std::string BlobStore::RelativePath(std::string_view blob_id) {
  if (!IsBlobId(blob_id)) return {};
  return std::string(blob_id.substr(0, 2)) + "/" + std::string(blob_id);
}

std::string BlobStore::PathOf(std::string_view blob_id) const {
  const std::string relative = RelativePath(blob_id);
  return relative.empty() ? relative : root_ + "/" + relative;
}

StatusOr<std::unique_ptr<BlobWriter>> BlobStore::Create() {
  const std::string id = HexEncode(random_.Bytes(kBlobIdBytes));
  if (!IsBlobId(id)) return InternalError("no randomness for a blob id");
  const std::string temp_path =
      root_ + "/" + std::string(kTempDir) + "/" + id + std::string(kTempSuffix);
  const int fd = ::open(temp_path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return ErrnoStatus(errno, "creating a blob");
  return std::unique_ptr<BlobWriter>(
      new BlobWriter(fd, temp_path, PathOf(id), root_ + "/" + id.substr(0, 2), id));
}

StatusOr<std::unique_ptr<BlobFile>> BlobStore::OpenBlob(std::string_view blob_id) const {
  const std::string path = PathOf(blob_id);
  if (path.empty()) return InvalidArgumentError("malformed blob id");
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, "opening blob " + std::string(blob_id));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return ErrnoStatus(err, "reading the size of blob " + std::string(blob_id));
  }
  // Sequential reads are the common case (GET): let the kernel read ahead generously.
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  return std::unique_ptr<BlobFile>(new BlobFile(fd, static_cast<uint64_t>(st.st_size)));
}

Status BlobStore::Delete(std::string_view blob_id) {
  const std::string path = PathOf(blob_id);
  if (path.empty()) return InvalidArgumentError("malformed blob id");
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return ErrnoStatus(errno, "removing blob " + std::string(blob_id));
  }
  return OkStatus();
}

StatusOr<size_t> BlobStore::SweepUnreferenced(const std::vector<std::string>& referenced,
                                              TimePoint older_than) {
  const std::unordered_set<std::string> keep(referenced.begin(), referenced.end());
  const auto cutoff =
      std::chrono::duration_cast<std::chrono::seconds>(older_than.time_since_epoch()).count();
  SIGIL_ASSIGN_OR_RETURN(std::vector<std::string> shards, ListDirectory(root_));
  size_t removed = 0;
  for (const std::string& shard : shards) {
    if (shard.size() != 2 || !IsBlobId(shard + std::string(kBlobIdBytes * 2 - 2, '0'))) continue;
    const std::string dir = root_ + "/" + shard;
    SIGIL_ASSIGN_OR_RETURN(std::vector<std::string> names, ListDirectory(dir));
    for (const std::string& name : names) {
      if (!IsBlobId(name) || name.compare(0, 2, shard) != 0 || keep.contains(name)) continue;
      const std::string path = dir + "/" + name;
      struct stat st {};
      if (::stat(path.c_str(), &st) != 0 || st.st_mtime >= cutoff) continue;
      if (::unlink(path.c_str()) == 0) ++removed;
    }
  }
  return removed;
}

}  // namespace sigil
