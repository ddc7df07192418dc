// Runs every case of the AWS SigV4 test suite (../shared/testdata/sigv4) and every S3 worked
// example (../shared/testdata/sigv4-s3), asserting the canonical request, the string to sign and
// the signature separately, then the whole verification path.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "auth/sigv4.h"
#include "common/strings.h"
#include "common/time_format.h"

namespace sigil::auth {
namespace {

namespace fs = std::filesystem;

const fs::path kTestData = fs::path(SIGIL_SOURCE_DIR) / ".." / "shared" / "testdata";
constexpr std::string_view kSuiteSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr std::string_view kSuiteDate = "20150830T123600Z";
// get-vanilla-with-session-token signs a token that its .req file lacks (see the README).
constexpr std::string_view kVanillaSessionToken =
    "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TimePoint At(std::string_view amz_date) {
  std::optional<TimePoint> t = ParseAmzDate(amz_date);
  EXPECT_TRUE(t.has_value()) << amz_date;
  return t.value_or(TimePoint());
}

// A small parser for the suite's .req files: request line, "Name:value" headers with obsolete
// folding (continuation lines keep their line break, as a lenient server would hand them over),
// blank line, body. The request line may hold raw spaces and UTF-8 (get-space, get-utf8), so the
// target is everything between the first space and the last " HTTP/".
http::Request ParseReqFile(const std::string& text) {
  http::Request request;
  size_t line_end = text.find('\n');
  std::string_view request_line(text.data(), std::min(line_end, text.size()));
  size_t first_space = request_line.find(' ');
  size_t version = request_line.rfind(" HTTP/");
  request.method = std::string(request_line.substr(0, first_space));
  request.target = std::string(request_line.substr(first_space + 1, version - first_space - 1));
  size_t pos = line_end == std::string::npos ? text.size() : line_end + 1;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + pos, end - pos);
    pos = end + 1;
    if (line.empty()) {
      if (pos < text.size()) request.body = text.substr(pos);
      break;
    }
    if ((line.front() == ' ' || line.front() == '\t') && !request.headers.empty()) {
      request.headers.back().value += "\n";
      request.headers.back().value += line;
      continue;
    }
    size_t colon = line.find(':');
    request.headers.push_back(
        {std::string(line.substr(0, colon)), std::string(line.substr(colon + 1))});
  }
  return request;
}

struct SuiteCase {
  std::string name;  // e.g. "normalize-path/get-slash"
  fs::path stem;     // directory/case, without extension
};

std::vector<SuiteCase> FindSuiteCases() {
  std::vector<SuiteCase> cases;
  const fs::path root = kTestData / "sigv4";
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.path().extension() != ".req") continue;
    fs::path stem = entry.path();
    stem.replace_extension();
    std::string name = fs::relative(entry.path().parent_path(), root).generic_string();
    cases.push_back({name, stem});
  }
  std::sort(cases.begin(), cases.end(),
            [](const SuiteCase& a, const SuiteCase& b) { return a.name < b.name; });
  return cases;
}

void PrintTo(const SuiteCase& c, std::ostream* os) { *os << c.name; }

