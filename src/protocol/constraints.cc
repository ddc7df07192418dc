#include "protocol/constraints.h"

#include "protocol/pattern.h"

namespace sigil::protocol {

std::string LowerFirst(std::string_view s) {
  std::string out(s);
  if (!out.empty() && out[0] >= 'A' && out[0] <= 'Z') out[0] = static_cast<char>(out[0] + 32);
  return out;
}

int64_t Utf8Length(std::string_view s) {
  int64_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

void ConstraintViolations::Add(std::string_view path, const Shape& shape, const std::string* shown,
                               std::string constraint) {
  std::string msg = "Value ";
  if (shown != nullptr && !shape.sensitive) {
    msg += "'" + *shown + "' ";
  } else if (shown == nullptr) {
    msg += "null ";
  }
  msg += "at '" + std::string(path) + "' failed to satisfy constraint: " + constraint;
  errors_.push_back(std::move(msg));
}

void ConstraintViolations::AddNull(std::string_view path) {
  errors_.push_back("Value null at '" + std::string(path) +
                    "' failed to satisfy constraint: Member must not be null");
}

void ConstraintViolations::CheckCount(std::string_view path, const Shape& shape,
                                      const std::string& shown, int64_t count) {
  if (shape.min && count < *shape.min) {
    Add(path, shape, &shown,
        "Member must have length greater than or equal to " + std::to_string(*shape.min));
  }
  if (shape.max && count > *shape.max) {
    Add(path, shape, &shown,
        "Member must have length less than or equal to " + std::to_string(*shape.max));
  }
}

void ConstraintViolations::CheckString(std::string_view path, const Shape& shape,
                                       const std::string& value) {
  CheckCount(path, shape, value, Utf8Length(value));
  if (!shape.enum_values.empty()) {
    bool found = false;
    std::string set;
    for (const std::string& e : shape.enum_values) {
      found = found || e == value;
      set += (set.empty() ? "" : ", ") + e;
    }
    if (!found) Add(path, shape, &value, "Member must satisfy enum value set: [" + set + "]");
  } else if (!shape.pattern.empty() && !MatcherFor(shape.pattern).Matches(value)) {
    Add(path, shape, &value, "Member must satisfy regular expression pattern: " + shape.pattern);
  }
}

void ConstraintViolations::CheckRange(std::string_view path, const Shape& shape, int64_t value,
                                      const std::string& shown) {
  if (shape.min && value < *shape.min) {
    Add(path, shape, &shown,
        "Member must have value greater than or equal to " + std::to_string(*shape.min));
  }
  if (shape.max && value > *shape.max) {
    Add(path, shape, &shown,
        "Member must have value less than or equal to " + std::to_string(*shape.max));
  }
}

Status ConstraintViolations::Result(std::string_view aws_code) const {
  if (errors_.empty()) return OkStatus();
  std::string msg =
      std::to_string(errors_.size()) +
      (errors_.size() == 1 ? " validation error detected: " : " validation errors detected: ");
  for (size_t i = 0; i < errors_.size(); ++i) {
    if (i > 0) msg += "; ";
    msg += errors_[i];
  }
  return AwsError(StatusCode::kInvalidArgument, std::string(aws_code), msg);
}

}  // namespace sigil::protocol
