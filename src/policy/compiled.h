// Internal to src/policy: the compiled form of a policy document, built once by ParsePolicy and
// read by the evaluator. Nothing here refers back to JSON; evaluation only walks these
// structures. Immutable after compilation; thread-safe to read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policy/context.h"
#include "policy/matchers.h"

namespace sigil::policy::internal {

// Collects the names (as written in the policy) of context keys that were needed but absent.
using MissingKeys = std::vector<std::string_view>;

// A policy string that may contain policy variables (${aws:username}, ${aws:x, 'default'},
// ${*}, ${?}, ${$}). In kGlob mode the text is an escaped glob (see matchers.h) and substituted
// values are escaped, so a variable's value never acts as a wildcard.
class ValueTemplate {
 public:
  enum class Mode { kLiteral, kGlob };

  ValueTemplate() = default;
  // Variables are recognised from byte `variables_from` on (the resource part of a Resource
  // ARN), and only when `variables_enabled` (Version 2012-10-17); elsewhere `${` is literal.
  static ValueTemplate Compile(std::string_view text, Mode mode, bool variables_enabled,
                               size_t variables_from = 0);

  bool has_variables() const { return !pieces_.empty(); }
  // The text when there are no variables (escaped in kGlob mode).
  const std::string& fixed() const { return fixed_; }

  // Writes the expanded text to *out. Returns false when a variable's key is absent (or
  // multivalued: only single-valued keys can be variables) and has no default; such keys are
  // appended to *missing when it is not null.
  bool Expand(const RequestContext& context, std::string* out, MissingKeys* missing) const;

  // Appends the keys of the variables (as written).
  void AppendVariableKeys(std::vector<std::string_view>* keys) const;

 private:
  struct Piece {
    bool variable = false;
    std::string text;  // literal text (escaped in kGlob mode), or the variable's key
    std::optional<std::string> default_value;
  };
  Mode mode_ = Mode::kLiteral;
  std::string fixed_;
  std::vector<Piece> pieces_;  // empty when there are no variables
};

// ---- Action ---------------------------------------------------------------------------------

// One Action/NotAction entry, lower-cased (action names are case-insensitive).
struct ActionPattern {
  bool all = false;            // "*"
  bool vendor_literal = true;  // the vendor has no wildcard: compare it first
  std::string vendor;          // e.g. "s3"
  Glob name;                   // e.g. "get*"
  Glob whole;                  // the whole "vendor:name" pattern when the vendor has wildcards
};

// ---- Resource -------------------------------------------------------------------------------

struct ResourcePattern {
  ValueTemplate text;  // escaped glob; variables only in the resource part
  ArnGlob glob;        // compiled when there are no variables
};

// ---- Principal ------------------------------------------------------------------------------

struct PrincipalSet {
  bool everyone = false;                     // "*" or {"AWS": "*"}
  std::vector<std::string> accounts;         // from "123456789012" or "arn:aws:iam::...:root"
  std::vector<std::string> arns;             // user, role, assumed-role, federated-user ARNs
  std::vector<std::string> unique_ids;       // AIDA..., AROA...
  std::vector<std::string> services;         // lower case, e.g. "ec2.amazonaws.com"
  std::vector<std::string> federated;        // identity providers
  std::vector<std::string> canonical_users;  // S3 canonical user ids
};

// ---- Condition ------------------------------------------------------------------------------

enum class OperatorFamily {
  kString,
  kStringIgnoreCase,
  kStringLike,
  kNumeric,
  kDate,
  kBool,
  kBinary,
  kIpAddress,
  kArn,
  kNull,
};
enum class Comparison { kEquals, kLessThan, kLessThanEquals, kGreaterThan, kGreaterThanEquals };
enum class SetOperator { kNone, kForAllValues, kForAnyValue };

struct ConditionValue {
  ValueTemplate text;                // String*, Arn*, Bool: variables allowed (2012-10-17)
  Glob glob;                         // StringLike without variables
  ArnGlob arn;                       // Arn* without variables
  std::optional<Number> number;      // Numeric*
  std::optional<int64_t> millis;     // Date*
  std::optional<bool> boolean;       // Bool (without variables), Null
  std::optional<std::string> bytes;  // BinaryEquals (decoded base64)
  std::optional<IpRange> ip;         // IpAddress / NotIpAddress
};

// One (operator, key) pair of a Condition block with its values: the values are ORed, and the
// pairs of a statement are ANDed.
struct Condition {
  std::string operator_name;  // as written, e.g. "ForAnyValue:StringLikeIfExists"
  OperatorFamily family = OperatorFamily::kString;
  Comparison comparison = Comparison::kEquals;
  bool negated = false;
  bool if_exists = false;
  SetOperator set = SetOperator::kNone;
  std::string key;  // as written
  std::vector<ConditionValue> values;
};

// ---- Statement ------------------------------------------------------------------------------

enum class ElementMode { kAbsent, kPositive, kNegated };  // e.g. Resource vs NotResource

struct CompiledStatement {
  bool allow = false;
  ElementMode action_mode = ElementMode::kPositive;
  std::vector<ActionPattern> actions;
  ElementMode resource_mode = ElementMode::kAbsent;  // absent only in trust policies
  std::vector<ResourcePattern> resources;
  ElementMode principal_mode = ElementMode::kAbsent;  // absent in identity-side policies
  PrincipalSet principals;
  std::vector<Condition> conditions;
};

}  // namespace sigil::policy::internal
