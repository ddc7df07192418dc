#include "auth/aws_chunked.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include "common/strings.h"

namespace sigil::auth {

namespace {

constexpr std::string_view kIncompleteBodyMessage = "The request body terminated unexpectedly";
constexpr std::string_view kMalformedTrailerMessage =
    "The request contained trailing data that was not well-formed or did not conform to our "
    "published schema.";
constexpr std::string_view kSignatureMismatchMessage =
    "The request signature we calculated does not match the signature you provided. Check your "
    "key and signing method.";
constexpr std::string_view kChunkSignaturePrefix = "chunk-signature=";
constexpr size_t kMaxChunkSizeDigits = 16;  // fits uint64_t

bool IsHexDigit(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool IsLowerHex64(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::optional<uint64_t> ParseDecimal(std::string_view s) {
  if (s.empty() || s.size() > 19) return std::nullopt;
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value, 10);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<StreamingPayload> ParseStreamingPayload(std::string_view content_sha256) {
  if (content_sha256 == kStreamingSignedPayload) return StreamingPayload::kSigned;
  if (content_sha256 == kStreamingUnsignedPayloadTrailer) return StreamingPayload::kUnsignedTrailer;
  if (content_sha256 == kStreamingSignedPayloadTrailer) return StreamingPayload::kSignedTrailer;
  return std::nullopt;
}

bool IsSignedStreamingPayload(StreamingPayload payload) {
  return payload != StreamingPayload::kUnsignedTrailer;
}

bool HasTrailer(StreamingPayload payload) { return payload != StreamingPayload::kSigned; }

StatusOr<AwsChunkedHeaders> ParseAwsChunkedHeaders(const http::Request& request) {
  AwsChunkedHeaders out;
  std::optional<std::string_view> content_sha256 = request.FindHeader("x-amz-content-sha256");
  std::optional<StreamingPayload> payload =
      content_sha256 ? ParseStreamingPayload(TrimWhitespace(*content_sha256)) : std::nullopt;
  if (!payload) return InvalidArgumentError("x-amz-content-sha256 is not a streaming payload");
  out.payload = *payload;

  std::optional<std::string_view> decoded = request.FindHeader("x-amz-decoded-content-length");
  if (!decoded) {
    return AwsError(StatusCode::kInvalidArgument, "MissingContentLength",
                    "You must provide the Content-Length HTTP header.")
        .WithHttpStatus(411);
  }
  std::optional<uint64_t> length = ParseDecimal(TrimWhitespace(*decoded));
  if (!length) {
    return AwsError(StatusCode::kInvalidArgument, "InvalidArgument",
                    "x-amz-decoded-content-length must be a non-negative integer.");
  }
  out.decoded_content_length = *length;

  std::optional<std::string_view> trailer = request.FindHeader("x-amz-trailer");
  if (trailer && HasTrailer(out.payload)) {
    std::string_view name = TrimWhitespace(*trailer);
    out.trailer_checksum = ParseChecksumHeaderName(name);
    if (!out.trailer_checksum) {
      return AwsError(StatusCode::kInvalidArgument, "InvalidRequest",
                      "The value specified in the x-amz-trailer header is not supported");
    }
  }
  return out;
}

Status ToS3Status(const AwsChunkedError& error) {
  switch (error.kind) {
    case AwsChunkedErrorKind::kIncompleteBody:
      return AwsError(StatusCode::kInvalidArgument, "IncompleteBody", error.message);
    case AwsChunkedErrorKind::kInvalidChunkSize:
      return AwsError(StatusCode::kInvalidArgument, "InvalidChunkSizeError", error.message)
          .WithHttpStatus(403);
    case AwsChunkedErrorKind::kChunkSignatureMismatch:
    case AwsChunkedErrorKind::kTrailerSignatureMismatch:
      return AwsError(StatusCode::kUnauthenticated, "SignatureDoesNotMatch", error.message)
          .WithHttpStatus(403);
    case AwsChunkedErrorKind::kMalformedTrailer:
      return AwsError(StatusCode::kInvalidArgument, "MalformedTrailerError", error.message);
    case AwsChunkedErrorKind::kChecksumMismatch:
      return AwsError(StatusCode::kInvalidArgument, "BadDigest", error.message);
  }
  return InternalError("unknown aws-chunked error");
}

StatusOr<AwsChunkedDecoder> AwsChunkedDecoder::Create(AwsChunkedOptions options) {
  if (IsSignedStreamingPayload(options.headers.payload) && !options.signing) {
    return InvalidArgumentError("a signed aws-chunked body needs the seed signature's context");
  }
  if (!HasTrailer(options.headers.payload)) options.headers.trailer_checksum.reset();
  return AwsChunkedDecoder(std::move(options));
}

AwsChunkedDecoder::AwsChunkedDecoder(AwsChunkedOptions options) : options_(std::move(options)) {
  if (options_.signing) previous_signature_ = options_.signing->seed_signature;
  if (options_.headers.trailer_checksum) body_checksum_.emplace(*options_.headers.trailer_checksum);
}

Status AwsChunkedDecoder::Fail(AwsChunkedErrorKind kind, std::string detail) {
  AwsChunkedError error;
  error.kind = kind;
  error.detail = std::move(detail);
  switch (kind) {
    case AwsChunkedErrorKind::kIncompleteBody:
      error.message = std::string(kIncompleteBodyMessage);
      break;
    case AwsChunkedErrorKind::kInvalidChunkSize:
      error.message = "Only the last chunk is allowed to have a size less than " +
                      std::to_string(options_.min_chunk_size) + " bytes";
      error.chunk_number = chunks_;
      error.bad_chunk_size = chunk_size_;
      break;
    case AwsChunkedErrorKind::kChunkSignatureMismatch:
    case AwsChunkedErrorKind::kTrailerSignatureMismatch:
      error.message = std::string(kSignatureMismatchMessage);
      break;
    case AwsChunkedErrorKind::kMalformedTrailer:
      error.message = std::string(kMalformedTrailerMessage);
      break;
    case AwsChunkedErrorKind::kChecksumMismatch:
      error.message = "The " + std::string(ChecksumAlgorithmName(body_checksum_->algorithm())) +
                      " you specified did not match the calculated checksum.";
      break;
  }
  error_ = std::move(error);
  state_ = State::kFailed;
  failure_ = ToS3Status(*error_);
  return failure_;
}

Status AwsChunkedDecoder::Feed(std::string_view bytes, const Sink& sink) {
  while (!bytes.empty()) {
    switch (state_) {
      case State::kFailed:
        return failure_;
      case State::kDone:
        return Fail(AwsChunkedErrorKind::kIncompleteBody,
                    "data after the end of the aws-chunked body");
      case State::kChunkHeader:
      case State::kTrailer: {
        const size_t newline = bytes.find('\n');
        const size_t take = newline == std::string_view::npos ? bytes.size() : newline + 1;
        const bool trailer = state_ == State::kTrailer;
        const size_t limit =
            trailer ? options_.max_trailer_bytes - trailer_bytes_ : options_.max_chunk_header_bytes;
        if (line_.size() + take > limit) {
          return trailer ? Fail(AwsChunkedErrorKind::kMalformedTrailer, "trailer too large")
                         : Fail(AwsChunkedErrorKind::kIncompleteBody, "chunk header line too long");
        }
        line_.append(bytes.substr(0, take));
        bytes.remove_prefix(take);
        if (newline == std::string_view::npos) break;
        if (line_.size() < 2 || line_[line_.size() - 2] != '\r') {
          return trailer ? Fail(AwsChunkedErrorKind::kMalformedTrailer, "trailer line without CRLF")
                         : Fail(AwsChunkedErrorKind::kIncompleteBody, "chunk header without CRLF");
        }
        std::string line = std::move(line_);
        line_.clear();
        line.resize(line.size() - 2);
        if (trailer) {
          trailer_bytes_ += line.size() + 2;
          SIGIL_RETURN_IF_ERROR(line.empty() ? OnTrailerEnd() : OnTrailerLine(line));
        } else {
          SIGIL_RETURN_IF_ERROR(OnChunkHeader(line));
        }
        break;
      }
      case State::kChunkData: {
        const size_t take = static_cast<size_t>(std::min<uint64_t>(chunk_remaining_, bytes.size()));
        const std::string_view data = bytes.substr(0, take);
        bytes.remove_prefix(take);
        chunk_remaining_ -= take;
        decoded_ += take;
        if (IsSignedStreamingPayload(options_.headers.payload)) chunk_hash_.Update(data);
        if (body_checksum_) body_checksum_->Update(data);
        Status sunk = sink(data);
        if (!sunk.ok()) {
          state_ = State::kFailed;
          failure_ = sunk;
          return sunk;
        }
        if (chunk_remaining_ == 0) SIGIL_RETURN_IF_ERROR(OnChunkDataEnd());
        break;
      }
      case State::kChunkDataEnd: {
        static constexpr std::string_view kCrlf = "\r\n";
        if (bytes.front() != kCrlf[crlf_seen_]) {
          return Fail(AwsChunkedErrorKind::kIncompleteBody, "chunk data not followed by CRLF");
        }
        bytes.remove_prefix(1);
        if (++crlf_seen_ == 2) state_ = State::kChunkHeader;
        break;
      }
    }
  }
  return state_ == State::kFailed ? failure_ : OkStatus();
}

Status AwsChunkedDecoder::OnChunkHeader(std::string_view line) {
  ++chunks_;
  // chunk-size: 1-16 hex digits, nothing before them.
  size_t digits = 0;
  while (digits < line.size() && IsHexDigit(line[digits])) ++digits;
  if (digits == 0 || digits > kMaxChunkSizeDigits) {
    return Fail(AwsChunkedErrorKind::kIncompleteBody, "chunk size is not 1-16 hex digits");
  }
  uint64_t size = 0;
  std::from_chars(line.data(), line.data() + digits, size, 16);
  std::string_view extensions = line.substr(digits);

  const bool is_signed = IsSignedStreamingPayload(options_.headers.payload);
  if (is_signed) {
    // Exactly one extension, chunk-signature (S3 refuses any other).
    if (!StartsWith(extensions, ";") || !StartsWith(extensions.substr(1), kChunkSignaturePrefix)) {
      return Fail(AwsChunkedErrorKind::kIncompleteBody, "chunk header without chunk-signature");
    }
    claimed_signature_ = std::string(extensions.substr(1 + kChunkSignaturePrefix.size()));
    if (claimed_signature_.find(';') != std::string::npos) {
      return Fail(AwsChunkedErrorKind::kIncompleteBody, "more than one chunk extension");
    }
  } else if (!extensions.empty()) {
    return Fail(AwsChunkedErrorKind::kIncompleteBody, "chunk extension in an unsigned body");
  }

  // Only the last data chunk may be small; that is known when the next header arrives.
  if (chunks_ > 1 && size > 0 && chunk_size_ < options_.min_chunk_size) {
    return Fail(AwsChunkedErrorKind::kInvalidChunkSize, "a chunk before the last one is too small");
  }
  if (size > options_.headers.decoded_content_length - decoded_) {
    return Fail(AwsChunkedErrorKind::kIncompleteBody, "chunks exceed x-amz-decoded-content-length");
  }
  chunk_size_ = size;
  chunk_remaining_ = size;
  crlf_seen_ = 0;
  if (size > 0) {
    state_ = State::kChunkData;
    return OkStatus();
  }

  // The final chunk.
  if (is_signed && !VerifyChunkSignature(claimed_signature_, Sha256Hex(""))) {
    return Fail(AwsChunkedErrorKind::kChunkSignatureMismatch, "final chunk signature mismatch");
  }
  if (decoded_ != options_.headers.decoded_content_length) {
    return Fail(AwsChunkedErrorKind::kIncompleteBody,
                "decoded length " + std::to_string(decoded_) +
                    " differs from x-amz-decoded-content-length " +
                    std::to_string(options_.headers.decoded_content_length));
  }
  state_ = State::kTrailer;
  return OkStatus();
}

Status AwsChunkedDecoder::OnChunkDataEnd() {
  if (IsSignedStreamingPayload(options_.headers.payload)) {
    const std::string hash = HexEncode(chunk_hash_.Finish());
    chunk_hash_.Reset();
    if (!VerifyChunkSignature(claimed_signature_, hash)) {
      return Fail(AwsChunkedErrorKind::kChunkSignatureMismatch,
                  "signature mismatch in chunk " + std::to_string(chunks_));
    }
  }
  state_ = State::kChunkDataEnd;
  return OkStatus();
}

bool AwsChunkedDecoder::VerifyChunkSignature(std::string_view claimed,
                                             std::string_view chunk_sha256_hex) {
  const ChunkSigningContext& s = *options_.signing;
  const std::string expected = ChunkSignatureFromHash(s.signing_key, s.amz_date, s.scope,
                                                      previous_signature_, chunk_sha256_hex);
  if (!IsLowerHex64(claimed) || !ConstantTimeEquals(expected, claimed)) return false;
  previous_signature_ = std::string(claimed);
  return true;
}

Status AwsChunkedDecoder::OnTrailerLine(std::string_view line) {
  if (!HasTrailer(options_.headers.payload)) {
    return Fail(AwsChunkedErrorKind::kIncompleteBody, "data after the final chunk");
  }
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) {
    return Fail(AwsChunkedErrorKind::kMalformedTrailer, "trailer line without a colon");
  }
  // S3 tolerates blanks around the colon.
  std::string name = AsciiLower(TrimWhitespace(line.substr(0, colon)));
  std::string value(TrimWhitespace(line.substr(colon + 1)));
  if (trailer_signature_) {
    return Fail(AwsChunkedErrorKind::kMalformedTrailer, "trailer after the trailer signature");
  }
  if (name == kTrailerSignatureHeader) {
    if (options_.headers.payload != StreamingPayload::kSignedTrailer) {
      return Fail(AwsChunkedErrorKind::kMalformedTrailer, "trailer signature in an unsigned body");
    }
    trailer_signature_ = std::move(value);
    return OkStatus();
  }
  const std::optional<ChecksumAlgorithm> declared = options_.headers.trailer_checksum;
  if (!declared || name != ChecksumHeaderName(*declared)) {
    return Fail(AwsChunkedErrorKind::kMalformedTrailer, "trailer '" + name + "' not announced");
  }
  if (!trailers_.empty()) {
    return Fail(AwsChunkedErrorKind::kMalformedTrailer, "trailer '" + name + "' repeated");
  }
  trailers_.push_back({std::move(name), std::move(value)});
  return OkStatus();
}

Status AwsChunkedDecoder::OnTrailerEnd() {
  if (options_.headers.payload == StreamingPayload::kSignedTrailer) {
    if (!trailer_signature_) {
      return Fail(AwsChunkedErrorKind::kMalformedTrailer, "no x-amz-trailer-signature");
    }
    std::string canonical;
    for (const http::Header& h : trailers_) canonical += h.name + ":" + h.value + "\n";
    const ChunkSigningContext& s = *options_.signing;
    const std::string expected =
        TrailerSignature(s.signing_key, s.amz_date, s.scope, previous_signature_, canonical);
    if (!IsLowerHex64(*trailer_signature_) || !ConstantTimeEquals(expected, *trailer_signature_)) {
      return Fail(AwsChunkedErrorKind::kTrailerSignatureMismatch, "trailer signature mismatch");
    }
  }
  if (body_checksum_) {
    if (trailers_.empty()) {
      return Fail(AwsChunkedErrorKind::kMalformedTrailer, "the announced trailer is missing");
    }
    StatusOr<std::string> claimed =
        DecodeChecksumValue(body_checksum_->algorithm(), trailers_.front().value);
    if (!claimed.ok()) {
      return Fail(AwsChunkedErrorKind::kMalformedTrailer, claimed.status().message());
    }
    if (body_checksum_->Finish() != *claimed) {
      return Fail(AwsChunkedErrorKind::kChecksumMismatch, "trailing checksum mismatch");
    }
  }
  state_ = State::kDone;
  return OkStatus();
}

Status AwsChunkedDecoder::Finish() {
  switch (state_) {
    case State::kDone:
      return OkStatus();
    case State::kFailed:
      return failure_;
    case State::kTrailer: {
      // End of input inside the trailer: take a last line that lacks its CRLF, then close.
      if (!line_.empty()) {
        if (line_.find('\r') != std::string::npos) {
          return Fail(HasTrailer(options_.headers.payload) ? AwsChunkedErrorKind::kMalformedTrailer
                                                           : AwsChunkedErrorKind::kIncompleteBody,
                      "the body ended inside a line break");
        }
        const std::string line = std::move(line_);
        line_.clear();
        SIGIL_RETURN_IF_ERROR(OnTrailerLine(line));
      }
      return OnTrailerEnd();
    }
    default:
      return Fail(AwsChunkedErrorKind::kIncompleteBody, "the body ended before its final chunk");
  }
}

}  // namespace sigil::auth
