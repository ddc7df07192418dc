// Listings: ListObjectsV2 and ListObjects (prefix, delimiter, markers, continuation tokens,
// encoding-type=url, fetch-owner), ListMultipartUploads and ListParts.
#include <charconv>

#include "common/crypto.h"
#include "common/strings.h"
#include "common/time_format.h"
#include "s3/object_attributes.h"
#include "s3/s3_call.h"
#include "s3/s3_errors.h"
#include "s3/s3_xml.h"

namespace sigil::s3 {
namespace {

constexpr int kMaxKeys = 1000;

StatusOr<int> MaxParam(const Call& call, std::string_view name, int fallback) {
  if (!call.request.Has(name)) return fallback;
  const std::string text = call.request.Param(name);
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 0) {
    return InvalidArgument("Provided " + std::string(name) +
                           " not an integer or within integer range");
  }
  return std::min(value, kMaxKeys);
}

struct Listed {
  std::vector<ObjectRecord> objects;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string last;  // the last key or common prefix returned: where the next page starts
};

// Objects and common prefixes after `after`, at most `max` entries in all.
StatusOr<Listed> ListEntries(Call& call, const std::string& prefix, const std::string& delimiter,
                             std::string after, int max) {
  Listed out;
  if (max == 0) {
    SIGIL_ASSIGN_OR_RETURN(Page<ObjectRecord> probe,
                           call.deps.store.ListObjects(call.request.bucket, prefix, after, 1));
    out.truncated = !probe.items.empty();
    return out;
  }
  std::string last_prefix;
  int count = 0;
  while (true) {
    SIGIL_ASSIGN_OR_RETURN(Page<ObjectRecord> page,
                           call.deps.store.ListObjects(call.request.bucket, prefix, after,
                                                       std::min(kMaxKeys, max - count + 1)));
    bool restarted = false;
    for (ObjectRecord& object : page.items) {
      std::string group;
      if (!delimiter.empty()) {
        const size_t pos = object.key.find(delimiter, prefix.size());
        if (pos != std::string::npos) group = object.key.substr(0, pos + delimiter.size());
      }
      if (!group.empty() && group == last_prefix) {
        after = object.key;
        continue;
      }
      if (count == max) {
        out.truncated = true;
        return out;
      }
      ++count;
      if (group.empty()) {
        out.last = object.key;
        after = object.key;
        out.objects.push_back(std::move(object));
      } else {
        out.common_prefixes.push_back(group);
        out.last = group;
        last_prefix = group;
        // Skip past everything under this prefix: the largest code point sorts after any key
        // that continues it with a smaller one; stragglers are folded in above.
        after = group + "\xF4\x8F\xBF\xBF";
        restarted = true;
        break;
      }
    }
    if (!restarted && !page.truncated) return out;
  }
}

// encoding-type=url: S3 encodes as HTML forms do (a space becomes "+"), keeping "/".
std::string MaybeEncode(const Call& call, std::string_view text) {
  if (call.request.Param("encoding-type") != "url") return std::string(text);
  std::string out;
  for (std::string_view segment : Split(text, '/')) {
    std::string encoded = UriEncode(segment);
    size_t pos = 0;
    while ((pos = encoded.find("%20", pos)) != std::string::npos) encoded.replace(pos, 3, "+");
    out += encoded;
    out += '/';
  }
  out.pop_back();
  return out;
}

void AddContents(XmlWriter& xml, const Call& call, const ObjectRecord& o, bool owner) {
  const ObjectAttributes a = AttributesFromJson(o.attributes);
  xml.Open("Contents").Add("Key", MaybeEncode(call, o.key));
  xml.Add("LastModified", FormatIso8601(o.last_modified)).Add("ETag", "\"" + o.etag + "\"");
  if (!a.checksum_algorithm.empty()) xml.Add("ChecksumAlgorithm", a.checksum_algorithm);
  xml.Add("Size", std::to_string(o.size));
  if (owner) {
    xml.Open("Owner").Add("ID", o.owner_account_id).Add("DisplayName", o.owner_account_id);
    xml.Close("Owner");
  }
  xml.Add("StorageClass", a.storage_class).Close("Contents");
}

Status CheckEncodingType(const Call& call) {
  if (call.request.Has("encoding-type") && call.request.Param("encoding-type") != "url") {
    return InvalidArgument("Invalid Encoding Method specified in Request");
  }
  return OkStatus();
}

}  // namespace

