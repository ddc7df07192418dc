// Multipart uploads: create, upload a part (streamed) or copy one, complete without copying the
// parts' bytes (the object is the list of part blobs), abort.
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

// object_ops.cc
StatusOr<ObjectRecord> LoadCopySource(Call& call);
StatusOr<std::pair<BlobRef, std::string>> CopyBytes(Call& call, const ObjectRecord& source,
                                                    uint64_t first, uint64_t length);

namespace {

constexpr uint64_t kMaxPartSize = uint64_t{5} * 1024 * 1024 * 1024;
constexpr uint64_t kMinPartSize = 5 * 1024 * 1024;
constexpr int kMaxParts = 10000;

StatusOr<int> PartNumber(const Call& call) {
  const std::string text = call.request.Param("partNumber");
  int n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || n < 1 ||
      n > kMaxParts) {
    return InvalidArgument("Part number must be an integer between 1 and 10000, inclusive");
  }
  return n;
}

// The upload the call names, in the bucket and key it names.
StatusOr<UploadRecord> FindUpload(Call& call) {
  StatusOr<UploadRecord> upload = call.deps.store.GetUpload(call.request.Param("uploadId"));
  if (!upload.ok()) {
    return upload.status().code() == StatusCode::kNotFound ? NoSuchUpload() : upload.status();
  }
  if (upload->bucket != call.request.bucket || upload->key != call.request.key) {
    return NoSuchUpload();
  }
  return upload;
}

}  // namespace

StatusOr<http::Response> CreateMultipartUpload(Call& call, std::string_view) {
  SIGIL_ASSIGN_OR_RETURN(ObjectAttributes attributes, AttributesFromHeaders(call.head));
  UploadRecord upload;
  if (auto algorithm = call.Header("x-amz-checksum-algorithm")) {
    std::optional<ChecksumAlgorithm> parsed = ParseChecksumAlgorithm(*algorithm);
    if (!parsed)
      return InvalidRequest(
          "Checksum algorithm provided is unsupported. Please try again with any of the valid "
          "types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]");
    attributes.checksum_algorithm = std::string(ChecksumAlgorithmName(*parsed));
  }
  if (auto tagging = call.Header("x-amz-tagging")) {
    SIGIL_ASSIGN_OR_RETURN(upload.tags, TagsFromHeader(*tagging));
  }
  upload.upload_id = RandomString(
      call.deps.random, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 64);
  upload.bucket = call.request.bucket;
  upload.key = call.request.key;
  upload.initiated = call.now;
  upload.owner_account_id = call.bucket->account_id;
  upload.initiator_arn = call.caller_arn();
  upload.attributes = AttributesToJson(attributes);
  Status created = call.deps.store.CreateUpload(upload);
  if (created.code() == StatusCode::kNotFound) return NoSuchBucket();
  SIGIL_RETURN_IF_ERROR(created);
  XmlWriter xml("InitiateMultipartUploadResult");
  xml.Add("Bucket", upload.bucket).Add("Key", upload.key).Add("UploadId", upload.upload_id);
  http::Response r = XmlResponse(xml.Finish());
  if (!attributes.checksum_algorithm.empty()) {
    r.SetHeader("x-amz-checksum-algorithm", attributes.checksum_algorithm);
  }
  return r;
}

