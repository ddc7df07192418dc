// Bucket operations: create, list, head, delete, location, tagging, policy, public access block,
// ownership controls, and the ACL/versioning/encryption answers clients ask for.
#include <cctype>

#include "common/time_format.h"
#include "policy/document.h"
#include "s3/s3_call.h"
#include "s3/s3_errors.h"
#include "s3/s3_policy.h"
#include "s3/s3_xml.h"

namespace sigil::s3 {
namespace {

constexpr size_t kMaxBucketTags = 50;
constexpr size_t kMaxBucketsPerAccount = 1000;
constexpr size_t kMaxBucketPolicyBytes = 20 * 1024;
constexpr std::string_view kOwnershipDefault = "BucketOwnerEnforced";

// S3's bucket naming rules (general purpose buckets).
Status CheckBucketName(std::string_view name) {
  const Status invalid = S3Error(400, "InvalidBucketName", "The specified bucket is not valid.");
  if (name.size() < 3 || name.size() > 63) return invalid;
  for (char c : name) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == '-')) {
      return invalid;
    }
  }
  auto alnum = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; };
  if (!alnum(name.front()) || !alnum(name.back())) return invalid;
  if (name.find("..") != std::string_view::npos) return invalid;
  // Not formatted as an IP address.
  int dots = 0;
  bool digits_and_dots = true;
  for (char c : name) {
    if (c == '.')
      ++dots;
    else if (!std::isdigit(static_cast<unsigned char>(c)))
      digits_and_dots = false;
  }
  if (digits_and_dots && dots == 3) return invalid;
  if (name.starts_with("xn--") || name.starts_with("sthree-") || name.ends_with("-s3alias") ||
      name.ends_with("--ol-s3")) {
    return invalid;
  }
  return OkStatus();
}

std::string OwnerXml(std::string_view account_id) {
  return "<Owner><ID>" + XmlEscape(account_id) + "</ID><DisplayName>" + XmlEscape(account_id) +
         "</DisplayName></Owner>";
}

http::Response Empty(int status = 200) {
  http::Response r;
  r.status = status;
  return r;
}

std::string TagSetXml(const std::vector<Tag>& tags) {
  XmlWriter xml("Tagging");
  xml.Open("TagSet");
  for (const Tag& t : tags) xml.Open("Tag").Add("Key", t.key).Add("Value", t.value).Close("Tag");
  xml.Close("TagSet");
  return xml.Finish();
}

}  // namespace

StatusOr<http::Response> ListBuckets(Call& call, std::string_view) {
  if (!call.auth.who) return AccessDenied();
  SIGIL_ASSIGN_OR_RETURN(std::vector<BucketRecord> buckets,
                         call.deps.store.ListBuckets(call.account_id()));
  XmlWriter xml("ListAllMyBucketsResult");
  xml.Open("Owner").Add("ID", call.account_id()).Add("DisplayName", call.account_id());
  xml.Close("Owner").Open("Buckets");
  for (const BucketRecord& b : buckets) {
    xml.Open("Bucket").Add("Name", b.name).Add("CreationDate", FormatIso8601(b.created));
    xml.Add("BucketRegion", b.region).Close("Bucket");
  }
  xml.Close("Buckets");
  return XmlResponse(xml.Finish());
}

