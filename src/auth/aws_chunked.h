// Decoder for S3 `Content-Encoding: aws-chunked` request bodies (streaming SigV4 uploads): strips
// the framing, verifies every chunk signature and the trailer signature, and checks the trailing
// checksum against the decoded bytes, with bounded memory whatever the chunk sizes. Pure (no I/O,
// no clock). A decoder is thread-compatible: one request, one thread at a time.
//
// Spec: https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html and
// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming-trailers.html
//
// Wire format (signed; the unsigned-trailer form has no ";chunk-signature=..." extension):
//   hex(size);chunk-signature=<64 hex>\r\n <size bytes> \r\n     ... repeated
//   0;chunk-signature=<64 hex>\r\n                                 the final chunk
//   [name:value\r\n ...] [x-amz-trailer-signature:<64 hex>\r\n]    trailer modes only
//   \r\n
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/sigv4.h"
#include "common/checksum.h"
#include "common/crypto.h"
#include "common/status.h"
#include "http/message.h"

namespace sigil::auth {

inline constexpr std::string_view kStreamingSignedPayload = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
inline constexpr std::string_view kStreamingSignedPayloadTrailer =
    "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
inline constexpr std::string_view kStreamingUnsignedPayloadTrailer =
    "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
inline constexpr std::string_view kTrailerSignatureHeader = "x-amz-trailer-signature";

// The three aws-chunked forms, named by the x-amz-content-sha256 value.
enum class StreamingPayload {
  kSigned,           // STREAMING-AWS4-HMAC-SHA256-PAYLOAD: chunk signatures, no trailer
  kUnsignedTrailer,  // STREAMING-UNSIGNED-PAYLOAD-TRAILER: no signatures, trailer
  kSignedTrailer,    // STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER: chunk and trailer signatures
};

// The streaming form an x-amz-content-sha256 value names (exact, case-sensitive match as S3
// does), or nullopt for anything else (a hex hash, UNSIGNED-PAYLOAD, ...).
std::optional<StreamingPayload> ParseStreamingPayload(std::string_view content_sha256);
bool IsSignedStreamingPayload(StreamingPayload payload);
bool HasTrailer(StreamingPayload payload);

// What the request head says about an aws-chunked body.
struct AwsChunkedHeaders {
  StreamingPayload payload = StreamingPayload::kSigned;
  uint64_t decoded_content_length = 0;  // x-amz-decoded-content-length
  // The checksum x-amz-trailer announces (trailer forms only; nullopt when none is announced).
  std::optional<ChecksumAlgorithm> trailer_checksum;
};

// Reads x-amz-content-sha256 (must be a streaming value: else kInvalidArgument without AWS code,
// the caller should not have asked), x-amz-decoded-content-length (missing: 411
// MissingContentLength "You must provide the Content-Length HTTP header."; not a decimal number:
// 400 InvalidArgument) and x-amz-trailer (only in the trailer forms, naming one of the five
// checksum headers, else 400 InvalidRequest). Does not look at Content-Encoding: the caller
// decides that the body is aws-chunked (S3 keys on x-amz-content-sha256) and strips "aws-chunked"
// from the stored Content-Encoding.
StatusOr<AwsChunkedHeaders> ParseAwsChunkedHeaders(const http::Request& request);

// Why a body was refused.
enum class AwsChunkedErrorKind {
  kIncompleteBody,            // truncated, malformed framing, data after the end, or a decoded
                              // length other than x-amz-decoded-content-length
  kInvalidChunkSize,          // a chunk other than the last data chunk is below the minimum
  kChunkSignatureMismatch,    // a chunk signature is wrong (or not 64 hex digits)
  kTrailerSignatureMismatch,  // the trailer signature is wrong
  kMalformedTrailer,          // trailer missing, undeclared, repeated, unparsable or too large
  kChecksumMismatch,          // the trailing checksum differs from the decoded data
};

struct AwsChunkedError {
  AwsChunkedErrorKind kind = AwsChunkedErrorKind::kIncompleteBody;
  std::string message;  // S3's wording, for the client
  std::string detail;   // what exactly went wrong, for logs; never a signature or secret
  // kInvalidChunkSize: S3's <Chunk> (1-based number of the chunk whose header showed that the
  // previous one was too small) and <BadChunkSize>.
  uint64_t chunk_number = 0;
  uint64_t bad_chunk_size = 0;
};

// S3's wire error for a decoding failure: AWS code, HTTP status and message.
//   kIncompleteBody -> 400 IncompleteBody "The request body terminated unexpectedly"
//   kInvalidChunkSize -> 403 InvalidChunkSizeError "Only the last chunk is allowed to have a
//     size less than 8192 bytes"
//   kChunkSignatureMismatch, kTrailerSignatureMismatch -> 403 SignatureDoesNotMatch
//   kMalformedTrailer -> 400 MalformedTrailerError "The request contained trailing data that was
//     not well-formed or did not conform to our published schema."
//   kChecksumMismatch -> 400 BadDigest "The CRC32C you specified did not match the calculated
//     checksum."
Status ToS3Status(const AwsChunkedError& error);

// What the signed forms need from the verified request signature (the seed).
struct ChunkSigningContext {
  Sha256Digest signing_key{};  // SigningKeyCache::Get(secret, claims.scope)
  std::string amz_date;        // claims.amz_date
  CredentialScope scope;       // claims.scope
  std::string seed_signature;  // claims.signature, after VerifySignature accepted it
};

struct AwsChunkedOptions {
  AwsChunkedHeaders headers;
  std::optional<ChunkSigningContext> signing;  // required by the signed forms, ignored otherwise
  // Every chunk but the last data chunk must be at least this big (S3: 8 KiB); 0 disables.
  uint64_t min_chunk_size = 8192;
  size_t max_chunk_header_bytes = 1024;  // one "size;extensions\r\n" line
  size_t max_trailer_bytes = 16 * 1024;  // all trailer lines together
};

// Push-style decoder. Feed() the body's bytes as they arrive, in any split; decoded data goes to
// the sink as it arrives, in pieces of the caller's buffers (nothing is copied or buffered beyond
// one chunk-header or trailer line). Call Finish() at the end of the body.
//
// IMPORTANT: a chunk's data reaches the sink before that chunk's signature (at its end), the
// trailer signature and the checksum are checked. Everything the sink received is trustworthy
// only once Finish() returned OK; on any error the consumer must discard all of it (the blob
// store never commits its temporary file).
class AwsChunkedDecoder {
 public:
  // Receives decoded bytes; a non-OK result stops decoding and is returned by Feed as is.
  using Sink = std::function<Status(std::string_view data)>;

