// Decides whether a principal may perform an action on a resource. For now the foundation's
// rule: the root principal may do anything in its own account, an IAM user may call only
// sts:GetCallerIdentity (which AWS always allows), and everything else is denied by default.
// The policy-engine issue replaces the body with the full decision procedure. Pure; thread-safe.
#pragma once

#include <string>

#include "common/status.h"
#include "identity/principal.h"

namespace sigil::policy {

// OK when allowed; otherwise kPermissionDenied / AccessDenied with AWS's message:
// "User: ARN is not authorized to perform: ACTION on resource: RES because no identity-based
// policy allows the ACTION action".
Status Authorize(const Principal& principal, const std::string& action,
                 const std::string& resource);

}  // namespace sigil::policy
