// XML for S3's wire: a small writer for response documents (escaped text, S3's namespace) and
// parsers for the request documents S3 accepts (CreateBucketConfiguration, Delete,
// CompleteMultipartUpload, Tagging, PublicAccessBlockConfiguration, OwnershipControls), each
// with S3's limits and MalformedXML for anything else. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "identity/model.h"
#include "protocol/query_codec.h"

namespace sigil::s3 {

// Builds <Root xmlns="http://s3.amazonaws.com/doc/2006-03-01/">...</Root> element by element.
class XmlWriter {
 public:
  explicit XmlWriter(std::string_view root, bool with_namespace = true);
  // <name>escaped text</name>
  XmlWriter& Add(std::string_view name, std::string_view text);
  XmlWriter& Open(std::string_view name);
  XmlWriter& Close(std::string_view name);
  // The document, closed; the writer is spent.
  std::string Finish();

 private:
  std::string root_;
  std::string out_;
};

// MalformedXML (400), S3's answer to any request document it cannot use.
Status MalformedXmlError();

// The shared escaping of protocol/query_codec.h.
using protocol::XmlEscape;

// <CreateBucketConfiguration><LocationConstraint>R</LocationConstraint>: the region, or "" when
// the body is empty or names none.
StatusOr<std::string> ParseCreateBucketConfiguration(std::string_view body);

struct DeleteRequest {
  struct Entry {
    std::string key;
    std::string version_id;
  };
  std::vector<Entry> objects;
  bool quiet = false;
};
// <Delete><Object><Key>..</Key></Object>...<Quiet>true</Quiet></Delete>; at most 1000 objects.
StatusOr<DeleteRequest> ParseDeleteRequest(std::string_view body);

struct CompletedPart {
  int part_number = 0;
  std::string etag;  // unquoted
  // The checksum the client sent for the part (base64), by algorithm name ("CRC32", ...).
  std::string checksum_algorithm;
  std::string checksum;
};
// <CompleteMultipartUpload><Part><PartNumber>N</PartNumber><ETag>"..."</ETag></Part>...
StatusOr<std::vector<CompletedPart>> ParseCompleteMultipartUpload(std::string_view body);

// <Tagging><TagSet><Tag><Key>..</Key><Value>..</Value></Tag>...: S3's tag rules (at most 10 for
// objects, 50 for buckets; keys 1-128, values 0-256 characters; unique keys).
StatusOr<std::vector<Tag>> ParseTagging(std::string_view body, size_t max_tags);

struct PublicAccessBlock {
  bool block_public_acls = false;
  bool ignore_public_acls = false;
  bool block_public_policy = false;
  bool restrict_public_buckets = false;
  bool operator==(const PublicAccessBlock&) const = default;
};
StatusOr<PublicAccessBlock> ParsePublicAccessBlock(std::string_view body);
std::string PublicAccessBlockJson(const PublicAccessBlock& block);
PublicAccessBlock PublicAccessBlockFromJson(std::string_view json);

// <OwnershipControls><Rule><ObjectOwnership>X</ObjectOwnership></Rule>: BucketOwnerEnforced,
// BucketOwnerPreferred or ObjectWriter.
StatusOr<std::string> ParseOwnershipControls(std::string_view body);

}  // namespace sigil::s3
