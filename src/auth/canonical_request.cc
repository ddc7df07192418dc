// SigV4 tasks 1-4 (canonical request, string to sign, signing key, signature) and the aws-chunked
// chain. Builds into one preallocated string per step: this runs on every request.
#include <openssl/crypto.h>

#include <algorithm>

#include "auth/sigv4.h"
#include "common/strings.h"

namespace sigil::auth {
namespace {

constexpr char kHexUpper[] = "0123456789ABCDEF";
// sha256("") in hex: the "previous chunk headers" hash of every aws-chunked string to sign.
constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsHeaderSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

void AppendPercentEncoded(std::string& out, unsigned char c) {
  out.push_back('%');
  out.push_back(kHexUpper[c >> 4]);
  out.push_back(kHexUpper[c & 0xf]);
}

// UriEncode of the spec: everything but the unreserved set is %XX (upper-case hex).
void AppendUriEncoded(std::string& out, std::string_view s) {
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c)) {
      out.push_back(ch);
    } else {
      AppendPercentEncoded(out, c);
    }
  }
}

// Percent-decodes `s` into `out` ('+' is a space, as in form encoding). A malformed escape is
// kept literally: the signature then decides, and the '%' is re-encoded as %25.
void AppendDecoded(std::string& out, std::string_view s) {
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]);
      int lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(c == '+' ? ' ' : c);
  }
}

// Decodes then re-encodes one query component: the canonical form of a key or a value.
void AppendCanonicalComponent(std::string& out, std::string_view raw, std::string& scratch) {
  scratch.clear();
  AppendDecoded(scratch, raw);
  AppendUriEncoded(out, scratch);
}

// Non-S3 path: RFC 3986 section 5.2.4 dot-segment removal, plus collapsing empty segments
// (duplicate slashes), keeping a leading and a trailing slash; then each segment of the
// (already encoded) path is encoded again.
void AppendNormalizedPath(std::string& out, std::string_view path) {
  if (path.empty() || path == "/") {
    out.push_back('/');
    return;
  }
  std::vector<std::string_view> segments;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view segment = path.substr(start, slash - start);
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!segment.empty() && segment != ".") {
      segments.push_back(segment);
    }
    start = slash + 1;
  }
  if (path.front() == '/') out.push_back('/');
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) out.push_back('/');
    AppendUriEncoded(out, segments[i]);
  }
  if (path.back() == '/' && !segments.empty()) out.push_back('/');
}

// S3 path: exactly as sent, encoded once. Valid %XX escapes stay as they are (the client encoded
// that byte), '/' and unreserved bytes stay, anything else is encoded.
void AppendS3Path(std::string& out, std::string_view path) {
  if (path.empty()) {
    out.push_back('/');
    return;
  }
  for (size_t i = 0; i < path.size(); ++i) {
    auto c = static_cast<unsigned char>(path[i]);
    if (c == '%' && i + 2 < path.size() && HexValue(path[i + 1]) >= 0 &&
        HexValue(path[i + 2]) >= 0) {
      out.append(path.substr(i, 3));
      i += 2;
    } else if (IsUnreserved(c) || c == '/') {
      out.push_back(path[i]);
    } else {
      AppendPercentEncoded(out, c);
    }
  }
}

// One query parameter, canonical form, as offsets into a shared arena (so sorting moves no
// strings and the whole query costs two allocations).
struct QueryEntry {
  uint32_t key_offset;
  uint32_t key_size;
  uint32_t value_offset;
  uint32_t value_size;
};

