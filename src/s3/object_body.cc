#include "s3/object_body.h"

#include <openssl/evp.h>

#include <charconv>

#include "common/crypto.h"
#include "common/strings.h"
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

class UploadStream final : public http::BodyConsumer {
 public:
  UploadStream(std::shared_ptr<Call> call, std::unique_ptr<BlobWriter> writer, uint64_t expected,
               std::string content_md5, UploadCommit commit)
      : call_(std::move(call)),
        writer_(std::move(writer)),
        expected_(expected),
        content_md5_(std::move(content_md5)),
        commit_(std::move(commit)),
        md5_(StreamDigest::Kind::kMd5),
        sha256_(StreamDigest::Kind::kSha256) {}

  std::optional<http::Response> Consume(std::string_view piece) override {
    if (Status s = Accept(piece); !s.ok()) return Fail(s);
    return std::nullopt;
  }

  http::Response Finish() override {
    StatusOr<http::Response> done = Complete();
    if (!done.ok()) return Fail(done.status());
    return Succeed(std::move(done).value());
  }

 private:
  Status Accept(std::string_view data) {
    received_ += data.size();
    if (received_ > expected_) {
      return S3Error(400, "IncompleteBody",
                     "You did not provide the number of bytes specified by the Content-Length "
                     "HTTP header");
    }
    md5_.Update(data);
    if (call_->auth.payload == PayloadMode::kSignedHash) sha256_.Update(data);
    return writer_->Append(data);
  }

  StatusOr<http::Response> Complete() {
    if (received_ != expected_) {
      return S3Error(400, "IncompleteBody",
                     "You did not provide the number of bytes specified by the Content-Length "
                     "HTTP header");
    }
    const std::string md5 = md5_.Finish();
    if (call_->auth.payload == PayloadMode::kSignedHash &&
        !ConstantTimeEquals(HexEncode(sha256_.Finish()), call_->auth.payload_sha256)) {
      return S3Error(400, "XAmzContentSHA256Mismatch",
                     "The provided 'x-amz-content-sha256' header does not match what was "
                     "computed.");
    }
    if (!content_md5_.empty() && Base64Encode(md5) != content_md5_) {
      return S3Error(400, "BadDigest",
                     "The Content-MD5 you specified did not match what we received.");
    }
    SIGIL_ASSIGN_OR_RETURN(std::string blob_id, writer_->Commit());
    UploadedBlob uploaded{BlobRef{blob_id, received_}, HexEncode(md5), "", ""};
    StatusOr<http::Response> response = commit_(*call_, uploaded);
    if (!response.ok()) (void)call_->deps.blobs.Delete(blob_id);
    return response;
  }

  http::Response Fail(const Status& status);
  http::Response Succeed(http::Response response);

  std::shared_ptr<Call> call_;
  std::unique_ptr<BlobWriter> writer_;
  uint64_t expected_;
  uint64_t received_ = 0;
  std::string content_md5_;
  UploadCommit commit_;
  StreamDigest md5_;
  StreamDigest sha256_;
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
  ObjectSource(const BlobStore& blobs, std::vector<BlobRef> parts, uint64_t first,
               uint64_t length)
      : blobs_(blobs), parts_(std::move(parts)), offset_(first), remaining_(length), size_(length) {}

  uint64_t size() const override { return size_; }

  StatusOr<size_t> Read(std::span<char> buffer) override {
    size_t filled = 0;
    while (filled < buffer.size() && remaining_ > 0) {
      // Find the part holding offset_.
      while (index_ < parts_.size() && offset_ >= part_start_ + parts_[index_].size) {
        part_start_ += parts_[index_].size;
        ++index_;
        file_.reset();
      }
      if (index_ >= parts_.size()) return InternalError("object shorter than its metadata");
      if (!file_) {
        SIGIL_ASSIGN_OR_RETURN(file_, blobs_.OpenBlob(parts_[index_].blob_id));
      }
      const uint64_t in_part = offset_ - part_start_;
      const size_t want = static_cast<size_t>(std::min<uint64_t>(
          {buffer.size() - filled, remaining_, parts_[index_].size - in_part}));
      SIGIL_ASSIGN_OR_RETURN(size_t got,
                             file_->ReadAt(in_part, buffer.subspan(filled, want)));
      if (got == 0) return InternalError("blob shorter than its metadata");
      filled += got;
      offset_ += got;
      remaining_ -= got;
    }
    return filled;
  }

 private:
  const BlobStore& blobs_;
  std::vector<BlobRef> parts_;
  uint64_t offset_;
  uint64_t remaining_;
  uint64_t size_;
  size_t index_ = 0;
  uint64_t part_start_ = 0;
  std::unique_ptr<BlobFile> file_;
};

}  // namespace

StreamDigest::StreamDigest(Kind kind) : ctx_(EVP_MD_CTX_new()) {
  EVP_DigestInit_ex(ctx_, kind == Kind::kMd5 ? EVP_md5() : EVP_sha256(), nullptr);
}

StreamDigest::~StreamDigest() { EVP_MD_CTX_free(ctx_); }

void StreamDigest::Update(std::string_view data) {
  EVP_DigestUpdate(ctx_, data.data(), data.size());
}

std::string StreamDigest::Finish() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_DigestFinal_ex(ctx_, out, &n);
  return std::string(reinterpret_cast<const char*>(out), n);
}

StatusOr<std::shared_ptr<http::BodyConsumer>> StartUpload(std::shared_ptr<Call> call,
                                                          uint64_t max_size,
                                                          UploadCommit commit) {
  const PayloadMode mode = call->auth.payload;
  if (mode == PayloadMode::kStreamingSigned || mode == PayloadMode::kStreamingSignedTrailer ||
      mode == PayloadMode::kStreamingUnsignedTrailer) {
    return NotImplemented("aws-chunked uploads");
  }
  auto length_header = call->Header("Content-Length");
  if (!length_header) {
    return S3Error(411, "MissingContentLength", "You must provide the Content-Length HTTP header.");
  }
  std::optional<uint64_t> length = ParseLength(*length_header);
  if (!length) return InvalidArgument("Invalid Content-Length");
  if (*length > max_size) {
    return S3Error(400, "EntityTooLarge",
                   "Your proposed upload exceeds the maximum allowed size");
  }
  std::string content_md5;
  if (auto md5 = call->Header("Content-MD5")) {
    StatusOr<std::string> raw = Base64Decode(TrimWhitespace(*md5));
    if (!raw.ok() || raw->size() != 16) {
      return S3Error(400, "InvalidDigest", "The Content-MD5 you specified was invalid.");
    }
    content_md5 = std::string(TrimWhitespace(*md5));
  }
  SIGIL_ASSIGN_OR_RETURN(std::unique_ptr<BlobWriter> writer, call->deps.blobs.Create());
  return std::shared_ptr<http::BodyConsumer>(std::make_shared<UploadStream>(
      std::move(call), std::move(writer), *length, std::move(content_md5), std::move(commit)));
}

StatusOr<std::shared_ptr<http::BodySource>> OpenObjectRange(const BlobStore& blobs,
                                                            const std::vector<BlobRef>& parts,
                                                            uint64_t first, uint64_t length) {
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
      std::make_shared<ObjectSource>(blobs, parts, first, length));
}

}  // namespace sigil::s3