StatusOr<http::Response> CreateBucket(Call& call, std::string_view body) {
  if (!call.auth.who) return AccessDenied();
  SIGIL_RETURN_IF_ERROR(CheckBucketName(call.request.bucket));
  SIGIL_ASSIGN_OR_RETURN(std::string location, ParseCreateBucketConfiguration(body));
  const std::string& default_region = call.deps.options.regions.front();
  if (location.empty()) location = "us-east-1";
  bool known = false;
  for (const std::string& r : call.deps.options.regions) known = known || r == location;
  if (!known && location != "us-east-1") {
    return S3Error(400, "InvalidLocationConstraint",
                   "The specified location-constraint is not valid");
  }
  // As S3: a request signed for one region creates there; naming another is refused.
  const std::string signed_region = call.auth.who->scope.region;
  if (location == "us-east-1" && !body.empty() && signed_region != "us-east-1") {
    return S3Error(400, "InvalidLocationConstraint",
                   "The specified location-constraint is not valid");
  }
  if (location != "us-east-1" && signed_region != location && signed_region != default_region) {
    return S3Error(400, "IllegalLocationConstraintException",
                   "The " + location +
                       " location constraint is incompatible for the region specific endpoint "
                       "this request was sent to.");
  }
  if (location == "us-east-1" && body.empty() && signed_region != "us-east-1" &&
      signed_region != default_region) {
    location = signed_region;
  }
  SIGIL_ASSIGN_OR_RETURN(std::vector<BucketRecord> owned,
                         call.deps.store.ListBuckets(call.account_id()));
  if (owned.size() >= kMaxBucketsPerAccount) {
    return S3Error(400, "TooManyBuckets", "You have attempted to create more buckets than allowed");
  }
  if (auto acl = call.Header("x-amz-acl"); acl && *acl != "private") {
    return S3Error(400, "InvalidBucketAclWithObjectOwnership",
                   "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced "
                   "setting");
  }
  BucketRecord bucket;
  bucket.name = call.request.bucket;
  bucket.account_id = call.account_id();
  bucket.region = location;
  bucket.created = call.now;
  // New buckets block public access and disable ACLs, as S3 does since April 2023.
  bucket.public_access_block = PublicAccessBlockJson(PublicAccessBlock{true, true, true, true});
  std::string ownership(kOwnershipDefault);
  if (auto o = call.Header("x-amz-object-ownership")) ownership = std::string(*o);
  if (ownership != "BucketOwnerEnforced" && ownership != "BucketOwnerPreferred" &&
      ownership != "ObjectWriter") {
    return InvalidArgument("Invalid x-amz-object-ownership header: " + ownership);
  }
  bucket.ownership_controls = ownership;
  Status created = call.deps.store.CreateBucket(bucket);
  if (created.code() == StatusCode::kAlreadyExists) {
    SIGIL_ASSIGN_OR_RETURN(BucketRecord existing, call.deps.store.GetBucket(bucket.name));
    if (existing.account_id == call.account_id()) {
      return S3Error(409, "BucketAlreadyOwnedByYou",
                     "Your previous request to create the named bucket succeeded and you "
                     "already own it.");
    }
    return S3Error(409, "BucketAlreadyExists",
                   "The requested bucket name is not available. The bucket namespace is shared "
                   "by all users of the system. Please select a different name and try again.");
  }
  SIGIL_RETURN_IF_ERROR(created);
  http::Response r = Empty();
  r.SetHeader("Location", "/" + bucket.name);
  return r;
}

StatusOr<http::Response> HeadBucket(Call& call, std::string_view) {
  http::Response r = Empty();
  r.SetHeader("x-amz-bucket-region", call.bucket->region);
  r.SetHeader("x-amz-access-point-alias", "false");
  return r;
}

StatusOr<http::Response> DeleteBucket(Call& call, std::string_view) {
  Status deleted = call.deps.store.DeleteBucket(call.request.bucket);
  if (deleted.code() == StatusCode::kFailedPrecondition) {
    return S3Error(409, "BucketNotEmpty", "The bucket you tried to delete is not empty");
  }
  if (deleted.code() == StatusCode::kNotFound) return NoSuchBucket();
  SIGIL_RETURN_IF_ERROR(deleted);
  return Empty(204);
}

StatusOr<http::Response> GetBucketLocation(Call& call, std::string_view) {
  // us-east-1 is answered by an empty LocationConstraint, as S3 does.
  const std::string region = call.bucket->region == "us-east-1" ? "" : call.bucket->region;
  return XmlResponse(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<LocationConstraint "
      "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">" +
      XmlEscape(region) + "</LocationConstraint>");
}

StatusOr<http::Response> GetBucketTagging(Call& call, std::string_view) {
  if (call.bucket->tags.empty()) {
    return S3Error(404, "NoSuchTagSet", "The TagSet does not exist");
  }
  return XmlResponse(TagSetXml(call.bucket->tags));
}

StatusOr<http::Response> PutBucketTagging(Call& call, std::string_view body) {
  SIGIL_ASSIGN_OR_RETURN(std::vector<Tag> tags, ParseTagging(body, kMaxBucketTags));
  SIGIL_RETURN_IF_ERROR(call.deps.store.SetBucketTags(call.request.bucket, tags));
  return Empty(204);
}

