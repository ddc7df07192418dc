// Reads an S3 request's addressing from its head: path-style (/bucket/key) or virtual-hosted
// (bucket.DOMAIN/key), the decoded bucket and key, the query parameters, and which S3 operation
// the method, sub-resources and headers name. Pure; thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "http/message.h"

namespace sigil::s3 {

struct S3Request {
  std::string operation;  // "PutObject", "ListObjectsV2", ...
  std::string bucket;     // empty for ListBuckets
  std::string key;        // decoded; empty for bucket operations
  bool virtual_hosted = false;
  // Decoded query parameters; a valueless sub-resource ("?uploads") maps to "".
  std::map<std::string, std::string, std::less<>> query;

  bool Has(std::string_view name) const { return query.contains(name); }
  std::string Param(std::string_view name) const;
  // "/bucket/key" as S3 names the resource in errors.
  std::string Resource() const;
};

// The bucket a Host header names under `domain` ("bucket.s3.example.com" under
// "s3.example.com"), if any. The port is ignored; an empty domain never matches.
std::optional<std::string> VirtualHostBucket(std::string_view host, std::string_view domain);

// Routes the head. Errors: InvalidURI for undecodable paths, MethodNotAllowed for a method S3
// does not offer on that resource, NotImplemented for sub-resources Sigil does not implement.
StatusOr<S3Request> RouteS3Request(const http::Request& head, std::string_view domain);

}  // namespace sigil::s3