  // kInvalidArgument when a signed form comes without a signing context.
  static StatusOr<AwsChunkedDecoder> Create(AwsChunkedOptions options);

  // Consumes `bytes`. Returns the sink's error, or ToS3Status(*error()) once the body is known to
  // be bad; after an error every later call returns the same error.
  Status Feed(std::string_view bytes, const Sink& sink);
  // The body ended: checks that it was complete (final chunk, decoded length, trailer signature
  // and checksum). At the end of input a trailer without its closing empty line (or whose last
  // line lacks its CRLF) is accepted, as S3 does for SDKs that omit it.
  Status Finish();

  // Set once the body was found bad (not when the sink failed).
  const std::optional<AwsChunkedError>& error() const { return error_; }
  uint64_t decoded_bytes() const { return decoded_; }
  // After a successful Finish: the trailing headers (names lower case, values trimmed, without
  // x-amz-trailer-signature), e.g. {"x-amz-checksum-crc32c", "sOO8/Q=="}.
  const std::vector<http::Header>& trailers() const { return trailers_; }

 private:
  enum class State { kChunkHeader, kChunkData, kChunkDataEnd, kTrailer, kDone, kFailed };

  explicit AwsChunkedDecoder(AwsChunkedOptions options);
  Status Fail(AwsChunkedErrorKind kind, std::string detail);
  Status OnChunkHeader(std::string_view line);
  Status OnChunkDataEnd();
  Status OnTrailerLine(std::string_view line);
  Status OnTrailerEnd();
  bool VerifyChunkSignature(std::string_view claimed, std::string_view chunk_sha256_hex);

  AwsChunkedOptions options_;
  State state_ = State::kChunkHeader;
  std::string line_;  // partial header or trailer line
  size_t trailer_bytes_ = 0;
  size_t crlf_seen_ = 0;     // kChunkDataEnd: bytes of "\r\n" seen
  uint64_t chunk_size_ = 0;  // current chunk
  uint64_t chunk_remaining_ = 0;
  uint64_t chunks_ = 0;  // chunk headers seen
  uint64_t decoded_ = 0;
  std::string claimed_signature_;  // of the current chunk
  std::string previous_signature_;
  Checksum chunk_hash_{ChecksumAlgorithm::kSha256};
  std::optional<Checksum> body_checksum_;
  std::vector<http::Header> trailers_;
  std::optional<std::string> trailer_signature_;
  std::optional<AwsChunkedError> error_;
  Status failure_;  // returned by every call once state_ is kFailed
};

}  // namespace sigil::auth
