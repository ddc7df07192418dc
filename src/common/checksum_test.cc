#include "common/checksum.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "common/crypto.h"
#include "common/strings.h"

namespace sigil {
namespace {

constexpr std::string_view kCheck = "123456789";  // the CRC catalogue's check input

std::string Hex(std::string_view raw) { return HexEncode(raw); }

// Bit-at-a-time CRC-64/NVME straight from the definition (reflected 0xAD93D23594C93659, init and
// xorout all ones), to cross-check the slice-by-8 tables on arbitrary data.
uint64_t ReferenceCrc64Nvme(std::string_view data) {
  uint64_t crc = ~uint64_t{0};
  for (unsigned char c : data) {
    crc ^= c;
    for (int i = 0; i < 8; ++i) crc = (crc >> 1) ^ ((crc & 1) ? 0x9A6C9329AC4BC9B5ULL : 0);
  }
  return ~crc;
}

std::string RandomBytes(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng() & 0xff);
  return out;
}

TEST(Checksum, CatalogueCheckValues) {
  // reveng CRC catalogue: CRC-32/ISO-HDLC, CRC-32/ISCSI, CRC-64/NVME check values.
  EXPECT_EQ(Hex(ComputeChecksum(ChecksumAlgorithm::kCrc32, kCheck)), "cbf43926");
  EXPECT_EQ(Hex(ComputeChecksum(ChecksumAlgorithm::kCrc32c, kCheck)), "e3069283");
  EXPECT_EQ(Hex(ComputeChecksum(ChecksumAlgorithm::kCrc64Nvme, kCheck)), "ae8b14860a799888");
}

TEST(Checksum, AwsCommonRuntimeVectors) {
  // Values the AWS Common Runtime's checksum tests use.
  EXPECT_EQ(Hex(ComputeChecksum(ChecksumAlgorithm::kCrc32, "Hello")),
            "f7d18982");  // 4157704578
  EXPECT_EQ(Hex(ComputeChecksum(ChecksumAlgorithm::kCrc32c, "Hello")),
            "81d90e1b");  // 2178485787
  EXPECT_EQ(Hex(ComputeChecksum(ChecksumAlgorithm::kCrc64Nvme, "aaaaaaaaaa")), "0c1a80036d65c555");
  EXPECT_EQ(Hex(ComputeChecksum(ChecksumAlgorithm::kCrc64Nvme, std::string(32, '\0'))),
            "cf3473434d4ecf3b");
  EXPECT_EQ(ComputeChecksumBase64(ChecksumAlgorithm::kCrc64Nvme, "Hello, World!\n"),
            "SoXXbx67KpE=");
}

TEST(Checksum, EmptyInput) {
  EXPECT_EQ(Hex(ComputeChecksum(ChecksumAlgorithm::kCrc32, "")), "00000000");
  EXPECT_EQ(Hex(ComputeChecksum(ChecksumAlgorithm::kCrc32c, "")), "00000000");
  EXPECT_EQ(Hex(ComputeChecksum(ChecksumAlgorithm::kCrc64Nvme, "")), "0000000000000000");
  EXPECT_EQ(Hex(ComputeChecksum(ChecksumAlgorithm::kMd5, "")), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(ComputeChecksumBase64(ChecksumAlgorithm::kSha256, ""),
            "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
}

TEST(Checksum, DigestVectors) {
  // FIPS 180 and RFC 1321 "abc" examples.
  EXPECT_EQ(Hex(ComputeChecksum(ChecksumAlgorithm::kSha1, "abc")),
            "a9993e364706816aba3e25717850c26c9cd0d89d");
  EXPECT_EQ(Hex(ComputeChecksum(ChecksumAlgorithm::kSha256, "abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Hex(ComputeChecksum(ChecksumAlgorithm::kMd5, "abc")),
            "900150983cd24fb0d6963f7d28e17f72");
}

TEST(Checksum, S3StreamingTrailerExample) {
  // The trailer example of the S3 API Reference: 66560 bytes of 'a', CRC32C "sOO8/Q==".
  EXPECT_EQ(ComputeChecksumBase64(ChecksumAlgorithm::kCrc32c, std::string(66560, 'a')), "sOO8/Q==");
}

TEST(Checksum, Crc64MatchesBitwiseReferenceOnEveryLengthAndAlignment) {
  const std::string data = RandomBytes(300, 7);
  for (size_t offset = 0; offset < 8; ++offset) {
    for (size_t len = 0; offset + len <= data.size(); len += 13) {
      std::string_view piece(data.data() + offset, len);
      std::string raw = ComputeChecksum(ChecksumAlgorithm::kCrc64Nvme, piece);
      uint64_t got = 0;
      for (unsigned char c : raw) got = (got << 8) | c;
      ASSERT_EQ(got, ReferenceCrc64Nvme(piece)) << "offset " << offset << " len " << len;
    }
  }
}

TEST(Checksum, IncrementalEqualsOneShotForEveryAlgorithmAndSplit) {
  const std::string data = RandomBytes(5000, 42);
  std::mt19937 rng(1);
  for (ChecksumAlgorithm a :
       {ChecksumAlgorithm::kCrc32, ChecksumAlgorithm::kCrc32c, ChecksumAlgorithm::kCrc64Nvme,
        ChecksumAlgorithm::kSha1, ChecksumAlgorithm::kSha256, ChecksumAlgorithm::kMd5}) {
    SCOPED_TRACE(std::string(ChecksumAlgorithmName(a)));
    const std::string expected = ComputeChecksum(a, data);
    EXPECT_EQ(expected.size(), ChecksumDigestSize(a));
    for (int round = 0; round < 20; ++round) {
      Checksum checksum(a);
      size_t pos = 0;
      while (pos < data.size()) {
        size_t n = std::min<size_t>(rng() % 700, data.size() - pos);
        checksum.Update(std::string_view(data).substr(pos, n));
        pos += n;
      }
      ASSERT_EQ(checksum.Finish(), expected);
    }
    // Byte by byte, then Reset and reuse.
    Checksum checksum(a);
    for (char c : data) checksum.Update(std::string_view(&c, 1));
    EXPECT_EQ(checksum.Finish(), expected);
    checksum.Reset();
    checksum.Update("abc");
    EXPECT_EQ(checksum.Finish(), ComputeChecksum(a, "abc"));
  }
}

TEST(Checksum, MoveKeepsState) {
  Checksum a(ChecksumAlgorithm::kSha256);
  a.Update("ab");
  Checksum b(std::move(a));
  b.Update("c");
  EXPECT_EQ(Hex(b.Finish()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  Checksum c(ChecksumAlgorithm::kCrc32);
  c = std::move(b);
  EXPECT_EQ(c.algorithm(), ChecksumAlgorithm::kSha256);
  c.Reset();
  c.Update("abc");
  EXPECT_EQ(Hex(c.Finish()), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Checksum, NamesAndHeaders) {
  struct Row {
    ChecksumAlgorithm algorithm;
    std::string_view name;
    std::string_view header;
    size_t size;
  };
  const std::vector<Row> rows = {
      {ChecksumAlgorithm::kCrc32, "CRC32", "x-amz-checksum-crc32", 4},
      {ChecksumAlgorithm::kCrc32c, "CRC32C", "x-amz-checksum-crc32c", 4},
      {ChecksumAlgorithm::kCrc64Nvme, "CRC64NVME", "x-amz-checksum-crc64nvme", 8},
      {ChecksumAlgorithm::kSha1, "SHA1", "x-amz-checksum-sha1", 20},
      {ChecksumAlgorithm::kSha256, "SHA256", "x-amz-checksum-sha256", 32},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(ChecksumAlgorithmName(row.algorithm), row.name);
    EXPECT_EQ(ChecksumHeaderName(row.algorithm), row.header);
    EXPECT_EQ(ChecksumDigestSize(row.algorithm), row.size);
    EXPECT_EQ(ParseChecksumAlgorithm(row.name), row.algorithm);
    EXPECT_EQ(ParseChecksumAlgorithm(AsciiLower(row.name)), row.algorithm);
    EXPECT_EQ(ParseChecksumHeaderName(row.header), row.algorithm);
  }
  EXPECT_EQ(ParseChecksumHeaderName("X-Amz-Checksum-CRC32C"), ChecksumAlgorithm::kCrc32c);
  EXPECT_EQ(ChecksumAlgorithmName(ChecksumAlgorithm::kMd5), "MD5");
  EXPECT_EQ(ChecksumHeaderName(ChecksumAlgorithm::kMd5), "content-md5");
  for (std::string_view bad : {"MD5", "", "CRC", "CRC32CX", "SHA512", "crc64"}) {
    EXPECT_FALSE(ParseChecksumAlgorithm(bad).has_value()) << bad;
  }
  for (std::string_view bad : {"x-amz-checksum-type", "x-amz-checksum-mode", "x-amz-checksum-",
                               "content-md5", "x-amz-checksum-md5", "x-amz-checksum-crc32 "}) {
    EXPECT_FALSE(ParseChecksumHeaderName(bad).has_value()) << bad;
  }
}

TEST(Checksum, DecodeChecksumValue) {
  StatusOr<std::string> raw = DecodeChecksumValue(ChecksumAlgorithm::kCrc32c, "sOO8/Q==");
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(Hex(*raw), "b0e3bcfd");
  for (std::string_view bad :
       {"", "sOO8/Q=", "sOO8/Q", "sOO8/Q==AAAA", "AAAAAAAAAAA=", "s O8/Q==", "sOO8/R=="}) {
    StatusOr<std::string> r = DecodeChecksumValue(ChecksumAlgorithm::kCrc32c, bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().message(), "not a base64 CRC32C value");
  }
  EXPECT_TRUE(DecodeChecksumValue(ChecksumAlgorithm::kSha256,
                                  "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
                  .ok());
  EXPECT_FALSE(
      DecodeChecksumValue(ChecksumAlgorithm::kSha1, "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")
          .ok());
}

}  // namespace
}  // namespace sigil
