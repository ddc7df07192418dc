// The session policies of temporary credentials (AssumeRole's and GetFederationToken's Policy and
// PolicyArns), compiled for the evaluator on each request the session makes. The session token
// carries the inline documents and the ARNs; managed ARNs resolve against the current snapshot,
// so a policy's new default version applies to live sessions, as in AWS. Compilation is memoized
// by document text (a bounded cache). Thread-safe.
#pragma once

#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/session_token.h"
#include "common/status.h"
#include "identity/effective_policies.h"
#include "identity/snapshot.h"
#include "policy/document.h"
#include "policy/evaluator.h"

namespace sigil {

// A session's compiled policies and the evaluator's views of them.
struct SessionPolicySet {
  std::vector<std::shared_ptr<const policy::Policy>> policies;
  std::vector<std::string> labels;      // "session policy" or the managed policy's ARN
  std::vector<policy::PolicyRef> refs;  // point into the members above; valid while they are

  SessionPolicySet() = default;
  SessionPolicySet(const SessionPolicySet&) = delete;
  SessionPolicySet& operator=(const SessionPolicySet&) = delete;
};

// The default version's document of a managed policy ARN: customer managed (from `snapshot`) or
// AWS managed (from `aws_managed`). Empty when there is no such policy.
std::string ManagedPolicyText(const IdentitySnapshot& snapshot, std::string_view arn,
                              const AwsManagedPolicyText& aws_managed);

class SessionPolicyCompiler {
 public:
  explicit SessionPolicyCompiler(AwsManagedPolicyText aws_managed)
      : aws_managed_(std::move(aws_managed)) {}

  // Compiles `claims`' session policies into `out` (cleared first). A managed ARN that no longer
  // names a policy contributes a policy that allows nothing, so the session keeps being limited
  // (a deleted policy grants nothing). kInternal when a document no longer compiles (it was
  // validated when the session was made).
  Status Compile(const auth::SessionClaims& claims, const IdentitySnapshot& snapshot,
                 SessionPolicySet* out);

  // Parses a document as `kind` (a session policy by default; STS also parses roles' trust
  // policies here), memoized. MalformedPolicyDocument errors as policy::ParsePolicy.
  // Every request of a session with session policies looks its documents up here: the lookup
  // takes only a shared lock and copies no text.
  StatusOr<std::shared_ptr<const policy::Policy>> Parse(
      std::string_view text, policy::PolicyKind kind = policy::PolicyKind::kSession);

  const AwsManagedPolicyText& aws_managed() const { return aws_managed_; }

 private:
  static constexpr size_t kMaxCached = 4096;  // per kind
  static constexpr size_t kKinds = static_cast<size_t>(policy::PolicyKind::kSession) + 1;
  // Looks up by std::string_view without building a std::string.
  struct TextHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using Cache = std::unordered_map<std::string, std::shared_ptr<const policy::Policy>, TextHash,
                                   std::equal_to<>>;

  AwsManagedPolicyText aws_managed_;
  std::shared_mutex mu_;
  Cache by_kind_[kKinds];  // indexed by PolicyKind
};

}  // namespace sigil
