// Object operations: PUT (streamed), GET and HEAD (ranges, conditions, response overrides),
// DELETE, DeleteObjects, CopyObject and tagging.
#include <charconv>

#include "common/checksum.h"
#include "common/crypto.h"
#include "common/strings.h"
#include "common/time_format.h"
#include "s3/object_attributes.h"
#include "s3/object_body.h"
#include "s3/s3_call.h"
#include "s3/s3_errors.h"
#include "s3/s3_xml.h"

namespace sigil::s3 {
namespace {

constexpr uint64_t kMaxSinglePut = uint64_t{5} * 1024 * 1024 * 1024;
constexpr size_t kMaxObjectTags = 10;

std::string Quoted(std::string_view etag) { return "\"" + std::string(etag) + "\""; }

http::Response Empty(int status = 200) {
  http::Response r;
  r.status = status;
  return r;
}

Status PreconditionFailed() {
  return S3Error(412, "PreconditionFailed",
                 "At least one of the pre-conditions you specified did not hold");
}

// An ETag list header ("*", or quoted ETags separated by commas) matches the object's ETag.
bool EtagMatches(std::string_view header, std::string_view etag) {
  for (std::string_view item : Split(header, ',')) {
    item = TrimWhitespace(item);
    if (item == "*") return true;
    if (item.size() >= 2 && item.front() == '"' && item.back() == '"') {
      item = item.substr(1, item.size() - 2);
    }
    if (item == etag) return true;
  }
  return false;
}

// RFC 7232 evaluation order as S3 applies it. Returns 304 (as a response) or 412 (as an error)
// or nothing when the request proceeds. `prefix` names copy-source conditions.
StatusOr<std::optional<int>> CheckConditions(const Call& call, const ObjectRecord& object,
                                             std::string_view prefix, bool is_read) {
  auto header = [&](std::string_view name) {
    return call.Header(std::string(prefix) + std::string(name));
  };
  const auto modified = std::chrono::time_point_cast<std::chrono::seconds>(object.last_modified);
  auto if_match = header("If-Match");
  auto if_none_match = header("If-None-Match");
  auto if_modified_since = header("If-Modified-Since");
  auto if_unmodified_since = header("If-Unmodified-Since");
  if (if_match && !EtagMatches(*if_match, object.etag)) return PreconditionFailed();
  if (!if_match && if_unmodified_since) {
    if (auto t = ParseHttpDate(*if_unmodified_since); t && modified > *t) {
      return PreconditionFailed();
    }
  }
  if (if_none_match && EtagMatches(*if_none_match, object.etag)) {
    if (!is_read) return PreconditionFailed();
    return std::optional<int>(304);
  }
  if (!if_none_match && if_modified_since) {
    if (auto t = ParseHttpDate(*if_modified_since); t && modified <= *t) {
      if (!is_read) return PreconditionFailed();
      return std::optional<int>(304);
    }
  }
  return std::optional<int>();
}

struct ByteRange {
  uint64_t first = 0;
  uint64_t length = 0;
};

// "bytes=a-b", "bytes=a-", "bytes=-n". nullopt: no usable range (serve the whole object, as S3
// does for syntax it ignores); InvalidRange for a start beyond the end.
StatusOr<std::optional<ByteRange>> ParseRange(std::string_view header, uint64_t size) {
  if (!StartsWith(header, "bytes=")) return std::optional<ByteRange>();
  std::string_view spec = header.substr(6);
  if (spec.find(',') != std::string_view::npos) return std::optional<ByteRange>();
  const size_t dash = spec.find('-');
  if (dash == std::string_view::npos) return std::optional<ByteRange>();
  auto number = [](std::string_view s) -> std::optional<uint64_t> {
    uint64_t v = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return v;
  };
  const std::string_view a = spec.substr(0, dash), b = spec.substr(dash + 1);
  const Status invalid = S3Error(416, "InvalidRange", "The requested range is not satisfiable");
  if (a.empty()) {
    std::optional<uint64_t> n = number(b);
    if (!n) return std::optional<ByteRange>();
    if (*n == 0) return invalid;
    const uint64_t len = std::min(*n, size);
    if (size == 0) return invalid;
    return std::optional<ByteRange>(ByteRange{size - len, len});
  }
  std::optional<uint64_t> first = number(a);
  if (!first) return std::optional<ByteRange>();
  std::optional<uint64_t> last = b.empty() ? std::optional<uint64_t>(size - 1) : number(b);
  if (!last || *last < *first) return std::optional<ByteRange>();
  if (*first >= size) return invalid;
  const uint64_t end = std::min(*last, size - 1);
  return std::optional<ByteRange>(ByteRange{*first, end - *first + 1});
}

void AddCommonObjectHeaders(const ObjectRecord& object, const ObjectAttributes& attributes,
                            const Call& call, http::Response& r) {
  AddObjectHeaders(attributes, r);
  r.SetHeader("ETag", Quoted(object.etag));
  r.SetHeader("Last-Modified", FormatHttpDate(object.last_modified));
  r.SetHeader("Accept-Ranges", "bytes");
  if (!object.tags.empty()) r.SetHeader("x-amz-tagging-count", std::to_string(object.tags.size()));
  if (!attributes.part_sizes.empty()) {
    r.SetHeader("x-amz-mp-parts-count", std::to_string(attributes.part_sizes.size()));
  }
  // The whole object's checksum; a ranged GET gets none, as in S3.
  if (auto mode = call.Header("x-amz-checksum-mode"); mode && EqualsIgnoreCase(*mode, "ENABLED") &&
                                                      !attributes.checksum.empty() &&
                                                      !call.Header("Range")) {
    r.SetHeader("x-amz-checksum-" + AsciiLower(attributes.checksum_algorithm), attributes.checksum);
    if (!attributes.checksum_type.empty()) {
      r.SetHeader("x-amz-checksum-type", attributes.checksum_type);
    }
  }
}

StatusOr<http::Response> ReadObject(Call& call, bool with_body) {
  // Admission read the object already when it exists (s3:ExistingObjectTag/*).
  StatusOr<ObjectRecord> found =
      call.object ? StatusOr<ObjectRecord>(std::move(*call.object))
                  : call.deps.store.GetObject(call.request.bucket, call.request.key);
  if (!found.ok()) {
    if (found.status().code() == StatusCode::kNotFound) {
      // HEAD has no body to name the error in; the status says it.
      return NoSuchKey();
    }
    return found.status();
  }
  const ObjectRecord& object = *found;
  SIGIL_ASSIGN_OR_RETURN(std::optional<int> short_circuit,
                         CheckConditions(call, object, "", /*is_read=*/true));
  const ObjectAttributes attributes = AttributesFromJson(object.attributes);
  if (short_circuit) {
    http::Response r = Empty(*short_circuit);
    r.SetHeader("ETag", Quoted(object.etag));
    r.SetHeader("Last-Modified", FormatHttpDate(object.last_modified));
    return r;
  }
  http::Response r = Empty();
  AddCommonObjectHeaders(object, attributes, call, r);
  ByteRange range{0, object.size};
  if (auto header = call.Header("Range")) {
    SIGIL_ASSIGN_OR_RETURN(std::optional<ByteRange> parsed, ParseRange(*header, object.size));
    if (parsed) {
      range = *parsed;
      r.status = 206;
      r.SetHeader("Content-Range", "bytes " + std::to_string(range.first) + "-" +
                                       std::to_string(range.first + range.length - 1) + "/" +
                                       std::to_string(object.size));
    }
  }
  // response-* overrides, for signed requests (S3 refuses them anonymously).
  static constexpr std::pair<std::string_view, std::string_view> kOverrides[] = {
      {"response-content-type", "Content-Type"},
      {"response-content-language", "Content-Language"},
      {"response-expires", "Expires"},
      {"response-cache-control", "Cache-Control"},
      {"response-content-disposition", "Content-Disposition"},
      {"response-content-encoding", "Content-Encoding"}};
  for (const auto& [param, header] : kOverrides) {
    if (!call.request.Has(param)) continue;
    if (!call.auth.who) {
      return InvalidRequest(
          "Request specific response headers cannot be used for anonymous GET requests.");
    }
    r.SetHeader(std::string(header), call.request.Param(param));
  }
  if (with_body) {
    SIGIL_ASSIGN_OR_RETURN(r.body_source,
                           OpenObjectRange(call.deps.blobs, object.blobs, range.first, range.length,
                                           call.deps.metrics));
  } else {
    r.SetHeader("Content-Length", std::to_string(range.length));
  }
  return r;
}

}  // namespace

StatusOr<std::shared_ptr<http::BodyConsumer>> PutObject(std::shared_ptr<Call> call) {
  SIGIL_ASSIGN_OR_RETURN(ObjectAttributes attributes, AttributesFromHeaders(call->head));
  std::vector<Tag> tags;
  if (auto tagging = call->Header("x-amz-tagging")) {
    SIGIL_ASSIGN_OR_RETURN(tags, TagsFromHeader(*tagging));
  }
  if (auto acl = call->Header("x-amz-acl");
      acl && *acl != "private" && *acl != "bucket-owner-full-control") {
    if (call->bucket->ownership_controls.empty() ||
        call->bucket->ownership_controls == "BucketOwnerEnforced") {
      return S3Error(400, "AccessControlListNotSupported", "The bucket does not allow ACLs");
    }
  }
  // Conditional writes: If-None-Match: * refuses to overwrite (S3's conditional PUT).
  const bool if_none_match = call->Header("If-None-Match").has_value();
  const std::optional<std::string> if_match =
      call->Header("If-Match") ? std::optional<std::string>(*call->Header("If-Match"))
                               : std::nullopt;
  return StartUpload(
      call, kMaxSinglePut,
      [attributes, tags, if_none_match, if_match](
          Call& c, const UploadedBlob& blob) mutable -> StatusOr<http::Response> {
        if (if_none_match || if_match) {
          StatusOr<ObjectRecord> existing = c.deps.store.GetObject(c.request.bucket, c.request.key);
          if (if_none_match && existing.ok()) return PreconditionFailed();
          if (if_match && (!existing.ok() || !EtagMatches(*if_match, existing->etag))) {
            return existing.ok() ? PreconditionFailed() : NoSuchKey();
          }
        }
        attributes.checksum_algorithm = blob.checksum_algorithm;
        attributes.checksum = blob.checksum;
        if (!blob.checksum_algorithm.empty()) attributes.checksum_type = "FULL_OBJECT";
        ObjectRecord object;
        object.bucket = c.request.bucket;
        object.key = c.request.key;
        object.blobs = {blob.blob};
        object.size = blob.blob.size;
        object.etag = blob.md5_hex;
        object.last_modified = c.now;
        object.owner_account_id = c.bucket->account_id;
        object.attributes = AttributesToJson(attributes);
        object.tags = tags;
        SIGIL_ASSIGN_OR_RETURN(ReleasedBlobs released, c.deps.store.PutObject(object));
        ReleaseBlobs(c.deps, released);
        http::Response r = Empty();
        r.SetHeader("ETag", Quoted(object.etag));
        if (!blob.checksum_algorithm.empty()) {
          r.SetHeader("x-amz-checksum-" + AsciiLower(blob.checksum_algorithm), blob.checksum);
          r.SetHeader("x-amz-checksum-type", "FULL_OBJECT");
        }
        return r;
      });
}

StatusOr<http::Response> GetObject(Call& call, std::string_view) { return ReadObject(call, true); }

StatusOr<http::Response> HeadObject(Call& call, std::string_view) {
  return ReadObject(call, false);
}

StatusOr<http::Response> DeleteObject(Call& call, std::string_view) {
  SIGIL_ASSIGN_OR_RETURN(ReleasedBlobs released,
                         call.deps.store.DeleteObject(call.request.bucket, call.request.key));
  ReleaseBlobs(call.deps, released);
  return Empty(204);
}

StatusOr<http::Response> DeleteObjects(Call& call, std::string_view body) {
  if (!call.Header("Content-MD5") && !call.Header("x-amz-checksum-crc32") &&
      !call.Header("x-amz-checksum-crc32c") && !call.Header("x-amz-checksum-sha1") &&
      !call.Header("x-amz-checksum-sha256") && !call.Header("x-amz-checksum-crc64nvme") &&
      !call.Header("x-amz-sdk-checksum-algorithm")) {
    return InvalidRequest("Missing required header for this request: Content-MD5");
  }
  if (auto md5 = call.Header("Content-MD5")) {
    Checksum digest(ChecksumAlgorithm::kMd5);
    digest.Update(body);
    if (Base64Encode(digest.Finish()) != TrimWhitespace(*md5)) {
      return S3Error(400, "BadDigest",
                     "The Content-MD5 you specified did not match what we received.");
    }
  }
  SIGIL_ASSIGN_OR_RETURN(DeleteRequest request, ParseDeleteRequest(body));
  XmlWriter xml("DeleteResult");
  for (const DeleteRequest::Entry& entry : request.objects) {
    // Each key is authorized on its own, as S3 does.
    const std::string resource = "arn:aws:s3:::" + call.request.bucket + "/" + entry.key;
    Status allowed = AuthorizeExtra(call, "s3:DeleteObject", resource, *call.bucket);
    Status result = allowed;
    if (allowed.ok()) {
      StatusOr<ReleasedBlobs> released =
          call.deps.store.DeleteObject(call.request.bucket, entry.key);
      if (released.ok()) ReleaseBlobs(call.deps, *released);
      result = released.status();
    }
    if (result.ok()) {
      if (!request.quiet) xml.Open("Deleted").Add("Key", entry.key).Close("Deleted");
    } else {
      const std::string code = result.aws_code().empty() ? "InternalError" : result.aws_code();
      xml.Open("Error").Add("Key", entry.key).Add("Code", code);
      xml.Add("Message",
              result.aws_code().empty() ? "We encountered an internal error." : result.message());
      xml.Close("Error");
    }
  }
  return XmlResponse(xml.Finish());
}

StatusOr<std::pair<std::string, std::string>> ParseCopySource(std::string_view header) {
  std::string_view source = header;
  const size_t q = source.find('?');
  if (q != std::string_view::npos) {
    if (source.substr(q + 1).find("versionId=") != 0) {
      return InvalidArgument("Invalid copy source");
    }
    source = source.substr(0, q);
  }
  std::optional<std::string> decoded = UriDecode(source);
  if (!decoded) return InvalidArgument("Invalid copy source encoding");
  std::string_view path = *decoded;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  const size_t slash = path.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 >= path.size()) {
    return InvalidArgument(
        "Copy Source must mention the source bucket and key: sourcebucket/sourcekey");
  }
  return std::make_pair(std::string(path.substr(0, slash)), std::string(path.substr(slash + 1)));
}