void AppendCanonicalQuery(std::string& out, std::string_view raw_query, bool drop_signature) {
  if (raw_query.empty()) return;
  std::string arena;
  arena.reserve(raw_query.size() * 3 + 16);
  std::string scratch;
  std::vector<QueryEntry> entries;
  size_t start = 0;
  while (start <= raw_query.size()) {
    size_t amp = raw_query.find('&', start);
    if (amp == std::string_view::npos) amp = raw_query.size();
    std::string_view piece = raw_query.substr(start, amp - start);
    start = amp + 1;
    if (piece.empty()) continue;
    size_t eq = piece.find('=');
    std::string_view raw_key = piece.substr(0, eq);
    std::string_view raw_value =
        eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1);
    QueryEntry entry{};
    entry.key_offset = static_cast<uint32_t>(arena.size());
    AppendCanonicalComponent(arena, raw_key, scratch);
    entry.key_size = static_cast<uint32_t>(arena.size() - entry.key_offset);
    if (drop_signature &&
        std::string_view(arena).substr(entry.key_offset, entry.key_size) == "X-Amz-Signature") {
      arena.resize(entry.key_offset);
      continue;
    }
    entry.value_offset = static_cast<uint32_t>(arena.size());
    AppendCanonicalComponent(arena, raw_value, scratch);
    entry.value_size = static_cast<uint32_t>(arena.size() - entry.value_offset);
    entries.push_back(entry);
  }
  std::string_view a(arena);
  auto key = [&](const QueryEntry& e) { return a.substr(e.key_offset, e.key_size); };
  auto value = [&](const QueryEntry& e) { return a.substr(e.value_offset, e.value_size); };
  std::sort(entries.begin(), entries.end(), [&](const QueryEntry& x, const QueryEntry& y) {
    int c = key(x).compare(key(y));
    return c != 0 ? c < 0 : value(x) < value(y);
  });
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i > 0) out.push_back('&');
    out.append(key(entries[i]));
    out.push_back('=');
    out.append(value(entries[i]));
  }
}

// Trims the value and collapses every inner run of whitespace (including the CRLF + spaces of an
// obsolete folded line) to a single space. Quotes are not special in SigV4.
void AppendCanonicalHeaderValue(std::string& out, std::string_view value) {
  bool pending_space = false;
  bool any = false;
  for (char c : value) {
    if (IsHeaderSpace(c)) {
      pending_space = any;
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    any = true;
    out.push_back(c);
  }
}

void AppendScope(std::string& out, const CredentialScope& scope) {
  out.append(scope.date);
  out.push_back('/');
  out.append(scope.region);
  out.push_back('/');
  out.append(scope.service);
  out.push_back('/');
  out.append(scope.terminator);
}

std::string Hex(const Sha256Digest& d) { return HexEncode(d); }

// "<algorithm>\n<date>\n<scope>\n<prev>\n<hash1>[\n<hash2>]", signed with the key.
std::string SignChained(const Sha256Digest& signing_key, std::string_view algorithm,
                        std::string_view amz_date, const CredentialScope& scope,
                        std::string_view previous_signature, std::string_view hash1,
                        std::string_view hash2) {
  std::string sts;
  sts.reserve(algorithm.size() + amz_date.size() + 64 + previous_signature.size() + 140);
  sts.append(algorithm);
  sts.push_back('\n');
  sts.append(amz_date);
  sts.push_back('\n');
  AppendScope(sts, scope);
  sts.push_back('\n');
  sts.append(previous_signature);
  sts.push_back('\n');
  sts.append(hash1);
  if (!hash2.empty()) {
    sts.push_back('\n');
    sts.append(hash2);
  }
  return ComputeSignature(signing_key, sts);
}

}  // namespace

std::string CredentialScope::ScopeString() const {
  std::string out;
  out.reserve(date.size() + region.size() + service.size() + terminator.size() + 3);
  AppendScope(out, *this);
  return out;
}

