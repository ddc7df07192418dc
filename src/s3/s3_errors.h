// S3's error vocabulary: the codes, HTTP statuses and messages S3 answers with, as Status values
// (aws_code + http status), and the XML error document. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "http/message.h"

namespace sigil::s3 {

// An S3 error: `code` is S3's error code ("NoSuchBucket"), `http_status` its status.
Status S3Error(int http_status, std::string code, std::string message);

Status NoSuchBucket();
Status NoSuchKey();
Status NoSuchUpload();
Status AccessDenied(std::string message = "Access Denied");
Status InvalidArgument(std::string message);
Status InvalidRequest(std::string message);
Status NotImplemented(std::string what);
Status S3InternalError();

// The XML error document S3 sends, with Resource and RequestId; a HEAD response gets the status
// and headers only (the server sends no body for HEAD).
http::Response RenderS3Error(const Status& status, std::string_view resource,
                             std::string_view request_id);

}  // namespace sigil::s3
