#include "iam/policy_documents.h"

#include "iam/iam_common.h"

namespace sigil::iam {
namespace {

struct Quota {
  size_t max;
  const char* what;
};

Quota QuotaFor(DocumentUse use) {
  switch (use) {
    case DocumentUse::kManaged:
      return {6144, "managed"};
    case DocumentUse::kUserInline:
      return {2048, "user"};
    case DocumentUse::kGroupInline:
      return {5120, "group"};
    case DocumentUse::kRoleInline:
      return {10240, "role"};
    case DocumentUse::kTrust:
      return {2048, "trust"};
  }
  return {6144, "managed"};
}

}  // namespace

policy::PolicyKind PolicyKindFor(DocumentUse use) {
  return use == DocumentUse::kTrust ? policy::PolicyKind::kTrust : policy::PolicyKind::kIdentity;
}

Status ValidatePolicyDocument(std::string_view json, DocumentUse use, std::string_view owner_name) {
  const Quota quota = QuotaFor(use);
  if (policy::PolicySizeWithoutWhitespace(json) > quota.max) {
    switch (use) {
      case DocumentUse::kManaged:
        return LimitExceeded("PolicySize", static_cast<int64_t>(quota.max));
      case DocumentUse::kTrust:
        return LimitExceeded("ACLSizePerRole", static_cast<int64_t>(quota.max));
      default:
        return AwsError(StatusCode::kResourceExhausted, "LimitExceeded",
                        "Maximum policy size of " + std::to_string(quota.max) +
                            " bytes exceeded for " + quota.what + " " + std::string(owner_name));
    }
  }
  // The engine's parser is the validator, so every stored document is one it can evaluate.
  auto parsed = policy::ParsePolicy(json, PolicyKindFor(use));
  if (!parsed.ok()) return parsed.status();
  return OkStatus();
}

}  // namespace sigil::iam
