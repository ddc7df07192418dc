// The object checksums S3 speaks: CRC32, CRC32C, CRC64NVME, SHA1 and SHA256 (the
// x-amz-checksum-* family), plus MD5 for Content-MD5 and ETags, behind one incremental hasher.
// S3 sends and returns each value as base64 of the raw digest (CRCs big-endian). Pure functions
// are thread-safe; a Checksum object is thread-compatible (one writer at a time).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace sigil {

enum class ChecksumAlgorithm { kCrc32, kCrc32c, kCrc64Nvme, kSha1, kSha256, kMd5 };

// S3's name: "CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"; "MD5" for kMd5.
std::string_view ChecksumAlgorithmName(ChecksumAlgorithm algorithm);
// The request/response header carrying the value: "x-amz-checksum-crc32" ... ; "content-md5"
// for kMd5.
std::string_view ChecksumHeaderName(ChecksumAlgorithm algorithm);
// Raw digest length in bytes: 4, 4, 8, 20, 32, 16.
size_t ChecksumDigestSize(ChecksumAlgorithm algorithm);

// One of S3's five algorithm names (x-amz-sdk-checksum-algorithm, x-amz-checksum-algorithm,
// ChecksumAlgorithm), ASCII case-insensitive. nullopt for anything else, MD5 included.
std::optional<ChecksumAlgorithm> ParseChecksumAlgorithm(std::string_view name);
// One of the five x-amz-checksum-<alg> header names, ASCII case-insensitive (also how a trailer
// is named in x-amz-trailer). nullopt for anything else, including x-amz-checksum-type/-mode.
std::optional<ChecksumAlgorithm> ParseChecksumHeaderName(std::string_view header_name);

// Decodes a checksum value as sent (strict, canonical padded base64) and checks it has the
// algorithm's digest length. kInvalidArgument (no AWS code; the caller knows which header it came
// from) otherwise.
StatusOr<std::string> DecodeChecksumValue(ChecksumAlgorithm algorithm, std::string_view base64);

// Incremental hasher. CRC32 uses zlib, CRC32C ISA-L (crc32_iscsi), CRC64NVME a slice-by-8 table
// (Debian's ISA-L predates its Rocksoft CRC), the digests OpenSSL EVP.
class Checksum {
 public:
  explicit Checksum(ChecksumAlgorithm algorithm);
  ~Checksum();
  Checksum(Checksum&& other) noexcept;
  Checksum& operator=(Checksum&& other) noexcept;
  Checksum(const Checksum&) = delete;
  Checksum& operator=(const Checksum&) = delete;

  ChecksumAlgorithm algorithm() const { return algorithm_; }
  // Adds bytes; any split of the input gives the same result.
  void Update(std::string_view data);
  // The raw digest (CRCs as big-endian bytes) of everything added so far. The hasher must not be
  // used again afterwards (Reset() starts over).
  std::string Finish();
  // Starts a new, empty computation with the same algorithm.
  void Reset();

 private:
  void Release();

  ChecksumAlgorithm algorithm_;
  uint64_t crc_ = 0;        // CRC register (CRC32/CRC32C in the low 32 bits)
  void* md_ctx_ = nullptr;  // EVP_MD_CTX* for SHA1, SHA256 and MD5
};

// One-shot: the raw digest of `data`.
std::string ComputeChecksum(ChecksumAlgorithm algorithm, std::string_view data);
// One-shot: base64 of the raw digest, as S3 puts it on the wire.
std::string ComputeChecksumBase64(ChecksumAlgorithm algorithm, std::string_view data);

}  // namespace sigil
