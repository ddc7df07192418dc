#include "s3/s3_xml.h"

#include <nlohmann/json.hpp>
#include <pugixml.hpp>
#include <set>

#include "common/strings.h"
#include "protocol/query_codec.h"
#include "s3/s3_errors.h"

namespace sigil::s3 {

namespace {

constexpr std::string_view kNamespace = "http://s3.amazonaws.com/doc/2006-03-01/";
constexpr std::string_view kXmlDeclaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
constexpr size_t kMaxDeleteObjects = 1000;
constexpr int kMaxPartNumber = 10000;

// Parses a request document whose root must be `root` (namespace or not). Anything that is not
// well-formed XML with that root is MalformedXML, as S3 answers.
StatusOr<pugi::xml_node> ParseRoot(pugi::xml_document& doc, std::string_view body,
                                   std::string_view root) {
  const pugi::xml_parse_result parsed =
      doc.load_buffer(body.data(), body.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!parsed) return MalformedXmlError();
  pugi::xml_node node = doc.document_element();
  if (!node || std::string_view(node.name()) != root) return MalformedXmlError();
  return node;
}

std::string_view Text(const pugi::xml_node& node) { return node.text().get(); }

StatusOr<bool> ParseBool(std::string_view text) {
  text = TrimWhitespace(text);
  if (text == "true" || text == "TRUE" || text == "True") return true;
  if (text == "false" || text == "FALSE" || text == "False") return false;
  return MalformedXmlError();
}

}  // namespace

Status MalformedXmlError() {
  return S3Error(400, "MalformedXML",
                 "The XML you provided was not well-formed or did not validate against our "
                 "published schema");
}

XmlWriter::XmlWriter(std::string_view root, bool with_namespace) : root_(root) {
  out_.append(kXmlDeclaration).append("<").append(root);
  if (with_namespace) out_.append(" xmlns=\"").append(kNamespace).append("\"");
  out_.append(">");
}

XmlWriter& XmlWriter::Add(std::string_view name, std::string_view text) {
  out_.append("<").append(name).append(">").append(XmlEscape(text));
  out_.append("</").append(name).append(">");
  return *this;
}

XmlWriter& XmlWriter::Open(std::string_view name) {
  out_.append("<").append(name).append(">");
  return *this;
}

XmlWriter& XmlWriter::Close(std::string_view name) {
  out_.append("</").append(name).append(">");
  return *this;
}

std::string XmlWriter::Finish() {
  out_.append("</").append(root_).append(">");
  return std::move(out_);
}

StatusOr<std::string> ParseCreateBucketConfiguration(std::string_view body) {
  if (TrimWhitespace(body).empty()) return std::string();
  pugi::xml_document doc;
  SIGIL_ASSIGN_OR_RETURN(pugi::xml_node root, ParseRoot(doc, body, "CreateBucketConfiguration"));
  return std::string(TrimWhitespace(Text(root.child("LocationConstraint"))));
}

StatusOr<DeleteRequest> ParseDeleteRequest(std::string_view body) {
  pugi::xml_document doc;
  SIGIL_ASSIGN_OR_RETURN(pugi::xml_node root, ParseRoot(doc, body, "Delete"));
  DeleteRequest request;
  for (pugi::xml_node child : root.children()) {
    const std::string_view name = child.name();
    if (name == "Quiet") {
      SIGIL_ASSIGN_OR_RETURN(request.quiet, ParseBool(Text(child)));
    } else if (name == "Object") {
      pugi::xml_node key = child.child("Key");
      if (!key) return MalformedXmlError();
      request.objects.push_back(
          {std::string(Text(key)), std::string(Text(child.child("VersionId")))});
      if (request.objects.size() > kMaxDeleteObjects) return MalformedXmlError();
    } else if (child.type() == pugi::node_element) {
      return MalformedXmlError();
    }
  }
  if (request.objects.empty()) return MalformedXmlError();
  return request;
}

StatusOr<std::vector<CompletedPart>> ParseCompleteMultipartUpload(std::string_view body) {
  pugi::xml_document doc;
  SIGIL_ASSIGN_OR_RETURN(pugi::xml_node root, ParseRoot(doc, body, "CompleteMultipartUpload"));
  std::vector<CompletedPart> parts;
  for (pugi::xml_node part : root.children("Part")) {
    CompletedPart p;
    const std::string number(TrimWhitespace(Text(part.child("PartNumber"))));
    if (number.empty() || number.size() > 5 ||
        number.find_first_not_of("0123456789") != std::string::npos) {
      return MalformedXmlError();
    }
    p.part_number = std::stoi(number);
    if (p.part_number < 1 || p.part_number > kMaxPartNumber) {
      return S3Error(400, "InvalidArgument",
                     "Part number must be an integer between 1 and 10000, inclusive");
    }
    std::string_view etag = TrimWhitespace(Text(part.child("ETag")));
    if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
      etag = etag.substr(1, etag.size() - 2);
    }
    p.etag = std::string(etag);
    for (std::string_view algorithm : {"CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"}) {
      const std::string element = "Checksum" + std::string(algorithm);
      if (pugi::xml_node c = part.child(element.c_str())) {
        p.checksum_algorithm = std::string(algorithm);
        p.checksum = std::string(TrimWhitespace(Text(c)));
      }
    }
    parts.push_back(std::move(p));
    if (parts.size() > static_cast<size_t>(kMaxPartNumber)) return MalformedXmlError();
  }
  if (parts.empty()) return MalformedXmlError();
  return parts;
}