StatusOr<http::Response> DeleteBucketTagging(Call& call, std::string_view) {
  SIGIL_RETURN_IF_ERROR(call.deps.store.SetBucketTags(call.request.bucket, {}));
  return Empty(204);
}

StatusOr<http::Response> GetBucketPolicy(Call& call, std::string_view) {
  if (call.bucket->policy.empty()) {
    return S3Error(404, "NoSuchBucketPolicy", "The bucket policy does not exist");
  }
  http::Response r;
  r.SetHeader("Content-Type", "application/json");
  r.body = call.bucket->policy;
  return r;
}

StatusOr<http::Response> PutBucketPolicy(Call& call, std::string_view body) {
  if (body.size() > kMaxBucketPolicyBytes) {
    return S3Error(400, "PolicyTooLarge", "Policy exceeds the maximum allowed document size.");
  }
  StatusOr<std::shared_ptr<const policy::Policy>> parsed =
      policy::ParsePolicy(body, policy::PolicyKind::kResource);
  if (!parsed.ok()) return S3Error(400, "MalformedPolicy", parsed.status().message());
  // Every Resource must be in this bucket.
  const PublicAccessBlock block = PublicAccessBlockFromJson(call.bucket->public_access_block);
  if (block.block_public_policy && IsPublicPolicy(body)) {
    return AccessDenied(
        "User: " + call.caller_arn() +
        " is not authorized to perform: s3:PutBucketPolicy on resource: \"arn:aws:s3:::" +
        call.request.bucket +
        "\" because public policies are blocked by the BlockPublicPolicy block public access "
        "setting.");
  }
  SIGIL_RETURN_IF_ERROR(call.deps.store.SetBucketAttribute(
      call.request.bucket, BucketAttribute::kPolicy, std::string(body)));
  return Empty(204);
}

StatusOr<http::Response> DeleteBucketPolicy(Call& call, std::string_view) {
  SIGIL_RETURN_IF_ERROR(call.deps.store.SetBucketAttribute(call.request.bucket,
                                                           BucketAttribute::kPolicy, std::nullopt));
  return Empty(204);
}

StatusOr<http::Response> GetBucketPolicyStatus(Call& call, std::string_view) {
  if (call.bucket->policy.empty()) {
    return S3Error(404, "NoSuchBucketPolicy", "The bucket policy does not exist");
  }
  XmlWriter xml("PolicyStatus");
  xml.Add("IsPublic", IsPublicPolicy(call.bucket->policy) ? "true" : "false");
  return XmlResponse(xml.Finish());
}

StatusOr<http::Response> GetPublicAccessBlock(Call& call, std::string_view) {
  if (call.bucket->public_access_block.empty()) {
    return S3Error(404, "NoSuchPublicAccessBlockConfiguration",
                   "The public access block configuration was not found");
  }
  const PublicAccessBlock b = PublicAccessBlockFromJson(call.bucket->public_access_block);
  auto text = [](bool v) { return v ? "true" : "false"; };
  XmlWriter xml("PublicAccessBlockConfiguration");
  xml.Add("BlockPublicAcls", text(b.block_public_acls));
  xml.Add("IgnorePublicAcls", text(b.ignore_public_acls));
  xml.Add("BlockPublicPolicy", text(b.block_public_policy));
  xml.Add("RestrictPublicBuckets", text(b.restrict_public_buckets));
  return XmlResponse(xml.Finish());
}

StatusOr<http::Response> PutPublicAccessBlock(Call& call, std::string_view body) {
  SIGIL_ASSIGN_OR_RETURN(PublicAccessBlock block, ParsePublicAccessBlock(body));
  SIGIL_RETURN_IF_ERROR(call.deps.store.SetBucketAttribute(
      call.request.bucket, BucketAttribute::kPublicAccessBlock, PublicAccessBlockJson(block)));
  return Empty();
}

StatusOr<http::Response> DeletePublicAccessBlock(Call& call, std::string_view) {
  SIGIL_RETURN_IF_ERROR(call.deps.store.SetBucketAttribute(
      call.request.bucket, BucketAttribute::kPublicAccessBlock, std::nullopt));
  return Empty(204);
}