// Reads and authorizes a copy source (s3:GetObject on it, with its bucket's policy), checking
// the x-amz-copy-source-if-* conditions.
StatusOr<ObjectRecord> LoadCopySource(Call& call) {
  SIGIL_ASSIGN_OR_RETURN(auto source, ParseCopySource(*call.Header("x-amz-copy-source")));
  StatusOr<BucketRecord> bucket = call.deps.store.GetBucket(source.first);
  if (!bucket.ok()) {
    return bucket.status().code() == StatusCode::kNotFound ? NoSuchBucket() : bucket.status();
  }
  SIGIL_RETURN_IF_ERROR(AuthorizeExtra(
      call, "s3:GetObject", "arn:aws:s3:::" + source.first + "/" + source.second, *bucket));
  StatusOr<ObjectRecord> object = call.deps.store.GetObject(source.first, source.second);
  if (!object.ok()) {
    return object.status().code() == StatusCode::kNotFound ? NoSuchKey() : object.status();
  }
  SIGIL_ASSIGN_OR_RETURN(std::optional<int> failed,
                         CheckConditions(call, *object, "x-amz-copy-source-", false));
  (void)failed;
  return object;
}

// Copies bytes [first, first+length) of `source` into a new blob, hashing as it goes.
StatusOr<std::pair<BlobRef, std::string>> CopyBytes(Call& call, const ObjectRecord& source,
                                                    uint64_t first, uint64_t length) {
  SIGIL_ASSIGN_OR_RETURN(std::shared_ptr<http::BodySource> reader,
                         OpenObjectRange(call.deps.blobs, source.blobs, first, length, nullptr));
  SIGIL_ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> writer, call.deps.blobs.Create());
  Checksum md5(ChecksumAlgorithm::kMd5);
  std::string buffer(1 << 20, '\0');
  uint64_t copied = 0;
  while (copied < length) {
    SIGIL_ASSIGN_OR_RETURN(size_t n, reader->Read(std::span<char>(buffer.data(), buffer.size())));
    if (n == 0) return InternalError("copy source ended early");
    md5.Update(std::string_view(buffer.data(), n));
    SIGIL_RETURN_IF_ERROR(writer->Append(std::string_view(buffer.data(), n)));
    copied += n;
  }
  SIGIL_ASSIGN_OR_RETURN(std::string id, writer->Commit());
  return std::make_pair(BlobRef{id, length}, HexEncode(md5.Finish()));
}

