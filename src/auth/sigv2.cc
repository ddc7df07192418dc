#include "auth/sigv2.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <vector>

#include "common/crypto.h"
#include "common/strings.h"
#include "common/time_format.h"

namespace sigil::auth {

namespace {

constexpr std::string_view kHeaderPrefix = "AWS ";
constexpr std::string_view kMalformedHeader =
    "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature";
constexpr std::string_view kMissingQueryParameters =
    "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters";
constexpr std::string_view kTwoMechanisms =
    "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query "
    "string parameter or the Authorization header should be specified";
constexpr std::string_view kMissingDate =
    "AWS authentication requires a valid Date or x-amz-date header";
constexpr std::string_view kSkewedMessage =
    "The difference between the request time and the current time is too large.";
constexpr std::string_view kMismatchMessage =
    "The request signature we calculated does not match the signature you provided. Check your "
    "key and signing method.";

// The query parameters that name an S3 sub-resource and so are signed: botocore's HmacV1Auth
// list, a superset of the one in the S3 docs (acl, lifecycle, location, logging, notification,
// partNumber, policy, requestPayment, torrent, uploadId, uploads, versionId, versioning, versions,
// website, response-*, delete, cors, restore, tagging). Sorted for binary search.
constexpr std::array<std::string_view, 35> kSubResources = {
    "accelerate",
    "acl",
    "analytics",
    "cors",
    "defaultObjectAcl",
    "delete",
    "inventory",
    "lifecycle",
    "location",
    "logging",
    "metrics",
    "notification",
    "object-lock",
    "partNumber",
    "policy",
    "replication",
    "requestPayment",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "restore",
    "select",
    "select-type",
    "storageClass",
    "tagging",
    "torrent",
    "uploadId",
    "uploads",
    "versionId",
    "versioning",
    "versions",
    "website",
};

static_assert(std::is_sorted(kSubResources.begin(), kSubResources.end()));

bool IsSubResource(std::string_view key) {
  return std::binary_search(kSubResources.begin(), kSubResources.end(), key);
}

// One raw query pair: the key and value percent-decoded ('+' kept: base64 signatures contain it),
// `has_value` false for a bare "key".
struct RawParam {
  std::string key;
  std::string value;
  bool has_value = false;
};

std::vector<RawParam> SplitQuery(std::string_view query) {
  std::vector<RawParam> out;
  if (query.empty()) return out;
  for (std::string_view piece : Split(query, '&')) {
    if (piece.empty()) continue;
    RawParam p;
    const size_t eq = piece.find('=');
    std::string_view key = piece.substr(0, eq);
    p.key = UriDecode(key).value_or(std::string(key));
    if (eq != std::string_view::npos) {
      std::string_view value = piece.substr(eq + 1);
      p.value = UriDecode(value).value_or(std::string(value));
      p.has_value = true;
    }
    out.push_back(std::move(p));
  }
  return out;
}

const RawParam* FindParam(const std::vector<RawParam>& params, std::string_view key) {
  for (const RawParam& p : params) {
    if (p.key == key) return &p;
  }
  return nullptr;
}

// Seconds since the epoch, up to the end of year 9999 (so that any TimePoint arithmetic on it
// stays far from overflow).
std::optional<int64_t> ParseEpochSeconds(std::string_view s) {
  constexpr int64_t kMax = 253402300799;  // 9999-12-31T23:59:59Z
  if (s.empty() || s.size() > 18) return std::nullopt;
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value, 10);
  if (ec != std::errc() || ptr != s.data() + s.size() || value < 0 || value > kMax) {
    return std::nullopt;
  }
  return value;
}

// RFC 7231 IMF-fixdate, RFC 1123 with a numeric zone ("Tue, 27 Mar 2007 19:36:42 +0000", as the
// S3 docs and s3cmd write it), or the ISO 8601 basic format.
std::optional<TimePoint> ParseSigV2Date(std::string_view s) {
  s = TrimWhitespace(s);
  if (std::optional<TimePoint> t = ParseHttpDate(s)) return t;
  if (std::optional<TimePoint> t = ParseAmzDate(s)) return t;
  const size_t space = s.rfind(' ');
  if (space == std::string_view::npos) return std::nullopt;
  const std::string_view zone = s.substr(space + 1);
  if (zone == "UTC" || zone == "UT" || zone == "Z") {
    return ParseHttpDate(std::string(s.substr(0, space)) + " GMT");
  }
  if (zone.size() != 5 || (zone[0] != '+' && zone[0] != '-') ||
      !std::all_of(zone.begin() + 1, zone.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::optional<TimePoint> t = ParseHttpDate(std::string(s.substr(0, space)) + " GMT");
  if (!t) return std::nullopt;
  const int hours = (zone[1] - '0') * 10 + (zone[2] - '0');
  const int minutes = (zone[3] - '0') * 10 + (zone[4] - '0');
  const std::chrono::minutes offset(hours * 60 + minutes);
  return zone[0] == '+' ? *t - offset : *t + offset;
}

std::optional<std::string_view> HeaderValue(const http::Request& request, std::string_view name) {
  return request.FindHeader(name);
}

// Trimmed, with folded lines (a line break and the blanks after it) turned into one space.
std::string UnfoldValue(std::string_view value) {
  value = TrimWhitespace(value);
  std::string out;
  out.reserve(value.size());
  for (size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '\r' && value[i] != '\n') {
      out += value[i];
      continue;
    }
    while (i + 1 < value.size() && (value[i + 1] == '\r' || value[i + 1] == '\n' ||
                                    value[i + 1] == ' ' || value[i + 1] == '\t')) {
      ++i;
    }
    out += ' ';
  }
  return out;
}

}  // namespace

bool HasSigV2Signature(const http::Request& request) {
  if (std::optional<std::string_view> auth = request.FindHeader("Authorization")) {
    if (StartsWith(*auth, kHeaderPrefix)) return true;
  }
  const std::vector<RawParam> params = SplitQuery(request.query());
  return FindParam(params, "AWSAccessKeyId") != nullptr ||
         FindParam(params, "Signature") != nullptr;
}

SigV2ClaimsOrError ExtractSigV2Claims(const http::Request& request) {
  const std::vector<RawParam> params = SplitQuery(request.query());
  const bool query_form =
      FindParam(params, "AWSAccessKeyId") != nullptr || FindParam(params, "Signature") != nullptr;
  std::optional<std::string_view> auth = request.FindHeader("Authorization");
  const bool header_form = auth.has_value() && StartsWith(*auth, kHeaderPrefix);
  const bool v4_query = FindParam(params, "X-Amz-Algorithm") != nullptr;
  if (!header_form && !query_form) {
    return AuthError{AuthFailure::kMissingAuthentication, "Request is not signed with SigV2"};
  }
  if ((header_form && query_form) || (query_form && (auth.has_value() || v4_query))) {
    return AuthError{AuthFailure::kIncompleteSignature, std::string(kTwoMechanisms)};
  }

  SigV2Claims claims;
  if (header_form) {
    claims.location = SignatureLocation::kHeader;
    std::string_view rest = TrimWhitespace(auth->substr(kHeaderPrefix.size()));
    const size_t colon = rest.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon + 1 == rest.size() ||
        rest.find_first_of(" \t", 0) != std::string_view::npos) {
      return AuthError{AuthFailure::kIncompleteSignature, std::string(kMalformedHeader)};
    }
    claims.access_key_id = std::string(rest.substr(0, colon));
    claims.signature = std::string(rest.substr(colon + 1));
    if (std::optional<std::string_view> token = request.FindHeader("x-amz-security-token")) {
      claims.security_token = std::string(TrimWhitespace(*token));
    }
    return claims;
  }

