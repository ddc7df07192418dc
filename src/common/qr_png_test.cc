#include "common/qr_png.h"

#include <gtest/gtest.h>
#include <qrencode.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace sigil {
namespace {

constexpr std::string_view kUri =
    "otpauth://totp/Sigil:alice@123456789012?secret="
    "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Sigil";

uint32_t ReadU32(std::string_view bytes, size_t at) {
  return (static_cast<uint32_t>(static_cast<uint8_t>(bytes[at])) << 24) |
         (static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 1])) << 16) |
         (static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 2])) << 8) |
         static_cast<uint32_t>(static_cast<uint8_t>(bytes[at + 3]));
}

struct Chunk {
  std::string type;
  std::string data;
};

// Splits a PNG into chunks, checking the signature, every length and every CRC.
std::vector<Chunk> ParsePng(std::string_view png) {
  std::vector<Chunk> chunks;
  EXPECT_EQ(png.substr(0, 8), std::string_view("\x89PNG\r\n\x1a\n", 8));
  size_t at = 8;
  while (at < png.size()) {
    EXPECT_LE(at + 12, png.size());
    if (at + 12 > png.size()) break;
    const uint32_t length = ReadU32(png, at);
    EXPECT_LE(at + 12 + length, png.size());
    if (at + 12 + length > png.size()) break;
    Chunk chunk{std::string(png.substr(at + 4, 4)), std::string(png.substr(at + 8, length))};
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(png.data() + at + 4), 4 + length);
    EXPECT_EQ(ReadU32(png, at + 8 + length), static_cast<uint32_t>(crc)) << chunk.type;
    chunks.push_back(std::move(chunk));
    at += 12 + length;
  }
  EXPECT_EQ(at, png.size());
  return chunks;
}

// A finder pattern's 7x7 top-left corner at (x0, y0): dark border, light ring, dark 3x3 centre.
void ExpectFinderPattern(const QrMatrix& m, int x0, int y0) {
  for (int dy = 0; dy < 7; ++dy) {
    for (int dx = 0; dx < 7; ++dx) {
      const int ring = std::max(std::abs(dx - 3), std::abs(dy - 3));
      EXPECT_EQ(m.Dark(x0 + dx, y0 + dy), ring != 2) << x0 + dx << "," << y0 + dy;
    }
  }
}

TEST(QrCodeTest, MatrixIsLibqrencodesAndAValidQrSymbol) {
  auto matrix = EncodeQrCode(kUri);
  ASSERT_TRUE(matrix.ok()) << matrix.status().ToString();
  // Version v has 17 + 4v modules a side.
  ASSERT_EQ((matrix->size - 17) % 4, 0);
  ASSERT_GE(matrix->size, 21);
  ASSERT_EQ(matrix->dark.size(), static_cast<size_t>(matrix->size * matrix->size));
  ExpectFinderPattern(*matrix, 0, 0);
  ExpectFinderPattern(*matrix, matrix->size - 7, 0);
  ExpectFinderPattern(*matrix, 0, matrix->size - 7);

  const std::string text(kUri);
  QRcode* expected = QRcode_encodeString(text.c_str(), 0, QR_ECLEVEL_M, QR_MODE_8, 1);
  ASSERT_NE(expected, nullptr);
  EXPECT_EQ(matrix->size, expected->width);
  for (int y = 0; y < expected->width; ++y) {
    for (int x = 0; x < expected->width; ++x) {
      EXPECT_EQ(matrix->Dark(x, y), (expected->data[y * expected->width + x] & 1) != 0);
    }
  }
  QRcode_free(expected);
}

class QrPngTest : public ::testing::TestWithParam<int> {};

TEST_P(QrPngTest, PngDecodesToTheMatrix) {
  const int module_pixels = GetParam();
  auto matrix = EncodeQrCode(kUri);
  ASSERT_TRUE(matrix.ok());
  auto png = QrCodePng(kUri, module_pixels);
  ASSERT_TRUE(png.ok()) << png.status().ToString();

  std::vector<Chunk> chunks = ParsePng(*png);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0].type, "IHDR");
  EXPECT_EQ(chunks[1].type, "IDAT");
  EXPECT_EQ(chunks[2].type, "IEND");
  EXPECT_TRUE(chunks[2].data.empty());

  const std::string& ihdr = chunks[0].data;
  ASSERT_EQ(ihdr.size(), 13u);
  const uint32_t side =
      static_cast<uint32_t>((matrix->size + 2 * kQrQuietZoneModules) * module_pixels);
  EXPECT_EQ(ReadU32(ihdr, 0), side);                                  // width
  EXPECT_EQ(ReadU32(ihdr, 4), side);                                  // height
  EXPECT_EQ(ihdr.substr(8), std::string("\x01\x00\x00\x00\x00", 5));  // 1-bit grey, no interlace

  const size_t row_bytes = 1 + (side + 7) / 8;
  std::string raw(row_bytes * side, '\0');
  uLongf raw_size = raw.size();
  ASSERT_EQ(
      uncompress(reinterpret_cast<Bytef*>(raw.data()), &raw_size,
                 reinterpret_cast<const Bytef*>(chunks[1].data.data()), chunks[1].data.size()),
      Z_OK);
  ASSERT_EQ(raw_size, raw.size());

  int mismatches = 0;
  for (uint32_t y = 0; y < side; ++y) {
    const char* row = raw.data() + y * row_bytes;
    ASSERT_EQ(row[0], 0) << "filter type of row " << y;
    for (uint32_t x = 0; x < side; ++x) {
      const bool white = (static_cast<uint8_t>(row[1 + x / 8]) >> (7 - x % 8)) & 1;
      const int mx = static_cast<int>(x) / module_pixels - kQrQuietZoneModules;
      const int my = static_cast<int>(y) / module_pixels - kQrQuietZoneModules;
      const bool inside = mx >= 0 && my >= 0 && mx < matrix->size && my < matrix->size;
      const bool dark = inside && matrix->Dark(mx, my);
      if (white == dark) ++mismatches;
    }
  }
  EXPECT_EQ(mismatches, 0);
}

INSTANTIATE_TEST_SUITE_P(ModuleSizes, QrPngTest, ::testing::Values(1, 3, kQrModulePixels, 32));

TEST(QrCodeTest, RejectsTextThatCannotBeEncoded) {
  auto empty = QrCodePng("");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(empty.status().message(), "a QR code needs some text");

  auto nul = QrCodePng(std::string_view("a\0b", 3));
  ASSERT_FALSE(nul.ok());
  EXPECT_EQ(nul.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(nul.status().message(), "QR code text contains a NUL byte");

  // Version 40 at level M holds 2331 bytes.
  auto too_long = QrCodePng(std::string(4000, 'a'));
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(too_long.status().message(), "text is too long for a QR code");
  EXPECT_TRUE(QrCodePng(std::string(2000, 'a'), 1).ok());
}

TEST(QrCodeTest, RejectsBadModuleSizesAndMatrices) {
  for (int pixels : {0, -1, kQrMaxModulePixels + 1}) {
    auto png = QrCodePng(kUri, pixels);
    ASSERT_FALSE(png.ok());
    EXPECT_EQ(png.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(png.status().message(), "QR module size must be between 1 and 32 pixels");
  }
  QrMatrix malformed;
  malformed.size = 21;
  malformed.dark.resize(20);
  auto png = QrMatrixPng(malformed);
  ASSERT_FALSE(png.ok());
  EXPECT_EQ(png.status().message(), "QR matrix is malformed");
}

}  // namespace
}  // namespace sigil