StatusOr<http::Response> CopyObject(Call& call, std::string_view) {
  SIGIL_ASSIGN_OR_RETURN(ObjectRecord source, LoadCopySource(call));
  const std::string directive(call.Header("x-amz-metadata-directive").value_or("COPY"));
  const std::string tagging_directive(call.Header("x-amz-tagging-directive").value_or("COPY"));
  if (directive != "COPY" && directive != "REPLACE") {
    return InvalidArgument("Unknown metadata directive.");
  }
  const bool same = source.bucket == call.request.bucket && source.key == call.request.key;
  if (same && directive == "COPY" && !call.Header("x-amz-storage-class")) {
    return InvalidRequest(
        "This copy request is illegal because it is trying to copy an object to itself without "
        "changing the object's metadata, storage class, website redirect location or "
        "encryption attributes.");
  }
  ObjectAttributes attributes = AttributesFromJson(source.attributes);
  if (directive == "REPLACE") {
    SIGIL_ASSIGN_OR_RETURN(ObjectAttributes replaced, AttributesFromHeaders(call.head));
    replaced.checksum_algorithm = attributes.checksum_algorithm;
    replaced.checksum = attributes.checksum;
    replaced.checksum_type = attributes.checksum_type;
    attributes = std::move(replaced);
  }
  attributes.part_sizes.clear();
  std::vector<Tag> tags = source.tags;
  if (tagging_directive == "REPLACE") {
    tags.clear();
    if (auto tagging = call.Header("x-amz-tagging")) {
      SIGIL_ASSIGN_OR_RETURN(tags, TagsFromHeader(*tagging));
    }
  }
  SIGIL_ASSIGN_OR_RETURN(auto copied, CopyBytes(call, source, 0, source.size));
  ObjectRecord object;
  object.bucket = call.request.bucket;
  object.key = call.request.key;
  object.blobs = {copied.first};
  object.size = source.size;
  object.etag = copied.second;
  object.last_modified = call.now;
  object.owner_account_id = call.bucket->account_id;
  if (attributes.checksum_type == "COMPOSITE") attributes.checksum_algorithm.clear();
  object.attributes = AttributesToJson(attributes);
  object.tags = tags;
  StatusOr<ReleasedBlobs> released = call.deps.store.PutObject(object);
  if (!released.ok()) {
    (void)call.deps.blobs.Delete(copied.first.blob_id);
    return released.status();
  }
  ReleaseBlobs(call.deps, *released);
  XmlWriter xml("CopyObjectResult");
  xml.Add("LastModified", FormatIso8601(call.now)).Add("ETag", Quoted(object.etag));
  return XmlResponse(xml.Finish());
}

