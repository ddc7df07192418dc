#include "s3/object_attributes.h"

#include <nlohmann/json.hpp>
#include <set>

#include "common/strings.h"
#include "s3/s3_errors.h"

namespace sigil::s3 {
namespace {

constexpr std::string_view kStandardHeaders[] = {"Content-Type",        "Content-Encoding",
                                                 "Content-Disposition", "Content-Language",
                                                 "Cache-Control",       "Expires"};
constexpr size_t kMaxMetadataBytes = 2048;
constexpr size_t kMaxObjectTags = 10;

}  // namespace

StatusOr<ObjectAttributes> AttributesFromHeaders(const http::Request& head) {
  ObjectAttributes a;
  for (std::string_view name : kStandardHeaders) {
    if (auto v = head.FindHeader(name)) a.headers[std::string(name)] = std::string(*v);
  }
  // aws-chunked is the upload's framing, not the object's encoding.
  if (auto it = a.headers.find("Content-Encoding"); it != a.headers.end()) {
    std::string kept;
    for (std::string_view token : Split(it->second, ',')) {
      token = TrimWhitespace(token);
      if (token.empty() || EqualsIgnoreCase(token, "aws-chunked")) continue;
      if (!kept.empty()) kept += ",";
      kept += std::string(token);
    }
    if (kept.empty()) {
      a.headers.erase(it);
    } else {
      it->second = kept;
    }
  }
  size_t metadata_bytes = 0;
  for (const http::Header& h : head.headers) {
    const std::string lower = AsciiLower(h.name);
    if (!StartsWith(lower, "x-amz-meta-")) continue;
    std::string name = lower.substr(11);
    metadata_bytes += name.size() + h.value.size();
    a.metadata[name] = h.value;
  }
  if (metadata_bytes > kMaxMetadataBytes) {
    return S3Error(400, "MetadataTooLarge",
                   "Your metadata headers exceed the maximum allowed metadata size.");
  }
  // Server-side encryption is refused rather than claimed: Sigil does not encrypt object bytes.
  if (head.FindHeader("x-amz-server-side-encryption") ||
      head.FindHeader("x-amz-server-side-encryption-customer-algorithm")) {
    return NotImplemented(
        "server-side encryption (Sigil stores object bytes unencrypted; encrypt the data "
        "folder's filesystem)");
  }
  if (auto sc = head.FindHeader("x-amz-storage-class")) {
    static const std::set<std::string, std::less<>> kClasses = {
        "STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING",
        "GLACIER",  "DEEP_ARCHIVE",       "GLACIER_IR"};
    if (!kClasses.contains(*sc)) {
      return S3Error(400, "InvalidStorageClass", "The storage class you specified is not valid");
    }
    a.storage_class = std::string(*sc);
  }
  return a;
}

std::string AttributesToJson(const ObjectAttributes& a) {
  nlohmann::json j;
  j["headers"] = a.headers;
  j["metadata"] = a.metadata;
  j["storage_class"] = a.storage_class;
  if (!a.checksum_algorithm.empty()) {
    j["checksum_algorithm"] = a.checksum_algorithm;
    j["checksum"] = a.checksum;
    j["checksum_type"] = a.checksum_type;
  }
  if (!a.part_sizes.empty()) j["part_sizes"] = a.part_sizes;
  return j.dump();
}

ObjectAttributes AttributesFromJson(const std::string& json) {
  ObjectAttributes a;
  const nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return a;
  if (j.contains("headers") && j["headers"].is_object()) {
    a.headers = j["headers"].get<std::map<std::string, std::string>>();
  }
  if (j.contains("metadata") && j["metadata"].is_object()) {
    a.metadata = j["metadata"].get<std::map<std::string, std::string>>();
  }
  a.storage_class = j.value("storage_class", "STANDARD");
  a.checksum_algorithm = j.value("checksum_algorithm", "");
  a.checksum = j.value("checksum", "");
  a.checksum_type = j.value("checksum_type", "");
  if (j.contains("part_sizes") && j["part_sizes"].is_array()) {
    a.part_sizes = j["part_sizes"].get<std::vector<uint64_t>>();
  }
  return a;
}

void AddObjectHeaders(const ObjectAttributes& a, http::Response& response) {
  for (const auto& [name, value] : a.headers) response.SetHeader(name, value);
  if (!a.headers.contains("Content-Type")) {
    response.SetHeader("Content-Type", "binary/octet-stream");
  }
  for (const auto& [name, value] : a.metadata) response.SetHeader("x-amz-meta-" + name, value);
  if (a.storage_class != "STANDARD") response.SetHeader("x-amz-storage-class", a.storage_class);
}

StatusOr<std::vector<Tag>> TagsFromHeader(std::string_view header) {
  std::optional<std::vector<QueryParam>> params = ParseQueryString(header);
  if (!params)
    return InvalidArgument(
        "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query parameters "
        "without tag name duplicates.");
  std::vector<Tag> tags;
  std::set<std::string> seen;
  for (QueryParam& p : *params) {
    if (p.key.empty() || p.key.size() > 128 || p.value.size() > 256) {
      return S3Error(400, "InvalidTag", "The TagKey you have provided is invalid");
    }
    if (!seen.insert(p.key).second) {
      return InvalidArgument(
          "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query "
          "parameters without tag name duplicates.");
    }
    tags.push_back({std::move(p.key), std::move(p.value)});
  }
  if (tags.size() > kMaxObjectTags) {
    return S3Error(400, "BadRequest", "Object tags cannot be greater than 10");
  }
  return tags;
}

}  // namespace sigil::s3
