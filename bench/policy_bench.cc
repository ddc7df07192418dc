// Microbenchmark of one authorization decision (policy/evaluator): an IAM user with 10 attached
// policies of 10 statements each, mixing exact names, wildcards, NotAction/NotResource and
// conditions (string, IP, bool, date, numeric, set operators, policy variables), plus a
// permissions boundary. Reports decisions per second on one core (items_per_second).
//   sigil_policy_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "policy/context.h"
#include "policy/document.h"
#include "policy/evaluator.h"

namespace {

using sigil::policy::Decision;
using sigil::policy::EvaluationRequest;
using sigil::policy::ParsePolicy;
using sigil::policy::Policy;
using sigil::policy::PolicyKind;
using sigil::policy::PolicyRef;
using sigil::policy::RequestContext;

// Ten statements for policy `p`; one of them (in policy 7) allows the benchmarked request, one
// denies it under a condition that does not hold.
std::string PolicyText(int p) {
  const std::string n = std::to_string(p);
  std::string s = R"({"Version": "2012-10-17", "Statement": [)";
  s +=
      R"({"Sid": "Ec2Read", "Effect": "Allow", "Action": ["ec2:Describe*", "ec2:Get*"], "Resource": "*"},)";
  s +=
      R"({"Sid": "OwnKeys", "Effect": "Allow", "Action": "iam:*AccessKey*", "Resource": "arn:aws:iam::111122223333:user/${aws:username}"},)";
  s +=
      R"({"Sid": "Team", "Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:Query"], "Resource": "arn:aws:dynamodb:*:111122223333:table/team-)" +
      n + R"(-*", "Condition": {"StringEquals": {"aws:PrincipalTag/team": "data"}}},)";
  s +=
      R"({"Sid": "Office", "Effect": "Allow", "Action": "s3:List*", "Resource": "arn:aws:s3:::bucket-)" +
      n + R"(", "Condition": {"IpAddress": {"aws:SourceIp": ["192.0.2.0/24", "2001:db8::/32"]}}},)";
  s +=
      R"({"Sid": "Objects", "Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectVersion"], "Resource": "arn:aws:s3:::bucket-)" +
      n +
      R"(/data/*", "Condition": {"Bool": {"aws:SecureTransport": "true"}, "DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}}},)";
  s +=
      R"({"Sid": "Tags", "Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "arn:aws:ec2:*:111122223333:instance/*", "Condition": {"ForAllValues:StringEquals": {"aws:TagKeys": ["env", "owner"]}}},)";
  s +=
      R"({"Sid": "Logs", "Effect": "Allow", "Action": "logs:*", "Resource": "arn:aws:logs:us-east-1:111122223333:log-group:app-)" +
      n + R"(:*"},)";
  s +=
      R"({"Sid": "NoDelete", "Effect": "Deny", "Action": ["s3:DeleteBucket", "s3:DeleteObject*"], "Resource": "*", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}},)";
  s +=
      R"({"Sid": "Regions", "Effect": "Deny", "NotAction": ["iam:*", "sts:*", "s3:*"], "Resource": "*", "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]}}},)";
  s +=
      R"({"Sid": "Paging", "Effect": "Allow", "Action": "s3:ListBucket", "NotResource": "arn:aws:s3:::secret-*", "Condition": {"NumericLessThanEquals": {"s3:max-keys": "1000"}}}]})";
  return s;
}

struct Fixture {
  std::vector<std::shared_ptr<const Policy>> policies;
  std::vector<std::string> labels;
  std::vector<PolicyRef> refs;
  std::shared_ptr<const Policy> boundary;