StatusOr<std::shared_ptr<http::BodyConsumer>> UploadPart(std::shared_ptr<Call> call) {
  SIGIL_ASSIGN_OR_RETURN(int part_number, PartNumber(*call));
  SIGIL_ASSIGN_OR_RETURN(UploadRecord upload, FindUpload(*call));
  return StartUpload(
      call, kMaxPartSize,
      [part_number, upload_id = upload.upload_id](
          Call& c, const UploadedBlob& blob) -> StatusOr<http::Response> {
        PartRecord part;
        part.upload_id = upload_id;
        part.part_number = part_number;
        part.blob = blob.blob;
        part.etag = blob.md5_hex;
        part.last_modified = c.now;
        if (!blob.checksum_algorithm.empty()) {
          part.attributes = "{\"checksum_algorithm\":\"" + blob.checksum_algorithm +
                            "\",\"checksum\":\"" + blob.checksum + "\"}";
        }
        StatusOr<ReleasedBlobs> released = c.deps.store.PutPart(part);
        if (!released.ok()) {
          return released.status().code() == StatusCode::kNotFound ? NoSuchUpload()
                                                                   : released.status();
        }
        ReleaseBlobs(c.deps, *released);
        http::Response r;
        r.SetHeader("ETag", "\"" + part.etag + "\"");
        if (!blob.checksum_algorithm.empty()) {
          r.SetHeader("x-amz-checksum-" + AsciiLower(blob.checksum_algorithm), blob.checksum);
        }
        return r;
      });
}

StatusOr<http::Response> UploadPartCopy(Call& call, std::string_view) {
  SIGIL_ASSIGN_OR_RETURN(int part_number, PartNumber(call));
  SIGIL_ASSIGN_OR_RETURN(UploadRecord upload, FindUpload(call));
  SIGIL_ASSIGN_OR_RETURN(ObjectRecord source, LoadCopySource(call));
  uint64_t first = 0, length = source.size;
  if (auto range = call.Header("x-amz-copy-source-range")) {
    std::string_view spec = *range;
    const size_t dash = spec.find('-');
    uint64_t a = 0, b = 0;
    if (!StartsWith(spec, "bytes=") || dash == std::string_view::npos ||
        std::from_chars(spec.data() + 6, spec.data() + dash, a).ec != std::errc() ||
        std::from_chars(spec.data() + dash + 1, spec.data() + spec.size(), b).ec != std::errc() ||
        b < a) {
      return InvalidArgument(
          "The x-amz-copy-source-range value must be of the form bytes=first-last where first and "
          "last are the zero-based offsets of the first and last bytes to copy");
    }
    if (b >= source.size) {
      return InvalidArgument("Range specified is not valid for source object of size: " +
                             std::to_string(source.size));
    }
    first = a;
    length = b - a + 1;
  }
  SIGIL_ASSIGN_OR_RETURN(auto copied, CopyBytes(call, source, first, length));
  PartRecord part;
  part.upload_id = upload.upload_id;
  part.part_number = part_number;
  part.blob = copied.first;
  part.etag = copied.second;
  part.last_modified = call.now;
  StatusOr<ReleasedBlobs> released = call.deps.store.PutPart(part);
  if (!released.ok()) {
    (void)call.deps.blobs.Delete(copied.first.blob_id);
    return released.status().code() == StatusCode::kNotFound ? NoSuchUpload() : released.status();
  }
  ReleaseBlobs(call.deps, *released);
  XmlWriter xml("CopyPartResult");
  xml.Add("LastModified", FormatIso8601(call.now)).Add("ETag", "\"" + part.etag + "\"");
  return XmlResponse(xml.Finish());
}