std::string TestName(const testing::TestParamInfo<SuiteCase>& info) {
  std::string name = info.param.name;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

class SigV4SuiteTest : public testing::TestWithParam<SuiteCase> {};

TEST(SigV4Suite, HasAllThirtyFourCases) {
  // The README lists 34 cases; a lost directory must not pass silently.
  EXPECT_EQ(FindSuiteCases().size(), 34u);
}

TEST_P(SigV4SuiteTest, CanonicalRequestStringToSignAndSignature) {
  const SuiteCase& c = GetParam();
  auto file = [&](const char* ext) {
    fs::path p = c.stem;
    p += ext;
    return ReadFile(p);
  };
  http::Request request = ParseReqFile(file(".req"));
  if (c.name == "get-vanilla-with-session-token") {
    request.headers.push_back({"X-Amz-Security-Token", std::string(kVanillaSessionToken)});
  }
  const std::string expected_creq = file(".creq");
  const std::string expected_sts = file(".sts");
  std::string expected_authz = file(".authz");
  while (!expected_authz.empty() && expected_authz.back() == '\n') expected_authz.pop_back();

  // The expected Authorization header names the signed headers.
  ClaimsOrError parsed = ParseAuthorizationHeader(expected_authz);
  ASSERT_TRUE(std::holds_alternative<SignatureClaims>(parsed))
      << std::get<AuthError>(parsed).message;
  const SignatureClaims& expected_claims = std::get<SignatureClaims>(parsed);
  CredentialScope scope = expected_claims.scope;
  EXPECT_EQ(scope.access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(scope.ScopeString(), "20150830/us-east-1/service/aws4_request");

  // Task 1.
  const std::string payload_hash = Sha256Hex(request.body);
  CanonicalRequestInput input;
  input.method = request.method;
  input.raw_path = request.path();
  input.raw_query = request.query();
  input.headers = request.headers;
  input.signed_headers = expected_claims.signed_headers;
  input.payload_hash = payload_hash;
  input.path_mode = PathMode::kNormalized;
  StatusOr<std::string> creq = CanonicalRequest(input);
  ASSERT_TRUE(creq.ok()) << creq.status().ToString();
  EXPECT_EQ(*creq, expected_creq);

  // Task 2, from the expected canonical request so a task-1 failure does not hide this one.
  const std::string sts = StringToSign(kSuiteDate, scope, expected_creq);
  EXPECT_EQ(sts, expected_sts);

  // Tasks 3 and 4, from the expected string to sign.
  const Sha256Digest key = DeriveSigningKey(kSuiteSecret, scope.date, scope.region, scope.service);
  const std::string signature = ComputeSignature(key, expected_sts);
  EXPECT_EQ(AuthorizationHeaderValue(scope, expected_claims.signed_headers, signature),
            expected_authz);

  // The whole server path: claims from the signed request, then verification. post-sts-header-after
  // adds the token after signing; its .sreq shows it.
  if (!request.FindHeader("X-Amz-Security-Token")) {
    http::Request sent = ParseReqFile(file(".sreq"));
    if (auto token = sent.FindHeader("X-Amz-Security-Token")) {
      request.headers.push_back({"X-Amz-Security-Token", std::string(*token)});
    }
  }
  request.headers.push_back({"Authorization", expected_authz});
  ClaimsOrError claims = ExtractClaims(request);
  ASSERT_TRUE(std::holds_alternative<SignatureClaims>(claims))
      << std::get<AuthError>(claims).message;
  const bool signs_token = c.name == "get-vanilla-with-session-token" ||
                           c.name == "post-sts-token/post-sts-header-before";
  const bool has_token = signs_token || c.name == "post-sts-token/post-sts-header-after";
  EXPECT_EQ(std::get<SignatureClaims>(claims).security_token.has_value(), has_token);
  SigningKeyCache cache;
  VerifyOptions options;
  options.payload_hash = payload_hash;
  std::optional<AuthError> error = VerifySignature(request, std::get<SignatureClaims>(claims),
                                                   kSuiteSecret, At(kSuiteDate), options, cache);
  EXPECT_FALSE(error.has_value()) << error->message;

  // And the same request with the wrong secret fails.
  error =
      VerifySignature(request, std::get<SignatureClaims>(claims),
                      "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ", At(kSuiteDate), options, cache);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->reason, AuthFailure::kSignatureMismatch);
}

INSTANTIATE_TEST_SUITE_P(Aws, SigV4SuiteTest, testing::ValuesIn(FindSuiteCases()), TestName);

// --- S3 worked examples -----------------------------------------------------------------------

class S3ExamplesTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = new nlohmann::json(
        nlohmann::json::parse(ReadFile(kTestData / "sigv4-s3" / "s3-sigv4-examples.json")));
  }
  static void TearDownTestSuite() {
    delete data_;
    data_ = nullptr;
  }

  static const nlohmann::json& Example(std::string_view name) {
    for (const auto& e : (*data_)["examples"]) {
      if (e["name"] == name) return e;
    }
    ADD_FAILURE() << "no example " << name;
    static const nlohmann::json kEmpty = nlohmann::json::object();
    return kEmpty;
  }
  static std::string Secret() { return (*data_)["credentials"]["secret_access_key"]; }
  static std::string AmzDate() { return (*data_)["amz_date"]; }
  static CredentialScope Scope() {
    return CredentialScope{(*data_)["credentials"]["access_key_id"], "20130524", "us-east-1", "s3",
                           "aws4_request"};
  }
  static Sha256Digest Key() {
    CredentialScope s = Scope();
    return DeriveSigningKey(Secret(), s.date, s.region, s.service);
  }

  // The example's request; a query pair with an empty value goes on the wire as a bare key
  // ("?lifecycle"), as clients send sub-resources.
  static http::Request BuildRequest(const nlohmann::json& example, const char* query_field) {
    const auto& r = example["request"];
    http::Request request;
    request.method = r["method"];
    request.target = r["path"];
    std::string query;
    for (const auto& pair : r[query_field]) {
      if (!query.empty()) query += '&';
      query += UriEncode(pair[0].get<std::string>());
      std::string value = pair[1];
      if (!value.empty()) query += "=" + UriEncode(value);
    }
    if (!query.empty()) request.target += "?" + query;
    for (const auto& h : r["headers"]) request.headers.push_back({h[0], h[1]});
    return request;
  }

  static std::vector<std::string> SignedHeaders(const nlohmann::json& example) {
    std::vector<std::string> out;
    const std::string list = example["signed_headers"];
    for (std::string_view h : Split(list, ';')) {
      out.emplace_back(h);
    }
    return out;
  }

  // Asserts tasks 1-4 for one example and returns the request.
  static void CheckSeed(const nlohmann::json& example, const http::Request& request,
                        bool presigned) {
    std::vector<std::string> signed_headers = SignedHeaders(example);
    std::string payload_hash = example["payload_hash"];
    CanonicalRequestInput input;
    input.method = request.method;
    input.raw_path = request.path();
    input.raw_query = request.query();
    input.headers = request.headers;
    input.signed_headers = signed_headers;
    input.payload_hash = payload_hash;
    input.path_mode = PathMode::kS3;
    input.drop_signature_param = presigned;
    StatusOr<std::string> creq = CanonicalRequest(input);
    ASSERT_TRUE(creq.ok()) << creq.status().ToString();
    EXPECT_EQ(*creq, example["canonical_request"].get<std::string>());
    EXPECT_EQ(Sha256Hex(*creq), example["canonical_request_sha256"].get<std::string>());
    const std::string sts = StringToSign(AmzDate(), Scope(), *creq);
    EXPECT_EQ(sts, example["string_to_sign"].get<std::string>());
    const std::string seed = example.contains("seed_signature")
                                 ? example["seed_signature"].get<std::string>()
                                 : example["signature"].get<std::string>();
    EXPECT_EQ(ComputeSignature(Key(), sts), seed);
  }

  static inline nlohmann::json* data_ = nullptr;
};

