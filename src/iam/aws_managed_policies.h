// The AWS managed policies Sigil has built in: present in every account under
// arn:aws:iam::aws:policy/..., never stored, never modifiable, with the documents AWS publishes
// (see aws_managed_policies.cc for the versions and sources, and for what is trimmed).
// Immutable static data; thread-safe.
#pragma once

#include <span>
#include <string_view>

#include "common/clock.h"

namespace sigil::iam {

inline constexpr std::string_view kAwsManagedPolicyArnPrefix = "arn:aws:iam::aws:policy/";

struct AwsManagedPolicy {
  std::string_view name;       // "AdministratorAccess"
  std::string_view path;       // "/"
  std::string_view policy_id;  // AWS's real id, "ANPA..."
  std::string_view arn;        // "arn:aws:iam::aws:policy/AdministratorAccess"
  std::string_view description;
  std::string_view default_version_id;  // "v1"; the only version Sigil knows of
  std::string_view document;            // the default version's JSON, as AWS formats it
  TimePoint create_date;
  TimePoint update_date;  // also the creation date of the default version
};

// The policy with exactly this ARN (ARNs are case-sensitive), or nullptr.
const AwsManagedPolicy* FindAwsManagedPolicy(std::string_view arn);

// Every built-in policy, ordered by name (case-insensitively).
std::span<const AwsManagedPolicy> AwsManagedPolicies();

// True for any ARN in AWS's managed-policy namespace, whether or not Sigil knows the policy.
bool IsAwsManagedPolicyArn(std::string_view arn);

}  // namespace sigil::iam
