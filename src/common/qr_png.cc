#include "common/qr_png.h"

#include <qrencode.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <string>

namespace sigil {

namespace {

struct QrCodeDeleter {
  void operator()(QRcode* code) const { QRcode_free(code); }
};

void PutU32(std::string& out, uint32_t v) {
  out.push_back(static_cast<char>(v >> 24));
  out.push_back(static_cast<char>((v >> 16) & 0xff));
  out.push_back(static_cast<char>((v >> 8) & 0xff));
  out.push_back(static_cast<char>(v & 0xff));
}

// A PNG chunk: length | type | data | CRC-32 of type and data (PNG spec section 5.3).
void PutChunk(std::string& out, std::string_view type, std::string_view data) {
  PutU32(out, static_cast<uint32_t>(data.size()));
  uLong crc = crc32(0L, Z_NULL, 0);
  crc = crc32(crc, reinterpret_cast<const Bytef*>(type.data()), static_cast<uInt>(type.size()));
  crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size()));
  out.append(type);
  out.append(data);
  PutU32(out, static_cast<uint32_t>(crc));
}

}  // namespace

StatusOr<QrMatrix> EncodeQrCode(std::string_view text) {
  if (text.empty()) return InvalidArgumentError("a QR code needs some text");
  if (text.find('\0') != std::string_view::npos) {
    return InvalidArgumentError("QR code text contains a NUL byte");
  }
  const std::string c_text(text);
  errno = 0;
  std::unique_ptr<QRcode, QrCodeDeleter> code(QRcode_encodeString(c_text.c_str(), /*version=*/0,
                                                                  QR_ECLEVEL_M, QR_MODE_8,
                                                                  /*casesensitive=*/1));
  if (code == nullptr) {
    if (errno == ERANGE) return InvalidArgumentError("text is too long for a QR code");
    return InternalError("QR encoding failed");
  }
  QrMatrix matrix;
  matrix.size = code->width;
  const size_t cells = static_cast<size_t>(code->width) * static_cast<size_t>(code->width);
  matrix.dark.resize(cells);
  // libqrencode: bit 0 of each byte is the module's colour; the other bits describe its role.
  for (size_t i = 0; i < cells; ++i) matrix.dark[i] = (code->data[i] & 1) != 0;
  return matrix;
}

StatusOr<std::string> QrMatrixPng(const QrMatrix& matrix, int module_pixels) {
  if (module_pixels < 1 || module_pixels > kQrMaxModulePixels) {
    return InvalidArgumentError("QR module size must be between 1 and " +
                                std::to_string(kQrMaxModulePixels) + " pixels");
  }
  if (matrix.size < 1 ||
      matrix.dark.size() != static_cast<size_t>(matrix.size) * static_cast<size_t>(matrix.size)) {
    return InvalidArgumentError("QR matrix is malformed");
  }
  const int modules = matrix.size + 2 * kQrQuietZoneModules;
  const uint32_t side = static_cast<uint32_t>(modules) * static_cast<uint32_t>(module_pixels);
  const size_t row_bytes = 1 + (side + 7) / 8;  // filter byte, then 1 bit per pixel

  // Raw scanlines: filter type 0 (None); in 1-bit grayscale a set bit is white.
  std::string raw;
  raw.reserve(row_bytes * side);
  std::string row(row_bytes, '\0');
  for (int module_y = 0; module_y < modules; ++module_y) {
    std::fill(row.begin(), row.end(), '\0');
    for (uint32_t px = 0; px < side; ++px) {
      const int module_x = static_cast<int>(px) / module_pixels;
      const int x = module_x - kQrQuietZoneModules;
      const int y = module_y - kQrQuietZoneModules;
      const bool inside = x >= 0 && y >= 0 && x < matrix.size && y < matrix.size;
      if (!(inside && matrix.Dark(x, y))) {
        row[1 + px / 8] = static_cast<char>(row[1 + px / 8] | (0x80 >> (px % 8)));
      }
    }
    for (int i = 0; i < module_pixels; ++i) raw += row;
  }

  uLongf compressed_size = compressBound(static_cast<uLong>(raw.size()));
  std::string compressed(compressed_size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(compressed.data()), &compressed_size,
                reinterpret_cast<const Bytef*>(raw.data()), static_cast<uLong>(raw.size()),
                Z_BEST_COMPRESSION) != Z_OK) {
    return InternalError("zlib failed to compress the QR code image");
  }
  compressed.resize(compressed_size);

  std::string png("\x89PNG\r\n\x1a\n", 8);
  std::string ihdr;
  PutU32(ihdr, side);  // width
  PutU32(ihdr, side);  // height
  ihdr.push_back(1);   // bit depth
  ihdr.push_back(0);   // colour type: grayscale
  ihdr.push_back(0);   // compression: deflate
  ihdr.push_back(0);   // filter method 0
  ihdr.push_back(0);   // no interlace
  PutChunk(png, "IHDR", ihdr);
  PutChunk(png, "IDAT", compressed);
  PutChunk(png, "IEND", "");
  return png;
}

StatusOr<std::string> QrCodePng(std::string_view text, int module_pixels) {
  SIGIL_ASSIGN_OR_RETURN(QrMatrix matrix, EncodeQrCode(text));
  return QrMatrixPng(matrix, module_pixels);
}

}  // namespace sigil
