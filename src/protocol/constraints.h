// The botocore models' value constraints (required, length, range, enum, pattern), checked and
// worded as AWS's services report them: "2 validation errors detected: Value 'x' at 'userName'
// failed to satisfy constraint: ...; ...". Shared by the query and JSON codecs. One instance
// collects the violations of one decode; not thread-safe, not meant to be shared.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "protocol/service_model.h"

namespace sigil::protocol {

// "UserName" -> "userName": how AWS names members in validation messages.
std::string LowerFirst(std::string_view s);

// The number of code points in UTF-8 text (what length constraints count).
int64_t Utf8Length(std::string_view s);

class ConstraintViolations {
 public:
  // Records "Value 'shown' at 'path' failed to satisfy constraint: <constraint>". The value is
  // left out for sensitive shapes, and written as null when `shown` is null.
  void Add(std::string_view path, const Shape& shape, const std::string* shown,
           std::string constraint);
  // Records a missing required member.
  void AddNull(std::string_view path);

  // A string's length (in code points), enum and pattern.
  void CheckString(std::string_view path, const Shape& shape, const std::string& value);
  // An integer's range.
  void CheckRange(std::string_view path, const Shape& shape, int64_t value,
                  const std::string& shown);
  // A list's or map's element count (a length constraint).
  void CheckCount(std::string_view path, const Shape& shape, const std::string& shown,
                  int64_t count);

  // OK when nothing was recorded; else kInvalidArgument with `aws_code` (the query protocol's
  // "ValidationError", the JSON protocol's "ValidationException") and every violation.
  Status Result(std::string_view aws_code) const;

 private:
  std::vector<std::string> errors_;
};

}  // namespace sigil::protocol
