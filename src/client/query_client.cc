#include "client/query_client.h"

#include <chrono>
#include <thread>

#include "client/request_signer.h"
#include "common/crypto.h"

namespace sigil::client {
namespace {

Status ErrorFromResponse(const ResolvedEndpoint& endpoint, std::string_view action,
                         const http::Response& response) {
  pugi::xml_document doc;
  std::string code = "HTTP" + std::to_string(response.status);
  std::string message;
  if (doc.load_buffer(response.body.data(), response.body.size())) {
    pugi::xml_node error = doc.child("ErrorResponse").child("Error");
    if (!error) error = doc.child("Response").child("Errors").child("Error");
    if (error) {
      code = error.child_value("Code");
      message = error.child_value("Message");
    }
  }
  std::string what = AsciiLower(endpoint.service) == "sts" ? "STS " : "IAM ";
  std::string text =
      what + std::string(action) + ": " + code + (message.empty() ? "" : ": ") + message;
  StatusCode canonical = StatusCode::kInvalidArgument;
  if (response.status >= 500) {
    canonical = StatusCode::kUnavailable;
  } else if (code == "InvalidClientTokenId" || code == "SignatureDoesNotMatch" ||
             code == "ExpiredToken" || code == "MissingAuthenticationToken" ||
             code == "IncompleteSignature") {
    canonical = StatusCode::kUnauthenticated;
  } else if (response.status == 403) {
    canonical = StatusCode::kPermissionDenied;
  } else if (response.status == 404) {
    canonical = StatusCode::kNotFound;
  } else if (code == "LimitExceeded" || code == "Throttling") {
    canonical = StatusCode::kResourceExhausted;
  } else if (code == "EntityAlreadyExists") {
    canonical = StatusCode::kAlreadyExists;
  } else if (response.status == 409) {
    canonical = StatusCode::kFailedPrecondition;
  }
  return AwsError(canonical, code, text).WithHttpStatus(response.status);
}

bool Retryable(const Status& s) {
  return s.code() == StatusCode::kUnavailable || s.aws_code() == "Throttling";
}

// A call that creates something is never repeated: a lost answer to CreateAccessKey must not
// leave two new keys behind (rotation recovers the one it cannot see instead).
bool SafeToRepeat(std::string_view action) {
  return !StartsWith(action, "Create") && action != "EnableMFADevice";
}

}  // namespace

StatusOr<std::unique_ptr<pugi::xml_document>> QueryClient::Call(
    const ResolvedEndpoint& endpoint, const Credentials& credentials, std::string_view action,
    const std::vector<QueryParam>& params) {
  std::string body = "Action=" + UriEncode(action) +
                     "&Version=" + (endpoint.service == "iam" ? "2010-05-08" : "2011-06-15");
  for (const QueryParam& p : params) body += "&" + UriEncode(p.key) + "=" + UriEncode(p.value);
  Status last;
  const int attempts = SafeToRepeat(action) ? 3 : 1;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(300 << attempt));
    HttpCall call;
    call.url = endpoint.url + "/";
    call.body = body;
    call.headers.push_back({"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"});
    call.headers.push_back({"User-Agent", "sigil-client/1"});
    SIGIL_RETURN_IF_ERROR(SignRequest(call, credentials, endpoint, clock_.Now()));
    StatusOr<http::Response> response = http_.Send(call);
    SecureWipe(call.body);
    if (!response.ok()) {
      last = response.status();
      continue;
    }
    if (response->status != 200) {
      last = ErrorFromResponse(endpoint, action, *response);
      if (Retryable(last)) continue;
      SecureWipe(body);
      return last;
    }
    auto doc = std::make_unique<pugi::xml_document>();
    pugi::xml_parse_result parsed = doc->load_buffer(response->body.data(), response->body.size());
    SecureWipe(response->body);  // it may carry new secrets; the document holds its own copy
    SecureWipe(body);
    if (!parsed) {
      return InternalError(std::string(action) + ": the answer from " + endpoint.url +
                           " is not XML (is this an AWS-compatible endpoint?)");
    }
    return doc;
  }
  SecureWipe(body);
  return last;
}

pugi::xml_node ResultNode(const pugi::xml_document& doc, std::string_view action) {
  std::string response_name = std::string(action) + "Response";
  std::string result_name = std::string(action) + "Result";
  return doc.child(response_name.c_str()).child(result_name.c_str());
}

std::string ResultText(const pugi::xml_document& doc, std::string_view action,
                       std::string_view path) {
  pugi::xml_node node = ResultNode(doc, action);
  for (std::string_view part : Split(path, '/')) {
    node = node.child(std::string(part).c_str());
  }
  return node.child_value();
}

}  // namespace sigil::client
