// libFuzzer target for sealed STS session tokens. The first input byte picks what the rest is:
// even, a token handed to SessionTokenSealer::Open; odd, the decrypted claims encoding handed to
// DecodeClaims (the bytes a forger cannot reach without the key, checked all the same). Every
// input is also handed to OpenMessage, the sealed-message reader (DecodeAuthorizationMessage): it
// must not crash, and a message that opens for one purpose must never open for another. Whatever
// is accepted must survive a re-encode and a seal/open round trip unchanged.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/session_token.h"
#include "common/clock.h"
#include "common/crypto.h"

namespace {

using sigil::auth::SessionClaims;
using sigil::auth::SessionOrRejection;
using sigil::auth::SessionTokenSealer;
using sigil::auth::TokenDefect;
using sigil::auth::TokenRejection;

void Check(bool condition) {
  if (!condition) std::abort();
}

// Deterministic nonces keep crashes reproducible.
class CounterRandom final : public sigil::RandomSource {
 public:
  std::string Bytes(size_t n) override {
    std::string out(n, '\0');
    for (size_t i = 0; i < n; ++i) out[i] = static_cast<char>((counter_ >> (8 * (i % 8))) & 0xff);
    ++counter_;
    return out;
  }

 private:
  uint64_t counter_ = 1;
};

// The seed corpus's tokens are sealed under key 1 (32 bytes of 0x5a); key 2 seals new ones.
const SessionTokenSealer& Sealer() {
  static const SessionTokenSealer* sealer = [] {
    std::vector<sigil::auth::SessionTokenKey> keys = {{1, std::string(32, '\x5a')},
                                                      {2, std::string(32, '\xa5')}};
    auto built = SessionTokenSealer::FromKeyRing(keys);
    Check(built.ok());
    return new SessionTokenSealer(std::move(built).value());
  }();
  return *sealer;
}

const sigil::TimePoint kNow = sigil::FromUnixSeconds(1700000000);

void CheckRoundTrip(const SessionClaims& claims) {
  using sigil::auth::session_token_internal::DecodeClaims;
  using sigil::auth::session_token_internal::EncodeClaims;
  const std::string encoded = EncodeClaims(claims);
  std::optional<SessionClaims> decoded = DecodeClaims(encoded);
  Check(decoded.has_value() && *decoded == claims);
  Check(EncodeClaims(*decoded) == encoded);

  // Open it just before it expires (when there is such an instant).
  if (claims.expiration.time_since_epoch().count() == std::numeric_limits<int64_t>::min()) return;
  CounterRandom random;
  auto token = Sealer().Seal(claims, random);
  if (!token.ok()) return;  // too large, or missing what Seal insists on
  SessionOrRejection opened =
      Sealer().Open(*token, claims.expiration - std::chrono::milliseconds(1));
  const auto* reopened = std::get_if<SessionClaims>(&opened);
  Check(reopened != nullptr && *reopened == claims);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  if (auto message = Sealer().OpenMessage("fuzz", rest)) {
    Check(Sealer().OpenMessage("other-purpose", rest) == std::nullopt);
  }
  if ((data[0] & 1) == 0) {
    SessionOrRejection result = Sealer().Open(rest, kNow);
    if (const auto* rejection = std::get_if<TokenRejection>(&result)) {
      Check(!rejection->error.message.empty());
      Check((rejection->defect == TokenDefect::kExpired) ==
            (rejection->error.reason == sigil::auth::AuthFailure::kExpiredToken));
      return 0;
    }
    const SessionClaims& claims = std::get<SessionClaims>(result);
    Check(kNow < claims.expiration);
    CheckRoundTrip(claims);
  } else {
    std::optional<SessionClaims> claims = sigil::auth::session_token_internal::DecodeClaims(rest);
    if (claims) CheckRoundTrip(*claims);
  }
  return 0;
}
