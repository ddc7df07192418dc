// The persistence interface for S3 metadata: buckets, objects, multipart uploads and their
// parts. Object bytes live in the blob store (blob/); rows here name the blob files that hold
// them. Implementations: SQLite and PostgreSQL, on the same database as the identity state; one
// contract suite (object_store_contract.h) runs against each. Every write is one atomic,
// durable transaction. Implementations are thread-safe.
//
// The store orders keys by their bytes (memcmp order, as S3 lists them). Opaque JSON columns
// (`attributes`) belong to the S3 layer: the store keeps them verbatim.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "identity/model.h"

namespace sigil {

// One file of the blob store and its length in bytes.
struct BlobRef {
  std::string blob_id;
  uint64_t size = 0;
  bool operator==(const BlobRef&) const = default;
};

struct BucketRecord {
  std::string name;
  std::string account_id;  // the owner
  std::string region;      // the LocationConstraint it was created with ("us-east-1" for none)
  TimePoint created{};
  // Bucket sub-resources, empty when not set: the bucket policy (JSON text as given), the public
  // access block configuration and the ownership controls (JSON text owned by the S3 layer).
  std::string policy;
  std::string public_access_block;
  std::string ownership_controls;
  std::vector<Tag> tags;
  bool operator==(const BucketRecord&) const = default;
};

// The bucket sub-resources SetBucketAttribute writes.
enum class BucketAttribute { kPolicy, kPublicAccessBlock, kOwnershipControls };

struct ObjectRecord {
  std::string bucket;
  std::string key;
  // The object's bytes are the concatenation of these blobs, in order: one for a PUT or a copy,
  // one per part for a completed multipart upload (completion never copies bytes).
  std::vector<BlobRef> blobs;
  uint64_t size = 0;  // the sum of the blobs' sizes
  std::string etag;   // unquoted: hex MD5, or "hex-N" for multipart
  TimePoint last_modified{};
  std::string owner_account_id;
  // Content headers, user metadata, checksums, storage class... as JSON, owned by the S3 layer.
  std::string attributes;
  std::vector<Tag> tags;
  bool operator==(const ObjectRecord&) const = default;
};

struct UploadRecord {
  std::string upload_id;
  std::string bucket;
  std::string key;
  TimePoint initiated{};
  std::string owner_account_id;
  std::string initiator_arn;
  std::string attributes;  // what CreateMultipartUpload was given, as JSON (S3 layer's)
  std::vector<Tag> tags;
  bool operator==(const UploadRecord&) const = default;
};

struct PartRecord {
  std::string upload_id;
  int part_number = 0;  // 1..10000
  BlobRef blob;
  std::string etag;  // unquoted hex MD5
  TimePoint last_modified{};
  std::string attributes;  // per-part checksums, as JSON (S3 layer's)
  bool operator==(const PartRecord&) const = default;
};

// A page of a listing; `truncated` says whether rows remain past the last one returned.
template <typename T>
struct Page {
  std::vector<T> items;
  bool truncated = false;
};

// The blobs a write released: the caller deletes these files after the write returned OK
// (never before, so a crash leaves an unreferenced file at worst, not a dangling row).
using ReleasedBlobs = std::vector<BlobRef>;

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // ---- buckets (names are global across accounts, as in S3)

  // kAlreadyExists when a bucket of that name exists, whoever owns it (the caller reads it with
  // GetBucket to tell BucketAlreadyOwnedByYou from BucketAlreadyExists).
  virtual Status CreateBucket(const BucketRecord& bucket) = 0;
  // kNotFound when there is no such bucket.
  virtual StatusOr<BucketRecord> GetBucket(const std::string& name) = 0;
  // The account's buckets, by name.
  virtual StatusOr<std::vector<BucketRecord>> ListBuckets(const std::string& account_id) = 0;
  // Sets (value present) or removes (nullopt) one sub-resource. kNotFound: no such bucket.
  virtual Status SetBucketAttribute(const std::string& name, BucketAttribute attribute,
                                    const std::optional<std::string>& value) = 0;
  // Replaces the bucket's tag set (empty: removes all). kNotFound: no such bucket.
  virtual Status SetBucketTags(const std::string& name, const std::vector<Tag>& tags) = 0;
  // kNotFound: no such bucket; kFailedPrecondition while it holds objects or multipart uploads.
  virtual Status DeleteBucket(const std::string& name) = 0;

