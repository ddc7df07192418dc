// Internal to s3/: what an object keeps besides its bytes (content headers, user metadata,
// storage class, checksum), stored as the ObjectRecord's JSON `attributes`, read from request
// headers and written back as response headers. Pure; thread-safe.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "http/message.h"
#include "identity/model.h"

namespace sigil::s3 {

struct ObjectAttributes {
  // Standard headers stored as sent: Content-Type, Content-Encoding, Content-Disposition,
  // Content-Language, Cache-Control, Expires (keys in that spelling).
  std::map<std::string, std::string> headers;
  std::map<std::string, std::string> metadata;  // x-amz-meta-* (names lower case, no prefix)
  std::string storage_class = "STANDARD";
  std::string checksum_algorithm;    // "CRC32", ...; empty when none
  std::string checksum;              // base64
  std::string checksum_type;         // FULL_OBJECT or COMPOSITE
  std::vector<uint64_t> part_sizes;  // multipart objects: each part's size
};

// From a PutObject/CopyObject(REPLACE)/CreateMultipartUpload request's headers. User metadata
// is limited to 2 KB as in S3 (MetadataTooLarge).
StatusOr<ObjectAttributes> AttributesFromHeaders(const http::Request& head);
std::string AttributesToJson(const ObjectAttributes& attributes);
ObjectAttributes AttributesFromJson(const std::string& json);
// Adds the object's headers to a GET/HEAD response.
void AddObjectHeaders(const ObjectAttributes& attributes, http::Response& response);

// x-amz-tagging ("k1=v1&k2=v2") as tags, with S3's tag rules (at most 10).
StatusOr<std::vector<Tag>> TagsFromHeader(std::string_view header);

}  // namespace sigil::s3
