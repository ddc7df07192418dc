#include "common/checksum.h"

#include <isa-l/crc.h>
#include <openssl/evp.h>
#include <zlib.h>

#include <array>
#include <climits>
#include <utility>

#include "common/crypto.h"
#include "common/strings.h"

namespace sigil {

namespace {

// CRC-64/NVME (the "Rocksoft" polynomial 0xAD93D23594C93659), reflected: init and xorout all
// ones. Slice-by-8: table[k][b] is the CRC of byte b followed by k zero bytes.
constexpr uint64_t kCrc64NvmeReflected = 0x9A6C9329AC4BC9B5ULL;

using Crc64Tables = std::array<std::array<uint64_t, 256>, 8>;

constexpr Crc64Tables MakeCrc64Tables() {
  Crc64Tables t{};
  for (uint64_t b = 0; b < 256; ++b) {
    uint64_t crc = b;
    for (int i = 0; i < 8; ++i) crc = (crc >> 1) ^ ((crc & 1) ? kCrc64NvmeReflected : 0);
    t[0][b] = crc;
  }
  for (size_t k = 1; k < 8; ++k) {
    for (size_t b = 0; b < 256; ++b) t[k][b] = (t[k - 1][b] >> 8) ^ t[0][t[k - 1][b] & 0xff];
  }
  return t;
}

constexpr Crc64Tables kCrc64Tables = MakeCrc64Tables();

// Updates the (non-inverted) CRC-64/NVME register.
uint64_t Crc64NvmeUpdate(uint64_t crc, const unsigned char* p, size_t n) {
  const Crc64Tables& t = kCrc64Tables;
  while (n >= 8) {
    uint64_t word = 0;
    for (int i = 7; i >= 0; --i) word = (word << 8) | p[i];  // little-endian load
    crc ^= word;
    crc = t[7][crc & 0xff] ^ t[6][(crc >> 8) & 0xff] ^ t[5][(crc >> 16) & 0xff] ^
          t[4][(crc >> 24) & 0xff] ^ t[3][(crc >> 32) & 0xff] ^ t[2][(crc >> 40) & 0xff] ^
          t[1][(crc >> 48) & 0xff] ^ t[0][crc >> 56];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) crc = (crc >> 8) ^ t[0][(crc ^ *p++) & 0xff];
  return crc;
}

// OpenSSL 3 looks algorithms up in its provider registry on every EVP_sha1() use; fetch once.
const EVP_MD* FetchedMd(ChecksumAlgorithm algorithm) {
  static EVP_MD* sha1 = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  static EVP_MD* sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  static EVP_MD* md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
  switch (algorithm) {
    case ChecksumAlgorithm::kSha1:
      return sha1;
    case ChecksumAlgorithm::kSha256:
      return sha256;
    case ChecksumAlgorithm::kMd5:
      return md5;
    default:
      return nullptr;
  }
}

std::string BigEndian(uint64_t value, size_t bytes) {
  std::string out(bytes, '\0');
  for (size_t i = 0; i < bytes; ++i) {
    out[bytes - 1 - i] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  return out;
}

constexpr ChecksumAlgorithm kS3Algorithms[] = {
    ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc64Nvme,
    ChecksumAlgorithm::kSha1, ChecksumAlgorithm::kSha256};

}  // namespace

std::string_view ChecksumAlgorithmName(ChecksumAlgorithm algorithm) {
  switch (algorithm) {
    case ChecksumAlgorithm::kCrc32:
      return "CRC32";
    case ChecksumAlgorithm::kCrc32c:
      return "CRC32C";
    case ChecksumAlgorithm::kCrc64Nvme:
      return "CRC64NVME";
    case ChecksumAlgorithm::kSha1:
      return "SHA1";
    case ChecksumAlgorithm::kSha256:
      return "SHA256";
    case ChecksumAlgorithm::kMd5:
      return "MD5";
  }
  return "";
}

std::string_view ChecksumHeaderName(ChecksumAlgorithm algorithm) {
  switch (algorithm) {
    case ChecksumAlgorithm::kCrc32:
      return "x-amz-checksum-crc32";
    case ChecksumAlgorithm::kCrc32c:
      return "x-amz-checksum-crc32c";
    case ChecksumAlgorithm::kCrc64Nvme:
      return "x-amz-checksum-crc64nvme";
    case ChecksumAlgorithm::kSha1:
      return "x-amz-checksum-sha1";
    case ChecksumAlgorithm::kSha256:
      return "x-amz-checksum-sha256";
    case ChecksumAlgorithm::kMd5:
      return "content-md5";
  }
  return "";
}

size_t ChecksumDigestSize(ChecksumAlgorithm algorithm) {
  switch (algorithm) {
    case ChecksumAlgorithm::kCrc32:
    case ChecksumAlgorithm::kCrc32c:
      return 4;
    case ChecksumAlgorithm::kCrc64Nvme:
      return 8;
    case ChecksumAlgorithm::kSha1:
      return 20;
    case ChecksumAlgorithm::kSha256:
      return 32;
    case ChecksumAlgorithm::kMd5:
      return 16;
  }
  return 0;
}

std::optional<ChecksumAlgorithm> ParseChecksumAlgorithm(std::string_view name) {
  for (ChecksumAlgorithm a : kS3Algorithms) {
    if (EqualsIgnoreCase(name, ChecksumAlgorithmName(a))) return a;
  }
  return std::nullopt;
}

std::optional<ChecksumAlgorithm> ParseChecksumHeaderName(std::string_view header_name) {
  for (ChecksumAlgorithm a : kS3Algorithms) {
    if (EqualsIgnoreCase(header_name, ChecksumHeaderName(a))) return a;
  }
  return std::nullopt;
}

StatusOr<std::string> DecodeChecksumValue(ChecksumAlgorithm algorithm, std::string_view base64) {
  StatusOr<std::string> raw = Base64Decode(base64);
  // Re-encoding must give the text back: no padding bits set, so one digest has one spelling.
  if (!raw.ok() || raw->size() != ChecksumDigestSize(algorithm) || Base64Encode(*raw) != base64) {
    return InvalidArgumentError(std::string("not a base64 ") +
                                std::string(ChecksumAlgorithmName(algorithm)) + " value");
  }
  return raw;
}

Checksum::Checksum(ChecksumAlgorithm algorithm) : algorithm_(algorithm) { Reset(); }

Checksum::~Checksum() { Release(); }

Checksum::Checksum(Checksum&& other) noexcept
    : algorithm_(other.algorithm_),
      crc_(other.crc_),
      md_ctx_(std::exchange(other.md_ctx_, nullptr)) {}

Checksum& Checksum::operator=(Checksum&& other) noexcept {
  if (this != &other) {
    Release();
    algorithm_ = other.algorithm_;
    crc_ = other.crc_;
    md_ctx_ = std::exchange(other.md_ctx_, nullptr);
  }
  return *this;
}

void Checksum::Release() {
  EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(md_ctx_));
  md_ctx_ = nullptr;
}

void Checksum::Reset() {
  switch (algorithm_) {
    case ChecksumAlgorithm::kCrc32:
      crc_ = crc32(0L, Z_NULL, 0);
      return;
    case ChecksumAlgorithm::kCrc32c:
      crc_ = 0xFFFFFFFFu;  // crc32_iscsi neither pre- nor post-inverts
      return;
    case ChecksumAlgorithm::kCrc64Nvme:
      crc_ = ~uint64_t{0};
      return;
    default:
      break;
  }
  if (md_ctx_ == nullptr) md_ctx_ = EVP_MD_CTX_new();
  EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(md_ctx_), FetchedMd(algorithm_), nullptr);
}

