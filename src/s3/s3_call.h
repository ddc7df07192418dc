// Internal to s3/: one S3 call as it passes through the front (s3_service.cc) and its operation
// handlers (bucket_ops.cc, object_ops.cc, multipart_ops.cc, listing.cc). Not thread-safe: a
// call belongs to the connection serving it.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "http/message.h"
#include "identity/snapshot.h"
#include "s3/s3_auth.h"
#include "s3/s3_request.h"
#include "s3/s3_service.h"
#include "store/object_store.h"

namespace sigil::s3 {

struct Call {
  const S3Deps& deps;
  http::Request head;  // the request head (no body)
  S3Request request;
  std::string request_id;
  std::chrono::steady_clock::time_point started;
  TimePoint now{};
  std::shared_ptr<const IdentitySnapshot> snapshot;
  S3Authentication auth;
  std::optional<BucketRecord> bucket;  // loaded for bucket and object operations
  std::string action;                  // "s3:GetObject"
  // The object named, when admission already read it (for s3:ExistingObjectTag/*), so the
  // handler does not read it again.
  std::optional<ObjectRecord> object;
  BucketPolicyCache* policies = nullptr;  // the service's; set at admission

  // The caller's account; empty for anonymous requests.
  std::string account_id() const { return auth.who ? auth.who->principal.account_id : ""; }
  std::string caller_arn() const { return auth.who ? auth.who->principal.arn : ""; }
  std::optional<std::string_view> Header(std::string_view name) const {
    return head.FindHeader(name);
  }
};

// An operation whose request body (if any) is a small document, read whole first.
using DocumentHandler = std::function<StatusOr<http::Response>(Call&, std::string_view body)>;
// An operation that streams its body (PutObject, UploadPart): returns the consumer.
using StreamHandler =
    std::function<StatusOr<std::shared_ptr<http::BodyConsumer>>(std::shared_ptr<Call>)>;

// Handlers, by operation name (see RouteS3Request). Each assumes authentication and
// authorization have passed and call.bucket is loaded when the operation names a bucket (except
// CreateBucket).
DocumentHandler FindDocumentHandler(std::string_view operation);
StreamHandler FindStreamHandler(std::string_view operation);

// Bucket operations (bucket_ops.cc).
StatusOr<http::Response> ListBuckets(Call& call, std::string_view body);
StatusOr<http::Response> CreateBucket(Call& call, std::string_view body);
StatusOr<http::Response> HeadBucket(Call& call, std::string_view body);
StatusOr<http::Response> DeleteBucket(Call& call, std::string_view body);
StatusOr<http::Response> GetBucketLocation(Call& call, std::string_view body);
StatusOr<http::Response> GetBucketTagging(Call& call, std::string_view body);
StatusOr<http::Response> PutBucketTagging(Call& call, std::string_view body);
StatusOr<http::Response> DeleteBucketTagging(Call& call, std::string_view body);
StatusOr<http::Response> GetBucketPolicy(Call& call, std::string_view body);
StatusOr<http::Response> PutBucketPolicy(Call& call, std::string_view body);
StatusOr<http::Response> DeleteBucketPolicy(Call& call, std::string_view body);
StatusOr<http::Response> GetBucketPolicyStatus(Call& call, std::string_view body);
StatusOr<http::Response> GetPublicAccessBlock(Call& call, std::string_view body);
StatusOr<http::Response> PutPublicAccessBlock(Call& call, std::string_view body);
StatusOr<http::Response> DeletePublicAccessBlock(Call& call, std::string_view body);
StatusOr<http::Response> GetBucketOwnershipControls(Call& call, std::string_view body);
StatusOr<http::Response> PutBucketOwnershipControls(Call& call, std::string_view body);
StatusOr<http::Response> DeleteBucketOwnershipControls(Call& call, std::string_view body);
StatusOr<http::Response> GetBucketAcl(Call& call, std::string_view body);
StatusOr<http::Response> PutBucketAcl(Call& call, std::string_view body);
StatusOr<http::Response> GetBucketVersioning(Call& call, std::string_view body);
StatusOr<http::Response> PutBucketVersioning(Call& call, std::string_view body);
StatusOr<http::Response> GetBucketEncryption(Call& call, std::string_view body);

// Listing (listing.cc).
StatusOr<http::Response> ListObjectsV2(Call& call, std::string_view body);
StatusOr<http::Response> ListObjects(Call& call, std::string_view body);
StatusOr<http::Response> ListMultipartUploads(Call& call, std::string_view body);
StatusOr<http::Response> ListParts(Call& call, std::string_view body);

// Objects (object_ops.cc).
StatusOr<std::shared_ptr<http::BodyConsumer>> PutObject(std::shared_ptr<Call> call);
StatusOr<http::Response> GetObject(Call& call, std::string_view body);
StatusOr<http::Response> HeadObject(Call& call, std::string_view body);
StatusOr<http::Response> DeleteObject(Call& call, std::string_view body);
StatusOr<http::Response> DeleteObjects(Call& call, std::string_view body);
StatusOr<http::Response> CopyObject(Call& call, std::string_view body);
StatusOr<http::Response> GetObjectTagging(Call& call, std::string_view body);
StatusOr<http::Response> PutObjectTagging(Call& call, std::string_view body);
StatusOr<http::Response> DeleteObjectTagging(Call& call, std::string_view body);
StatusOr<http::Response> GetObjectAcl(Call& call, std::string_view body);
StatusOr<http::Response> PutObjectAcl(Call& call, std::string_view body);

// Multipart uploads (multipart_ops.cc).
StatusOr<http::Response> CreateMultipartUpload(Call& call, std::string_view body);
StatusOr<std::shared_ptr<http::BodyConsumer>> UploadPart(std::shared_ptr<Call> call);
StatusOr<http::Response> UploadPartCopy(Call& call, std::string_view body);
StatusOr<http::Response> CompleteMultipartUpload(Call& call, std::string_view body);
StatusOr<http::Response> AbortMultipartUpload(Call& call, std::string_view body);

// Ends a call whose body was streamed: logs it, counts it and renders the error or adds the
// request id (s3_service.cc).
http::Response FinishCall(Call& call, const Status& error);
http::Response FinishCall(Call& call, http::Response response);

// Shared by the handlers (s3_service.cc): an S3 XML response, 200 unless told.
http::Response XmlResponse(std::string body, int status = 200);
// Deletes blobs a write released; failures leave orphan files for the start-up sweep.
void ReleaseBlobs(const S3Deps& deps, const ReleasedBlobs& blobs);
// Authorizes one more action for the call's principal on another resource (CopyObject's
// source, each key of DeleteObjects), with the bucket's policy.
Status AuthorizeExtra(Call& call, const std::string& action, const std::string& resource,
                      const BucketRecord& bucket,
                      std::map<std::string, std::vector<std::string>> condition_keys = {});

}  // namespace sigil::s3
