// Object bytes as immutable files under one folder (DATA_DIR/blobs), named by random ids, never
// by object keys. A blob is written to ROOT/tmp, fsynced, then renamed to ROOT/<ab>/<id> and the
// folder fsynced: a crash leaves either no blob or a whole one. The metadata row that names a
// blob is committed only after Commit() returns, so rows never point at missing or torn files;
// files no row names (a crash between rename and commit) are swept at start.
// Thread-safe: writers and readers are independent objects, each used by one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/status.h"

namespace sigil {

// A blob being written. Destroying it before Commit() removes the temporary file.
class BlobWriter {
 public:
  ~BlobWriter();
  BlobWriter(const BlobWriter&) = delete;
  BlobWriter& operator=(const BlobWriter&) = delete;

  // Appends bytes. Errors come from write(2) (kResourceExhausted for a full disk). Every few
  // MiB the kernel is asked to start writing the new pages back, so the disk works while more
  // bytes arrive and Commit's fsync has little left to do.
  Status Append(std::string_view data);
  // Bytes appended so far.
  uint64_t size() const { return size_; }
  // Makes the blob durable and visible under its id (fsync, rename, fsync of the folder) and
  // returns the id. The writer cannot be used afterwards.
  StatusOr<std::string> Commit();

 private:
  friend class BlobStore;
  BlobWriter(int fd, std::string temp_path, std::string final_path, std::string final_dir,
             std::string blob_id)
      : fd_(fd),
        temp_path_(std::move(temp_path)),
        final_path_(std::move(final_path)),
        final_dir_(std::move(final_dir)),
        blob_id_(std::move(blob_id)) {}

  int fd_;
  std::string temp_path_;
  std::string final_path_;
  std::string final_dir_;
  std::string blob_id_;
  uint64_t size_ = 0;
  uint64_t writeback_started_ = 0;  // bytes handed to the disk early (sync_file_range)
  bool committed_ = false;
};

// A committed blob opened for reading; reads at any offset (pread), so one open file serves
// ranges and concurrent readers hold their own.
class BlobFile {
 public:
  ~BlobFile();
  BlobFile(const BlobFile&) = delete;
  BlobFile& operator=(const BlobFile&) = delete;

  uint64_t size() const { return size_; }
  // The open descriptor (read-only), for sendfile(2); valid while this object lives.
  int fd() const { return fd_; }
  // Reads up to buffer.size() bytes at `offset`; fewer only at the end of the file.
  StatusOr<size_t> ReadAt(uint64_t offset, std::span<char> buffer) const;

 private:
  friend class BlobStore;
  BlobFile(int fd, uint64_t size) : fd_(fd), size_(size) {}
  int fd_;
  uint64_t size_;
};

class BlobStore {
 public:
  // Opens (creating, mode 0700) the blob folder at `root` and removes temporary files that a
  // crash left behind. `random` names new blobs and must outlive the store.
  static StatusOr<std::unique_ptr<BlobStore>> Open(const std::string& root, RandomSource& random);

  // A new, empty blob in the temporary folder.
  StatusOr<std::unique_ptr<BlobWriter>> Create();
  // kNotFound when no committed blob has this id; kInvalidArgument for an id that is not one
  // this store could have made (so an id can never name a path outside the folder).
  StatusOr<std::unique_ptr<BlobFile>> OpenBlob(std::string_view blob_id) const;
  // Removes a committed blob; an absent one is not an error.
  Status Delete(std::string_view blob_id);

  // Removes committed blobs that are not in `referenced` and were last modified before
  // `older_than` (a blob another node is about to name is young), and returns how many. For the
  // start-up sweep, with the ids the object store's rows name.
  StatusOr<size_t> SweepUnreferenced(const std::vector<std::string>& referenced,
                                     TimePoint older_than);

  const std::string& root() const { return root_; }

  // Where a committed blob lives under the root: "<first two hex digits>/<id>"; "" when `blob_id`
  // is not one a store could have made. For tools that copy blobs (backup, restore).
  static std::string RelativePath(std::string_view blob_id);

 private:
  BlobStore(std::string root, RandomSource& random) : root_(std::move(root)), random_(random) {}
  // ROOT/<first two hex digits>/<id>; empty when `blob_id` is malformed.
  std::string PathOf(std::string_view blob_id) const;

  std::string root_;
  RandomSource& random_;
};

}  // namespace sigil
