// libFuzzer target for the SigV4 parsers: the input is used as an Authorization header value, as
// a presigned query string and as a request path, and whatever parses is pushed through
// canonicalization and verification. Checks invariants the rest of Sigil relies on.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "auth/sigv4.h"

namespace {

using sigil::auth::AuthError;
using sigil::auth::ClaimsOrError;
using sigil::auth::SignatureClaims;

constexpr std::string_view kSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

void Check(bool condition) {
  if (!condition) std::abort();
}

// Claims that parse are well-formed: sorted lower-case signed headers including host (for
// ExtractClaims), and an error always says something.
void CheckResult(const ClaimsOrError& result, bool extracted) {
  if (const auto* error = std::get_if<AuthError>(&result)) {
    Check(!error->message.empty());
    return;
  }
  const SignatureClaims& claims = std::get<SignatureClaims>(result);
  bool host = false;
  for (size_t i = 0; i < claims.signed_headers.size(); ++i) {
    const std::string& name = claims.signed_headers[i];
    Check(!name.empty());
    for (char c : name) Check(!(c >= 'A' && c <= 'Z'));
    if (i > 0) Check(claims.signed_headers[i - 1] < name);
    host |= name == "host";
  }
  if (extracted) {
    Check(host);
    Check(claims.amz_date.size() == 16);
    if (claims.expires) Check(claims.expires->count() >= 1 && claims.expires->count() <= 604800);
  }
}

// Runs verification at the signing time so the canonicalization code is reached.
void Verify(const sigil::http::Request& request, const ClaimsOrError& result) {
  const auto* claims = std::get_if<SignatureClaims>(&result);
  if (claims == nullptr) return;
  sigil::auth::SigningKeyCache cache(4);
  for (auto mode : {sigil::auth::PathMode::kNormalized, sigil::auth::PathMode::kS3}) {
    sigil::auth::VerifyOptions options;
    options.path_mode = mode;
    options.payload_hash = std::string(sigil::auth::kUnsignedPayload);
    std::optional<AuthError> error =
        sigil::auth::VerifySignature(request, *claims, kSecret, claims->signed_at, options, cache);
    // A fuzzed signature matching an HMAC would be news.
    Check(error.has_value() || claims->signature.size() == 64);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);

  CheckResult(sigil::auth::ParseAuthorizationHeader(input), /*extracted=*/false);

  sigil::http::Request header_form;
  header_form.method = "GET";
  header_form.target = "/";
  header_form.headers = {{"Host", "example.amazonaws.com"},
                         {"X-Amz-Date", "20150830T123600Z"},
                         {"Authorization", input}};
  ClaimsOrError from_header = sigil::auth::ExtractClaims(header_form);
  CheckResult(from_header, /*extracted=*/true);
  Verify(header_form, from_header);

  sigil::http::Request query_form;
  query_form.method = "GET";
  query_form.target = "/a/../b//c?" + input;
  query_form.headers = {{"Host", "example.amazonaws.com"}};
  ClaimsOrError from_query = sigil::auth::ExtractClaims(query_form);
  CheckResult(from_query, /*extracted=*/true);
  Verify(query_form, from_query);

  // The input as a path (up to any '?') and query of a request signed by a well-formed header.
  sigil::http::Request path_form = header_form;
  path_form.target = "/" + input;
  path_form.headers.back().value =
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
      "SignedHeaders=host;x-amz-date, Signature=" +
      std::string(64, '0');
  ClaimsOrError from_path = sigil::auth::ExtractClaims(path_form);
  Check(std::holds_alternative<SignatureClaims>(from_path) ||
        std::get<AuthError>(from_path).reason == sigil::auth::AuthFailure::kIncompleteSignature);
  Verify(path_form, from_path);
  return 0;
}