StatusOr<http::Response> GetObjectTagging(Call& call, std::string_view) {
  StatusOr<ObjectRecord> object = call.deps.store.GetObject(call.request.bucket, call.request.key);
  if (!object.ok())
    return object.status().code() == StatusCode::kNotFound ? NoSuchKey() : object.status();
  XmlWriter xml("Tagging");
  xml.Open("TagSet");
  for (const Tag& t : object->tags)
    xml.Open("Tag").Add("Key", t.key).Add("Value", t.value).Close("Tag");
  xml.Close("TagSet");
  return XmlResponse(xml.Finish());
}

StatusOr<http::Response> PutObjectTagging(Call& call, std::string_view body) {
  SIGIL_ASSIGN_OR_RETURN(std::vector<Tag> tags, ParseTagging(body, kMaxObjectTags));
  Status s = call.deps.store.SetObjectTags(call.request.bucket, call.request.key, tags);
  if (s.code() == StatusCode::kNotFound) return NoSuchKey();
  SIGIL_RETURN_IF_ERROR(s);
  return Empty();
}

StatusOr<http::Response> DeleteObjectTagging(Call& call, std::string_view) {
  Status s = call.deps.store.SetObjectTags(call.request.bucket, call.request.key, {});
  if (s.code() == StatusCode::kNotFound) return NoSuchKey();
  SIGIL_RETURN_IF_ERROR(s);
  return Empty(204);
}

}  // namespace sigil::s3