  Fixture() {
    for (int p = 0; p < 10; ++p) {
      auto parsed = ParsePolicy(PolicyText(p), PolicyKind::kIdentity);
      if (!parsed.ok()) std::abort();
      policies.push_back(*parsed);
      labels.push_back("arn:aws:iam::111122223333:policy/Bench" + std::to_string(p));
    }
    for (size_t i = 0; i < policies.size(); ++i) refs.push_back({policies[i].get(), labels[i]});
    auto b = ParsePolicy(R"({"Version": "2012-10-17", "Statement": [
      {"Sid": "Services", "Effect": "Allow", "Action": ["s3:*", "ec2:*", "dynamodb:*", "logs:*", "iam:*AccessKey*"], "Resource": "*"},
      {"Sid": "NoLogsBucket", "Effect": "Deny", "Action": "s3:*", "Resource": ["arn:aws:s3:::logs", "arn:aws:s3:::logs/*"]}]})",
                         PolicyKind::kBoundary);
    if (!b.ok()) std::abort();
    boundary = *b;
  }
};

void FillContext(RequestContext* c) {
  c->Set("aws:username", "alice");
  c->Set("aws:userid", "AIDAEXAMPLEALICE00001");
  c->Set("aws:PrincipalArn", "arn:aws:iam::111122223333:user/alice");
  c->Set("aws:PrincipalAccount", "111122223333");
  c->Set("aws:PrincipalType", "User");
  c->Set("aws:PrincipalTag/team", "data");
  c->Set("aws:SourceIp", "192.0.2.44");
  c->Set("aws:SecureTransport", "true");
  c->Set("aws:CurrentTime", "2024-05-01T12:00:00Z");
  c->Set("aws:EpochTime", "1714564800");
  c->Set("aws:RequestedRegion", "us-east-1");
  c->Set("aws:UserAgent", "aws-cli/2.13.0 Python/3.11.4 Linux/6.1");
}

EvaluationRequest Request(const Fixture& f, const RequestContext& context) {
  EvaluationRequest r;
  r.principal.kind = sigil::policy::PrincipalKind::kUser;
  r.principal.arn = "arn:aws:iam::111122223333:user/alice";
  r.principal.account_id = "111122223333";
  r.action = "s3:GetObject";
  r.resource = "arn:aws:s3:::bucket-7/data/2024/05/report.csv";
  r.context = &context;
  r.identity_policies = f.refs;
  r.permissions_boundary = PolicyRef{f.boundary.get(), "arn:aws:iam::111122223333:policy/Boundary"};
  return r;
}

// The decision alone, with the request context already built.
void BM_Decision(benchmark::State& state) {
  Fixture f;
  RequestContext context;
  FillContext(&context);
  const EvaluationRequest request = Request(f, context);
  if (!sigil::policy::Evaluate(request).allowed()) std::abort();
  for (auto _ : state) {
    Decision d = sigil::policy::Evaluate(request);
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Decision);

// What a request pays: building its context, then deciding.
void BM_DecisionWithContext(benchmark::State& state) {
  Fixture f;
  for (auto _ : state) {
    RequestContext context;
    FillContext(&context);
    Decision d = sigil::policy::Evaluate(Request(f, context));
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DecisionWithContext);

// A denied request: every statement is examined and nothing allows.
void BM_ImplicitDeny(benchmark::State& state) {
  Fixture f;
  RequestContext context;
  FillContext(&context);
  EvaluationRequest request = Request(f, context);
  request.action = "kms:Decrypt";
  request.resource = "arn:aws:kms:us-east-1:111122223333:key/1234abcd";
  if (sigil::policy::Evaluate(request).allowed()) std::abort();
  for (auto _ : state) {
    Decision d = sigil::policy::Evaluate(request);
    benchmark::DoNotOptimize(d);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ImplicitDeny);

// Compiling one 10-statement policy (what a write to a policy costs).
void BM_ParsePolicy(benchmark::State& state) {
  const std::string text = PolicyText(3);
  for (auto _ : state) {
    auto p = ParsePolicy(text, PolicyKind::kIdentity);
    benchmark::DoNotOptimize(p);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ParsePolicy);

}  // namespace

BENCHMARK_MAIN();