  // ---- objects

  // Creates or replaces the object `object.bucket`/`object.key`. Returns the replaced object's
  // blobs. kNotFound when the bucket does not exist (e.g. deleted meanwhile).
  virtual StatusOr<ReleasedBlobs> PutObject(const ObjectRecord& object) = 0;
  // kNotFound when the object (or the bucket) does not exist.
  virtual StatusOr<ObjectRecord> GetObject(const std::string& bucket, const std::string& key) = 0;
  // Removes the object and returns its blobs; an absent object is not an error (empty result).
  virtual StatusOr<ReleasedBlobs> DeleteObject(const std::string& bucket,
                                               const std::string& key) = 0;
  // Replaces the object's tag set. kNotFound when the object does not exist.
  virtual Status SetObjectTags(const std::string& bucket, const std::string& key,
                               const std::vector<Tag>& tags) = 0;
  // Objects of `bucket` whose key starts with `prefix` and sorts strictly after `after` (byte
  // order), at most `limit` of them (limit >= 1), in key order.
  virtual StatusOr<Page<ObjectRecord>> ListObjects(const std::string& bucket,
                                                   const std::string& prefix,
                                                   const std::string& after, int limit) = 0;

  // ---- multipart uploads

  // kNotFound when the bucket does not exist; kAlreadyExists for a duplicate upload id.
  virtual Status CreateUpload(const UploadRecord& upload) = 0;
  // kNotFound when there is no such upload (completed and aborted uploads are gone).
  virtual StatusOr<UploadRecord> GetUpload(const std::string& upload_id) = 0;
  // Uploads of `bucket` whose key starts with `prefix`, ordered by (key, initiated, upload_id),
  // starting strictly after (after_key, after_upload_id) — with an empty after_upload_id,
  // strictly after every upload of after_key — at most `limit` of them.
  virtual StatusOr<Page<UploadRecord>> ListUploads(const std::string& bucket,
                                                   const std::string& prefix,
                                                   const std::string& after_key,
                                                   const std::string& after_upload_id,
                                                   int limit) = 0;
  // Records a part, replacing an earlier upload of the same part number, whose blob it returns.
  // kNotFound when the upload does not exist (e.g. aborted while the part streamed in).
  virtual StatusOr<ReleasedBlobs> PutPart(const PartRecord& part) = 0;
  // The upload's parts with part_number > after_part, by part number, at most `limit`.
  virtual StatusOr<Page<PartRecord>> ListParts(const std::string& upload_id, int after_part,
                                               int limit) = 0;
  // In one transaction: writes `object` (replacing any object of that key), and removes the
  // upload and all its parts. Returns the replaced object's blobs plus the blobs of the upload's
  // parts that `object.blobs` does not use. kNotFound when the upload no longer exists.
  virtual StatusOr<ReleasedBlobs> CompleteUpload(const std::string& upload_id,
                                                 const ObjectRecord& object) = 0;
  // Removes the upload and its parts, returning the parts' blobs. kNotFound: no such upload.
  virtual StatusOr<ReleasedBlobs> AbortUpload(const std::string& upload_id) = 0;

  // ---- maintenance

  // Every blob id a row refers to (objects and parts), for the start-up sweep of files no row
  // names. Unordered.
  virtual StatusOr<std::vector<std::string>> ReferencedBlobIds() = 0;
};

}  // namespace sigil
