#include "s3/object_body.h"

#include <charconv>

#include "auth/aws_chunked.h"
#include "common/checksum.h"
#include "common/crypto.h"
#include "common/strings.h"
#include "s3/background_digests.h"
#include "s3/s3_call.h"
#include "s3/s3_errors.h"

namespace sigil::s3 {
namespace {

std::optional<uint64_t> ParseLength(std::string_view text) {
  uint64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// What the request head promises about the body.
struct UploadPlan {
  uint64_t expected = 0;    // decoded bytes
  std::string content_md5;  // base64, empty when not sent
  // A checksum header's algorithm and value (base64); or, for aws-chunked with a trailer, the
  // algorithm the trailer announces (its value arrives at the end).
  std::optional<ChecksumAlgorithm> checksum;
  std::string checksum_value;
  std::optional<auth::AwsChunkedDecoder> chunked;
};

// What an upload hashes: MD5 (the ETag), SHA-256 for a signed payload, the client's checksum.
std::vector<ChecksumAlgorithm> Algorithms(const UploadPlan& plan, PayloadMode payload) {
  std::vector<ChecksumAlgorithm> out = {ChecksumAlgorithm::kMd5};
  if (payload == PayloadMode::kSignedHash) out.push_back(ChecksumAlgorithm::kSha256);
  if (plan.checksum) out.push_back(*plan.checksum);
  return out;
}

class UploadStream final : public http::BodyConsumer {
 public:
  UploadStream(std::shared_ptr<Call> call, std::unique_ptr<BlobWriter> writer, UploadPlan plan,
               UploadCommit commit)
      : call_(std::move(call)),
        writer_(std::move(writer)),
        plan_(std::move(plan)),
        commit_(std::move(commit)),
        digests_(Algorithms(plan_, call_->auth.payload), plan_.expected) {}

  std::optional<http::Response> Consume(std::string_view piece) override {
    Status s = plan_.chunked
                   ? plan_.chunked->Feed(piece, [this](std::string_view d) { return Accept(d); })
                   : Accept(piece);
    if (!s.ok()) return Fail(s);
    return std::nullopt;
  }

  http::Response Finish() override {
    StatusOr<http::Response> done = Complete();
    if (!done.ok()) return Fail(done.status());
    return Succeed(std::move(done).value());
  }

 private:
  static Status Incomplete() {
    return S3Error(400, "IncompleteBody",
                   "You did not provide the number of bytes specified by the Content-Length "
                   "HTTP header");
  }

  Status Accept(std::string_view data) {
    received_ += data.size();
    if (received_ > plan_.expected) return Incomplete();
    digests_.Update(data);
    return writer_->Append(data);
  }

  StatusOr<http::Response> Complete() {
    if (plan_.chunked) SIGIL_RETURN_IF_ERROR(plan_.chunked->Finish());
    if (received_ != plan_.expected) return Incomplete();
    // In Algorithms' order: MD5, then SHA-256 if the payload is signed, then the checksum.
    const std::vector<std::string> digests = digests_.Finish();
    const std::string& md5 = digests[0];
    const bool signed_payload = call_->auth.payload == PayloadMode::kSignedHash;
    if (signed_payload && !ConstantTimeEquals(HexEncode(digests[1]), call_->auth.payload_sha256)) {
      return S3Error(400, "XAmzContentSHA256Mismatch",
                     "The provided 'x-amz-content-sha256' header does not match what was "
                     "computed.");
    }
    if (!plan_.content_md5.empty() && Base64Encode(md5) != plan_.content_md5) {
      return S3Error(400, "BadDigest",
                     "The Content-MD5 you specified did not match what we received.");
    }
    UploadedBlob uploaded{BlobRef{"", received_}, HexEncode(md5), "", ""};
    if (plan_.checksum) {
      const std::string computed = Base64Encode(digests.back());
      std::string claimed = plan_.checksum_value;
      if (plan_.chunked) {
        // The decoder verified the trailer against the data; take its value.
        for (const http::Header& t : plan_.chunked->trailers()) {
          if (t.name == ChecksumHeaderName(*plan_.checksum)) claimed = t.value;
        }
      }
      if (claimed != computed) {
        return S3Error(400, "BadDigest",
                       "The " + std::string(ChecksumAlgorithmName(*plan_.checksum)) +
                           " you specified did not match the calculated checksum.");
      }
      uploaded.checksum_algorithm = std::string(ChecksumAlgorithmName(*plan_.checksum));
      uploaded.checksum = computed;
    }
    const auto commit_started = std::chrono::steady_clock::now();
    SIGIL_ASSIGN_OR_RETURN(uploaded.blob.blob_id, writer_->Commit());
    if (call_->deps.metrics != nullptr) {
      call_->deps.metrics->RecordBlobOperation("commit",
                                               std::chrono::steady_clock::now() - commit_started);
    }
    StatusOr<http::Response> response = commit_(*call_, uploaded);
    if (!response.ok()) (void)call_->deps.blobs.Delete(uploaded.blob.blob_id);
    return response;
  }

  http::Response Fail(const Status& status);
  http::Response Succeed(http::Response response);

  std::shared_ptr<Call> call_;
  std::unique_ptr<BlobWriter> writer_;
  UploadPlan plan_;
  uint64_t received_ = 0;
  UploadCommit commit_;
  BackgroundDigests digests_;
};

http::Response UploadStream::Fail(const Status& status) {
  writer_.reset();  // removes the temporary file: nothing of a failed upload stays
  return FinishCall(*call_, status);
}

http::Response UploadStream::Succeed(http::Response response) {
  return FinishCall(*call_, std::move(response));
}

class ObjectSource final : public http::BodySource {
 public:
  ObjectSource(const BlobStore& blobs, std::vector<BlobRef> parts, uint64_t first, uint64_t length,
               server::ServerMetrics* metrics)
      : blobs_(blobs),
        parts_(std::move(parts)),
        offset_(first),
        remaining_(length),
        size_(length),
        metrics_(metrics) {}

  uint64_t size() const override { return size_; }
  bool file_backed() const override { return true; }

  StatusOr<std::optional<FileRegion>> NextFileRegion(uint64_t max_length) override {
    if (remaining_ == 0 || max_length == 0) return std::optional<FileRegion>();
    SIGIL_RETURN_IF_ERROR(Locate());
    const uint64_t in_part = offset_ - part_start_;
    const uint64_t length =
        std::min<uint64_t>({max_length, remaining_, parts_[index_].size - in_part});
    FileRegion region{file_->fd(), in_part, length};
    offset_ += length;
    remaining_ -= length;
    return std::optional<FileRegion>(region);
  }

  StatusOr<size_t> Read(std::span<char> buffer) override {
    const auto started = std::chrono::steady_clock::now();
    StatusOr<size_t> filled = Fill(buffer);
    if (metrics_ != nullptr) {
      metrics_->RecordBlobOperation("read", std::chrono::steady_clock::now() - started);
    }
    return filled;
  }

 private:
  StatusOr<size_t> Fill(std::span<char> buffer) {
    size_t filled = 0;
    while (filled < buffer.size() && remaining_ > 0) {
      SIGIL_RETURN_IF_ERROR(Locate());
      const uint64_t in_part = offset_ - part_start_;
      const size_t want = static_cast<size_t>(
          std::min<uint64_t>({buffer.size() - filled, remaining_, parts_[index_].size - in_part}));
      SIGIL_ASSIGN_OR_RETURN(size_t got, file_->ReadAt(in_part, buffer.subspan(filled, want)));
      if (got == 0) return InternalError("blob shorter than its metadata");
      filled += got;
      offset_ += got;
      remaining_ -= got;
    }
    return filled;
  }

  // Moves to the part holding offset_ and opens its blob.
  Status Locate() {
    while (index_ < parts_.size() && offset_ >= part_start_ + parts_[index_].size) {
      part_start_ += parts_[index_].size;
      ++index_;
      file_.reset();
    }
    if (index_ >= parts_.size()) return InternalError("object shorter than its metadata");
    if (!file_) {
      SIGIL_ASSIGN_OR_RETURN(file_, blobs_.OpenBlob(parts_[index_].blob_id));
    }
    return OkStatus();
  }

  const BlobStore& blobs_;
  std::vector<BlobRef> parts_;
  uint64_t offset_;
  uint64_t remaining_;
  uint64_t size_;
  size_t index_ = 0;
  uint64_t part_start_ = 0;
  std::unique_ptr<BlobFile> file_;
  server::ServerMetrics* metrics_;
};

}  // namespace

StatusOr<std::shared_ptr<http::BodyConsumer>> StartUpload(std::shared_ptr<Call> call,
                                                          uint64_t max_size, UploadCommit commit) {
  UploadPlan plan;
  const PayloadMode mode = call->auth.payload;
  const bool chunked = mode == PayloadMode::kStreamingSigned ||
                       mode == PayloadMode::kStreamingSignedTrailer ||
                       mode == PayloadMode::kStreamingUnsignedTrailer;
  if (chunked) {
    SIGIL_ASSIGN_OR_RETURN(auth::AwsChunkedHeaders headers,
                           auth::ParseAwsChunkedHeaders(call->head));
    auth::AwsChunkedOptions options;
    options.headers = headers;
    if (auth::IsSignedStreamingPayload(headers.payload)) {
      options.signing = auth::ChunkSigningContext{call->auth.signing_key, call->auth.amz_date,
                                                  call->auth.scope, call->auth.seed_signature};
    }
    SIGIL_ASSIGN_OR_RETURN(auth::AwsChunkedDecoder decoder,
                           auth::AwsChunkedDecoder::Create(std::move(options)));
    plan.chunked.emplace(std::move(decoder));
    plan.expected = headers.decoded_content_length;
    plan.checksum = headers.trailer_checksum;
  } else {
    auto length_header = call->Header("Content-Length");
    if (!length_header) {
      return S3Error(411, "MissingContentLength",
                     "You must provide the Content-Length HTTP header.");
    }
    std::optional<uint64_t> length = ParseLength(*length_header);
    if (!length) return InvalidArgument("Invalid Content-Length");
    plan.expected = *length;
  }
  if (plan.expected > max_size) {
    return S3Error(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size");
  }
  if (auto md5 = call->Header("Content-MD5")) {
    StatusOr<std::string> raw = Base64Decode(TrimWhitespace(*md5));
    if (!raw.ok() || raw->size() != 16) {
      return S3Error(400, "InvalidDigest", "The Content-MD5 you specified was invalid.");
    }
    plan.content_md5 = std::string(TrimWhitespace(*md5));
  }
  // A checksum in a header (x-amz-checksum-crc32: ...), checked when the body is in.
  for (const http::Header& h : call->head.headers) {
    std::optional<ChecksumAlgorithm> algorithm = ParseChecksumHeaderName(AsciiLower(h.name));
    if (!algorithm) continue;
    if (plan.checksum && *plan.checksum != *algorithm) {
      return InvalidRequest(
          "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.");
    }
    if (!DecodeChecksumValue(*algorithm, TrimWhitespace(h.value)).ok()) {
      return InvalidRequest("Value for x-amz-checksum-" +
                            AsciiLower(ChecksumAlgorithmName(*algorithm)) + " header is invalid.");
    }
    plan.checksum = algorithm;
    plan.checksum_value = std::string(TrimWhitespace(h.value));
  }
  SIGIL_ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> writer, call->deps.blobs.Create());
  return std::shared_ptr<http::BodyConsumer>(std::make_shared<UploadStream>(
      std::move(call), std::move(writer), std::move(plan), std::move(commit)));
}

StatusOr<std::shared_ptr<http::BodySource>> OpenObjectRange(const BlobStore& blobs,
                                                            const std::vector<BlobRef>& parts,
                                                            uint64_t first, uint64_t length,
                                                            server::ServerMetrics* metrics) {
  // Open the first blob now, so a missing file is an error before the head is sent.
  if (length > 0) {
    uint64_t start = 0;
    for (const BlobRef& p : parts) {
      if (first < start + p.size) {
        SIGIL_RETURN_IF_ERROR(blobs.OpenBlob(p.blob_id).status());
        break;
      }
      start += p.size;
    }
  }
  return std::shared_ptr<http::BodySource>(
      std::make_shared<ObjectSource>(blobs, parts, first, length, metrics));
}

}  // namespace sigil::s3