StatusOr<http::Response> GetBucketOwnershipControls(Call& call, std::string_view) {
  if (call.bucket->ownership_controls.empty()) {
    return S3Error(404, "OwnershipControlsNotFoundError",
                   "The bucket ownership controls were not found");
  }
  XmlWriter xml("OwnershipControls");
  xml.Open("Rule").Add("ObjectOwnership", call.bucket->ownership_controls).Close("Rule");
  return XmlResponse(xml.Finish());
}

StatusOr<http::Response> PutBucketOwnershipControls(Call& call, std::string_view body) {
  SIGIL_ASSIGN_OR_RETURN(std::string ownership, ParseOwnershipControls(body));
  SIGIL_RETURN_IF_ERROR(call.deps.store.SetBucketAttribute(
      call.request.bucket, BucketAttribute::kOwnershipControls, ownership));
  return Empty();
}

StatusOr<http::Response> DeleteBucketOwnershipControls(Call& call, std::string_view) {
  SIGIL_RETURN_IF_ERROR(call.deps.store.SetBucketAttribute(
      call.request.bucket, BucketAttribute::kOwnershipControls, std::nullopt));
  return Empty(204);
}

// With ACLs disabled (BucketOwnerEnforced), the ACL is the owner's full control, and only
// requests that set exactly that are accepted.
std::string OwnerOnlyAcl(std::string_view owner) {
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<AccessControlPolicy "
         "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">" +
         OwnerXml(owner) +
         "<AccessControlList><Grant><Grantee "
         "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
         "xsi:type=\"CanonicalUser\"><ID>" +
         XmlEscape(owner) + "</ID><DisplayName>" + XmlEscape(owner) +
         "</DisplayName></Grantee><Permission>FULL_CONTROL</Permission></Grant>"
         "</AccessControlList></AccessControlPolicy>";
}

Status AclRequest(const Call& call, std::string_view body) {
  const std::string ownership = call.bucket->ownership_controls.empty()
                                    ? std::string(kOwnershipDefault)
                                    : call.bucket->ownership_controls;
  auto canned = call.Header("x-amz-acl");
  const bool owner_only =
      (!canned || *canned == "private" || *canned == "bucket-owner-full-control");
  if (ownership == "BucketOwnerEnforced" &&
      (!owner_only || body.find("<Grant>") != body.rfind("<Grant>"))) {
    return S3Error(400, "AccessControlListNotSupported", "The bucket does not allow ACLs");
  }
  if (!owner_only) return NotImplemented("ACL grants other than the owner's");
  return OkStatus();
}

StatusOr<http::Response> GetBucketAcl(Call& call, std::string_view) {
  return XmlResponse(OwnerOnlyAcl(call.bucket->account_id));
}

StatusOr<http::Response> PutBucketAcl(Call& call, std::string_view body) {
  SIGIL_RETURN_IF_ERROR(AclRequest(call, body));
  return Empty();
}

StatusOr<http::Response> GetObjectAcl(Call& call, std::string_view) {
  SIGIL_RETURN_IF_ERROR(call.deps.store.GetObject(call.request.bucket, call.request.key).status());
  return XmlResponse(OwnerOnlyAcl(call.bucket->account_id));
}

StatusOr<http::Response> PutObjectAcl(Call& call, std::string_view body) {
  SIGIL_RETURN_IF_ERROR(call.deps.store.GetObject(call.request.bucket, call.request.key).status());
  SIGIL_RETURN_IF_ERROR(AclRequest(call, body));
  return Empty();
}

StatusOr<http::Response> GetBucketVersioning(Call&, std::string_view) {
  // Versioning was never enabled: S3 answers an empty configuration.
  return XmlResponse(XmlWriter("VersioningConfiguration").Finish());
}

StatusOr<http::Response> PutBucketVersioning(Call&, std::string_view) {
  return NotImplemented("bucket versioning");
}

StatusOr<http::Response> GetBucketEncryption(Call&, std::string_view) {
  // Sigil does not encrypt object bytes (the data folder's filesystem should): no bucket has a
  // default encryption configuration, as S3 answered before encrypting every bucket.
  return S3Error(404, "ServerSideEncryptionConfigurationNotFoundError",
                 "The server side encryption configuration was not found");
}

}  // namespace sigil::s3
