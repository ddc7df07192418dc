// ObjectStore on SQL, written once over SqlDatabase: the same statements run on SQLite (the data
// folder's database file) and PostgreSQL (the shared database). The schema is the metadata
// store's (migrations.h): open the MetadataStore on the same database first, which migrates it.
// Thread-safe, as SqlDatabase is.
//
// Beyond the ObjectStore contract: errors for a missing bucket, key or upload carry the AWS
// code (NoSuchBucket, NoSuchKey, NoSuchUpload) and a non-empty bucket BucketNotEmpty, so the S3
// layer can tell them apart; keys, prefixes and markers must be UTF-8 without NUL
// (kInvalidArgument otherwise, in both backends alike).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "store/object_store.h"
#include "store/sql_database.h"

namespace sigil {

class SqlObjectStore final : public ObjectStore {
 public:
  // Over `db`, whose schema must be at LatestSchemaVersion() (kFailedPrecondition otherwise,
  // e.g. when no metadata store has migrated it yet).
  static StatusOr<std::unique_ptr<SqlObjectStore>> Open(std::unique_ptr<SqlDatabase> db);
  // A connection of its own to the SQLite file the metadata store uses (DATA_DIR/sigil.db): for
  // tools and tests; a server prefers OpenSharingSqlite.
  static StatusOr<std::unique_ptr<SqlObjectStore>> OpenSqlite(const std::string& path);
  // On the connection of the metadata store that opened (and migrated) `path`, which must
  // outlive this store; what a server wants (see SqliteMetadataStore::WithConnection).
  static StatusOr<std::unique_ptr<SqlObjectStore>> OpenSharingSqlite(SqliteMetadataStore& metadata,
                                                                     const std::string& path);
  // A pool of up to `max_connections` connections to the metadata store's PostgreSQL database.
  static StatusOr<std::unique_ptr<SqlObjectStore>> OpenPostgres(const std::string& conninfo,
                                                                int max_connections = 8);

  // "sqlite PATH" or "postgresql host=... dbname=..."; never a password.
  std::string Describe() const { return db_->Describe(); }

  Status CreateBucket(const BucketRecord& bucket) override;
  StatusOr<BucketRecord> GetBucket(const std::string& name) override;
  StatusOr<std::vector<BucketRecord>> ListBuckets(const std::string& account_id) override;
  Status SetBucketAttribute(const std::string& name, BucketAttribute attribute,
                            const std::optional<std::string>& value) override;
  Status SetBucketTags(const std::string& name, const std::vector<Tag>& tags) override;
  Status DeleteBucket(const std::string& name) override;

  StatusOr<ReleasedBlobs> PutObject(const ObjectRecord& object) override;
  StatusOr<ObjectRecord> GetObject(const std::string& bucket, const std::string& key) override;
  // kNotFound (NoSuchBucket) when the bucket does not exist.
  StatusOr<ReleasedBlobs> DeleteObject(const std::string& bucket, const std::string& key) override;
  Status SetObjectTags(const std::string& bucket, const std::string& key,
                       const std::vector<Tag>& tags) override;
  // kNotFound (NoSuchBucket) when the bucket does not exist.
  StatusOr<Page<ObjectRecord>> ListObjects(const std::string& bucket, const std::string& prefix,
                                           const std::string& after, int limit) override;

  Status CreateUpload(const UploadRecord& upload) override;
  StatusOr<UploadRecord> GetUpload(const std::string& upload_id) override;
  // kNotFound (NoSuchBucket) when the bucket does not exist. When after_upload_id names no
  // upload of after_key (completed or aborted since), the uploads of after_key that follow are
  // those with a greater upload id, as S3 documents for upload-id-marker.
  StatusOr<Page<UploadRecord>> ListUploads(const std::string& bucket, const std::string& prefix,
                                           const std::string& after_key,
                                           const std::string& after_upload_id, int limit) override;
  StatusOr<ReleasedBlobs> PutPart(const PartRecord& part) override;
  // kNotFound (NoSuchUpload) when the upload does not exist.
  StatusOr<Page<PartRecord>> ListParts(const std::string& upload_id, int after_part,
                                       int limit) override;
  // kInvalidArgument when `object` is not for the upload's bucket and key.
  StatusOr<ReleasedBlobs> CompleteUpload(const std::string& upload_id,
                                         const ObjectRecord& object) override;
  StatusOr<ReleasedBlobs> AbortUpload(const std::string& upload_id) override;

  StatusOr<std::vector<std::string>> ReferencedBlobIds() override;

 private:
  explicit SqlObjectStore(std::unique_ptr<SqlDatabase> db) : db_(std::move(db)) {}

  Status Write(const SqlDatabase::Body& body) {
    return db_->Transact(SqlDatabase::Mode::kWrite, body);
  }
  Status Read(const SqlDatabase::Body& body) {
    return db_->Transact(SqlDatabase::Mode::kRead, body);
  }

  std::unique_ptr<SqlDatabase> db_;
};

}  // namespace sigil
