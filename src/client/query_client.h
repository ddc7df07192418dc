// AWS query-protocol calls (STS, IAM) from the client: form-encoded Action=…&Version=…, signed
// with SigV4, XML answers parsed with pugixml, and AWS's <ErrorResponse> turned into a Status
// that carries the AWS code. Transient failures (no response, 5xx, throttling) are retried
// twice with back-off, except for calls that create something. Thread-compatible (as the
// HttpClient it uses).
#pragma once

#include <memory>
#include <pugixml.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "client/credentials.h"
#include "client/endpoints.h"
#include "client/http_client.h"
#include "common/clock.h"
#include "common/status.h"
#include "common/strings.h"

namespace sigil::client {

class QueryClient {
 public:
  QueryClient(HttpClient& http, const Clock& clock) : http_(http), clock_(clock) {}

  // Calls `action` with `params` (Action and Version are added: 2011-06-15 for STS, 2010-05-08
  // for IAM). Returns the parsed <ActionResponse> document. An AWS error becomes a Status with
  // the AWS code and message ("STS GetSessionToken: AccessDenied: …"); kUnauthenticated for
  // InvalidClientTokenId, SignatureDoesNotMatch and ExpiredToken, kPermissionDenied for other
  // 403s, kNotFound for 404, kResourceExhausted for LimitExceeded, kUnavailable for 5xx and
  // unreachable endpoints, kInternal for an answer that is not XML.
  StatusOr<std::unique_ptr<pugi::xml_document>> Call(const ResolvedEndpoint& endpoint,
                                                     const Credentials& credentials,
                                                     std::string_view action,
                                                     const std::vector<QueryParam>& params);

 private:
  HttpClient& http_;
  const Clock& clock_;
};

// The text of the element at `path` below the <ActionResponse>/<ActionResult> of `doc`
// ("Credentials/AccessKeyId"); empty when absent.
std::string ResultText(const pugi::xml_document& doc, std::string_view action,
                       std::string_view path);
// The <ActionResult> element (or an empty node).
pugi::xml_node ResultNode(const pugi::xml_document& doc, std::string_view action);

}  // namespace sigil::client
