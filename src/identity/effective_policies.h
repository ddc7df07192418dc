// The compiled policies that apply to each IAM principal: a user's inline and attached policies
// plus those of its groups, a role's own, and the permissions boundary of either. Computed when a
// snapshot is built, so authorization never parses JSON or walks memberships. Immutable once
// built; thread-safe to read. Compilation is memoized by document text across snapshots
// (PolicyCompileCache), so a write does not recompile every policy in the account.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "identity/model.h"
#include "policy/document.h"
#include "policy/evaluator.h"

namespace sigil {

// Where a policy that applies to a principal comes from (the simulator's SourcePolicyType).
enum class PolicySource { kUserInline, kGroupInline, kRoleInline, kCustomerManaged, kAwsManaged };
// "user", "group", "role", "user-managed", "aws-managed".
std::string_view PolicySourceTypeName(PolicySource source);

struct EffectivePolicy {
  std::shared_ptr<const policy::Policy> policy;
  std::string label;  // the simulator's SourcePolicyId: the policy's name
  PolicySource source = PolicySource::kUserInline;
  std::string arn;  // managed policies only
};

struct EffectivePolicies {
  std::vector<EffectivePolicy> identity;
  std::optional<EffectivePolicy> boundary;
  // Views for policy::EvaluationRequest, pointing into the members above.
  std::vector<policy::PolicyRef> identity_refs;
  std::optional<policy::PolicyRef> boundary_ref;

  // Fills the views; call once the members are final (and again after any copy).
  void BindRefs();
};

// Resolves an AWS managed policy ARN (arn:aws:iam::aws:policy/...) to its document text; empty
// when there is no such policy. Injected so identity/ does not depend on the IAM catalogue.
using AwsManagedPolicyText = std::function<std::string_view(std::string_view arn)>;

// Compiles policy documents, remembering each text's result. Thread-safe.
class PolicyCompileCache {
 public:
  StatusOr<std::shared_ptr<const policy::Policy>> Compile(const std::string& text,
                                                          policy::PolicyKind kind);
  // Drops entries no longer used by any snapshot.
  void Prune();

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const policy::Policy>> by_text_;
};

// Computes the effective policies of every user and role in `data`. A stored document that no
// longer compiles is an error (kInternal): denying silently could drop an explicit Deny.
// A boundary ARN naming no existing policy allows nothing, as a missing policy grants nothing.
struct EffectivePolicyIndex {
  std::unordered_map<std::string, EffectivePolicies> by_user_id;
  std::unordered_map<std::string, EffectivePolicies> by_role_id;
  // Compiled default versions of the managed policies (customer or AWS) that something uses
  // (an attachment; boundaries are compiled as their own kind), by ARN.
  std::unordered_map<std::string, std::shared_ptr<const policy::Policy>> managed_by_arn;
};
StatusOr<EffectivePolicyIndex> BuildEffectivePolicies(const IdentityData& data,
                                                      const AwsManagedPolicyText& aws_managed,
                                                      PolicyCompileCache& cache);

// arn:aws:iam::ACCOUNT:policy/PATH/NAME
std::string ManagedPolicyArn(const std::string& account_id, const std::string& path,
                             const std::string& name);

}  // namespace sigil
