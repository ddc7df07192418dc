// Test doubles for the client: an HttpClient that answers from a script and records calls.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "client/http_client.h"
#include "common/strings.h"

namespace sigil::client {

class FakeHttpClient final : public HttpClient {
 public:
  using Answer = std::function<http::Response(const HttpCall&)>;
  explicit FakeHttpClient(Answer answer) : answer_(std::move(answer)) {}
  StatusOr<http::Response> Send(const HttpCall& call) override {
    calls.push_back(call);
    return answer_(call);
  }
  // The form parameter `name` of a recorded call.
  static std::string Param(const HttpCall& call, const std::string& name) {
    for (const QueryParam& p : ParseQueryString(call.body).value_or(std::vector<QueryParam>{})) {
      if (p.key == name) return p.value;
    }
    return "";
  }
  std::vector<HttpCall> calls;

 private:
  Answer answer_;
};

}  // namespace sigil::client
