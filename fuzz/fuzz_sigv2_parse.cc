// libFuzzer target for the SigV2 parsers: the input is used as an Authorization header value, as
// a query string (presigned form) and as a path, and whatever parses is pushed through the string
// to sign, the time rules and verification. Checks: claims that parse name a key and a signature;
// every error says something; the canonical resource always starts with '/'; a fuzzed signature
// never verifies.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "auth/sigv2.h"

namespace {

using sigil::auth::AuthError;
using sigil::auth::SigV2Claims;
using sigil::auth::SigV2ClaimsOrError;

constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

void Check(bool condition) {
  if (!condition) std::abort();
}

void Exercise(const sigil::http::Request& request) {
  SigV2ClaimsOrError result = sigil::auth::ExtractSigV2Claims(request);
  if (const auto* error = std::get_if<AuthError>(&result)) {
    Check(!error->message.empty());
    return;
  }
  const SigV2Claims& claims = std::get<SigV2Claims>(result);
  Check(!claims.access_key_id.empty());
  Check(!claims.signature.empty());
  Check(claims.location != sigil::auth::SignatureLocation::kQuery || claims.expires.has_value());
  for (std::string_view bucket : {"", "bucket"}) {
    sigil::auth::SigV2Options options;
    options.virtual_host_bucket = bucket;
    const std::string resource =
        sigil::auth::SigV2CanonicalResource(request.path(), request.query(), bucket);
    Check(!resource.empty() && resource.front() == '/');
    // At the request's own time for the query form, so the signature check is reached.
    const sigil::TimePoint now = claims.expires
                                     ? sigil::TimePoint(std::chrono::seconds(*claims.expires))
                                     : sigil::TimePoint(std::chrono::seconds(1795345200));
    std::optional<AuthError> error =
        sigil::auth::VerifySigV2(request, claims, kSecret, now, options);
    Check(error.has_value() && !error->message.empty());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);

  sigil::http::Request header_form;
  header_form.method = "PUT";
  header_form.target = "/bucket/key?uploadId=1&partNumber=2";
  header_form.headers = {{"Host", "localhost"},
                         {"Date", "Sun, 22 Nov 2026 11:00:00 GMT"},
                         {"x-amz-meta-a", "1"},
                         {"Authorization", input}};
  Exercise(header_form);

  sigil::http::Request query_form;
  query_form.method = "GET";
  query_form.target = "/bucket/key?" + input;
  query_form.headers = {{"Host", "localhost"}};
  Exercise(query_form);

  // The input as path and query of a request with a well-formed header, and as its date.
  sigil::http::Request path_form = header_form;
  path_form.target = "/" + input;
  path_form.headers.back().value = "AWS AKIAIOSFODNN7EXAMPLE:e5Fm9XF5lBklxzihnBV4c88J7jw=";
  Exercise(path_form);
  path_form.headers[1].value = input;
  path_form.headers.push_back({"x-amz-date", input});
  Exercise(path_form);
  return 0;
}
