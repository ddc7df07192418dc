// Internal to s3/: the two ends of an object's bytes. UploadStream receives a body as it
// arrives (decoding aws-chunked framing, hashing, writing one blob) and commits through a
// callback once every check passed; ObjectSource reads a byte range of an object's blobs for a
// response. Each is used by one connection at a time.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "blob/blob_store.h"
#include "http/message.h"
#include "s3/s3_call.h"

namespace sigil::s3 {

// What arrived and was verified.
struct UploadedBlob {
  BlobRef blob;
  std::string md5_hex;
  // The checksum stored with the object: the algorithm S3 names ("CRC32", ...) and its base64
  // value; empty when the client sent none.
  std::string checksum_algorithm;
  std::string checksum;
};

// Commits the blob's metadata; on error the blob is deleted.
using UploadCommit = std::function<StatusOr<http::Response>(Call&, const UploadedBlob&)>;

// Validates the upload's framing headers (Content-Length or x-amz-decoded-content-length,
// Content-MD5, x-amz-checksum-*, x-amz-trailer, the size limit) and opens the blob. Errors:
// MissingContentLength (411), EntityTooLarge, InvalidDigest, InvalidRequest, NotImplemented.
StatusOr<std::shared_ptr<http::BodyConsumer>> StartUpload(std::shared_ptr<Call> call,
                                                          uint64_t max_size, UploadCommit commit);

// Serves bytes [first, first + length) of the concatenation of `blobs`, timing each read into
// `metrics` when given.
StatusOr<std::shared_ptr<http::BodySource>> OpenObjectRange(const BlobStore& blobs,
                                                            const std::vector<BlobRef>& parts,
                                                            uint64_t first, uint64_t length,
                                                            server::ServerMetrics* metrics);

}  // namespace sigil::s3
