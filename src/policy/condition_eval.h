// Internal to src/policy: evaluation of one compiled (operator, key) condition against a request
// context, with AWS's documented rules for missing keys, IfExists, set operators and policy
// variables. Pure; thread-safe.
#pragma once

#include <string>

#include "policy/compiled.h"
#include "policy/context.h"

namespace sigil::policy::internal {

// True when the condition holds. Keys the condition needed but the context lacks (its own key,
// or a policy variable in one of its values) are appended to *missing when it is not null.
//
// The rules, per AWS's condition-operator documentation (see the .cc for the details):
//  - key absent: ...IfExists -> true; Null -> per its value; ForAllValues: -> true;
//    ForAnyValue: -> false; a negated operator (StringNotEquals, NotIpAddress, ArnNotLike, ...)
//    -> true; any other operator -> false.
//  - values in the policy are ORed; a negated operator is true when no value matches.
//  - without a set operator, a multivalued key matches when any of its values matches (a
//    negated operator: when none does); ForAllValues: every request value must pass,
//    ForAnyValue: at least one.
bool EvaluateCondition(const Condition& condition, const RequestContext& context,
                       MissingKeys* missing);

}  // namespace sigil::policy::internal