TEST_F(S3ExamplesTest, SigningKeyMatches) {
  EXPECT_EQ(HexEncode(Key()), (*data_)["signing_key_hex"].get<std::string>());
}

TEST_F(S3ExamplesTest, HeaderBasedExamplesSignAndVerify) {
  for (const char* name :
       {"get-object-range", "put-object", "get-bucket-lifecycle", "list-objects"}) {
    SCOPED_TRACE(name);
    const nlohmann::json& example = Example(name);
    http::Request request = BuildRequest(example, "query");
    request.body = example["request"]["body"];
    CheckSeed(example, request, /*presigned=*/false);

    // The docs write "," between the parts; AuthorizationHeaderValue writes ", " like the SDKs.
    std::string authorization = example["authorization"];
    std::string with_spaces = authorization;
    for (size_t p = 0; (p = with_spaces.find(",S", p)) != std::string::npos; p += 3) {
      with_spaces.replace(p, 1, ", ");
    }
    EXPECT_EQ(AuthorizationHeaderValue(Scope(), SignedHeaders(example),
                                       example["signature"].get<std::string>()),
              with_spaces);

    for (const std::string& header_value : {authorization, with_spaces}) {
      http::Request signed_request = request;
      signed_request.headers.push_back({"Authorization", header_value});
      ClaimsOrError claims = ExtractClaims(signed_request);
      ASSERT_TRUE(std::holds_alternative<SignatureClaims>(claims))
          << std::get<AuthError>(claims).message;
      const SignatureClaims& c = std::get<SignatureClaims>(claims);
      ASSERT_TRUE(c.content_sha256.has_value());
      EXPECT_EQ(*c.content_sha256, example["payload_hash"].get<std::string>());
      SigningKeyCache cache;
      VerifyOptions options;
      options.path_mode = PathMode::kS3;
      options.payload_hash = *c.content_sha256;
      options.service = "s3";
      std::optional<AuthError> error =
          VerifySignature(signed_request, c, Secret(), At(AmzDate()), options, cache);
      EXPECT_FALSE(error.has_value()) << error->message;
    }
  }
}

