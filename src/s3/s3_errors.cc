#include "s3/s3_errors.h"

#include "s3/s3_xml.h"

namespace sigil::s3 {

namespace {

StatusCode CodeFor(int http_status) {
  switch (http_status) {
    case 400:
      return StatusCode::kInvalidArgument;
    case 403:
      return StatusCode::kPermissionDenied;
    case 404:
      return StatusCode::kNotFound;
    case 409:
      return StatusCode::kAlreadyExists;
    case 412:
      return StatusCode::kFailedPrecondition;
    case 501:
      return StatusCode::kUnimplemented;
    default:
      return http_status >= 500 ? StatusCode::kInternal : StatusCode::kInvalidArgument;
  }
}

}  // namespace

Status S3Error(int http_status, std::string code, std::string message) {
  return AwsError(CodeFor(http_status), std::move(code), std::move(message))
      .WithHttpStatus(http_status);
}

Status NoSuchBucket() {
  return S3Error(404, "NoSuchBucket", "The specified bucket does not exist");
}
Status NoSuchKey() { return S3Error(404, "NoSuchKey", "The specified key does not exist."); }
Status NoSuchUpload() {
  return S3Error(404, "NoSuchUpload",
                 "The specified upload does not exist. The upload ID may be invalid, or the "
                 "upload may have been aborted or completed.");
}
Status AccessDenied(std::string message) {
  return S3Error(403, "AccessDenied", std::move(message));
}
Status InvalidArgument(std::string message) {
  return S3Error(400, "InvalidArgument", std::move(message));
}
Status InvalidRequest(std::string message) {
  return S3Error(400, "InvalidRequest", std::move(message));
}
Status NotImplemented(std::string what) {
  return S3Error(
      501, "NotImplemented",
      "A header or query you provided implies functionality that is not implemented: " + what);
}
Status S3InternalError() {
  return S3Error(500, "InternalError", "We encountered an internal error. Please try again.");
}

http::Response RenderS3Error(const Status& status, std::string_view resource,
                             std::string_view request_id) {
  std::string code = status.aws_code();
  std::string message = status.message();
  int http_status = status.http_status();
  if (code.empty()) {
    // A failure that is not S3's to name (a disk error, a database error): never its text.
    code = "InternalError";
    message = "We encountered an internal error. Please try again.";
    http_status = 500;
  }
  XmlWriter xml("Error", /*with_namespace=*/false);
  xml.Add("Code", code);
  xml.Add("Message", message);
  if (!resource.empty()) xml.Add("Resource", resource);
  xml.Add("RequestId", request_id);
  http::Response response;
  response.status = http_status;
  response.SetHeader("Content-Type", "application/xml");
  response.SetHeader("x-amz-request-id", std::string(request_id));
  response.body = xml.Finish();
  return response;
}

}  // namespace sigil::s3
