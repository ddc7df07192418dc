#include "common/base32.h"

#include <cstdint>

namespace sigil {

namespace {

constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

// The 5-bit value of a base32 character, or -1.
int DecodeChar(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c >= '2' && c <= '7') return c - '2' + 26;
  return -1;
}

}  // namespace

std::string Base32Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() * 8 + 4) / 5);
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : bytes) {
    buffer = (buffer << 8) | static_cast<uint8_t>(c);
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out.push_back(kAlphabet[(buffer >> bits) & 0x1f]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (5 - bits)) & 0x1f]);
  return out;
}

StatusOr<std::string> Base32Decode(std::string_view text) {
  // Padding, if any, completes the last 8-character group: strip it and check its amount.
  size_t end = text.size();
  while (end > 0 && text[end - 1] == '=') --end;
  const size_t padding = text.size() - end;
  if (padding > 0) {
    if (text.size() % 8 != 0) return InvalidArgumentError("base32 padding is malformed");
    // An unpadded tail of r (> 0) characters needs 8 - r padding characters.
    if (end % 8 == 0 || padding != 8 - end % 8) {
      return InvalidArgumentError("base32 padding is malformed");
    }
  }
  const size_t tail = end % 8;
  // 1, 3 or 6 characters cannot end an encoding: they would hold fewer bits than one more byte.
  if (tail == 1 || tail == 3 || tail == 6) return InvalidArgumentError("base32 length is invalid");

  std::string out;
  out.reserve(end * 5 / 8);
  uint32_t buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < end; ++i) {
    int value = DecodeChar(text[i]);
    if (value < 0) return InvalidArgumentError("invalid base32 character");
    buffer = (buffer << 5) | static_cast<uint32_t>(value);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  if ((buffer & ((1u << bits) - 1)) != 0) {
    return InvalidArgumentError("base32 has non-zero trailing bits");
  }
  return out;
}

}  // namespace sigil
