#include "policy/condition_eval.h"

#include "common/strings.h"

namespace sigil::policy::internal {
namespace {

bool Compare(int order, Comparison comparison) {
  switch (comparison) {
    case Comparison::kEquals:
      return order == 0;
    case Comparison::kLessThan:
      return order < 0;
    case Comparison::kLessThanEquals:
      return order <= 0;
    case Comparison::kGreaterThan:
      return order > 0;
    case Comparison::kGreaterThanEquals:
      return order >= 0;
  }
  return false;
}

// One request value converted once for its operator family.
struct RequestValue {
  std::string_view text;
  std::optional<Number> number;
  std::optional<int64_t> millis;
  std::optional<bool> boolean;
  std::optional<IpAddress> ip;
  ArnParts arn;
};

RequestValue Convert(OperatorFamily family, std::string_view text) {
  RequestValue v;
  v.text = text;
  switch (family) {
    case OperatorFamily::kNumeric:
      v.number = ParseNumber(text);
      break;
    case OperatorFamily::kDate:
      v.millis = ParseDateMillis(text);
      break;
    case OperatorFamily::kBool:
      v.boolean = ParseBool(text);
      break;
    case OperatorFamily::kIpAddress:
      v.ip = ParseIpAddress(text);
      break;
    case OperatorFamily::kArn:
      v.arn = SplitArn(text);
      break;
    default:
      break;
  }
  return v;
}

// Does the request value match this one policy value (the non-negated test)? `expanded` is the
// policy value's text after variable substitution, for the families that allow variables.
bool MatchesValue(const Condition& c, const ConditionValue& pv, std::string_view expanded,
                  const RequestValue& rv) {
  const bool fixed = !pv.text.has_variables();
  switch (c.family) {
    case OperatorFamily::kString:
      return rv.text == expanded;
    case OperatorFamily::kStringIgnoreCase:
      return EqualsIgnoreCase(rv.text, expanded);
    case OperatorFamily::kStringLike:
      return fixed ? pv.glob.Matches(rv.text) : GlobMatch(expanded, rv.text);
    case OperatorFamily::kArn:
      if (fixed) return pv.arn.Matches(rv.arn, rv.text);
      return ArnGlobMatch(expanded, rv.text);
    case OperatorFamily::kBool: {
      std::optional<bool> policy_bool = fixed ? pv.boolean : ParseBool(expanded);
      return policy_bool && rv.boolean && *policy_bool == *rv.boolean;
    }
    case OperatorFamily::kNumeric:
      return pv.number && rv.number &&
             Compare(CompareNumbers(*rv.number, *pv.number), c.comparison);
    case OperatorFamily::kDate:
      return pv.millis && rv.millis &&
             Compare(*rv.millis < *pv.millis ? -1 : (*rv.millis > *pv.millis ? 1 : 0),
                     c.comparison);
    case OperatorFamily::kBinary:
      return pv.bytes && rv.text == *pv.bytes;
    case OperatorFamily::kIpAddress:
      return pv.ip && rv.ip && IpInRange(*rv.ip, *pv.ip);
    case OperatorFamily::kNull:
      return false;  // handled by the caller
  }
  return false;
}

}  // namespace

bool EvaluateCondition(const Condition& c, const RequestContext& context, MissingKeys* missing) {
  const RequestContext::Values values = context.Find(c.key);

  if (c.family == OperatorFamily::kNull) {
    // "true": the key must be absent; "false": present. Several values are ORed.
    const bool absent = values.empty();
    for (const ConditionValue& v : c.values) {
      if (v.boolean && *v.boolean == absent) return true;
    }
    return false;
  }

  if (values.empty()) {
    if (missing != nullptr) missing->push_back(c.key);
    if (c.if_exists) return true;
    switch (c.set) {
      case SetOperator::kForAllValues:
        return true;  // vacuously: every one of no values passes
      case SetOperator::kForAnyValue:
        return false;
      case SetOperator::kNone:
        return c.negated;  // "If the key is not present ... a negated operator is true"
    }
  }

  // Expand the policy values once. A value whose variable cannot be resolved never matches. For
  // a negated operator that makes the whole test false: AWS documents that an unresolvable
  // variable makes the statement invalid, and a negation cannot be established against an
  // unknown value.
  std::vector<std::string> expanded_storage;
  const bool needs_expansion =
      c.family == OperatorFamily::kString || c.family == OperatorFamily::kStringIgnoreCase ||
      c.family == OperatorFamily::kStringLike || c.family == OperatorFamily::kArn ||
      c.family == OperatorFamily::kBool;
  bool any_variables = false;
  if (needs_expansion) {
    for (const ConditionValue& v : c.values) any_variables |= v.text.has_variables();
  }
  std::vector<bool> resolved;
  if (any_variables) {
    expanded_storage.resize(c.values.size());
    resolved.resize(c.values.size());
    for (size_t i = 0; i < c.values.size(); ++i) {
      resolved[i] = c.values[i].text.Expand(context, &expanded_storage[i], missing);
      if (!resolved[i] && c.negated) return false;
    }
  }

  auto positive = [&](const RequestValue& rv) {
    for (size_t i = 0; i < c.values.size(); ++i) {
      const ConditionValue& pv = c.values[i];
      std::string_view expanded = pv.text.fixed();
      if (any_variables) {
        if (!resolved[i]) continue;
        expanded = expanded_storage[i];
      }
      if (MatchesValue(c, pv, expanded, rv)) return true;
    }
    return false;
  };
  // The operator's own test on one request value (negation applied per value).
  auto passes = [&](std::string_view text) {
    const bool match = positive(Convert(c.family, text));
    return c.negated ? !match : match;
  };

  switch (c.set) {
    case SetOperator::kForAllValues:
      for (size_t i = 0; i < values.size(); ++i) {
        if (!passes(values[i])) return false;
      }
      return true;
    case SetOperator::kForAnyValue:
      for (size_t i = 0; i < values.size(); ++i) {
        if (passes(values[i])) return true;
      }
      return false;
    case SetOperator::kNone: {
      // A single-valued key has one value. For a multivalued key without a set operator the
      // request matches when any value matches (documented choice; AWS asks for set operators).
      bool any = false;
      for (size_t i = 0; i < values.size() && !any; ++i)
        any = positive(Convert(c.family, values[i]));
      return c.negated ? !any : any;
    }
  }
  return false;
}

}  // namespace sigil::policy::internal