StatusOr<std::vector<Tag>> ParseTagging(std::string_view body, size_t max_tags) {
  pugi::xml_document doc;
  SIGIL_ASSIGN_OR_RETURN(pugi::xml_node root, ParseRoot(doc, body, "Tagging"));
  pugi::xml_node set = root.child("TagSet");
  if (!set) return MalformedXmlError();
  std::vector<Tag> tags;
  std::set<std::string> seen;
  for (pugi::xml_node tag : set.children("Tag")) {
    pugi::xml_node key = tag.child("Key");
    pugi::xml_node value = tag.child("Value");
    if (!key || !value) return MalformedXmlError();
    Tag t{std::string(Text(key)), std::string(Text(value))};
    if (t.key.empty() || t.key.size() > 128 || t.value.size() > 256) {
      return S3Error(400, "InvalidTag", "The TagKey you have provided is invalid");
    }
    if (!seen.insert(t.key).second) {
      return S3Error(400, "InvalidTag", "Cannot provide multiple Tags with the same key");
    }
    tags.push_back(std::move(t));
  }
  if (tags.size() > max_tags) {
    return S3Error(400, "BadRequest",
                   "Object tags cannot be greater than " + std::to_string(max_tags));
  }
  return tags;
}

StatusOr<PublicAccessBlock> ParsePublicAccessBlock(std::string_view body) {
  pugi::xml_document doc;
  SIGIL_ASSIGN_OR_RETURN(pugi::xml_node root,
                         ParseRoot(doc, body, "PublicAccessBlockConfiguration"));
  PublicAccessBlock block;
  struct Field {
    const char* name;
    bool PublicAccessBlock::*member;
  };
  for (const Field& f :
       {Field{"BlockPublicAcls", &PublicAccessBlock::block_public_acls},
        Field{"IgnorePublicAcls", &PublicAccessBlock::ignore_public_acls},
        Field{"BlockPublicPolicy", &PublicAccessBlock::block_public_policy},
        Field{"RestrictPublicBuckets", &PublicAccessBlock::restrict_public_buckets}}) {
    if (pugi::xml_node n = root.child(f.name)) {
      SIGIL_ASSIGN_OR_RETURN(block.*(f.member), ParseBool(Text(n)));
    }
  }
  return block;
}

std::string PublicAccessBlockJson(const PublicAccessBlock& block) {
  return nlohmann::json{{"BlockPublicAcls", block.block_public_acls},
                        {"IgnorePublicAcls", block.ignore_public_acls},
                        {"BlockPublicPolicy", block.block_public_policy},
                        {"RestrictPublicBuckets", block.restrict_public_buckets}}
      .dump();
}

PublicAccessBlock PublicAccessBlockFromJson(std::string_view json) {
  PublicAccessBlock block;
  const nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return block;
  block.block_public_acls = j.value("BlockPublicAcls", false);
  block.ignore_public_acls = j.value("IgnorePublicAcls", false);
  block.block_public_policy = j.value("BlockPublicPolicy", false);
  block.restrict_public_buckets = j.value("RestrictPublicBuckets", false);
  return block;
}

StatusOr<std::string> ParseOwnershipControls(std::string_view body) {
  pugi::xml_document doc;
  SIGIL_ASSIGN_OR_RETURN(pugi::xml_node root, ParseRoot(doc, body, "OwnershipControls"));
  const std::string value(TrimWhitespace(Text(root.child("Rule").child("ObjectOwnership"))));
  if (value != "BucketOwnerEnforced" && value != "BucketOwnerPreferred" &&
      value != "ObjectWriter") {
    return MalformedXmlError();
  }
  return value;
}

}  // namespace sigil::s3
