// Time-based one-time passwords for virtual MFA devices: RFC 6238 TOTP over RFC 4226 HOTP with
// HMAC-SHA1, 30-second steps and 6 digits (what AWS and every authenticator app use), the
// verification rules of sts:GetSessionToken/AssumeRole and iam:EnableMFADevice, and the otpauth://
// Key URI an app scans. Pure functions (time is an argument); thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace sigil::auth {

inline constexpr int64_t kTotpStepSeconds = 30;
inline constexpr int kTotpDigits = 6;
// AWS's seeds are 40 random bytes: Base32StringSeed is 64 characters.
inline constexpr size_t kTotpSeedBytes = 40;
// How many steps back a pair of consecutive codes may reach (EnableMFADevice, ResyncMFADevice):
// the user reads two codes 30 s apart, then types them, so the pair is older than one code.
inline constexpr int kConsecutiveTotpPastSteps = 10;

// The RFC 6238 time step of `t`: floor(unix seconds / 30) (negative before the epoch).
int64_t TotpStep(TimePoint t);

// RFC 4226 HOTP of `seed` (the raw key bytes, not base32) for counter `step`, with dynamic
// truncation to `digits` decimal digits, zero-padded on the left. `digits` must be in [1, 9] and
// `step` >= 0; otherwise (or if the crypto library fails) the result is empty.
std::string TotpCode(std::string_view seed, int64_t step, int digits = kTotpDigits);

// Checks a 6-digit `code` against the steps TotpStep(now) - window ... TotpStep(now) + window
// (RFC 6238 section 5.2's allowance for clock drift and typing time) and returns the step it
// matches. Steps <= `last_accepted_step` are refused, so a code once accepted cannot be replayed
// (nor an older one used); the caller stores the returned step as the new last accepted step.
// If the code matches several steps (a 1-in-a-million collision) the latest wins, so the same
// code can never be accepted twice. nullopt when the code is not exactly six ASCII digits or
// matches no allowed step. Every candidate is compared in constant time, without an early exit.
std::optional<int64_t> MatchTotp(std::string_view seed, std::string_view code, TimePoint now,
                                 int window = 1, int64_t last_accepted_step = -1);

// EnableMFADevice's (and ResyncMFADevice's) rule: `code1` and `code2` are two consecutive codes,
// step(code2) = step(code1) + 1, both within TotpStep(now) - past_steps ... TotpStep(now) + 1 and
// both after `last_accepted_step`. Returns the step of `code2` (the caller's new last accepted
// step), or nullopt as MatchTotp. Constant-time comparisons, as MatchTotp.
std::optional<int64_t> MatchConsecutiveTotp(std::string_view seed, std::string_view code1,
                                            std::string_view code2, TimePoint now,
                                            int past_steps = kConsecutiveTotpPastSteps,
                                            int64_t last_accepted_step = -1);

// The Key Uri Format an authenticator app scans (github.com/google/google-authenticator/wiki/
// Key-Uri-Format): "otpauth://totp/<issuer>:<account_name>?secret=<base32_seed>&issuer=<issuer>".
// Issuer and account name are percent-encoded (RFC 3986 unreserved characters and '@' kept, so
// "Sigil:alice@123456789012" reads as AWS's "<device name>@<account id>" labels do); a ':' inside
// either is encoded, so the label's own separator stays unambiguous. SHA1, 6 digits and 30 s are
// the format's defaults and are not spelled out (as AWS's URIs do not).
std::string OtpauthUri(std::string_view issuer, std::string_view account_name,
                       std::string_view base32_seed);

}  // namespace sigil::auth
