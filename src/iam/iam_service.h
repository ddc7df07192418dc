// The IAM API (query protocol) over the identity service. Each operation names its action and
// resource for authorization and then runs its business logic; wire shapes come from the botocore
// model. The returned service is immutable; its handlers are thread-safe.
#pragma once

#include <memory>
#include <string>

#include "api/operation.h"
#include "identity/identity_service.h"
#include "identity/key_usage_tracker.h"

namespace sigil::iam {

// AWS's IAM quotas that apply so far.
inline constexpr int kMaxUsersPerAccount = 5000;
inline constexpr int kMaxAccessKeysPerUser = 2;
inline constexpr int kMaxTagsPerUser = 50;
inline constexpr int kMaxGroupsPerAccount = 300;
inline constexpr int kMaxGroupsPerUser = 10;
// Managed policies attached to one user, group or role.
inline constexpr int kMaxAttachedPolicies = 10;
inline constexpr int kMaxRolesPerAccount = 1000;
inline constexpr int kMaxTagsPerRole = 50;
inline constexpr int kMaxManagedPoliciesPerAccount = 1500;  // customer managed
inline constexpr int kMaxVersionsPerPolicy = 5;
inline constexpr int kMaxTagsPerPolicy = 50;
inline constexpr int kMaxMfaDevicesPerUser = 8;  // virtual MFA devices assigned to one user
inline constexpr int kMaxTagsPerMfaDevice = 50;

// The IAM service. `audit_dir` (DATA_DIR/audit) is the audit trail the service-last-accessed
// reports are computed from; empty: reports show no access.
std::unique_ptr<api::QueryService> MakeIamService(IdentityService& identity,
                                                  const KeyUsageTracker& usage,
                                                  std::string audit_dir = "");

}  // namespace sigil::iam
