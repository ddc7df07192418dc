// Small string helpers shared by the protocol code: ASCII case folding, trimming, splitting and
// RFC 3986 percent-encoding as AWS uses it. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sigil {

std::string AsciiLower(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
bool StartsWith(std::string_view s, std::string_view prefix);
std::string_view TrimWhitespace(std::string_view s);
// Splits on every occurrence of `sep`; empty pieces kept.
std::vector<std::string_view> Split(std::string_view s, char sep);

// Percent-encodes every byte except the RFC 3986 unreserved set (A-Z a-z 0-9 - _ . ~), with
// upper-case hex. If `keep_slash`, '/' is left as is (SigV4 path encoding).
std::string UriEncode(std::string_view s, bool keep_slash = false);
// Decodes %XX escapes; if `plus_as_space`, '+' becomes ' ' (form encoding). nullopt when an
// escape is malformed.
std::optional<std::string> UriDecode(std::string_view s, bool plus_as_space = false);

// One key/value pair of a query string or form body, decoded.
struct QueryParam {
  std::string key;
  std::string value;
};
// Parses "a=1&b=2&c" (application/x-www-form-urlencoded). nullopt on a malformed escape.
std::optional<std::vector<QueryParam>> ParseQueryString(std::string_view query);

}  // namespace sigil
