// Formatting and parsing of the timestamps AWS protocols use. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace sigil {

// "2015-08-30T12:36:00Z" (ISO 8601, seconds precision): IAM/STS XML timestamps.
std::string FormatIso8601(TimePoint t);
// "20150830T123600Z": the SigV4 X-Amz-Date basic format.
std::string FormatAmzDate(TimePoint t);
// "20150830": the SigV4 credential-scope date.
std::string FormatScopeDate(TimePoint t);
// "Sun, 30 Aug 2015 12:36:00 GMT": RFC 7231 HTTP date.
std::string FormatHttpDate(TimePoint t);

// Parses "YYYYMMDDTHHMMSSZ" exactly; nullopt on any deviation.
std::optional<TimePoint> ParseAmzDate(std::string_view s);
// Parses an RFC 7231 IMF-fixdate ("Sun, 30 Aug 2015 12:36:00 GMT"); nullopt otherwise.
std::optional<TimePoint> ParseHttpDate(std::string_view s);
// Parses ISO 8601 "YYYY-MM-DDTHH:MM:SS[.fff]Z"; nullopt otherwise.
std::optional<TimePoint> ParseIso8601(std::string_view s);

}  // namespace sigil