StatusOr<http::Response> CompleteMultipartUpload(Call& call, std::string_view body) {
  SIGIL_ASSIGN_OR_RETURN(UploadRecord upload, FindUpload(call));
  SIGIL_ASSIGN_OR_RETURN(std::vector<CompletedPart> requested, ParseCompleteMultipartUpload(body));
  for (size_t i = 1; i < requested.size(); ++i) {
    if (requested[i].part_number <= requested[i - 1].part_number) {
      return S3Error(400, "InvalidPartOrder",
                     "The list of parts was not in ascending order. Parts must be ordered by "
                     "part number.");
    }
  }
  // Every part the upload has, by number.
  std::map<int, PartRecord> stored;
  int after = 0;
  while (true) {
    SIGIL_ASSIGN_OR_RETURN(Page<PartRecord> page,
                           call.deps.store.ListParts(upload.upload_id, after, 1000));
    for (PartRecord& p : page.items) {
      after = p.part_number;
      stored.emplace(p.part_number, std::move(p));
    }
    if (!page.truncated) break;
  }
  const Status invalid_part =
      S3Error(400, "InvalidPart",
              "One or more of the specified parts could not be found.  The part may not have been "
              "uploaded, or the specified entity tag may not match the part's entity tag.");
  ObjectAttributes attributes = AttributesFromJson(upload.attributes);
  ObjectRecord object;
  object.bucket = upload.bucket;
  object.key = upload.key;
  std::string md5s;
  for (size_t i = 0; i < requested.size(); ++i) {
    auto it = stored.find(requested[i].part_number);
    if (it == stored.end() || it->second.etag != requested[i].etag) return invalid_part;
    const PartRecord& part = it->second;
    if (i + 1 < requested.size() && part.blob.size < kMinPartSize) {
      return S3Error(400, "EntityTooSmall",
                     "Your proposed upload is smaller than the minimum allowed object size.");
    }
    StatusOr<std::string> raw = [&]() -> StatusOr<std::string> {
      std::string bytes;
      for (size_t j = 0; j + 1 < part.etag.size(); j += 2) {
        bytes.push_back(static_cast<char>(std::stoi(part.etag.substr(j, 2), nullptr, 16)));
      }
      return bytes;
    }();
    md5s += *raw;
    object.blobs.push_back(part.blob);
    object.size += part.blob.size;
    attributes.part_sizes.push_back(part.blob.size);
  }
  Checksum digest(ChecksumAlgorithm::kMd5);
  digest.Update(md5s);
  object.etag = HexEncode(digest.Finish()) + "-" + std::to_string(requested.size());
  object.last_modified = call.now;
  object.owner_account_id = upload.owner_account_id;
  // S3's composite checksum: the checksum of the parts' checksums, with "-N".
  attributes.checksum.clear();
  if (std::optional<ChecksumAlgorithm> algorithm =
          ParseChecksumAlgorithm(attributes.checksum_algorithm)) {
    Checksum composite(*algorithm);
    bool complete = true;
    for (const CompletedPart& requested_part : requested) {
      const ObjectAttributes part =
          AttributesFromJson(stored[requested_part.part_number].attributes);
      StatusOr<std::string> raw = DecodeChecksumValue(*algorithm, part.checksum);
      if (part.checksum_algorithm != attributes.checksum_algorithm || !raw.ok()) {
        complete = false;
        break;
      }
      composite.Update(*raw);
    }
    if (complete) {
      attributes.checksum =
          Base64Encode(composite.Finish()) + "-" + std::to_string(requested.size());
      attributes.checksum_type = "COMPOSITE";
    } else {
      attributes.checksum_algorithm.clear();
    }
  }
  object.attributes = AttributesToJson(attributes);
  object.tags = upload.tags;
  StatusOr<ReleasedBlobs> released = call.deps.store.CompleteUpload(upload.upload_id, object);
  if (!released.ok()) {
    return released.status().code() == StatusCode::kNotFound ? NoSuchUpload() : released.status();
  }
  ReleaseBlobs(call.deps, *released);
  XmlWriter xml("CompleteMultipartUploadResult");
  xml.Add("Location", "/" + object.bucket + "/" + object.key);
  xml.Add("Bucket", object.bucket).Add("Key", object.key).Add("ETag", "\"" + object.etag + "\"");
  http::Response r = XmlResponse(xml.Finish());
  return r;
}

StatusOr<http::Response> AbortMultipartUpload(Call& call, std::string_view) {
  SIGIL_ASSIGN_OR_RETURN(UploadRecord upload, FindUpload(call));
  StatusOr<ReleasedBlobs> released = call.deps.store.AbortUpload(upload.upload_id);
  if (!released.ok()) {
    return released.status().code() == StatusCode::kNotFound ? NoSuchUpload() : released.status();
  }
  ReleaseBlobs(call.deps, *released);
  http::Response r;
  r.status = 204;
  return r;
}

}  // namespace sigil::s3
