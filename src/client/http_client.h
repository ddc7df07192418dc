// Outgoing HTTP(S) for the client commands, on libcurl: TLS verified against the system CA store
// or AWS_CA_BUNDLE. HttpClient is the interface the AWS calls use, so tests can answer them
// without a network. CurlHttpClient is thread-compatible (one per thread).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "http/message.h"

namespace sigil::client {

struct HttpCall {
  std::string method = "POST";
  std::string url;  // absolute
  std::vector<http::Header> headers;
  std::string body;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // The response, whatever its status; kUnavailable when no response arrived (connection
  // refused, DNS, TLS verification, timeout), with libcurl's reason and what to check.
  virtual StatusOr<http::Response> Send(const HttpCall& call) = 0;
};

struct CurlOptions {
  std::string ca_bundle;  // a PEM file; empty: the system store
  bool verify_tls = true;
  long timeout_seconds = 30;
};

std::unique_ptr<HttpClient> MakeCurlHttpClient(CurlOptions options);

}  // namespace sigil::client
