// QR codes for virtual MFA enrollment: CreateVirtualMFADevice returns the otpauth:// URI as a PNG
// an authenticator app scans (QRCodePNG). libqrencode builds the module matrix; the PNG is written
// here (1-bit grayscale, one IDAT deflated by zlib). Pure functions; thread-safe (libqrencode is
// built thread-safe on Debian).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sigil {

// The QR symbol: size x size modules, row-major, true = dark.
struct QrMatrix {
  int size = 0;
  std::vector<bool> dark;
  bool Dark(int x, int y) const {
    return dark[static_cast<size_t>(y) * static_cast<size_t>(size) + static_cast<size_t>(x)];
  }
};

// Pixels per module in QrCodePng's output by default, and the quiet zone (ISO/IEC 18004 asks for
// at least four modules of white around the symbol).
inline constexpr int kQrModulePixels = 6;
inline constexpr int kQrQuietZoneModules = 4;
// Largest module size QrCodePng accepts; keeps the image (and its memory) small.
inline constexpr int kQrMaxModulePixels = 32;

// Encodes `text` as a QR code of the smallest version that holds it, error correction level M,
// in mixed modes (numeric, alphanumeric, 8-bit) chosen by libqrencode. kInvalidArgument when
// `text` is empty, contains a NUL byte or is too long for any QR version; kInternal when the
// library fails otherwise (out of memory).
StatusOr<QrMatrix> EncodeQrCode(std::string_view text);

// A PNG of `matrix`: each module `module_pixels` square, with the quiet zone, black on white.
// `module_pixels` must be in [1, kQrMaxModulePixels] (kInvalidArgument otherwise).
StatusOr<std::string> QrMatrixPng(const QrMatrix& matrix, int module_pixels = kQrModulePixels);

// EncodeQrCode then QrMatrixPng: the PNG bytes (not base64) of the QR code of `text`.
StatusOr<std::string> QrCodePng(std::string_view text, int module_pixels = kQrModulePixels);

}  // namespace sigil