TEST_F(S3ExamplesTest, PresignedGetObject) {
  const nlohmann::json& example = Example("presigned-get-object");
  http::Request request = BuildRequest(example, "query_before_signing");
  CheckSeed(example, request, /*presigned=*/true);

  // The URL as sent, signature appended.
  const std::string url = example["presigned_url"];
  request.target = url.substr(url.find("/test.txt"));
  CheckSeed(example, request, /*presigned=*/true);
  ClaimsOrError claims = ExtractClaims(request);
  ASSERT_TRUE(std::holds_alternative<SignatureClaims>(claims))
      << std::get<AuthError>(claims).message;
  const SignatureClaims& c = std::get<SignatureClaims>(claims);
  EXPECT_EQ(c.location, SignatureLocation::kQuery);
  EXPECT_EQ(c.scope.access_key_id, "AKIAIOSFODNN7EXAMPLE");
  ASSERT_TRUE(c.expires.has_value());
  EXPECT_EQ(c.expires->count(), example["expires_seconds"].get<int64_t>());
  EXPECT_EQ(c.signature, example["signature"].get<std::string>());

  SigningKeyCache cache;
  VerifyOptions options;
  options.path_mode = PathMode::kS3;
  options.payload_hash = std::string(kUnsignedPayload);
  const TimePoint signed_at = At(AmzDate());
  for (auto offset : {std::chrono::seconds(0), std::chrono::seconds(86400)}) {
    std::optional<AuthError> error =
        VerifySignature(request, c, Secret(), signed_at + offset, options, cache);
    EXPECT_FALSE(error.has_value()) << error->message;
  }
  std::optional<AuthError> error = VerifySignature(
      request, c, Secret(), signed_at + std::chrono::seconds(86401), options, cache);
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->reason, AuthFailure::kPresignedExpired);
  EXPECT_EQ(error->message, "Request has expired");
}

// Streaming uploads: the seed signature over the headers, then the per-chunk chain (and the
// trailer signature for the trailer variant).
TEST_F(S3ExamplesTest, StreamingSeedAndChunkChain) {
  for (const char* name : {"streaming-put-object", "streaming-put-object-trailer"}) {
    SCOPED_TRACE(name);
    const nlohmann::json& example = Example(name);
    http::Request request = BuildRequest(example, "query");
    CheckSeed(example, request, /*presigned=*/false);

    std::string previous = example["seed_signature"];
    for (const auto& chunk : example["chunks"]) {
      const std::string data(chunk["size"].get<size_t>(), 'a');
      const std::string chunk_hash = Sha256Hex(data);
      EXPECT_EQ(chunk_hash, chunk["data_sha256"].get<std::string>());
      const std::string signature = ChunkSignature(Key(), AmzDate(), Scope(), previous, data);
      EXPECT_EQ(signature, chunk["signature"].get<std::string>());
      EXPECT_EQ(ChunkSignatureFromHash(Key(), AmzDate(), Scope(), previous, chunk_hash), signature);
      previous = signature;
    }
    if (example.contains("trailer")) {
      const auto& trailer = example["trailer"];
      EXPECT_EQ(TrailerSignature(Key(), AmzDate(), Scope(), previous,
                                 trailer["canonical_trailer"].get<std::string>()),
                trailer["signature"].get<std::string>());
    }

    // The seed verifies through the server path (Authorization as corrected in the JSON).
    request.headers.push_back({"Authorization", example["authorization"]});
    ClaimsOrError claims = ExtractClaims(request);
    ASSERT_TRUE(std::holds_alternative<SignatureClaims>(claims))
        << std::get<AuthError>(claims).message;
    SigningKeyCache cache;
    VerifyOptions options;
    options.path_mode = PathMode::kS3;
    options.payload_hash = example["payload_hash"];
    std::optional<AuthError> error = VerifySignature(request, std::get<SignatureClaims>(claims),
                                                     Secret(), At(AmzDate()), options, cache);
    EXPECT_FALSE(error.has_value()) << error->message;
  }
}

}  // namespace
}  // namespace sigil::auth