void Checksum::Update(std::string_view data) {
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t n = data.size();
  switch (algorithm_) {
    case ChecksumAlgorithm::kCrc32:
      // zlib's length is a uInt; feed huge inputs in pieces.
      while (n > 0) {
        const uInt piece = n > UINT_MAX ? UINT_MAX : static_cast<uInt>(n);
        crc_ = crc32(static_cast<uLong>(crc_), p, piece);
        p += piece;
        n -= piece;
      }
      return;
    case ChecksumAlgorithm::kCrc32c:
      // crc32_iscsi takes a non-const pointer (it does not write) and an int length.
      while (n > 0) {
        const int piece = n > INT_MAX ? INT_MAX : static_cast<int>(n);
        crc_ = crc32_iscsi(const_cast<unsigned char*>(p), piece, static_cast<unsigned int>(crc_));
        p += piece;
        n -= static_cast<size_t>(piece);
      }
      return;
    case ChecksumAlgorithm::kCrc64Nvme:
      crc_ = Crc64NvmeUpdate(crc_, p, n);
      return;
    default:
      EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(md_ctx_), p, n);
      return;
  }
}

std::string Checksum::Finish() {
  switch (algorithm_) {
    case ChecksumAlgorithm::kCrc32:
      return BigEndian(crc_, 4);
    case ChecksumAlgorithm::kCrc32c:
      return BigEndian(~crc_ & 0xFFFFFFFFu, 4);
    case ChecksumAlgorithm::kCrc64Nvme:
      return BigEndian(~crc_, 8);
    default:
      break;
  }
  std::string out(ChecksumDigestSize(algorithm_), '\0');
  unsigned int len = 0;
  EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(md_ctx_),
                     reinterpret_cast<unsigned char*>(out.data()), &len);
  return out;
}

std::string ComputeChecksum(ChecksumAlgorithm algorithm, std::string_view data) {
  Checksum checksum(algorithm);
  checksum.Update(data);
  return checksum.Finish();
}

std::string ComputeChecksumBase64(ChecksumAlgorithm algorithm, std::string_view data) {
  return Base64Encode(ComputeChecksum(algorithm, data));
}

}  // namespace sigil
