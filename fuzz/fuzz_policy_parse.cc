// libFuzzer target for the policy parser: the input is parsed as every kind of policy document,
// and whatever parses is evaluated against a fixed request in the slot its kind belongs to.
// Checks invariants the rest of Sigil relies on: errors are MalformedPolicyDocument with a
// message, a parsed policy has statements, evaluation is total and consistent.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "policy/document.h"
#include "policy/evaluator.h"

namespace {

using sigil::policy::Decision;
using sigil::policy::EvalEffect;
using sigil::policy::EvaluationRequest;
using sigil::policy::PolicyKind;
using sigil::policy::PolicyRef;

void Check(bool condition) {
  if (!condition) std::abort();
}

void CheckDecision(const Decision& d) {
  if (d.effect == EvalEffect::kImplicitDeny) Check(d.matched.empty());
  if (d.effect == EvalEffect::kExplicitDeny) Check(!d.matched.empty());
  for (const auto& m : d.matched) Check(m.statement != nullptr);
  if (!d.allowed()) {
    Check(!sigil::policy::AccessDeniedMessage(d, "arn:aws:iam::111122223333:user/fuzz",
                                              "s3:GetObject", "arn:aws:s3:::b/k")
               .empty());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  Check(sigil::policy::PolicySizeWithoutWhitespace(input) <= size);

  sigil::policy::RequestContext context{
      {"aws:username", "fuzz"},
      {"aws:SourceIp", "203.0.113.7"},
      {"aws:CurrentTime", "2024-05-01T12:00:00Z"},
      {"aws:EpochTime", "1714564800"},
      {"aws:SecureTransport", "true"},
      {"aws:TagKeys", "a"},
      {"aws:TagKeys", "b"},
      {"s3:max-keys", "10"},
  };

  for (PolicyKind kind : {PolicyKind::kIdentity, PolicyKind::kResource, PolicyKind::kTrust,
                          PolicyKind::kBoundary, PolicyKind::kSession}) {
    auto parsed = sigil::policy::ParsePolicy(input, kind);
    if (!parsed.ok()) {
      Check(parsed.status().aws_code() == "MalformedPolicyDocument");
      Check(!parsed.status().message().empty());
      continue;
    }
    const sigil::policy::Policy& policy = **parsed;
    Check(policy.statement_count() > 0);
    Check(policy.statement_count() == policy.compiled().size());
    (void)sigil::policy::ContextKeysUsed(policy);

    const PolicyRef ref{&policy, "fuzz"};
    EvaluationRequest request;
    request.principal.kind = sigil::policy::PrincipalKind::kAssumedRole;
    request.principal.arn = "arn:aws:sts::111122223333:assumed-role/r/s";
    request.principal.account_id = "111122223333";
    request.principal.source_arn = "arn:aws:iam::111122223333:role/r";
    request.action = kind == PolicyKind::kTrust ? "sts:AssumeRole" : "s3:GetObject";
    request.resource = "arn:aws:s3:::bucket/key";
    request.context = &context;
    switch (kind) {
      case PolicyKind::kIdentity:
        request.identity_policies = {&ref, 1};
        break;
      case PolicyKind::kBoundary:
        request.permissions_boundary = ref;
        break;
      case PolicyKind::kSession:
        request.session_policies = {&ref, 1};
        break;
      case PolicyKind::kResource:
      case PolicyKind::kTrust:
        request.resource_policy = ref;
        break;
    }
    CheckDecision(sigil::policy::Evaluate(request));
    request.resource_account = "444455556666";  // and across accounts
    CheckDecision(sigil::policy::Evaluate(request));
  }
  return 0;
}
