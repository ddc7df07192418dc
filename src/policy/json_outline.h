// Internal to src/policy: a second look at a policy's JSON text, after nlohmann::json has
// accepted it, for what a JSON DOM does not keep: duplicate keys (which the DOM silently merges)
// and where each statement starts and ends (for the simulator's MatchedStatements). Pure;
// thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "policy/document.h"

namespace sigil::policy::internal {

struct JsonOutline {
  struct Span {
    size_t begin = std::string_view::npos;  // offset of '{' (npos: the element is no object)
    size_t end = std::string_view::npos;    // offset of the matching '}'
  };
  // The top-level "Statement" value: one span when it is an object, one per element when it is
  // an array.
  std::vector<Span> statements;

  bool ok = true;
  std::string error;  // why !ok: a duplicate key or excessive nesting
  size_t error_offset = 0;
};

// `json` must be text that a JSON parser accepted. Objects and arrays nested deeper than
// `max_depth` are reported as an error (no recursion beyond it).
JsonOutline OutlineJson(std::string_view json, int max_depth);

// The 1-based line and column (in characters) of a byte offset.
TextPosition PositionAt(std::string_view text, size_t offset);

}  // namespace sigil::policy::internal