  claims.location = SignatureLocation::kQuery;
  const RawParam* key = FindParam(params, "AWSAccessKeyId");
  const RawParam* signature = FindParam(params, "Signature");
  const RawParam* expires = FindParam(params, "Expires");
  if (key == nullptr || signature == nullptr || expires == nullptr || key->value.empty() ||
      signature->value.empty()) {
    return AuthError{AuthFailure::kIncompleteSignature, std::string(kMissingQueryParameters)};
  }
  claims.access_key_id = key->value;
  claims.signature = signature->value;
  claims.expires = ParseEpochSeconds(expires->value);
  if (!claims.expires) {
    return AuthError{AuthFailure::kInvalidExpires,
                     "Invalid date (should be seconds since epoch): " + expires->value};
  }
  for (const RawParam& p : params) {
    if (EqualsIgnoreCase(p.key, "x-amz-security-token")) claims.security_token = p.value;
  }
  if (!claims.security_token) {
    if (std::optional<std::string_view> token = request.FindHeader("x-amz-security-token")) {
      claims.security_token = std::string(TrimWhitespace(*token));
    }
  }
  return claims;
}

std::string SigV2CanonicalResource(std::string_view raw_path, std::string_view raw_query,
                                   std::string_view virtual_host_bucket) {
  std::string out;
  if (!virtual_host_bucket.empty()) out = "/" + std::string(virtual_host_bucket);
  out += raw_path.empty() ? std::string_view("/") : raw_path;
  std::vector<RawParam> sub;
  for (RawParam& p : SplitQuery(raw_query)) {
    if (IsSubResource(p.key)) sub.push_back(std::move(p));
  }
  if (sub.empty()) return out;
  std::stable_sort(sub.begin(), sub.end(),
                   [](const RawParam& a, const RawParam& b) { return a.key < b.key; });
  out += '?';
  for (size_t i = 0; i < sub.size(); ++i) {
    if (i > 0) out += '&';
    out += sub[i].key;
    if (sub[i].has_value) out += "=" + sub[i].value;
  }
  return out;
}

