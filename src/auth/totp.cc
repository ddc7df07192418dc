#include "auth/totp.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>

#include "common/crypto.h"
#include "common/strings.h"

namespace sigil::auth {

namespace {

// Fetched once: looking the digest up in OpenSSL 3's provider registry per call is slow.
const EVP_MD* FetchedSha1() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  return md;
}

constexpr uint32_t kPowersOfTen[] = {1,      10,      100,      1000,      10000,
                                     100000, 1000000, 10000000, 100000000, 1000000000};

bool IsSixDigits(std::string_view code) {
  if (code.size() != static_cast<size_t>(kTotpDigits)) return false;
  for (char c : code) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Percent-encodes a label part or query value of the Key URI, keeping '@'.
std::string EncodeUriPart(std::string_view s) {
  std::string out;
  std::string_view sep;
  for (std::string_view piece : Split(s, '@')) {
    out += sep;
    out += UriEncode(piece);
    sep = "@";
  }
  return out;
}

}  // namespace

int64_t TotpStep(TimePoint t) {
  // floor(milliseconds / 30000): C++ division truncates toward zero, which differs before 1970.
  constexpr int64_t kStepMillis = kTotpStepSeconds * 1000;
  const int64_t millis = t.time_since_epoch().count();
  int64_t step = millis / kStepMillis;
  if (millis % kStepMillis < 0) --step;
  return step;
}

std::string TotpCode(std::string_view seed, int64_t step, int digits) {
  if (digits < 1 || digits > 9 || step < 0) return std::string();
  // RFC 4226 section 5.2: the counter is 8 bytes, big-endian.
  std::array<unsigned char, 8> counter{};
  auto value = static_cast<uint64_t>(step);
  for (int i = 7; i >= 0; --i) {
    counter[static_cast<size_t>(i)] = static_cast<unsigned char>(value & 0xff);
    value >>= 8;
  }
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_len = 0;
  static constexpr unsigned char kEmptyKey = 0;  // HMAC wants a non-null key pointer
  const void* key = seed.empty() ? static_cast<const void*>(&kEmptyKey) : seed.data();
  if (FetchedSha1() == nullptr ||
      HMAC(FetchedSha1(), key, static_cast<int>(seed.size()), counter.data(), counter.size(),
           mac.data(), &mac_len) == nullptr ||
      mac_len != 20) {
    return std::string();
  }
  // RFC 4226 section 5.3, dynamic truncation: the low nibble of the last byte picks an offset,
  // the 31 bits there are the code before reduction modulo 10^digits.
  const size_t offset = mac[19] & 0x0f;
  const uint32_t binary = (static_cast<uint32_t>(mac[offset] & 0x7f) << 24) |
                          (static_cast<uint32_t>(mac[offset + 1]) << 16) |
                          (static_cast<uint32_t>(mac[offset + 2]) << 8) |
                          static_cast<uint32_t>(mac[offset + 3]);
  uint32_t code = binary % kPowersOfTen[digits];
  std::string out(static_cast<size_t>(digits), '0');
  for (int i = digits - 1; i >= 0 && code > 0; --i) {
    out[static_cast<size_t>(i)] = static_cast<char>('0' + code % 10);
    code /= 10;
  }
  OPENSSL_cleanse(mac.data(), mac.size());
  return out;
}

std::optional<int64_t> MatchTotp(std::string_view seed, std::string_view code, TimePoint now,
                                 int window, int64_t last_accepted_step) {
  if (!IsSixDigits(code) || window < 0) return std::nullopt;
  const int64_t current = TotpStep(now);
  std::optional<int64_t> matched;
  for (int64_t step = current - window; step <= current + window; ++step) {
    if (step < 0 || step <= last_accepted_step) continue;
    // No early exit: every allowed step is computed and compared.
    if (ConstantTimeEquals(TotpCode(seed, step), code)) matched = step;
  }
  return matched;
}

std::optional<int64_t> MatchConsecutiveTotp(std::string_view seed, std::string_view code1,
                                            std::string_view code2, TimePoint now, int past_steps,
                                            int64_t last_accepted_step) {
  if (!IsSixDigits(code1) || !IsSixDigits(code2) || past_steps < 0) return std::nullopt;
  const int64_t current = TotpStep(now);
  std::optional<int64_t> matched;
  std::string previous;  // the code of step - 1
  for (int64_t step = current - past_steps; step <= current + 1; ++step) {
    std::string expected = step < 0 ? std::string() : TotpCode(seed, step);
    const int64_t first_step = step - 1;
    const bool allowed =
        first_step >= 0 && first_step > last_accepted_step && first_step >= current - past_steps;
    const bool first = ConstantTimeEquals(previous, code1);
    const bool second = ConstantTimeEquals(expected, code2);
    if (allowed && first && second) matched = step;
    previous = std::move(expected);
  }
  return matched;
}

std::string OtpauthUri(std::string_view issuer, std::string_view account_name,
                       std::string_view base32_seed) {
  std::string uri = "otpauth://totp/";
  uri += EncodeUriPart(issuer);
  uri.push_back(':');
  uri += EncodeUriPart(account_name);
  uri += "?secret=";
  uri += UriEncode(base32_seed);
  uri += "&issuer=";
  uri += EncodeUriPart(issuer);
  return uri;
}

}  // namespace sigil::auth
