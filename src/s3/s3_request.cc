#include "s3/s3_request.h"

#include "common/strings.h"
#include "s3/s3_errors.h"

namespace sigil::s3 {
namespace {

Status InvalidUri() { return S3Error(400, "InvalidURI", "Couldn't parse the specified URI."); }
Status MethodNotAllowed() {
  return S3Error(405, "MethodNotAllowed",
                 "The specified method is not allowed against this resource.");
}

// Sub-resources S3 has that Sigil does not implement: answered NotImplemented rather than
// misread as a plain object or bucket request.
constexpr std::string_view kUnimplementedBucketSubresources[] = {
    "accelerate",   "analytics",   "cors",           "intelligent-tiering",
    "inventory",    "lifecycle",   "logging",        "metrics",
    "notification", "replication", "requestPayment", "website",
    "object-lock",  "versions",    "encryption"};

std::string_view ServiceOperation(std::string_view method) {
  return method == "GET" ? "ListBuckets" : "";
}

std::string_view BucketOperation(std::string_view method, const S3Request& r) {
  if (method == "GET") {
    if (r.Has("location")) return "GetBucketLocation";
    if (r.Has("tagging")) return "GetBucketTagging";
    if (r.Has("policyStatus")) return "GetBucketPolicyStatus";
    if (r.Has("policy")) return "GetBucketPolicy";
    if (r.Has("publicAccessBlock")) return "GetPublicAccessBlock";
    if (r.Has("ownershipControls")) return "GetBucketOwnershipControls";
    if (r.Has("acl")) return "GetBucketAcl";
    if (r.Has("uploads")) return "ListMultipartUploads";
    if (r.Has("versioning")) return "GetBucketVersioning";
    if (r.Has("encryption")) return "GetBucketEncryption";
    if (r.Param("list-type") == "2") return "ListObjectsV2";
    return "ListObjects";
  }
  if (method == "PUT") {
    if (r.Has("tagging")) return "PutBucketTagging";
    if (r.Has("policy")) return "PutBucketPolicy";
    if (r.Has("publicAccessBlock")) return "PutPublicAccessBlock";
    if (r.Has("ownershipControls")) return "PutBucketOwnershipControls";
    if (r.Has("acl")) return "PutBucketAcl";
    if (r.Has("versioning")) return "PutBucketVersioning";
    return "CreateBucket";
  }
  if (method == "HEAD") return "HeadBucket";
  if (method == "DELETE") {
    if (r.Has("tagging")) return "DeleteBucketTagging";
    if (r.Has("policy")) return "DeleteBucketPolicy";
    if (r.Has("publicAccessBlock")) return "DeletePublicAccessBlock";
    if (r.Has("ownershipControls")) return "DeleteBucketOwnershipControls";
    return "DeleteBucket";
  }
  if (method == "POST" && r.Has("delete")) return "DeleteObjects";
  return "";
}

std::string_view ObjectOperation(std::string_view method, const http::Request& head,
                                 const S3Request& r) {
  const bool copy = head.FindHeader("x-amz-copy-source").has_value();
  if (method == "PUT") {
    if (r.Has("partNumber") && r.Has("uploadId")) return copy ? "UploadPartCopy" : "UploadPart";
    if (r.Has("tagging")) return "PutObjectTagging";
    if (r.Has("acl")) return "PutObjectAcl";
    return copy ? "CopyObject" : "PutObject";
  }
  if (method == "GET") {
    if (r.Has("uploadId")) return "ListParts";
    if (r.Has("tagging")) return "GetObjectTagging";
    if (r.Has("acl")) return "GetObjectAcl";
    if (r.Has("attributes")) return "GetObjectAttributes";
    return "GetObject";
  }
  if (method == "HEAD") return "HeadObject";
  if (method == "DELETE") {
    if (r.Has("uploadId")) return "AbortMultipartUpload";
    if (r.Has("tagging")) return "DeleteObjectTagging";
    return "DeleteObject";
  }
  if (method == "POST") {
    if (r.Has("uploads")) return "CreateMultipartUpload";
    if (r.Has("uploadId")) return "CompleteMultipartUpload";
  }
  return "";
}

}  // namespace

std::string S3Request::Param(std::string_view name) const {
  auto it = query.find(name);
  return it == query.end() ? std::string() : it->second;
}

std::string S3Request::Resource() const {
  if (bucket.empty()) return "/";
  return key.empty() ? "/" + bucket : "/" + bucket + "/" + key;
}

std::optional<std::string> VirtualHostBucket(std::string_view host, std::string_view domain) {
  if (domain.empty()) return std::nullopt;
  // Strip a port (an IPv6 literal is never a virtual host).
  if (!host.empty() && host.front() != '[') {
    const size_t colon = host.rfind(':');
    if (colon != std::string_view::npos) host = host.substr(0, colon);
  }
  const std::string lower_host = AsciiLower(host);
  const std::string lower_domain = AsciiLower(domain);
  if (lower_host.size() <= lower_domain.size() + 1) return std::nullopt;
  const size_t dot = lower_host.size() - lower_domain.size() - 1;
  if (lower_host[dot] != '.' || lower_host.compare(dot + 1, std::string::npos, lower_domain) != 0) {
    return std::nullopt;
  }
  return lower_host.substr(0, dot);
}

StatusOr<S3Request> RouteS3Request(const http::Request& head, std::string_view domain) {
  S3Request r;
  std::optional<std::vector<QueryParam>> params = ParseQueryString(head.query());
  if (!params) return InvalidUri();
  for (QueryParam& p : *params) r.query.emplace(std::move(p.key), std::move(p.value));
  // SDKs add x-id=Operation for their own routing; it is not a sub-resource.
  r.query.erase("x-id");

  std::optional<std::string> path = UriDecode(head.path());
  if (!path || path->empty() || path->front() != '/') return InvalidUri();
  std::string_view rest = std::string_view(*path).substr(1);

  std::optional<std::string_view> host = head.FindHeader("Host");
  if (std::optional<std::string> bucket = VirtualHostBucket(host.value_or(""), domain)) {
    r.virtual_hosted = true;
    r.bucket = std::move(*bucket);
    r.key = std::string(rest);
  } else {
    const size_t slash = rest.find('/');
    r.bucket = std::string(rest.substr(0, slash));
    if (slash != std::string_view::npos) r.key = std::string(rest.substr(slash + 1));
  }

  const std::string_view method = head.method;
  std::string_view operation;
  if (r.bucket.empty()) {
    operation = ServiceOperation(method);
  } else if (r.key.empty()) {
    for (std::string_view sub : kUnimplementedBucketSubresources) {
      if (r.Has(sub) && !(sub == "encryption" && method == "GET")) {
        return NotImplemented("?" + std::string(sub));
      }
    }
    operation = BucketOperation(method, r);
  } else {
    operation = ObjectOperation(method, head, r);
  }
  if (operation.empty()) return MethodNotAllowed();
  r.operation = std::string(operation);
  return r;
}

}  // namespace sigil::s3