namespace {

// `omit_amz_date`: leave x-amz-date out of the CanonicalizedAmzHeaders (the S3 docs' DELETE
// example, which puts its value on the Date line instead).
std::string StringToSign(const http::Request& request, const SigV2Claims& claims,
                         std::string_view date, std::string_view virtual_host_bucket,
                         bool omit_amz_date) {
  const bool query_form = claims.location == SignatureLocation::kQuery;
  const std::vector<RawParam> params =
      query_form ? SplitQuery(request.query()) : std::vector<RawParam>{};
  auto positional = [&](std::string_view name) -> std::string {
    if (std::optional<std::string_view> v = HeaderValue(request, name)) {
      return std::string(TrimWhitespace(*v));
    }
    for (const RawParam& p : params) {
      if (EqualsIgnoreCase(p.key, name)) return std::string(TrimWhitespace(p.value));
    }
    return "";
  };

  std::map<std::string, std::string> amz;  // sorted by lower-case name
  for (const http::Header& h : request.headers) {
    std::string name = AsciiLower(TrimWhitespace(h.name));
    if (!StartsWith(name, "x-amz-") || (omit_amz_date && name == "x-amz-date")) continue;
    std::string value = UnfoldValue(h.value);
    auto [it, inserted] = amz.try_emplace(name, value);
    if (!inserted) it->second += "," + value;
  }
  for (const RawParam& p : params) {
    std::string name = AsciiLower(p.key);
    if (StartsWith(name, "x-amz-")) amz.try_emplace(name, UnfoldValue(p.value));
  }

  std::string out = request.method + "\n" + positional("Content-MD5") + "\n" +
                    positional("Content-Type") + "\n" + std::string(date) + "\n";
  for (const auto& [name, value] : amz) out += name + ":" + value + "\n";
  out += SigV2CanonicalResource(request.path(), request.query(), virtual_host_bucket);
  return out;
}

}  // namespace

std::string SigV2StringToSign(const http::Request& request, const SigV2Claims& claims,
                              std::string_view date, std::string_view virtual_host_bucket) {
  return StringToSign(request, claims, date, virtual_host_bucket, /*omit_amz_date=*/false);
}

std::string ComputeSigV2Signature(std::string_view secret, std::string_view string_to_sign) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int len = 0;
  HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(string_to_sign.data()), string_to_sign.size(),
       mac.data(), &len);
  return Base64Encode(std::string_view(reinterpret_cast<const char*>(mac.data()), len));
}

std::optional<AuthError> ValidateSigV2Claims(const http::Request& request,
                                             const SigV2Claims& claims, TimePoint now,
                                             const SigV2Options& options) {
  const auto now_s = std::chrono::floor<std::chrono::seconds>(now);
  if (claims.location == SignatureLocation::kQuery) {
    if (!claims.expires) {
      return AuthError{AuthFailure::kIncompleteSignature, std::string(kMissingQueryParameters)};
    }
    if (now_s.time_since_epoch().count() > *claims.expires) {
      return AuthError{AuthFailure::kPresignedExpired, "Request has expired"};
    }
    return std::nullopt;
  }
  std::optional<TimePoint> at;
  if (std::optional<std::string_view> amz_date = request.FindHeader("x-amz-date")) {
    at = ParseSigV2Date(*amz_date);
  } else if (std::optional<std::string_view> date = request.FindHeader("Date")) {
    at = ParseSigV2Date(*date);
  }
  if (!at) return AuthError{AuthFailure::kMissingAuthentication, std::string(kMissingDate)};
  const auto skew = now_s > *at ? now_s - *at : *at - now_s;
  if (skew > options.max_skew) {
    return AuthError{AuthFailure::kSkewed, std::string(kSkewedMessage)};
  }
  return std::nullopt;
}

std::optional<AuthError> VerifySigV2(const http::Request& request, const SigV2Claims& claims,
                                     std::string_view secret_access_key, TimePoint now,
                                     const SigV2Options& options) {
  if (std::optional<AuthError> error = ValidateSigV2Claims(request, claims, now, options)) {
    return error;
  }
  // The Date line as clients fill it: the Date header (botocore always sends one), or empty
  // when only x-amz-date was sent (s3cmd); with x-amz-date also the docs' empty Date line, and
  // the docs' DELETE example that puts x-amz-date's value there instead.
  struct Candidate {
    std::string date;
    bool omit_amz_date;
  };
  std::vector<Candidate> candidates;
  if (claims.location == SignatureLocation::kQuery) {
    candidates.push_back({std::to_string(*claims.expires), false});
  } else {
    std::optional<std::string_view> date = request.FindHeader("Date");
    candidates.push_back({std::string(date ? TrimWhitespace(*date) : std::string_view()), false});
    if (std::optional<std::string_view> amz_date = request.FindHeader("x-amz-date")) {
      if (date) candidates.push_back({"", false});
      candidates.push_back({std::string(TrimWhitespace(*amz_date)), true});
    }
  }
  bool match = false;
  for (const Candidate& c : candidates) {
    const std::string expected = ComputeSigV2Signature(
        secret_access_key,
        StringToSign(request, claims, c.date, options.virtual_host_bucket, c.omit_amz_date));
    match |= ConstantTimeEquals(expected, claims.signature);
  }
  if (!match) return AuthError{AuthFailure::kSignatureMismatch, std::string(kMismatchMessage)};
  return std::nullopt;
}

}  // namespace sigil::auth
