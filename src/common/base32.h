// Base32 (RFC 4648 section 6, alphabet A-Z 2-7), the encoding of TOTP seeds: AWS returns a virtual
// MFA device's seed as Base32StringSeed, unpadded. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace sigil {

// Upper-case RFC 4648 base32 of `bytes`, without '=' padding ("foobar" -> "MZXW6YTBOI").
std::string Base32Encode(std::string_view bytes);

// Decodes RFC 4648 base32. Accepts upper or lower case, with or without the '=' padding (when
// present it must be exactly the padding the length needs). kInvalidArgument for any other
// character, a length no encoding produces (1, 3 or 6 characters in the last group), or non-zero
// unused bits in the last character (so every byte string has exactly one accepted unpadded form,
// apart from case).
StatusOr<std::string> Base32Decode(std::string_view text);

}  // namespace sigil
