// IAM policy documents: parsing and validation as AWS does it (MalformedPolicyDocument with a
// message that says what is wrong and where), compiled once into matchers that the evaluator
// walks without touching JSON. A Policy is immutable once built and safe to share between
// threads; the functions here are pure and thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "policy/compiled.h"

namespace sigil::policy {

// Where a document is used decides what it may contain:
//  - kIdentity, kBoundary, kSession: no Principal/NotPrincipal ("Policy document should not
//    specify a principal."); Resource/NotResource required.
//  - kResource (bucket policies and the like): Principal/NotPrincipal and Resource/NotResource
//    required; any Sid text.
//  - kTrust (a role's AssumeRolePolicyDocument): Principal/NotPrincipal required, no
//    Resource/NotResource ("Has prohibited field Resource").
// IAM-stored kinds (all but kResource) also require alphanumeric, unique Sids.
enum class PolicyKind { kIdentity, kResource, kTrust, kBoundary, kSession };
std::string_view PolicyKindName(PolicyKind kind);  // "identity", "resource", ...

// A line/column in the policy text, both 1-based; columns count characters (UTF-8 code points).
struct TextPosition {
  int line = 0;
  int column = 0;
};

// What the simulator and the audit log report about a statement.
struct StatementInfo {
  std::string sid;     // empty when the statement has none
  size_t index = 0;    // 0-based position in the Statement array (0 for a lone object)
  bool allow = false;  // Effect
  TextPosition start;  // the statement's opening '{'
  TextPosition end;    // its closing '}'
};

class Policy {
 public:
  PolicyKind kind() const { return kind_; }
  // "2012-10-17" or "2008-10-17" (also when the document has no Version, as AWS assumes).
  const std::string& version() const { return version_; }
  const std::string& id() const { return id_; }  // the optional Id element

  size_t statement_count() const { return info_.size(); }
  const StatementInfo& statement_info(size_t i) const { return info_[i]; }

  // The compiled statements, for the evaluator.
  const std::vector<internal::CompiledStatement>& compiled() const { return compiled_; }

 private:
  friend class PolicyCompiler;
  PolicyKind kind_ = PolicyKind::kIdentity;
  std::string version_;
  std::string id_;
  std::vector<StatementInfo> info_;
  std::vector<internal::CompiledStatement> compiled_;
};

// Parses, validates and compiles a policy document.
//
// Errors are kInvalidArgument with AWS code "MalformedPolicyDocument". The JSON must be valid
// (else "Syntax errors in policy." with the line and column). Duplicate keys in any object are
// rejected ("Syntax errors in policy. Duplicate key ..."): a JSON parser would otherwise keep one
// of them silently, and a dropped Condition or Effect changes what the policy means. Element
// names are case-sensitive as in AWS ("effect" is an unknown field). Unknown condition operators,
// actions without a vendor prefix, resources that are neither "*" nor ARN-shaped and malformed
// principals are rejected. Condition values that do not parse for their operator (a Numeric
// value that is not a number, an IpAddress value that is not a CIDR, ...) are accepted, as IAM
// accepts them, and never match.
//
// Size quotas are the caller's business (see PolicySizeWithoutWhitespace).
StatusOr<std::shared_ptr<const Policy>> ParsePolicy(std::string_view json, PolicyKind kind);

// The size IAM counts against its quotas: characters (UTF-8 code points), not counting
// whitespace outside JSON strings. Works on any text (no validation).
size_t PolicySizeWithoutWhitespace(std::string_view json);

// The context keys a policy refers to, for GetContextKeysFor*Policy: the keys of its Condition
// elements and of the policy variables in its Resource and Condition values (not ${*}, ${?},
// ${$}), each once (case-insensitively; the first spelling wins), in order of appearance.
std::vector<std::string> ContextKeysUsed(const Policy& policy);

}  // namespace sigil::policy
