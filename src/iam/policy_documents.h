// Validation of the policy documents IAM stores, as IAM does on every write: the size quota for
// the document's use (counted without whitespace), then the grammar (the policy engine's parser,
// so a stored document is always one the engine can evaluate). Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "policy/document.h"

namespace sigil::iam {

enum class DocumentUse {
  kManaged,      // customer managed policy version: 6,144
  kUserInline,   // 2,048 (the callers check the sum over all of an owner's inline policies)
  kGroupInline,  // 5,120
  kRoleInline,   // 10,240
  kTrust,        // role trust policy: 2,048
};

// OK, or LimitExceeded (size) / MalformedPolicyDocument (grammar) with AWS's wording.
// `owner_name` names the user/group/role for the inline-size message.
Status ValidatePolicyDocument(std::string_view json, DocumentUse use,
                              std::string_view owner_name = "");

// The policy kind the engine parses a document of this use as.
policy::PolicyKind PolicyKindFor(DocumentUse use);

}  // namespace sigil::iam
