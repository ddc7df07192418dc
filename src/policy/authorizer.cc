#include "policy/authorizer.h"

namespace sigil::policy {

Status Authorize(const Principal& principal, const std::string& action,
                 const std::string& resource) {
  // AWS allows GetCallerIdentity to every authenticated principal, even under an explicit deny.
  if (action == "sts:GetCallerIdentity") return OkStatus();
  if (principal.type == PrincipalType::kRoot) return OkStatus();
  return AwsError(StatusCode::kPermissionDenied, "AccessDenied",
                  "User: " + principal.arn + " is not authorized to perform: " + action +
                      " on resource: " + resource +
                      " because no identity-based policy allows the " + action + " action");
}

}  // namespace sigil::policy