StatusOr<http::Response> ListObjectsV2(Call& call, std::string_view) {
  SIGIL_RETURN_IF_ERROR(CheckEncodingType(call));
  SIGIL_ASSIGN_OR_RETURN(int max, MaxParam(call, "max-keys", kMaxKeys));
  const std::string prefix = call.request.Param("prefix");
  const std::string delimiter = call.request.Param("delimiter");
  const std::string start_after = call.request.Param("start-after");
  std::string after = start_after;
  if (call.request.Has("continuation-token")) {
    StatusOr<std::string> token = Base64Decode(call.request.Param("continuation-token"));
    if (!token.ok() || token->empty() || (*token)[0] != 'k') {
      return InvalidArgument("The continuation token provided is incorrect");
    }
    after = token->substr(1);
  }
  SIGIL_ASSIGN_OR_RETURN(Listed listed, ListEntries(call, prefix, delimiter, after, max));
  XmlWriter xml("ListBucketResult");
  xml.Add("Name", call.request.bucket).Add("Prefix", MaybeEncode(call, prefix));
  if (!delimiter.empty()) xml.Add("Delimiter", MaybeEncode(call, delimiter));
  xml.Add("MaxKeys", std::to_string(max));
  if (call.request.Has("encoding-type")) xml.Add("EncodingType", "url");
  xml.Add("KeyCount", std::to_string(listed.objects.size() + listed.common_prefixes.size()));
  xml.Add("IsTruncated", listed.truncated ? "true" : "false");
  if (call.request.Has("continuation-token")) {
    xml.Add("ContinuationToken", call.request.Param("continuation-token"));
  }
  if (listed.truncated) xml.Add("NextContinuationToken", Base64Encode("k" + listed.last));
  if (call.request.Has("start-after")) xml.Add("StartAfter", MaybeEncode(call, start_after));
  const bool owner = call.request.Param("fetch-owner") == "true";
  for (const ObjectRecord& o : listed.objects) AddContents(xml, call, o, owner);
  for (const std::string& p : listed.common_prefixes) {
    xml.Open("CommonPrefixes").Add("Prefix", MaybeEncode(call, p)).Close("CommonPrefixes");
  }
  return XmlResponse(xml.Finish());
}

StatusOr<http::Response> ListObjects(Call& call, std::string_view) {
  SIGIL_RETURN_IF_ERROR(CheckEncodingType(call));
  SIGIL_ASSIGN_OR_RETURN(int max, MaxParam(call, "max-keys", kMaxKeys));
  const std::string prefix = call.request.Param("prefix");
  const std::string delimiter = call.request.Param("delimiter");
  const std::string marker = call.request.Param("marker");
  SIGIL_ASSIGN_OR_RETURN(Listed listed, ListEntries(call, prefix, delimiter, marker, max));
  XmlWriter xml("ListBucketResult");
  xml.Add("Name", call.request.bucket).Add("Prefix", MaybeEncode(call, prefix));
  xml.Add("Marker", MaybeEncode(call, marker));
  if (!delimiter.empty()) xml.Add("Delimiter", MaybeEncode(call, delimiter));
  xml.Add("MaxKeys", std::to_string(max));
  if (call.request.Has("encoding-type")) xml.Add("EncodingType", "url");
  xml.Add("IsTruncated", listed.truncated ? "true" : "false");
  if (listed.truncated && !delimiter.empty()) xml.Add("NextMarker", MaybeEncode(call, listed.last));
  for (const ObjectRecord& o : listed.objects) AddContents(xml, call, o, /*owner=*/true);
  for (const std::string& p : listed.common_prefixes) {
    xml.Open("CommonPrefixes").Add("Prefix", MaybeEncode(call, p)).Close("CommonPrefixes");
  }
  return XmlResponse(xml.Finish());
}

