// libFuzzer target for the aws-chunked decoder. Input layout:
//   byte 0: bits 0-1 the form (0 signed, 1 or 3 unsigned trailer, 2 signed trailer); bits 2-4 the
//           announced trailer checksum (0-4 CRC32, CRC32C, CRC64NVME, SHA1, SHA256; 5-7 none);
//           bit 5 set: no minimum chunk size
//   bytes 1-3: x-amz-decoded-content-length, big-endian
//   byte 4: the piece size the body is fed in (0: all at once)
//   the rest: the body
// Signed forms use the S3 streaming examples' key and seed signatures, so the seed corpus's
// bodies verify. Checks: never more decoded bytes than declared; success means exactly the
// declared length and a trailer checksum that matches the data; errors carry S3's code and a
// message; the result does not depend on how the body was split.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "auth/aws_chunked.h"
#include "common/checksum.h"
#include "common/crypto.h"

namespace {

using sigil::ChecksumAlgorithm;
using sigil::Status;
using sigil::auth::AwsChunkedDecoder;
using sigil::auth::AwsChunkedOptions;
using sigil::auth::StreamingPayload;

void Check(bool condition) {
  if (!condition) std::abort();
}

struct Result {
  Status status;
  std::string decoded;
  std::string trailer_value;
};

Result Run(const AwsChunkedOptions& options, std::string_view body, size_t piece) {
  Result result;
  sigil::StatusOr<AwsChunkedDecoder> decoder = AwsChunkedDecoder::Create(options);
  Check(decoder.ok());
  auto sink = [&](std::string_view data) {
    result.decoded.append(data);
    return sigil::OkStatus();
  };
  while (!body.empty()) {
    const size_t n = piece == 0 || piece > body.size() ? body.size() : piece;
    result.status = decoder->Feed(body.substr(0, n), sink);
    body.remove_prefix(n);
    Check(result.decoded.size() <= options.headers.decoded_content_length);
    if (!result.status.ok()) break;
  }
  if (result.status.ok()) result.status = decoder->Finish();
  if (!result.status.ok()) {
    Check(decoder->error().has_value());
    Check(!result.status.aws_code().empty());
    Check(!result.status.message().empty());
    Check(result.status.aws_code() != "BadDigest" || options.headers.trailer_checksum.has_value());
  } else if (!decoder->trailers().empty()) {
    result.trailer_value = decoder->trailers().front().value;
  }
  return result;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 5) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 5, size - 5);

  AwsChunkedOptions options;
  switch (data[0] & 3) {
    case 0:
      options.headers.payload = StreamingPayload::kSigned;
      break;
    case 2:
      options.headers.payload = StreamingPayload::kSignedTrailer;
      break;
    default:
      options.headers.payload = StreamingPayload::kUnsignedTrailer;
  }
  static constexpr ChecksumAlgorithm kAlgorithms[] = {
      ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc64Nvme,
      ChecksumAlgorithm::kSha1, ChecksumAlgorithm::kSha256};
  const unsigned algorithm = (data[0] >> 2) & 7;
  if (algorithm < 5 && sigil::auth::HasTrailer(options.headers.payload)) {
    options.headers.trailer_checksum = kAlgorithms[algorithm];
  }
  if (data[0] & 0x20) options.min_chunk_size = 0;
  options.headers.decoded_content_length =
      (uint64_t{data[1]} << 16) | (uint64_t{data[2]} << 8) | data[3];
  if (sigil::auth::IsSignedStreamingPayload(options.headers.payload)) {
    sigil::auth::ChunkSigningContext signing;
    signing.scope = {"AKIAIOSFODNN7EXAMPLE", "20130524", "us-east-1", "s3", "aws4_request"};
    signing.signing_key = sigil::auth::DeriveSigningKey("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                                                        "20130524", "us-east-1", "s3");
    signing.amz_date = "20130524T000000Z";
    signing.seed_signature =
        options.headers.payload == StreamingPayload::kSigned
            ? "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9"
            : "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e";
    options.signing = signing;
  }

  const Result whole = Run(options, body, 0);
  const Result split = Run(options, body, data[4]);
  Check(whole.status.ok() == split.status.ok());
  Check(whole.status.aws_code() == split.status.aws_code());
  if (whole.status.ok()) {
    Check(whole.decoded == split.decoded);
    Check(whole.decoded.size() == options.headers.decoded_content_length);
    if (options.headers.trailer_checksum) {
      Check(whole.trailer_value ==
            sigil::ComputeChecksumBase64(*options.headers.trailer_checksum, whole.decoded));
    }
  }
  return 0;
}
