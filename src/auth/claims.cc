// Reading what a request claims about its signature: the Authorization header or the presigned
// query parameters. Messages follow AWS's wording, minus the parts where AWS echoes the whole
// Authorization header (it carries the signature).
#include <charconv>

#include "auth/sigv4.h"
#include "common/strings.h"
#include "common/time_format.h"

namespace sigil::auth {
namespace {

AuthError Incomplete(std::string message) {
  return AuthError{AuthFailure::kIncompleteSignature, std::move(message)};
}

AuthError MissingAuthentication() {
  return AuthError{AuthFailure::kMissingAuthentication, "Request is missing Authentication Token"};
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// Echoes the algorithm only when it looks like one ("AWS4-HMAC-SHA512"): a garbled header could
// otherwise put the signature into the message.
std::string UnsupportedAlgorithm(std::string_view algorithm) {
  bool plausible = !algorithm.empty() && algorithm.size() <= 32;
  for (char c : algorithm) {
    plausible &= (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  }
  return "Unsupported AWS 'algorithm': '" + std::string(plausible ? algorithm : "?") + "' (only " +
         std::string(kAlgorithm) + " for now).";
}

// "AKID/20150830/us-east-1/iam/aws4_request": exactly five '/'-separated parts. The value is not
// echoed in the error: a client that swapped key id and secret would see its secret there.
std::optional<AuthError> ParseCredential(std::string_view value, CredentialScope* scope) {
  std::string_view parts[5];
  size_t count = 0;
  size_t start = 0;
  while (true) {
    size_t slash = value.find('/', start);
    std::string_view part = value.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (count < 5) parts[count] = part;
    ++count;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (count != 5) {
    return Incomplete(
        "Credential must have exactly 5 slash-delimited elements, e.g. "
        "keyid/date/region/service/term");
  }
  scope->access_key_id.assign(parts[0]);
  scope->date.assign(parts[1]);
  scope->region.assign(parts[2]);
  scope->service.assign(parts[3]);
  scope->terminator.assign(parts[4]);
  return std::nullopt;
}

// "host;x-amz-date": lower-case names, strictly sorted (so no duplicates), none empty.
std::optional<AuthError> ParseSignedHeaders(std::string_view value, std::vector<std::string>* out) {
  out->clear();
  size_t start = 0;
  std::string_view previous;
  while (start <= value.size()) {
    size_t semi = value.find(';', start);
    if (semi == std::string_view::npos) semi = value.size();
    std::string_view name = value.substr(start, semi - start);
    start = semi + 1;
    bool lower = !name.empty();
    for (char c : name) {
      if ((c >= 'A' && c <= 'Z') || IsSpace(c) || c == ':') lower = false;
    }
    if (!lower || (!out->empty() && name <= previous)) {
      return Incomplete(
          "SignedHeaders must be lower-case header names, sorted and separated by "
          "';': got '" +
          std::string(value) + "'.");
    }
    out->emplace_back(name);
    previous = out->back();
  }
  return std::nullopt;
}

// AWS reports every scope problem it finds in one message.
std::string ScopeProblems(const CredentialScope& scope, std::string_view amz_date) {
  std::string message;
  if (scope.terminator != kTerminator) {
    message += "Credential should be scoped with a valid terminator: '" + std::string(kTerminator) +
               "', not '" + scope.terminator + "'.";
  }
  if (!amz_date.empty() && scope.date != amz_date.substr(0, 8)) {
    if (!message.empty()) message += ' ';
    message +=
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
        "HTTP: '" +
        scope.date + "' != '" + std::string(amz_date.substr(0, 8)) + "', from '" +
        std::string(amz_date) + "'.";
  }
  return message;
}

// The header form, without the scope checks. `has_date` tells whether the request has an
// X-Amz-Date or Date header: AWS lists that in the same message as the missing parameters.
ClaimsOrError ParseHeader(std::string_view value, bool has_date) {
  value = TrimWhitespace(value);
  size_t space = 0;
  while (space < value.size() && !IsSpace(value[space]) && value[space] != ',') ++space;
  std::string_view algorithm = value.substr(0, space);
  std::string_view rest = value.substr(space);

  std::optional<std::string_view> credential, signed_headers, signature;
  bool bad_pair = false;
  size_t i = 0;
  while (i < rest.size()) {
    while (i < rest.size() && (IsSpace(rest[i]) || rest[i] == ',')) ++i;
    size_t begin = i;
    while (i < rest.size() && !IsSpace(rest[i]) && rest[i] != ',') ++i;
    std::string_view token = rest.substr(begin, i - begin);
    if (token.empty()) break;
    size_t eq = token.find('=');
    if (eq == std::string_view::npos) {
      bad_pair = true;
      continue;
    }
    std::string_view key = token.substr(0, eq);
    std::string_view v = token.substr(eq + 1);
    if (key == "Credential") {
      credential = v;
    } else if (key == "SignedHeaders") {
      signed_headers = v;
    } else if (key == "Signature") {
      signature = v;
    }  // AWS ignores parameters it does not know.
  }
  if (bad_pair) {
    // AWS quotes the offending piece and the whole header; both may carry the signature.
    return Incomplete(
        "Authorization header contains a part that is not a valid key=value pair "
        "(missing equal-sign).");
  }

  std::string missing;
  auto require = [&](const std::optional<std::string_view>& part, std::string_view name) {
    if (part && !part->empty()) return;
    if (!missing.empty()) missing += ' ';
    missing += "Authorization header requires '" + std::string(name) + "' parameter.";
  };
  require(credential, "Credential");
  require(signature, "Signature");
  require(signed_headers, "SignedHeaders");
  if (!has_date) {
    if (!missing.empty()) missing += ' ';
    missing +=
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
        "header.";
  }
  if (!missing.empty()) return Incomplete(std::move(missing));
  if (algorithm != kAlgorithm) return Incomplete(UnsupportedAlgorithm(algorithm));

  SignatureClaims claims;
  claims.location = SignatureLocation::kHeader;
  if (auto error = ParseCredential(*credential, &claims.scope)) return *error;
  if (auto error = ParseSignedHeaders(*signed_headers, &claims.signed_headers)) return *error;
  claims.signature.assign(*signature);
  return claims;
}

// The X-Amz-* parameters of a presigned query, percent-decoded; the first occurrence wins.
struct QueryAuth {
  std::optional<std::string> algorithm, credential, date, expires, signed_headers, signature,
      security_token;
  bool Any() const { return algorithm || credential || signature; }
};

std::string Decode(std::string_view s) {
  if (s.find_first_of("%+") == std::string_view::npos) return std::string(s);
  auto decoded = UriDecode(s, /*plus_as_space=*/true);
  return decoded ? std::move(*decoded) : std::string(s);
}

QueryAuth ScanQuery(std::string_view query) {
  QueryAuth q;
  size_t start = 0;
  while (start < query.size()) {
    size_t amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view piece = query.substr(start, amp - start);
    start = amp + 1;
    // Every auth parameter starts with "X-Amz-"; skip the rest without decoding.
    if (piece.size() < 6 || !EqualsIgnoreCase(piece.substr(0, 6), "X-Amz-")) continue;
    size_t eq = piece.find('=');
    std::string key = Decode(piece.substr(0, eq));
    std::string_view raw_value =
        eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1);
    std::optional<std::string>* slot = nullptr;
    if (key == "X-Amz-Algorithm") {
      slot = &q.algorithm;
    } else if (key == "X-Amz-Credential") {
      slot = &q.credential;
    } else if (key == "X-Amz-Date") {
      slot = &q.date;
    } else if (key == "X-Amz-Expires") {
      slot = &q.expires;
    } else if (key == "X-Amz-SignedHeaders") {
      slot = &q.signed_headers;
    } else if (key == "X-Amz-Signature") {
      slot = &q.signature;
    } else if (key == "X-Amz-Security-Token") {
      slot = &q.security_token;
    }
    if (slot != nullptr && !*slot) *slot = Decode(raw_value);
  }
  return q;
}

std::string BadDate(std::string_view value) {
  return "Date must be in ISO-8601 'basic format'. Got '" + std::string(value) +
         "'. See http://en.wikipedia.org/wiki/ISO_8601";
}

// X-Amz-Expires: a decimal integer in [1, 604800].
std::optional<AuthError> ParseExpires(std::string_view value, std::chrono::seconds* out) {
  auto invalid = [](std::string message) {
    return AuthError{AuthFailure::kInvalidExpires, std::move(message)};
  };
  bool negative = !value.empty() && value.front() == '-';
  std::string_view digits = negative ? value.substr(1) : value;
  int64_t n = 0;
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  bool all_digits = !digits.empty() && end == digits.data() + digits.size();
  if (!all_digits || (ec != std::errc() && ec != std::errc::result_out_of_range)) {
    return invalid("X-Amz-Expires should be a number");
  }
  if (negative && (n > 0 || ec == std::errc::result_out_of_range)) {
    return invalid("X-Amz-Expires must be non-negative");
  }
  if (ec == std::errc::result_out_of_range || n > kMaxPresignedLifetime.count()) {
    return invalid(
        "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires "
        "must be less than 604800 seconds");
  }
  if (n < 1) return invalid("X-Amz-Expires must be at least 1 second");
  *out = std::chrono::seconds(n);
  return std::nullopt;
}

ClaimsOrError ExtractFromHeader(const http::Request& request, std::string_view authorization) {
  std::optional<std::string_view> x_amz_date = request.FindHeader("X-Amz-Date");
  std::optional<std::string_view> date = request.FindHeader("Date");
  ClaimsOrError parsed = ParseHeader(authorization, x_amz_date.has_value() || date.has_value());
  if (std::holds_alternative<AuthError>(parsed)) return parsed;
  auto& claims = std::get<SignatureClaims>(parsed);

  if (x_amz_date) {
    std::string_view value = TrimWhitespace(*x_amz_date);
    std::optional<TimePoint> t = ParseAmzDate(value);
    if (!t) return Incomplete(BadDate(value));
    claims.amz_date.assign(value);
    claims.signed_at = *t;
  } else {
    // The Date header may be ISO 8601 basic or RFC 7231; the string to sign uses the basic form.
    std::string_view value = TrimWhitespace(*date);
    std::optional<TimePoint> t = ParseAmzDate(value);
    if (!t) t = ParseHttpDate(value);
    if (!t) return Incomplete(BadDate(value));
    claims.amz_date = FormatAmzDate(*t);
    claims.signed_at = *t;
  }
  if (auto token = request.FindHeader("X-Amz-Security-Token")) {
    claims.security_token.emplace(TrimWhitespace(*token));
  }
  return parsed;
}

ClaimsOrError ExtractFromQuery(const http::Request& request, QueryAuth& q) {
  std::string missing;
  auto require = [&](const std::optional<std::string>& value, std::string_view name) {
    if (value && !value->empty()) return;
    missing += "AWS query-string parameters must include '" + std::string(name) + "'. ";
  };
  require(q.algorithm, "X-Amz-Algorithm");
  require(q.credential, "X-Amz-Credential");
  require(q.signature, "X-Amz-Signature");
  require(q.signed_headers, "X-Amz-SignedHeaders");
  require(q.date, "X-Amz-Date");
  if (!missing.empty()) return Incomplete(missing + "Re-examine the query-string parameters.");
  if (*q.algorithm != kAlgorithm) return Incomplete(UnsupportedAlgorithm(*q.algorithm));

  SignatureClaims claims;
  claims.location = SignatureLocation::kQuery;
  if (auto error = ParseCredential(*q.credential, &claims.scope)) return *error;
  std::optional<TimePoint> t = ParseAmzDate(*q.date);
  if (!t) return Incomplete(BadDate(*q.date));
  claims.amz_date = std::move(*q.date);
  claims.signed_at = *t;
  if (q.expires) {
    std::chrono::seconds expires{};
    if (auto error = ParseExpires(*q.expires, &expires)) return *error;
    claims.expires = expires;
  }
  if (auto error = ParseSignedHeaders(*q.signed_headers, &claims.signed_headers)) return *error;
  claims.signature = std::move(*q.signature);
  if (q.security_token) {
    claims.security_token = std::move(q.security_token);
  } else if (auto token = request.FindHeader("X-Amz-Security-Token")) {
    claims.security_token.emplace(TrimWhitespace(*token));
  }
  return claims;
}

}  // namespace

ClaimsOrError ParseAuthorizationHeader(std::string_view value) {
  ClaimsOrError parsed = ParseHeader(value, /*has_date=*/true);
  if (auto* claims = std::get_if<SignatureClaims>(&parsed)) {
    std::string problems = ScopeProblems(claims->scope, std::string_view());
    if (!problems.empty()) return AuthError{AuthFailure::kInvalidScope, std::move(problems)};
  }
  return parsed;
}

ClaimsOrError ExtractClaims(const http::Request& request) {
  std::optional<std::string_view> authorization = request.FindHeader("Authorization");
  QueryAuth q = ScanQuery(request.query());
  ClaimsOrError result;
  if (authorization) {
    if (q.algorithm) {
      return Incomplete(
          "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP "
          "header.");
    }
    // Anything but a SigV4 header (SigV2 "AWS ...", "Bearer ...") counts as no authentication.
    if (!StartsWith(TrimWhitespace(*authorization), "AWS4-")) return MissingAuthentication();
    result = ExtractFromHeader(request, *authorization);
  } else if (q.Any()) {
    result = ExtractFromQuery(request, q);
  } else {
    return MissingAuthentication();
  }
  auto* claims = std::get_if<SignatureClaims>(&result);
  if (claims == nullptr) return result;

  bool host_signed = false;
  for (const std::string& name : claims->signed_headers) host_signed |= name == "host";
  if (!host_signed) return Incomplete("'Host' must be a 'SignedHeader' in the AWS Authorization.");

  std::string problems = ScopeProblems(claims->scope, claims->amz_date);
  if (!problems.empty()) return AuthError{AuthFailure::kInvalidScope, std::move(problems)};

  if (auto content_sha256 = request.FindHeader("x-amz-content-sha256")) {
    claims->content_sha256.emplace(TrimWhitespace(*content_sha256));
  }
  return result;
}

std::string AuthorizationHeaderValue(const CredentialScope& scope,
                                     std::span<const std::string> signed_headers,
                                     std::string_view signature) {
  std::string out(kAlgorithm);
  out += " Credential=";
  out += scope.access_key_id;
  out += '/';
  out += scope.ScopeString();
  out += ", SignedHeaders=";
  for (size_t i = 0; i < signed_headers.size(); ++i) {
    if (i > 0) out += ';';
    out += signed_headers[i];
  }
  out += ", Signature=";
  out += signature;
  return out;
}

}  // namespace sigil::auth