StatusOr<http::Response> ListMultipartUploads(Call& call, std::string_view) {
  SIGIL_RETURN_IF_ERROR(CheckEncodingType(call));
  SIGIL_ASSIGN_OR_RETURN(int max, MaxParam(call, "max-uploads", kMaxKeys));
  const std::string prefix = call.request.Param("prefix");
  const std::string key_marker = call.request.Param("key-marker");
  const std::string upload_marker = call.request.Param("upload-id-marker");
  SIGIL_ASSIGN_OR_RETURN(Page<UploadRecord> page,
                         call.deps.store.ListUploads(call.request.bucket, prefix, key_marker,
                                                     upload_marker, std::max(max, 1)));
  if (max == 0) page.items.clear();
  XmlWriter xml("ListMultipartUploadsResult");
  xml.Add("Bucket", call.request.bucket).Add("KeyMarker", MaybeEncode(call, key_marker));
  xml.Add("UploadIdMarker", upload_marker);
  if (!page.items.empty()) {
    xml.Add("NextKeyMarker", MaybeEncode(call, page.items.back().key));
    xml.Add("NextUploadIdMarker", page.items.back().upload_id);
  }
  xml.Add("Prefix", MaybeEncode(call, prefix));
  xml.Add("MaxUploads", std::to_string(max)).Add("IsTruncated", page.truncated ? "true" : "false");
  for (const UploadRecord& u : page.items) {
    xml.Open("Upload").Add("Key", MaybeEncode(call, u.key)).Add("UploadId", u.upload_id);
    xml.Open("Initiator").Add("ID", u.initiator_arn).Add("DisplayName", u.initiator_arn);
    xml.Close("Initiator");
    xml.Open("Owner").Add("ID", u.owner_account_id).Add("DisplayName", u.owner_account_id);
    xml.Close("Owner");
    xml.Add("StorageClass", AttributesFromJson(u.attributes).storage_class);
    xml.Add("Initiated", FormatIso8601(u.initiated)).Close("Upload");
  }
  return XmlResponse(xml.Finish());
}

StatusOr<http::Response> ListParts(Call& call, std::string_view) {
  SIGIL_ASSIGN_OR_RETURN(int max, MaxParam(call, "max-parts", kMaxKeys));
  int marker = 0;
  if (call.request.Has("part-number-marker")) {
    const std::string text = call.request.Param("part-number-marker");
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), marker);
    if (ec != std::errc() || end != text.data() + text.size() || marker < 0) {
      return InvalidArgument("Unable to parse PartNumberMarker");
    }
  }
  const std::string upload_id = call.request.Param("uploadId");
  StatusOr<UploadRecord> upload = call.deps.store.GetUpload(upload_id);
  if (!upload.ok() || upload->bucket != call.request.bucket || upload->key != call.request.key) {
    return NoSuchUpload();
  }
  SIGIL_ASSIGN_OR_RETURN(Page<PartRecord> page,
                         call.deps.store.ListParts(upload_id, marker, std::max(max, 1)));
  XmlWriter xml("ListPartsResult");
  xml.Add("Bucket", call.request.bucket).Add("Key", call.request.key).Add("UploadId", upload_id);
  xml.Add("PartNumberMarker", std::to_string(marker));
  if (!page.items.empty()) {
    xml.Add("NextPartNumberMarker", std::to_string(page.items.back().part_number));
  }
  xml.Add("MaxParts", std::to_string(max)).Add("IsTruncated", page.truncated ? "true" : "false");
  xml.Open("Initiator").Add("ID", upload->initiator_arn).Add("DisplayName", upload->initiator_arn);
  xml.Close("Initiator");
  xml.Open("Owner")
      .Add("ID", upload->owner_account_id)
      .Add("DisplayName", upload->owner_account_id);
  xml.Close("Owner");
  xml.Add("StorageClass", AttributesFromJson(upload->attributes).storage_class);
  for (const PartRecord& p : page.items) {
    xml.Open("Part").Add("PartNumber", std::to_string(p.part_number));
    xml.Add("LastModified", FormatIso8601(p.last_modified)).Add("ETag", "\"" + p.etag + "\"");
    xml.Add("Size", std::to_string(p.blob.size)).Close("Part");
  }
  return XmlResponse(xml.Finish());
}

}  // namespace sigil::s3
