// The aws-chunked decoder against the S3 API Reference's streaming and trailer examples
// (../shared/testdata/sigv4-s3), fed whole, byte by byte and in random splits, then every way a
// body can be wrong.
#include "auth/aws_chunked.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>

#include "common/crypto.h"

namespace sigil::auth {
namespace {

namespace fs = std::filesystem;

const fs::path kExamples = fs::path(SIGIL_SOURCE_DIR) / ".." / "shared" / "testdata" / "sigv4-s3" /
                           "s3-sigv4-examples.json";

const nlohmann::json& Data() {
  static const nlohmann::json* data = [] {
    std::ifstream in(kExamples, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return new nlohmann::json(nlohmann::json::parse(s.str()));
  }();
  return *data;
}

const nlohmann::json& Example(std::string_view name) {
  for (const auto& e : Data()["examples"]) {
    if (e["name"] == name) return e;
  }
  ADD_FAILURE() << "no example " << name;
  static const nlohmann::json kEmpty = nlohmann::json::object();
  return kEmpty;
}

CredentialScope Scope() {
  return CredentialScope{Data()["credentials"]["access_key_id"], "20130524", "us-east-1", "s3",
                         "aws4_request"};
}

ChunkSigningContext Signing(std::string seed) {
  ChunkSigningContext s;
  const CredentialScope scope = Scope();
  s.signing_key = DeriveSigningKey(Data()["credentials"]["secret_access_key"].get<std::string>(),
                                   scope.date, scope.region, scope.service);
  s.amz_date = Data()["amz_date"];
  s.scope = scope;
  s.seed_signature = std::move(seed);
  return s;
}

// The wire body of a JSON example: each chunk's header line and data, then the trailer.
std::string ExampleBody(const nlohmann::json& example) {
  std::string body;
  for (const auto& chunk : example["chunks"]) {
    body += chunk["header_line"].get<std::string>();
    const size_t size = chunk["size"];
    if (size > 0) body += std::string(size, 'a') + "\r\n";
  }
  body += example.contains("trailer") ? example["trailer"]["wire"].get<std::string>() : "\r\n";
  return body;
}

AwsChunkedOptions ExampleOptions(const nlohmann::json& example) {
  AwsChunkedOptions options;
  options.headers.payload = *ParseStreamingPayload(example["payload_hash"].get<std::string>());
  options.headers.decoded_content_length = 66560;
  if (example.contains("trailer")) options.headers.trailer_checksum = ChecksumAlgorithm::kCrc32c;
  options.signing = Signing(example["seed_signature"]);
  return options;
}

struct Outcome {
  Status status;
  std::string decoded;
  std::optional<AwsChunkedError> error;
  std::vector<http::Header> trailers;
};

// Feeds `body` in the given piece sizes (cycled; 0 = everything at once), then Finish().
Outcome Decode(const AwsChunkedOptions& options, std::string_view body,
               std::vector<size_t> pieces = {0}) {
  Outcome out;
  StatusOr<AwsChunkedDecoder> decoder = AwsChunkedDecoder::Create(options);
  EXPECT_TRUE(decoder.ok()) << decoder.status().ToString();
  auto sink = [&](std::string_view data) {
    out.decoded.append(data);
    return OkStatus();
  };
  size_t i = 0;
  while (!body.empty()) {
    size_t n = pieces[i++ % pieces.size()];
    if (n == 0 || n > body.size()) n = body.size();
    out.status = decoder->Feed(body.substr(0, n), sink);
    body.remove_prefix(n);
    if (!out.status.ok()) break;
  }
  if (out.status.ok()) out.status = decoder->Finish();
  out.error = decoder->error();
  out.trailers = decoder->trailers();
  return out;
}

// Builds signed or unsigned aws-chunked bodies with the examples' key, for the negative cases.
class BodyBuilder {
 public:
  BodyBuilder(StreamingPayload payload, std::string seed = std::string(64, '0'))
      : payload_(payload), signing_(Signing(seed)), previous_(seed) {}

  BodyBuilder& Chunk(std::string_view data) {
    std::string header = ToHex(data.size());
    if (IsSignedStreamingPayload(payload_)) {
      previous_ =
          ChunkSignature(signing_.signing_key, signing_.amz_date, signing_.scope, previous_, data);
      header += ";chunk-signature=" + previous_;
    }
    body_ += header + "\r\n";
    if (!data.empty()) body_ += std::string(data) + "\r\n";
    decoded_ += data;
    return *this;
  }
  // The final chunk plus trailer lines (and, when signed, the trailer signature) and the blank
  // line.
  std::string Finish(const std::vector<std::string>& trailer_lines = {}) {
    Chunk("");
    std::string canonical;
    for (const std::string& line : trailer_lines) {
      body_ += line + "\r\n";
      canonical += line + "\n";
    }
    if (payload_ == StreamingPayload::kSignedTrailer) {
      body_ += std::string(kTrailerSignatureHeader) + ":" +
               TrailerSignature(signing_.signing_key, signing_.amz_date, signing_.scope, previous_,
                                canonical) +
               "\r\n";
    }
    return body_ + "\r\n";
  }

  AwsChunkedOptions Options(std::optional<ChecksumAlgorithm> trailer = std::nullopt) const {
    AwsChunkedOptions options;
    options.headers.payload = payload_;
    options.headers.decoded_content_length = decoded_.size();
    options.headers.trailer_checksum = trailer;
    options.signing = Signing(signing_.seed_signature);
    return options;
  }
  const std::string& decoded() const { return decoded_; }

 private:
  static std::string ToHex(size_t n) {
    std::ostringstream s;
    s << std::hex << n;
    return s.str();
  }

  StreamingPayload payload_;
  ChunkSigningContext signing_;
  std::string previous_;
  std::string body_;
  std::string decoded_;
};

void ExpectError(const Outcome& out, AwsChunkedErrorKind kind, std::string_view aws_code,
                 int http_status, std::string_view message) {
  ASSERT_FALSE(out.status.ok());
  ASSERT_TRUE(out.error.has_value()) << out.status.ToString();
  EXPECT_EQ(out.error->kind, kind) << out.error->detail;
  EXPECT_EQ(out.status.aws_code(), aws_code);
  EXPECT_EQ(out.status.http_status(), http_status);
  EXPECT_EQ(out.status.message(), message);
}

constexpr std::string_view kIncomplete = "The request body terminated unexpectedly";
constexpr std::string_view kMismatch =
    "The request signature we calculated does not match the signature you provided. Check your "
    "key and signing method.";
constexpr std::string_view kMalformedTrailer =
    "The request contained trailing data that was not well-formed or did not conform to our "
    "published schema.";

void ExpectIncomplete(const Outcome& out) {
  ExpectError(out, AwsChunkedErrorKind::kIncompleteBody, "IncompleteBody", 400, kIncomplete);
}
void ExpectMalformedTrailer(const Outcome& out) {
  ExpectError(out, AwsChunkedErrorKind::kMalformedTrailer, "MalformedTrailerError", 400,
              kMalformedTrailer);
}

std::string Flip(std::string s, size_t at) {
  s[at] = s[at] == '0' ? '1' : '0';
  return s;
}

// --- The S3 examples ---------------------------------------------------------------------------

TEST(AwsChunkedExamples, WireBodiesMatchTheDocumentedLengthsAndHashes) {
  for (const char* name : {"streaming-put-object", "streaming-put-object-trailer"}) {
    SCOPED_TRACE(name);
    const nlohmann::json& example = Example(name);
    const std::string body = ExampleBody(example);
    EXPECT_EQ(body.size(), example["encoded_body_length"].get<size_t>());
    EXPECT_EQ(Sha256Hex(body), example["encoded_body_sha256"].get<std::string>());
  }
}

TEST(AwsChunkedExamples, DecodeWholeByteByByteAndInRandomSplits) {
  std::mt19937 rng(5);
  for (const char* name : {"streaming-put-object", "streaming-put-object-trailer"}) {
    SCOPED_TRACE(name);
    const nlohmann::json& example = Example(name);
    const std::string body = ExampleBody(example);
    const AwsChunkedOptions options = ExampleOptions(example);
    std::vector<std::vector<size_t>> splits = {{0}, {1}, {2}, {7}, {65535}, {89, 65536}};
    for (int i = 0; i < 20; ++i) {
      std::vector<size_t> pieces;
      for (int j = 0; j < 8; ++j) pieces.push_back(1 + rng() % 9000);
      splits.push_back(pieces);
    }
    for (const auto& pieces : splits) {
      Outcome out = Decode(options, body, pieces);
      ASSERT_TRUE(out.status.ok()) << out.status.ToString() << " " << out.error->detail;
      ASSERT_EQ(out.decoded, std::string(66560, 'a'));
    }
    Outcome out = Decode(options, body);
    if (example.contains("trailer")) {
      ASSERT_EQ(out.trailers.size(), 1u);
      EXPECT_EQ(out.trailers[0].name, "x-amz-checksum-crc32c");
      EXPECT_EQ(out.trailers[0].value, "sOO8/Q==");
    } else {
      EXPECT_TRUE(out.trailers.empty());
    }
  }
}

TEST(AwsChunkedExamples, EveryTruncationFails) {
  for (const char* name : {"streaming-put-object", "streaming-put-object-trailer"}) {
    SCOPED_TRACE(name);
    const nlohmann::json& example = Example(name);
    const std::string body = ExampleBody(example);
    const AwsChunkedOptions options = ExampleOptions(example);
    const size_t final_chunk_end = body.rfind("0;chunk-signature=") + 18 + 64 + 2;
    // Dropping only the closing blank line is accepted, as S3 does for SDKs that omit it, and
    // so is a last trailer line without its CRLF; every other prefix fails.
    const bool trailer = example.contains("trailer");
    for (size_t len = 0; len < body.size(); ++len) {
      // Stepping through the data of the big chunk one byte at a time would take long and
      // exercises the same state; sample it.
      if (len > 200 && len < 65500 && len % 997 != 0) continue;
      Outcome out = Decode(options, std::string_view(body).substr(0, len), {4096});
      if (len == body.size() - 2 || (trailer && len == body.size() - 4)) {
        EXPECT_TRUE(out.status.ok()) << "prefix " << len << " " << out.status.ToString();
        continue;
      }
      ASSERT_FALSE(out.status.ok()) << "prefix " << len;
      if (len < final_chunk_end) {
        ASSERT_NO_FATAL_FAILURE(ExpectIncomplete(out)) << "prefix " << len;
      }
    }
  }
}

TEST(AwsChunkedExamples, TamperedChunkDataOrSignatureIsSignatureDoesNotMatch) {
  for (const char* name : {"streaming-put-object", "streaming-put-object-trailer"}) {
    SCOPED_TRACE(name);
    const nlohmann::json& example = Example(name);
    const std::string body = ExampleBody(example);
    const AwsChunkedOptions options = ExampleOptions(example);
    const size_t first_data = body.find("\r\n") + 2;
    const size_t second_sig = body.find("400;chunk-signature=") + 20;
    const size_t final_sig = body.rfind("0;chunk-signature=") + 18;
    for (size_t at : {first_data, first_data + 65535, second_sig, second_sig + 63, final_sig,
                      final_sig + 10, body.find("chunk-signature=") + 16}) {
      SCOPED_TRACE(at);
      std::string tampered = body;
      tampered[at] = tampered[at] == 'a' ? 'b' : 'a';
      Outcome out = Decode(options, tampered);
      ExpectError(out, AwsChunkedErrorKind::kChunkSignatureMismatch, "SignatureDoesNotMatch", 403,
                  kMismatch);
    }
    // A wrong seed (the request signature) breaks the whole chain.
    AwsChunkedOptions wrong_seed = options;
    wrong_seed.signing->seed_signature = Flip(wrong_seed.signing->seed_signature, 0);
    ExpectError(Decode(wrong_seed, body), AwsChunkedErrorKind::kChunkSignatureMismatch,
                "SignatureDoesNotMatch", 403, kMismatch);
  }
}

TEST(AwsChunkedExamples, UpperCaseSignatureIsRefused) {
  const nlohmann::json& example = Example("streaming-put-object");
  std::string body = ExampleBody(example);
  const size_t at = body.find("chunk-signature=") + 16;
  for (size_t i = at; i < at + 64; ++i) body[i] = static_cast<char>(std::toupper(body[i]));
  ExpectError(Decode(ExampleOptions(example), body), AwsChunkedErrorKind::kChunkSignatureMismatch,
              "SignatureDoesNotMatch", 403, kMismatch);
}

TEST(AwsChunkedExamples, WrongTrailerSignatureOrChecksum) {
  const nlohmann::json& example = Example("streaming-put-object-trailer");
  const std::string body = ExampleBody(example);
  const AwsChunkedOptions options = ExampleOptions(example);
  // The trailer signature itself.
  const size_t sig = body.find("x-amz-trailer-signature:") + 24;
  ExpectError(Decode(options, Flip(body, sig + 5)), AwsChunkedErrorKind::kTrailerSignatureMismatch,
              "SignatureDoesNotMatch", 403, kMismatch);
  // The checksum value changes what was signed.
  std::string tampered = body;
  tampered.replace(tampered.find("sOO8/Q=="), 8, "sOO8/A==");
  ExpectError(Decode(options, tampered), AwsChunkedErrorKind::kTrailerSignatureMismatch,
              "SignatureDoesNotMatch", 403, kMismatch);
  // No trailer signature at all.
  std::string unsigned_trailer = body.substr(0, body.find("x-amz-trailer-signature:")) + "\r\n";
  ExpectMalformedTrailer(Decode(options, unsigned_trailer));
}

// --- Bodies built here -------------------------------------------------------------------------

TEST(AwsChunked, SignedTrailerWithAWrongChecksumIsBadDigest) {
  BodyBuilder builder(StreamingPayload::kSignedTrailer);
  builder.Chunk(std::string(9000, 'x')).Chunk("tail");
  const std::string wrong =
      ComputeChecksumBase64(ChecksumAlgorithm::kCrc32c, builder.decoded() + "!");
  const std::string body = builder.Finish({"x-amz-checksum-crc32c:" + wrong});
  ExpectError(Decode(builder.Options(ChecksumAlgorithm::kCrc32c), body),
              AwsChunkedErrorKind::kChecksumMismatch, "BadDigest", 400,
              "The CRC32C you specified did not match the calculated checksum.");
}

TEST(AwsChunked, UnsignedTrailerEveryAlgorithm) {
  for (ChecksumAlgorithm a :
       {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc64Nvme,
        ChecksumAlgorithm::kSha1, ChecksumAlgorithm::kSha256}) {
    SCOPED_TRACE(std::string(ChecksumAlgorithmName(a)));
    BodyBuilder builder(StreamingPayload::kUnsignedTrailer);
    builder.Chunk(std::string(10000, 'q')).Chunk(std::string(10000, 'r')).Chunk("s");
    const std::string value = ComputeChecksumBase64(a, builder.decoded());
    const std::string good = builder.Finish({std::string(ChecksumHeaderName(a)) + ":" + value});
    Outcome out = Decode(builder.Options(a), good, {333});
    ASSERT_TRUE(out.status.ok()) << out.status.ToString();
    EXPECT_EQ(out.decoded, builder.decoded());
    ASSERT_EQ(out.trailers.size(), 1u);
    EXPECT_EQ(out.trailers[0].value, value);

    std::string bad = good;
    bad.replace(bad.find(value), 4, value.substr(0, 4) == "AAAA" ? "BBBB" : "AAAA");
    ExpectError(Decode(builder.Options(a), bad), AwsChunkedErrorKind::kChecksumMismatch,
                "BadDigest", 400,
                "The " + std::string(ChecksumAlgorithmName(a)) +
                    " you specified did not match the calculated checksum.");
  }
}

TEST(AwsChunked, BotocoreUnsignedTrailerFraming) {
  // botocore's AwsChunkedWrapper: lower-case hex sizes, "0\r\n", the checksum line, a blank line.
  const std::string data(20000, 'z');
  const std::string crc = ComputeChecksumBase64(ChecksumAlgorithm::kCrc32, data);
  const std::string body = "4e20\r\n" + data + "\r\n0\r\nx-amz-checksum-crc32:" + crc + "\r\n\r\n";
  AwsChunkedOptions options;
  options.headers = {StreamingPayload::kUnsignedTrailer, 20000, ChecksumAlgorithm::kCrc32};
  Outcome out = Decode(options, body);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.decoded, data);
  // Upper-case hex and blanks around the colon are accepted too.
  const std::string relaxed =
      "4E20\r\n" + data + "\r\n0\r\nx-amz-checksum-crc32 : " + crc + " \r\n\r\n";
  EXPECT_TRUE(Decode(options, relaxed).status.ok());
  // A trailer whose last line lacks its CRLF, at the end of the body.
  EXPECT_TRUE(
      Decode(options, "4e20\r\n" + data + "\r\n0\r\nx-amz-checksum-crc32:" + crc).status.ok());
}

TEST(AwsChunked, EmptyObject) {
  BodyBuilder builder(StreamingPayload::kSigned);
  const std::string body = builder.Finish();
  Outcome out = Decode(builder.Options(), body);
  ASSERT_TRUE(out.status.ok()) << out.status.ToString();
  EXPECT_EQ(out.decoded, "");

  BodyBuilder unsigned_builder(StreamingPayload::kUnsignedTrailer);
  const std::string crc = ComputeChecksumBase64(ChecksumAlgorithm::kCrc32, "");
  EXPECT_TRUE(Decode(unsigned_builder.Options(ChecksumAlgorithm::kCrc32),
                     unsigned_builder.Finish({"x-amz-checksum-crc32:" + crc}))
                  .status.ok());
}

TEST(AwsChunked, ExtraBytesAfterTheEnd) {
  BodyBuilder builder(StreamingPayload::kSigned);
  builder.Chunk("hello");
  const std::string body = builder.Finish();
  ASSERT_TRUE(Decode(builder.Options(), body).status.ok());
  for (std::string_view extra : {"x", "\r\n", "0\r\n\r\n"}) {
    ExpectIncomplete(Decode(builder.Options(), body + std::string(extra)));
  }
  // A chunk after the final one.
  BodyBuilder again(StreamingPayload::kUnsignedTrailer);
  again.Chunk("hello");
  std::string twice = again.Finish();
  twice.insert(twice.size() - 2, "5\r\nhello\r\n");
  ExpectMalformedTrailer(Decode(again.Options(), twice));
}

TEST(AwsChunked, BadChunkSizes) {
  const std::string sig = ";chunk-signature=" + std::string(64, '0');
  AwsChunkedOptions options;
  options.headers = {StreamingPayload::kSigned, 16, std::nullopt};
  options.signing = Signing(std::string(64, '0'));
  for (std::string_view header :
       {"g", " 10", "10 ", "+10", "-10", "0x10", "", "00000000000000010", "1.0", "10\n"}) {
    SCOPED_TRACE(header);
    ExpectIncomplete(Decode(options, std::string(header) + sig + "\r\n"));
  }
  // 16 hex digits is the longest size; huge sizes exceed the decoded length.
  ExpectIncomplete(Decode(options, "ffffffffffffffff" + sig + "\r\n"));
  // Leading zeros are fine (the signature is then checked and is wrong).
  ExpectError(Decode(options, "0000000000000010" + sig + "\r\n" + std::string(16, 'a')),
              AwsChunkedErrorKind::kChunkSignatureMismatch, "SignatureDoesNotMatch", 403,
              kMismatch);
}

TEST(AwsChunked, FramingErrors) {
  BodyBuilder builder(StreamingPayload::kSigned);
  builder.Chunk(std::string(8192, 'd')).Chunk("end");
  const std::string body = builder.Finish();
  const AwsChunkedOptions options = builder.Options();
  ASSERT_TRUE(Decode(options, body).status.ok());
  // Data not followed by CRLF.
  std::string no_crlf = body;
  no_crlf[no_crlf.find("\r\n") + 2 + 8192] = 'X';
  ExpectIncomplete(Decode(options, no_crlf));
  // A header line ending in a bare LF.
  std::string bare_lf = body;
  bare_lf.erase(bare_lf.find("\r\n"), 1);
  ExpectIncomplete(Decode(options, bare_lf));
  // No chunk-signature, or a second extension.
  std::string no_sig = body;
  no_sig.replace(no_sig.find("chunk-signature"), 15, "chunk-signaturX");
  ExpectIncomplete(Decode(options, no_sig));
  std::string two_ext = body;
  two_ext.insert(two_ext.find("\r\n"), ";x=1");
  ExpectIncomplete(Decode(options, two_ext));
  // A header line longer than the limit, even before its CRLF arrives.
  AwsChunkedOptions small = options;
  small.max_chunk_header_bytes = 50;
  ExpectIncomplete(Decode(small, body, {10}));
  // An unsigned body with a chunk extension.
  AwsChunkedOptions unsigned_options;
  unsigned_options.headers = {StreamingPayload::kUnsignedTrailer, 3, std::nullopt};
  ExpectIncomplete(Decode(unsigned_options, "3;a=b\r\nabc\r\n0\r\n\r\n"));
  EXPECT_TRUE(Decode(unsigned_options, "3\r\nabc\r\n0\r\n\r\n").status.ok());
  // Trailer lines in a body without trailers.
  ExpectIncomplete(
      Decode(options, body.substr(0, body.size() - 2) + "x-amz-checksum-crc32:AAAAAA==\r\n\r\n"));
}

TEST(AwsChunked, DecodedLengthMustMatch) {
  BodyBuilder builder(StreamingPayload::kSigned);
  builder.Chunk(std::string(9000, 'd')).Chunk("end");
  const std::string body = builder.Finish();
  for (int64_t delta : {-1, 1, -9003, 100000}) {
    SCOPED_TRACE(delta);
    AwsChunkedOptions options = builder.Options();
    options.headers.decoded_content_length += delta;
    Outcome out = Decode(options, body);
    ExpectIncomplete(out);
    // Never more than the declared length reaches the sink.
    EXPECT_LE(out.decoded.size(), options.headers.decoded_content_length);
  }
}

TEST(AwsChunked, OnlyTheLastDataChunkMayBeSmall) {
  BodyBuilder builder(StreamingPayload::kUnsignedTrailer);
  builder.Chunk(std::string(8192, 'a')).Chunk(std::string(100, 'b')).Chunk(std::string(100, 'c'));
  const std::string body = builder.Finish();
  Outcome out = Decode(builder.Options(), body);
  ExpectError(out, AwsChunkedErrorKind::kInvalidChunkSize, "InvalidChunkSizeError", 403,
              "Only the last chunk is allowed to have a size less than 8192 bytes");
  EXPECT_EQ(out.error->chunk_number, 3u);
  EXPECT_EQ(out.error->bad_chunk_size, 100u);

  AwsChunkedOptions lenient = builder.Options();
  lenient.min_chunk_size = 0;
  EXPECT_TRUE(Decode(lenient, body).status.ok());

  BodyBuilder signed_builder(StreamingPayload::kSigned);
  signed_builder.Chunk(std::string(8191, 'a')).Chunk(std::string(9000, 'b'));
  out = Decode(signed_builder.Options(), signed_builder.Finish());
  ExpectError(out, AwsChunkedErrorKind::kInvalidChunkSize, "InvalidChunkSizeError", 403,
              "Only the last chunk is allowed to have a size less than 8192 bytes");
  EXPECT_EQ(out.error->chunk_number, 2u);
  EXPECT_EQ(out.error->bad_chunk_size, 8191u);
}

TEST(AwsChunked, TrailerRules) {
  const std::string data = "payload";
  const std::string crc32 = ComputeChecksumBase64(ChecksumAlgorithm::kCrc32, data);
  const std::string sha256 = ComputeChecksumBase64(ChecksumAlgorithm::kSha256, data);
  auto body = [&](const std::vector<std::string>& lines) {
    BodyBuilder b(StreamingPayload::kUnsignedTrailer);
    b.Chunk(data);
    return b.Finish(lines);
  };
  AwsChunkedOptions crc_options;
  crc_options.headers = {StreamingPayload::kUnsignedTrailer, data.size(),
                         ChecksumAlgorithm::kCrc32};
  ASSERT_TRUE(Decode(crc_options, body({"x-amz-checksum-crc32:" + crc32})).status.ok());
  // Announced, never sent.
  ExpectMalformedTrailer(Decode(crc_options, body({})));
  // Announced CRC32, SHA256 came.
  ExpectMalformedTrailer(Decode(crc_options, body({"x-amz-checksum-sha256:" + sha256})));
  // Repeated.
  ExpectMalformedTrailer(Decode(
      crc_options, body({"x-amz-checksum-crc32:" + crc32, "x-amz-checksum-crc32:" + crc32})));
  // No colon; a value that is not base64 of four bytes.
  ExpectMalformedTrailer(Decode(crc_options, body({"x-amz-checksum-crc32"})));
  ExpectMalformedTrailer(Decode(crc_options, body({"x-amz-checksum-crc32:" + sha256})));
  ExpectMalformedTrailer(Decode(crc_options, body({"x-amz-checksum-crc32:not base64"})));
  // A trailer signature in an unsigned body.
  ExpectMalformedTrailer(Decode(
      crc_options,
      body({"x-amz-checksum-crc32:" + crc32, "x-amz-trailer-signature:" + std::string(64, 'a')})));
  // Nothing announced, something sent.
  AwsChunkedOptions none = crc_options;
  none.headers.trailer_checksum.reset();
  ExpectMalformedTrailer(Decode(none, body({"x-amz-checksum-crc32:" + crc32})));
  EXPECT_TRUE(Decode(none, body({})).status.ok());
  // Too large.
  AwsChunkedOptions small = crc_options;
  small.max_trailer_bytes = 20;
  ExpectMalformedTrailer(Decode(small, body({"x-amz-checksum-crc32:" + crc32})));
  // A line ending in a bare LF.
  std::string bare = body({"x-amz-checksum-crc32:" + crc32});
  bare.erase(bare.find(crc32) + crc32.size(), 1);
  ExpectMalformedTrailer(Decode(crc_options, bare));
}

TEST(AwsChunked, SignedTrailerLinesAfterTheSignatureAreRefused) {
  BodyBuilder builder(StreamingPayload::kSignedTrailer);
  builder.Chunk("abc");
  const std::string crc = ComputeChecksumBase64(ChecksumAlgorithm::kCrc32c, "abc");
  std::string body = builder.Finish({"x-amz-checksum-crc32c:" + crc});
  const AwsChunkedOptions options = builder.Options(ChecksumAlgorithm::kCrc32c);
  ASSERT_TRUE(Decode(options, body).status.ok());
  body.insert(body.size() - 2, "x-amz-checksum-crc32c:" + crc + "\r\n");
  ExpectMalformedTrailer(Decode(options, body));
}

TEST(AwsChunked, SinkErrorsStopDecodingAndStick) {
  BodyBuilder builder(StreamingPayload::kSigned);
  builder.Chunk(std::string(9000, 'd')).Chunk("end");
  const std::string body = builder.Finish();
  StatusOr<AwsChunkedDecoder> decoder = AwsChunkedDecoder::Create(builder.Options());
  ASSERT_TRUE(decoder.ok());
  size_t calls = 0;
  auto failing = [&](std::string_view) {
    ++calls;
    return InternalError("disk full");
  };
  Status status = decoder->Feed(body, failing);
  EXPECT_EQ(status.code(), StatusCode::kInternal);
  EXPECT_EQ(status.message(), "disk full");
  EXPECT_EQ(calls, 1u);
  EXPECT_FALSE(decoder->error().has_value());
  EXPECT_EQ(decoder->Feed("more", failing).message(), "disk full");
  EXPECT_EQ(decoder->Finish().message(), "disk full");
  EXPECT_EQ(calls, 1u);
}

TEST(AwsChunked, ErrorsStick) {
  AwsChunkedOptions options;
  options.headers = {StreamingPayload::kUnsignedTrailer, 3, std::nullopt};
  StatusOr<AwsChunkedDecoder> decoder = AwsChunkedDecoder::Create(options);
  ASSERT_TRUE(decoder.ok());
  auto sink = [](std::string_view) { return OkStatus(); };
  EXPECT_EQ(decoder->Feed("zz\r\n", sink).aws_code(), "IncompleteBody");
  EXPECT_EQ(decoder->Feed("3\r\nabc\r\n0\r\n\r\n", sink).aws_code(), "IncompleteBody");
  EXPECT_EQ(decoder->Finish().aws_code(), "IncompleteBody");
}

TEST(AwsChunked, CreateNeedsTheSigningContextForSignedForms) {
  for (StreamingPayload p : {StreamingPayload::kSigned, StreamingPayload::kSignedTrailer}) {
    AwsChunkedOptions options;
    options.headers.payload = p;
    StatusOr<AwsChunkedDecoder> decoder = AwsChunkedDecoder::Create(options);
    ASSERT_FALSE(decoder.ok());
    EXPECT_EQ(decoder.status().code(), StatusCode::kInvalidArgument);
  }
  AwsChunkedOptions options;
  options.headers.payload = StreamingPayload::kUnsignedTrailer;
  EXPECT_TRUE(AwsChunkedDecoder::Create(options).ok());
}

// --- Headers and wire errors -------------------------------------------------------------------

http::Request StreamingRequest(std::vector<http::Header> headers) {
  http::Request r;
  r.method = "PUT";
  r.target = "/bucket/key";
  r.headers = std::move(headers);
  return r;
}

TEST(AwsChunkedHeaders, Parse) {
  EXPECT_EQ(ParseStreamingPayload("STREAMING-AWS4-HMAC-SHA256-PAYLOAD"), StreamingPayload::kSigned);
  EXPECT_EQ(ParseStreamingPayload("STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
            StreamingPayload::kUnsignedTrailer);
  EXPECT_EQ(ParseStreamingPayload("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"),
            StreamingPayload::kSignedTrailer);
  EXPECT_FALSE(ParseStreamingPayload("UNSIGNED-PAYLOAD").has_value());
  EXPECT_FALSE(ParseStreamingPayload("streaming-aws4-hmac-sha256-payload").has_value());

  StatusOr<AwsChunkedHeaders> h = ParseAwsChunkedHeaders(
      StreamingRequest({{"x-amz-content-sha256", "STREAMING-UNSIGNED-PAYLOAD-TRAILER"},
                        {"X-Amz-Decoded-Content-Length", "66560"},
                        {"x-amz-trailer", "x-amz-checksum-crc64nvme"}}));
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->payload, StreamingPayload::kUnsignedTrailer);
  EXPECT_EQ(h->decoded_content_length, 66560u);
  EXPECT_EQ(h->trailer_checksum, ChecksumAlgorithm::kCrc64Nvme);

  // x-amz-trailer is ignored without a trailer form.
  h = ParseAwsChunkedHeaders(
      StreamingRequest({{"x-amz-content-sha256", std::string(kStreamingSignedPayload)},
                        {"x-amz-decoded-content-length", "0"},
                        {"x-amz-trailer", "x-amz-checksum-crc32"}}));
  ASSERT_TRUE(h.ok());
  EXPECT_FALSE(h->trailer_checksum.has_value());

  h = ParseAwsChunkedHeaders(
      StreamingRequest({{"x-amz-content-sha256", std::string(kStreamingSignedPayload)}}));
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().aws_code(), "MissingContentLength");
  EXPECT_EQ(h.status().http_status(), 411);
  EXPECT_EQ(h.status().message(), "You must provide the Content-Length HTTP header.");

  for (std::string_view bad : {"", "-1", "1e3", "0x10", "99999999999999999999"}) {
    h = ParseAwsChunkedHeaders(
        StreamingRequest({{"x-amz-content-sha256", std::string(kStreamingSignedPayload)},
                          {"x-amz-decoded-content-length", std::string(bad)}}));
    ASSERT_FALSE(h.ok()) << bad;
    EXPECT_EQ(h.status().aws_code(), "InvalidArgument");
    EXPECT_EQ(h.status().http_status(), 400);
  }

  h = ParseAwsChunkedHeaders(
      StreamingRequest({{"x-amz-content-sha256", std::string(kStreamingSignedPayloadTrailer)},
                        {"x-amz-decoded-content-length", "1"},
                        {"x-amz-trailer", "x-amz-checksum-md5"}}));
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().aws_code(), "InvalidRequest");
  EXPECT_EQ(h.status().http_status(), 400);

  h = ParseAwsChunkedHeaders(StreamingRequest({{"x-amz-content-sha256", "UNSIGNED-PAYLOAD"}}));
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(h.status().aws_code(), "");
}

}  // namespace
}  // namespace sigil::auth
