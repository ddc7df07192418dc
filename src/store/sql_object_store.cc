#include "store/sql_object_store.h"

#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>
#include <unordered_set>
#include <utility>

#include "store/row_values.h"

namespace sigil {
namespace {

using store_rows::FromMillis;
using store_rows::ToMillis;
using Params = std::vector<SqlParam>;

// ---- SQL, written once (PostgreSQL's spelling; SqliteDialect adapts it). Text comparisons and
// ORDER BY need no COLLATE: the columns are declared COLLATE "C" (migrations.cc).

#define SIGIL_BUCKET_COLUMNS \
  "name, account_id, region, created_ms, policy, public_access_block, ownership_controls, tags"
constexpr std::string_view kInsertBucket =
    "INSERT INTO buckets (" SIGIL_BUCKET_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
constexpr std::string_view kSelectBucket =
    "SELECT " SIGIL_BUCKET_COLUMNS " FROM buckets WHERE name = $1";
constexpr std::string_view kSelectAccountBuckets =
    "SELECT " SIGIL_BUCKET_COLUMNS " FROM buckets WHERE account_id = $1 ORDER BY name";
#undef SIGIL_BUCKET_COLUMNS
constexpr std::string_view kBucketExists = "SELECT 1 FROM buckets WHERE name = $1";
constexpr std::string_view kSetBucketPolicy = "UPDATE buckets SET policy = $2 WHERE name = $1";
constexpr std::string_view kSetBucketPublicAccessBlock =
    "UPDATE buckets SET public_access_block = $2 WHERE name = $1";
constexpr std::string_view kSetBucketOwnershipControls =
    "UPDATE buckets SET ownership_controls = $2 WHERE name = $1";
constexpr std::string_view kSetBucketTags = "UPDATE buckets SET tags = $2 WHERE name = $1";
constexpr std::string_view kBucketHasObjects = "SELECT 1 FROM objects WHERE bucket = $1 LIMIT 1";
constexpr std::string_view kBucketHasUploads = "SELECT 1 FROM uploads WHERE bucket = $1 LIMIT 1";
constexpr std::string_view kDeleteBucket = "DELETE FROM buckets WHERE name = $1";

#define SIGIL_OBJECT_COLUMNS                                                                \
  "bucket, object_key, blobs, size, etag, last_modified_ms, owner_account_id, attributes, " \
  "tags"
constexpr std::string_view kUpsertObject =
    "INSERT INTO objects (" SIGIL_OBJECT_COLUMNS
    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    " ON CONFLICT (bucket, object_key) DO UPDATE SET blobs = excluded.blobs,"
    " size = excluded.size, etag = excluded.etag, last_modified_ms = excluded.last_modified_ms,"
    " owner_account_id = excluded.owner_account_id, attributes = excluded.attributes,"
    " tags = excluded.tags";
constexpr std::string_view kSelectObject =
    "SELECT " SIGIL_OBJECT_COLUMNS " FROM objects WHERE bucket = $1 AND object_key = $2";
// The listing reads rows from a lower bound in key order (see ListObjects).
constexpr std::string_view kListObjects =
    "SELECT " SIGIL_OBJECT_COLUMNS " FROM objects WHERE bucket = $1 AND object_key >= $2";
#undef SIGIL_OBJECT_COLUMNS
constexpr std::string_view kSelectObjectBlobs =
    "SELECT blobs FROM objects WHERE bucket = $1 AND object_key = $2";
constexpr std::string_view kDeleteObject =
    "DELETE FROM objects WHERE bucket = $1 AND object_key = $2";
constexpr std::string_view kSetObjectTags =
    "UPDATE objects SET tags = $3 WHERE bucket = $1 AND object_key = $2";
constexpr std::string_view kSelectAllObjectBlobs = "SELECT blobs FROM objects";

#define SIGIL_UPLOAD_COLUMNS \
  "upload_id, bucket, object_key, initiated_ms, owner_account_id, initiator_arn, attributes, tags"
constexpr std::string_view kInsertUpload =
    "INSERT INTO uploads (" SIGIL_UPLOAD_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
constexpr std::string_view kSelectUpload =
    "SELECT " SIGIL_UPLOAD_COLUMNS " FROM uploads WHERE upload_id = $1";
// The listing reads rows from a lower bound in (key, initiated, id) order (see ListUploads).
constexpr std::string_view kListUploads =
    "SELECT " SIGIL_UPLOAD_COLUMNS " FROM uploads WHERE bucket = $1 AND object_key >= $2";
#undef SIGIL_UPLOAD_COLUMNS
constexpr std::string_view kUploadExists = "SELECT 1 FROM uploads WHERE upload_id = $1";
constexpr std::string_view kDeleteUpload = "DELETE FROM uploads WHERE upload_id = $1";

#define SIGIL_PART_COLUMNS \
  "upload_id, part_number, blob_id, size, etag, last_modified_ms, attributes"
constexpr std::string_view kUpsertPart =
    "INSERT INTO parts (" SIGIL_PART_COLUMNS
    ") VALUES ($1, $2, $3, $4, $5, $6, $7)"
    " ON CONFLICT (upload_id, part_number) DO UPDATE SET blob_id = excluded.blob_id,"
    " size = excluded.size, etag = excluded.etag, last_modified_ms = excluded.last_modified_ms,"
    " attributes = excluded.attributes";
constexpr std::string_view kListParts =
    "SELECT " SIGIL_PART_COLUMNS
    " FROM parts WHERE upload_id = $1 AND part_number > $2 ORDER BY part_number LIMIT $3";
#undef SIGIL_PART_COLUMNS
constexpr std::string_view kSelectPartBlob =
    "SELECT blob_id, size FROM parts WHERE upload_id = $1 AND part_number = $2";
constexpr std::string_view kSelectPartBlobs =
    "SELECT blob_id, size FROM parts WHERE upload_id = $1 ORDER BY part_number";
constexpr std::string_view kDeleteParts = "DELETE FROM parts WHERE upload_id = $1";
constexpr std::string_view kSelectAllPartBlobIds = "SELECT blob_id FROM parts";

// ---- Errors, with the AWS codes the S3 layer answers with.

Status NoSuchBucket(const std::string& bucket) {
  return AwsError(StatusCode::kNotFound, "NoSuchBucket", "no such bucket '" + bucket + "'");
}
Status NoSuchKey(const std::string& bucket, const std::string& key) {
  return AwsError(StatusCode::kNotFound, "NoSuchKey",
                  "no such key '" + key + "' in bucket '" + bucket + "'");
}
Status NoSuchUpload(const std::string& upload_id) {
  return AwsError(StatusCode::kNotFound, "NoSuchUpload", "no such upload '" + upload_id + "'");
}

// ---- Text checks and the end of a prefix's key range.

// The code point starting at s[i] and its length; nullopt when the bytes there are not UTF-8
// (overlong forms, surrogates and values past U+10FFFF included).
struct CodePoint {
  char32_t value;
  size_t length;
};
std::optional<CodePoint> DecodeAt(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = byte(i);
  size_t length = 0;
  char32_t value = 0;
  char32_t min = 0;
  if (lead < 0x80) return CodePoint{lead, 1};
  if ((lead & 0xE0) == 0xC0) {
    length = 2, value = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, value = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, value = lead & 0x07, min = 0x10000;
  } else {
    return std::nullopt;
  }
  if (i + length > s.size()) return std::nullopt;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return std::nullopt;
    value = (value << 6) | (byte(i + k) & 0x3F);
  }
  if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return std::nullopt;
  return CodePoint{value, length};
}

void AppendUtf8(char32_t c, std::string* out) {
  if (c < 0x80) {
    *out += static_cast<char>(c);
  } else if (c < 0x800) {
    *out += static_cast<char>(0xC0 | (c >> 6));
    *out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    *out += static_cast<char>(0xE0 | (c >> 12));
    *out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (c >> 18));
    *out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

// PostgreSQL text holds UTF-8 without NUL; SQLite is held to the same, so both backends accept
// and refuse the same keys.
Status CheckText(std::string_view what, std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    auto c = DecodeAt(s, i);
    if (!c || c->value == 0) {
      return InvalidArgumentError(std::string(what) + " is not UTF-8 without NUL characters");
    }
    i += c->length;
  }
  return OkStatus();
}

// The least UTF-8 string above every string that starts with `prefix` (valid UTF-8): the prefix
// with its last code point incremented, after dropping trailing U+10FFFFs. UTF-8 sorts by code
// point, so exactly the keys with that prefix lie in [prefix, end). nullopt when no such string
// exists (an empty prefix, or only U+10FFFFs): the range is unbounded above. Incrementing a byte
// instead could produce a string PostgreSQL refuses as a parameter (not UTF-8).
std::optional<std::string> PrefixEnd(std::string_view prefix) {
  std::vector<CodePoint> points;
  for (size_t i = 0; i < prefix.size();) {
    points.push_back(*DecodeAt(prefix, i));  // checked by CheckText
    i += points.back().length;
  }
  while (!points.empty() && points.back().value == 0x10FFFF) points.pop_back();
  if (points.empty()) return std::nullopt;
  size_t kept = 0;
  for (size_t p = 0; p + 1 < points.size(); ++p) kept += points[p].length;
  std::string end(prefix.substr(0, kept));
  const char32_t last = points.back().value;
  AppendUtf8(last == 0xD7FF ? 0xE000 : last + 1, &end);  // surrogates are not characters
  return end;
}

// ---- JSON columns: tag sets [["key", "value"], ...] and blob lists [["blob id", size], ...].

using Json = nlohmann::json;

std::string EncodeJson(const Json& json) {
  // Replacing invalid UTF-8 keeps dump() from throwing; callers pass UTF-8 (the S3 layer checks).
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string EncodeTags(const std::vector<Tag>& tags) {
  Json json = Json::array();
  for (const Tag& tag : tags) json.push_back(Json::array({tag.key, tag.value}));
  return EncodeJson(json);
}

std::string EncodeBlobs(const std::vector<BlobRef>& blobs) {
  Json json = Json::array();
  for (const BlobRef& blob : blobs) json.push_back(Json::array({blob.blob_id, blob.size}));
  return EncodeJson(json);
}

// The pairs of a JSON column; kInternal for text Sigil did not write (a damaged database).
StatusOr<Json> ParsePairs(const std::string& text, std::string_view column) {
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  bool ok = json.is_array();
  for (const Json& pair : ok ? json : Json::array()) {
    ok = ok && pair.is_array() && pair.size() == 2 && pair[0].is_string();
  }
  if (!ok) return InternalError("the " + std::string(column) + " column holds malformed JSON");
  return json;
}

StatusOr<std::vector<Tag>> DecodeTags(const std::string& text) {
  SIGIL_ASSIGN_OR_RETURN(Json json, ParsePairs(text, "tags"));
  std::vector<Tag> tags;
  for (const Json& pair : json) {
    if (!pair[1].is_string()) return InternalError("the tags column holds malformed JSON");
    tags.push_back(Tag{pair[0].get<std::string>(), pair[1].get<std::string>()});
  }
  return tags;
}

StatusOr<std::vector<BlobRef>> DecodeBlobs(const std::string& text) {
  SIGIL_ASSIGN_OR_RETURN(Json json, ParsePairs(text, "blobs"));
  std::vector<BlobRef> blobs;
  for (const Json& pair : json) {
    if (!pair[1].is_number_unsigned())
      return InternalError("the blobs column holds malformed JSON");
    blobs.push_back(BlobRef{pair[0].get<std::string>(), pair[1].get<uint64_t>()});
  }
  return blobs;
}

// ---- Rows <-> records. Readers take the row and the column order of the SELECTs above.

SqlParam NullIfEmpty(const std::string& s) {
  return s.empty() ? SqlParam(std::monostate{}) : SqlParam(s);
}

StatusOr<BucketRecord> ReadBucket(const SqlRows& rows, int r) {
  BucketRecord b;
  b.name = rows.Text(r, 0);
  b.account_id = rows.Text(r, 1);
  b.region = rows.Text(r, 2);
  SIGIL_ASSIGN_OR_RETURN(int64_t created, rows.Int64(r, 3));
  b.created = FromMillis(created);
  b.policy = rows.Text(r, 4);
  b.public_access_block = rows.Text(r, 5);
  b.ownership_controls = rows.Text(r, 6);
  SIGIL_ASSIGN_OR_RETURN(b.tags, DecodeTags(rows.Text(r, 7)));
  return b;
}

Params ObjectParams(const ObjectRecord& o) {
  return {o.bucket,
          o.key,
          EncodeBlobs(o.blobs),
          static_cast<int64_t>(o.size),
          o.etag,
          ToMillis(o.last_modified),
          o.owner_account_id,
          o.attributes,
          EncodeTags(o.tags)};
}

StatusOr<ObjectRecord> ReadObject(const SqlRows& rows, int r) {
  ObjectRecord o;
  o.bucket = rows.Text(r, 0);
  o.key = rows.Text(r, 1);
  SIGIL_ASSIGN_OR_RETURN(o.blobs, DecodeBlobs(rows.Text(r, 2)));
  SIGIL_ASSIGN_OR_RETURN(int64_t size, rows.Int64(r, 3));
  o.size = static_cast<uint64_t>(size);
  o.etag = rows.Text(r, 4);
  SIGIL_ASSIGN_OR_RETURN(int64_t modified, rows.Int64(r, 5));
  o.last_modified = FromMillis(modified);
  o.owner_account_id = rows.Text(r, 6);
  o.attributes = rows.Text(r, 7);
  SIGIL_ASSIGN_OR_RETURN(o.tags, DecodeTags(rows.Text(r, 8)));
  return o;
}

StatusOr<UploadRecord> ReadUpload(const SqlRows& rows, int r) {
  UploadRecord u;
  u.upload_id = rows.Text(r, 0);
  u.bucket = rows.Text(r, 1);
  u.key = rows.Text(r, 2);
  SIGIL_ASSIGN_OR_RETURN(int64_t initiated, rows.Int64(r, 3));
  u.initiated = FromMillis(initiated);
  u.owner_account_id = rows.Text(r, 4);
  u.initiator_arn = rows.Text(r, 5);
  u.attributes = rows.Text(r, 6);
  SIGIL_ASSIGN_OR_RETURN(u.tags, DecodeTags(rows.Text(r, 7)));
  return u;
}

StatusOr<PartRecord> ReadPart(const SqlRows& rows, int r) {
  PartRecord p;
  p.upload_id = rows.Text(r, 0);
  SIGIL_ASSIGN_OR_RETURN(int64_t number, rows.Int64(r, 1));
  p.part_number = static_cast<int>(number);
  p.blob.blob_id = rows.Text(r, 2);
  SIGIL_ASSIGN_OR_RETURN(int64_t size, rows.Int64(r, 3));
  p.blob.size = static_cast<uint64_t>(size);
  p.etag = rows.Text(r, 4);
  SIGIL_ASSIGN_OR_RETURN(int64_t modified, rows.Int64(r, 5));
  p.last_modified = FromMillis(modified);
  p.attributes = rows.Text(r, 6);
  return p;
}

// (blob_id, size) rows as blobs.
StatusOr<std::vector<BlobRef>> ReadBlobRows(const SqlRows& rows) {
  std::vector<BlobRef> blobs;
  for (int r = 0; r < rows.Rows(); ++r) {
    SIGIL_ASSIGN_OR_RETURN(int64_t size, rows.Int64(r, 1));
    blobs.push_back(BlobRef{rows.Text(r, 0), static_cast<uint64_t>(size)});
  }
  return blobs;
}

// A page of `limit` records read from rows fetched with LIMIT limit + 1: the extra row only
// says that more remain.
template <typename T, typename Reader>
StatusOr<Page<T>> ReadPage(const SqlRows& rows, int limit, Reader read) {
  Page<T> page;
  page.truncated = rows.Rows() > limit;
  for (int r = 0; r < std::min(rows.Rows(), limit); ++r) {
    SIGIL_ASSIGN_OR_RETURN(T item, read(rows, r));
    page.items.push_back(std::move(item));
  }
  return page;
}

Status CheckLimit(int limit) {
  if (limit < 1) return InvalidArgumentError("a listing's limit must be at least 1");
  return OkStatus();
}

// `blobs` without those `kept` still uses (a replacement may reuse a blob, e.g. a copy onto
// itself that only changes metadata).
ReleasedBlobs Unused(std::vector<BlobRef> blobs, const std::vector<BlobRef>& kept) {
  std::unordered_set<std::string> kept_ids;
  for (const BlobRef& blob : kept) kept_ids.insert(blob.blob_id);
  std::erase_if(blobs, [&](const BlobRef& blob) { return kept_ids.contains(blob.blob_id); });
  return blobs;
}

// ---- Steps shared by several operations, inside a transaction.

Status RequireBucket(SqlTransaction& txn, const std::string& bucket) {
  SIGIL_ASSIGN_OR_RETURN(SqlRows rows, txn.Query(kBucketExists, {bucket}));
  return rows.Rows() > 0 ? OkStatus() : NoSuchBucket(bucket);
}

Status RequireUpload(SqlTransaction& txn, const std::string& upload_id) {
  SIGIL_ASSIGN_OR_RETURN(SqlRows rows, txn.Query(kUploadExists, {upload_id}));
  return rows.Rows() > 0 ? OkStatus() : NoSuchUpload(upload_id);
}

// The blobs of the object at bucket/key (none when it does not exist).
StatusOr<std::vector<BlobRef>> ObjectBlobs(SqlTransaction& txn, const std::string& bucket,
                                           const std::string& key) {
  SIGIL_ASSIGN_OR_RETURN(SqlRows rows, txn.Query(kSelectObjectBlobs, {bucket, key}));
  if (rows.Rows() == 0) return std::vector<BlobRef>{};
  return DecodeBlobs(rows.Text(0, 0));
}

// Writes `object` over any object of its key; returns the replaced object's blobs that `object`
// does not use.
StatusOr<ReleasedBlobs> ReplaceObject(SqlTransaction& txn, const ObjectRecord& object) {
  SIGIL_ASSIGN_OR_RETURN(std::vector<BlobRef> old, ObjectBlobs(txn, object.bucket, object.key));
  SIGIL_RETURN_IF_ERROR(txn.Query(kUpsertObject, ObjectParams(object)).status());
  return Unused(std::move(old), object.blobs);
}

// Removes the upload and its parts; returns the parts' blobs, by part number.
StatusOr<std::vector<BlobRef>> RemoveUpload(SqlTransaction& txn, const std::string& upload_id) {
  SIGIL_ASSIGN_OR_RETURN(SqlRows rows, txn.Query(kSelectPartBlobs, {upload_id}));
  SIGIL_ASSIGN_OR_RETURN(std::vector<BlobRef> blobs, ReadBlobRows(rows));
  SIGIL_RETURN_IF_ERROR(txn.Query(kDeleteParts, {upload_id}).status());
  SIGIL_RETURN_IF_ERROR(txn.Query(kDeleteUpload, {upload_id}).status());
  return blobs;
}

// Where a listing starts: no key before both the prefix and the marker can be listed.
const std::string& LowerBound(const std::string& prefix, const std::string& after) {
  return after > prefix ? after : prefix;
}

// The record `sql` selects, read from its first row by `read`; when there is none, the error
// `missing` returns (it may look further, in the same snapshot).
template <typename T, typename Reader>
StatusOr<T> ReadRecord(SqlDatabase& db, std::string_view sql, const Params& params, Reader read,
                       const std::function<Status(SqlTransaction&)>& missing) {
  T record;
  SIGIL_RETURN_IF_ERROR(db.Transact(SqlDatabase::Mode::kRead, [&](SqlTransaction& txn) -> Status {
    SIGIL_ASSIGN_OR_RETURN(SqlRows rows, txn.Query(sql, params));
    if (rows.Rows() == 0) return missing(txn);
    SIGIL_ASSIGN_OR_RETURN(record, read(rows, 0));
    return OkStatus();
  }));
  return record;
}

// A listing statement assembled from conditions, numbering its parameters as they are added.
// Its few shapes are each prepared once and cached by their text.
class Listing {
 public:
  Listing(std::string_view select, Params params) : sql_(select), params_(std::move(params)) {}

  // "$N" for a new parameter of value `value`.
  std::string Param(SqlParam value) {
    params_.push_back(std::move(value));
    return "$" + std::to_string(params_.size());
  }
  void Where(std::string_view condition) { (sql_ += " AND ") += condition; }
  void OrderAndLimit(std::string_view columns, int limit) {
    sql_ += " ORDER BY " + std::string(columns) + " LIMIT " + Param(int64_t{limit} + 1);
  }

  StatusOr<SqlRows> Run(SqlTransaction& txn) const { return txn.Query(sql_, params_); }

 private:
  std::string sql_;
  Params params_;
};

}  // namespace

StatusOr<std::unique_ptr<SqlObjectStore>> SqlObjectStore::Open(std::unique_ptr<SqlDatabase> db) {
  SIGIL_RETURN_IF_ERROR(CheckMigrated(*db, "open object store on " + db->Describe()));
  return std::unique_ptr<SqlObjectStore>(new SqlObjectStore(std::move(db)));
}

StatusOr<std::unique_ptr<SqlObjectStore>> SqlObjectStore::OpenSqlite(const std::string& path) {
  SIGIL_ASSIGN_OR_RETURN(std::unique_ptr<SqlDatabase> db, OpenSqliteDatabase(path));
  return Open(std::move(db));
}

StatusOr<std::unique_ptr<SqlObjectStore>> SqlObjectStore::OpenSharingSqlite(
    SqliteMetadataStore& metadata, const std::string& path) {
  return Open(SqliteDatabaseSharing(metadata, path));
}

StatusOr<std::unique_ptr<SqlObjectStore>> SqlObjectStore::OpenPostgres(const std::string& conninfo,
                                                                       int max_connections) {
  SIGIL_ASSIGN_OR_RETURN(std::unique_ptr<SqlDatabase> db,
                         ConnectPostgresDatabase(conninfo, max_connections));
  return Open(std::move(db));
}

// ---- Buckets

Status SqlObjectStore::CreateBucket(const BucketRecord& b) {
  return Write([&](SqlTransaction& txn) -> Status {
    SIGIL_ASSIGN_OR_RETURN(SqlRows existing, txn.Query(kBucketExists, {b.name}));
    if (existing.Rows() > 0) return AlreadyExistsError("bucket '" + b.name + "' already exists");
    return txn
        .Query(kInsertBucket, {b.name, b.account_id, b.region, ToMillis(b.created),
                               NullIfEmpty(b.policy), NullIfEmpty(b.public_access_block),
                               NullIfEmpty(b.ownership_controls), EncodeTags(b.tags)})
        .status();
  });
}

StatusOr<BucketRecord> SqlObjectStore::GetBucket(const std::string& name) {
  return ReadRecord<BucketRecord>(*db_, kSelectBucket, {name}, ReadBucket,
                                  [&](SqlTransaction&) { return NoSuchBucket(name); });
}

StatusOr<std::vector<BucketRecord>> SqlObjectStore::ListBuckets(const std::string& account_id) {
  std::vector<BucketRecord> buckets;
  SIGIL_RETURN_IF_ERROR(Read([&](SqlTransaction& txn) -> Status {
    buckets.clear();
    SIGIL_ASSIGN_OR_RETURN(SqlRows rows, txn.Query(kSelectAccountBuckets, {account_id}));
    for (int r = 0; r < rows.Rows(); ++r) {
      SIGIL_ASSIGN_OR_RETURN(BucketRecord bucket, ReadBucket(rows, r));
      buckets.push_back(std::move(bucket));
    }
    return OkStatus();
  }));
  return buckets;
}

Status SqlObjectStore::SetBucketAttribute(const std::string& name, BucketAttribute attribute,
                                          const std::optional<std::string>& value) {
  std::string_view sql;
  switch (attribute) {
    case BucketAttribute::kPolicy:
      sql = kSetBucketPolicy;
      break;
    case BucketAttribute::kPublicAccessBlock:
      sql = kSetBucketPublicAccessBlock;
      break;
    case BucketAttribute::kOwnershipControls:
      sql = kSetBucketOwnershipControls;
      break;
  }
  return Write([&](SqlTransaction& txn) -> Status {
    SIGIL_ASSIGN_OR_RETURN(SqlRows updated,
                           txn.Query(sql, {name, value ? NullIfEmpty(*value) : SqlParam()}));
    return updated.affected() > 0 ? OkStatus() : NoSuchBucket(name);
  });
}

Status SqlObjectStore::SetBucketTags(const std::string& name, const std::vector<Tag>& tags) {
  return Write([&](SqlTransaction& txn) -> Status {
    SIGIL_ASSIGN_OR_RETURN(SqlRows updated, txn.Query(kSetBucketTags, {name, EncodeTags(tags)}));
    return updated.affected() > 0 ? OkStatus() : NoSuchBucket(name);
  });
}

Status SqlObjectStore::DeleteBucket(const std::string& name) {
  return Write([&](SqlTransaction& txn) -> Status {
    SIGIL_RETURN_IF_ERROR(RequireBucket(txn, name));
    for (std::string_view has : {kBucketHasObjects, kBucketHasUploads}) {
      SIGIL_ASSIGN_OR_RETURN(SqlRows rows, txn.Query(has, {name}));
      if (rows.Rows() > 0) {
        return AwsError(StatusCode::kFailedPrecondition, "BucketNotEmpty",
                        "bucket '" + name + "' is not empty (it holds objects or uploads)");
      }
    }
    return txn.Query(kDeleteBucket, {name}).status();
  });
}

// ---- Objects

StatusOr<ReleasedBlobs> SqlObjectStore::PutObject(const ObjectRecord& object) {
  SIGIL_RETURN_IF_ERROR(CheckText("the object key", object.key));
  if (object.key.empty()) return InvalidArgumentError("the object key is empty");
  ReleasedBlobs released;
  SIGIL_RETURN_IF_ERROR(Write([&](SqlTransaction& txn) -> Status {
    SIGIL_RETURN_IF_ERROR(RequireBucket(txn, object.bucket));
    SIGIL_ASSIGN_OR_RETURN(released, ReplaceObject(txn, object));
    return OkStatus();
  }));
  return released;
}

StatusOr<ObjectRecord> SqlObjectStore::GetObject(const std::string& bucket,
                                                 const std::string& key) {
  SIGIL_RETURN_IF_ERROR(CheckText("the object key", key));
  return ReadRecord<ObjectRecord>(*db_, kSelectObject, {bucket, key}, ReadObject,
                                  [&](SqlTransaction& txn) -> Status {
                                    SIGIL_RETURN_IF_ERROR(RequireBucket(txn, bucket));
                                    return NoSuchKey(bucket, key);
                                  });
}

StatusOr<ReleasedBlobs> SqlObjectStore::DeleteObject(const std::string& bucket,
                                                     const std::string& key) {
  SIGIL_RETURN_IF_ERROR(CheckText("the object key", key));
  ReleasedBlobs released;
  SIGIL_RETURN_IF_ERROR(Write([&](SqlTransaction& txn) -> Status {
    SIGIL_RETURN_IF_ERROR(RequireBucket(txn, bucket));
    SIGIL_ASSIGN_OR_RETURN(released, ObjectBlobs(txn, bucket, key));
    return txn.Query(kDeleteObject, {bucket, key}).status();
  }));
  return released;
}

Status SqlObjectStore::SetObjectTags(const std::string& bucket, const std::string& key,
                                     const std::vector<Tag>& tags) {
  SIGIL_RETURN_IF_ERROR(CheckText("the object key", key));
  return Write([&](SqlTransaction& txn) -> Status {
    SIGIL_ASSIGN_OR_RETURN(SqlRows updated,
                           txn.Query(kSetObjectTags, {bucket, key, EncodeTags(tags)}));
    if (updated.affected() > 0) return OkStatus();
    SIGIL_RETURN_IF_ERROR(RequireBucket(txn, bucket));
    return NoSuchKey(bucket, key);
  });
}

StatusOr<Page<ObjectRecord>> SqlObjectStore::ListObjects(const std::string& bucket,
                                                         const std::string& prefix,
                                                         const std::string& after, int limit) {
  SIGIL_RETURN_IF_ERROR(CheckLimit(limit));
  SIGIL_RETURN_IF_ERROR(CheckText("the prefix", prefix));
  SIGIL_RETURN_IF_ERROR(CheckText("the start key", after));
  // Keys >= max(prefix, after) but never `after` itself are exactly the keys > after that can
  // start with the prefix; below the prefix's end, exactly those that do.
  Listing listing(kListObjects, {bucket, LowerBound(prefix, after)});
  listing.Where("object_key <> " + listing.Param(after));
  if (auto end = PrefixEnd(prefix)) listing.Where("object_key < " + listing.Param(*end));
  listing.OrderAndLimit("object_key", limit);
  Page<ObjectRecord> page;
  SIGIL_RETURN_IF_ERROR(Read([&](SqlTransaction& txn) -> Status {
    SIGIL_RETURN_IF_ERROR(RequireBucket(txn, bucket));
    SIGIL_ASSIGN_OR_RETURN(SqlRows rows, listing.Run(txn));
    SIGIL_ASSIGN_OR_RETURN(page, ReadPage<ObjectRecord>(rows, limit, ReadObject));
    return OkStatus();
  }));
  return page;
}

// ---- Multipart uploads

Status SqlObjectStore::CreateUpload(const UploadRecord& u) {
  SIGIL_RETURN_IF_ERROR(CheckText("the object key", u.key));
  if (u.key.empty()) return InvalidArgumentError("the object key is empty");
  return Write([&](SqlTransaction& txn) -> Status {
    SIGIL_RETURN_IF_ERROR(RequireBucket(txn, u.bucket));
    SIGIL_ASSIGN_OR_RETURN(SqlRows existing, txn.Query(kUploadExists, {u.upload_id}));
    if (existing.Rows() > 0) {
      return AlreadyExistsError("upload '" + u.upload_id + "' already exists");
    }
    return txn
        .Query(kInsertUpload,
               {u.upload_id, u.bucket, u.key, ToMillis(u.initiated), u.owner_account_id,
                u.initiator_arn, u.attributes, EncodeTags(u.tags)})
        .status();
  });
}

StatusOr<UploadRecord> SqlObjectStore::GetUpload(const std::string& upload_id) {
  return ReadRecord<UploadRecord>(*db_, kSelectUpload, {upload_id}, ReadUpload,
                                  [&](SqlTransaction&) { return NoSuchUpload(upload_id); });
}

StatusOr<Page<UploadRecord>> SqlObjectStore::ListUploads(const std::string& bucket,
                                                         const std::string& prefix,
                                                         const std::string& after_key,
                                                         const std::string& after_upload_id,
                                                         int limit) {
  SIGIL_RETURN_IF_ERROR(CheckLimit(limit));
  SIGIL_RETURN_IF_ERROR(CheckText("the prefix", prefix));
  SIGIL_RETURN_IF_ERROR(CheckText("the key marker", after_key));
  SIGIL_RETURN_IF_ERROR(CheckText("the upload id marker", after_upload_id));
  Page<UploadRecord> page;
  SIGIL_RETURN_IF_ERROR(Read([&](SqlTransaction& txn) -> Status {
    SIGIL_RETURN_IF_ERROR(RequireBucket(txn, bucket));
    Listing listing(kListUploads, {bucket, LowerBound(prefix, after_key)});
    if (auto end = PrefixEnd(prefix)) listing.Where("object_key < " + listing.Param(*end));
    const std::string key = listing.Param(after_key);
    if (after_upload_id.empty()) {
      listing.Where("object_key <> " + key);
    } else {
      SIGIL_ASSIGN_OR_RETURN(SqlRows marker, txn.Query(kSelectUpload, {after_upload_id}));
      const std::string id = listing.Param(after_upload_id);
      if (marker.Rows() > 0 && marker.Text(0, 1) == bucket && marker.Text(0, 2) == after_key) {
        // The marker upload's place in the order, by its initiation time.
        SIGIL_ASSIGN_OR_RETURN(int64_t initiated, marker.Int64(0, 3));
        const std::string at = listing.Param(initiated);
        listing.Where("(object_key > " + key + " OR (object_key = " + key +
                      " AND (initiated_ms > " + at + " OR (initiated_ms = " + at +
                      " AND upload_id > " + id + "))))");
      } else {
        listing.Where("(object_key > " + key + " OR (object_key = " + key + " AND upload_id > " +
                      id + "))");
      }
    }
    listing.OrderAndLimit("object_key, initiated_ms, upload_id", limit);
    SIGIL_ASSIGN_OR_RETURN(SqlRows rows, listing.Run(txn));
    SIGIL_ASSIGN_OR_RETURN(page, ReadPage<UploadRecord>(rows, limit, ReadUpload));
    return OkStatus();
  }));
  return page;
}

StatusOr<ReleasedBlobs> SqlObjectStore::PutPart(const PartRecord& p) {
  ReleasedBlobs released;
  SIGIL_RETURN_IF_ERROR(Write([&](SqlTransaction& txn) -> Status {
    SIGIL_RETURN_IF_ERROR(RequireUpload(txn, p.upload_id));
    SIGIL_ASSIGN_OR_RETURN(SqlRows old, txn.Query(kSelectPartBlob, {p.upload_id, p.part_number}));
    SIGIL_ASSIGN_OR_RETURN(std::vector<BlobRef> old_blobs, ReadBlobRows(old));
    released = Unused(std::move(old_blobs), {p.blob});
    return txn
        .Query(kUpsertPart,
               {p.upload_id, p.part_number, p.blob.blob_id, static_cast<int64_t>(p.blob.size),
                p.etag, ToMillis(p.last_modified), p.attributes})
        .status();
  }));
  return released;
}

StatusOr<Page<PartRecord>> SqlObjectStore::ListParts(const std::string& upload_id, int after_part,
                                                     int limit) {
  SIGIL_RETURN_IF_ERROR(CheckLimit(limit));
  Page<PartRecord> page;
  SIGIL_RETURN_IF_ERROR(Read([&](SqlTransaction& txn) -> Status {
    SIGIL_RETURN_IF_ERROR(RequireUpload(txn, upload_id));
    SIGIL_ASSIGN_OR_RETURN(SqlRows rows,
                           txn.Query(kListParts, {upload_id, after_part, int64_t{limit} + 1}));
    SIGIL_ASSIGN_OR_RETURN(page, ReadPage<PartRecord>(rows, limit, ReadPart));
    return OkStatus();
  }));
  return page;
}

StatusOr<ReleasedBlobs> SqlObjectStore::CompleteUpload(const std::string& upload_id,
                                                       const ObjectRecord& object) {
  ReleasedBlobs released;
  SIGIL_RETURN_IF_ERROR(Write([&](SqlTransaction& txn) -> Status {
    SIGIL_ASSIGN_OR_RETURN(SqlRows upload, txn.Query(kSelectUpload, {upload_id}));
    if (upload.Rows() == 0) return NoSuchUpload(upload_id);
    if (upload.Text(0, 1) != object.bucket || upload.Text(0, 2) != object.key) {
      return InvalidArgumentError("the completed object is not for upload '" + upload_id +
                                  "''s bucket and key");
    }
    SIGIL_ASSIGN_OR_RETURN(std::vector<BlobRef> parts, RemoveUpload(txn, upload_id));
    SIGIL_ASSIGN_OR_RETURN(released, ReplaceObject(txn, object));
    for (BlobRef& part : Unused(std::move(parts), object.blobs)) {
      released.push_back(std::move(part));
    }
    return OkStatus();
  }));
  return released;
}

StatusOr<ReleasedBlobs> SqlObjectStore::AbortUpload(const std::string& upload_id) {
  ReleasedBlobs released;
  SIGIL_RETURN_IF_ERROR(Write([&](SqlTransaction& txn) -> Status {
    SIGIL_RETURN_IF_ERROR(RequireUpload(txn, upload_id));
    SIGIL_ASSIGN_OR_RETURN(released, RemoveUpload(txn, upload_id));
    return OkStatus();
  }));
  return released;
}

// ---- Maintenance

StatusOr<std::vector<std::string>> SqlObjectStore::ReferencedBlobIds() {
  std::vector<std::string> ids;
  SIGIL_RETURN_IF_ERROR(Read([&](SqlTransaction& txn) -> Status {
    ids.clear();
    SIGIL_ASSIGN_OR_RETURN(SqlRows objects, txn.Query(kSelectAllObjectBlobs, {}));
    for (int r = 0; r < objects.Rows(); ++r) {
      SIGIL_ASSIGN_OR_RETURN(std::vector<BlobRef> blobs, DecodeBlobs(objects.Text(r, 0)));
      for (BlobRef& blob : blobs) ids.push_back(std::move(blob.blob_id));
    }
    SIGIL_ASSIGN_OR_RETURN(SqlRows parts, txn.Query(kSelectAllPartBlobIds, {}));
    for (int r = 0; r < parts.Rows(); ++r) ids.push_back(parts.Text(r, 0));
    return OkStatus();
  }));
  return ids;
}

}  // namespace sigil