StatusOr<std::string> CanonicalRequest(const CanonicalRequestInput& input) {
  std::string out;
  out.reserve(input.method.size() + input.raw_path.size() * 3 + input.raw_query.size() * 3 +
              input.signed_headers.size() * 48 + input.payload_hash.size() + 256);
  // HTTPRequestMethod
  out.append(input.method);
  out.push_back('\n');
  // CanonicalURI
  if (input.path_mode == PathMode::kS3) {
    AppendS3Path(out, input.raw_path);
  } else {
    AppendNormalizedPath(out, input.raw_path);
  }
  out.push_back('\n');
  // CanonicalQueryString
  AppendCanonicalQuery(out, input.raw_query, input.drop_signature_param);
  out.push_back('\n');
  // CanonicalHeaders: one "name:value\n" per signed header, repeated headers joined with ','.
  for (const std::string& name : input.signed_headers) {
    out.append(name);
    out.push_back(':');
    bool found = false;
    for (const http::Header& header : input.headers) {
      if (!EqualsIgnoreCase(header.name, name)) continue;
      if (found) out.push_back(',');
      AppendCanonicalHeaderValue(out, header.value);
      found = true;
    }
    if (!found) {
      return InvalidArgumentError("Signed header '" + name + "' is missing from the request.");
    }
    out.push_back('\n');
  }
  out.push_back('\n');
  // SignedHeaders
  for (size_t i = 0; i < input.signed_headers.size(); ++i) {
    if (i > 0) out.push_back(';');
    out.append(input.signed_headers[i]);
  }
  out.push_back('\n');
  // HashedPayload
  out.append(input.payload_hash);
  return out;
}

std::string StringToSign(std::string_view amz_date, const CredentialScope& scope,
                         std::string_view canonical_request) {
  std::string out;
  out.reserve(kAlgorithm.size() + amz_date.size() + 64 + 64 + 8);
  out.append(kAlgorithm);
  out.push_back('\n');
  out.append(amz_date);
  out.push_back('\n');
  AppendScope(out, scope);
  out.push_back('\n');
  out.append(Hex(Sha256(canonical_request)));
  return out;
}

Sha256Digest DeriveSigningKey(std::string_view secret, std::string_view date,
                              std::string_view region, std::string_view service) {
  std::string k_secret;
  k_secret.reserve(4 + secret.size());
  k_secret.append("AWS4");
  k_secret.append(secret);
  Sha256Digest k_date = HmacSha256(k_secret, date);
  SecureWipe(k_secret);
  Sha256Digest k_region = HmacSha256(AsStringView(k_date), region);
  Sha256Digest k_service = HmacSha256(AsStringView(k_region), service);
  Sha256Digest k_signing = HmacSha256(AsStringView(k_service), kTerminator);
  // The intermediate keys are as sensitive as the result.
  OPENSSL_cleanse(k_date.data(), k_date.size());
  OPENSSL_cleanse(k_region.data(), k_region.size());
  OPENSSL_cleanse(k_service.data(), k_service.size());
  return k_signing;
}

std::string ComputeSignature(const Sha256Digest& signing_key, std::string_view string_to_sign) {
  return Hex(HmacSha256(AsStringView(signing_key), string_to_sign));
}

std::string ChunkSignature(const Sha256Digest& signing_key, std::string_view amz_date,
                           const CredentialScope& scope, std::string_view previous_signature,
                           std::string_view chunk_data) {
  return ChunkSignatureFromHash(signing_key, amz_date, scope, previous_signature,
                                Hex(Sha256(chunk_data)));
}

std::string ChunkSignatureFromHash(const Sha256Digest& signing_key, std::string_view amz_date,
                                   const CredentialScope& scope,
                                   std::string_view previous_signature,
                                   std::string_view chunk_sha256_hex) {
  return SignChained(signing_key, "AWS4-HMAC-SHA256-PAYLOAD", amz_date, scope, previous_signature,
                     kEmptySha256, chunk_sha256_hex);
}

std::string TrailerSignature(const Sha256Digest& signing_key, std::string_view amz_date,
                             const CredentialScope& scope, std::string_view previous_signature,
                             std::string_view canonical_trailer) {
  return SignChained(signing_key, "AWS4-HMAC-SHA256-TRAILER", amz_date, scope, previous_signature,
                     Hex(Sha256(canonical_trailer)), std::string_view());
}

}  // namespace sigil::auth
