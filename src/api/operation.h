// The contract between the request pipeline and the service handlers (IAM, STS, ...): what a
// handler receives about its call, the authorization question it poses, and how a service
// registers its operations against the botocore model. Handlers are pure functions of their
// inputs plus the services they are given; registries are immutable once built (thread-safe).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "identity/principal.h"
#include "identity/snapshot.h"
#include "policy/document.h"
#include "protocol/query_codec.h"
#include "protocol/service_model.h"

namespace sigil::api {

using protocol::Value;

// Everything a handler may know about its call.
struct CallContext {
  const Principal& principal;
  const IdentitySnapshot& snapshot;  // the state the request was authenticated against
  TimePoint now;
  std::string_view request_id;
  std::string_view region;  // from the credential scope
};

// One more authorization an operation needs, on another resource or for another action, decided
// with that resource's own condition keys (plus the request's global keys). EC2's RunInstances
// authorizes the instance, its image, key pair, security groups, subnet, network interface and
// volume, and ec2:CreateTags when it tags on creation; each check is decided on its own, and
// the first denial is the answer.
struct AuthzCheck {
  std::string action;    // "ec2:RunInstances"
  std::string resource;  // "arn:aws:ec2:us-east-1::image/ami-0abcdef1234567890"
  std::map<std::string, std::vector<std::string>> condition_keys;
};

// The authorization question an operation poses: may the principal perform `action` on
// `resource`, given the request-specific condition keys? (Keys every request has, such as
// aws:SourceIp or aws:PrincipalArn, are added by the pipeline.)
struct AuthzRequest {
  std::string action;    // "iam:CreateUser"
  std::string resource;  // "arn:aws:iam::123456789012:user/ops/alice" or "*"
  // Operation-specific keys, e.g. {"iam:PolicyARN", {...}}, {"aws:RequestTag/team", {"blue"}},
  // {"aws:TagKeys", {"team"}}, {"iam:ResourceTag/team", {"blue"}}.
  std::map<std::string, std::vector<std::string>> condition_keys;
  // Further actions the same call needs on the same resource, each authorized like `action`:
  // AssumeRole with session tags also needs sts:TagSession, with a source identity
  // sts:SetSourceIdentity.
  std::vector<std::string> also_actions;
  // Further (action, resource) pairs the call needs, each with its own condition keys; checked
  // after `action` and `also_actions`, all in the caller's own account.
  std::vector<AuthzCheck> more_checks;
  // The account that owns the resource; empty means the caller's own account.
  std::string resource_account;
  // The resource's own policy, if it has one: a role's trust policy for sts:AssumeRole (kind
  // kTrust), a bucket policy (kResource). Labelled for denial messages and the audit trail.
  std::shared_ptr<const policy::Policy> resource_policy;
  std::string resource_policy_label;
  // Answer the call without evaluating policies: the operations AWS exempts from authorization
  // (sts:GetCallerIdentity, sts:GetSessionToken: "you cannot use policies to control
  // authentication operations").
  bool exempt = false;
};

using Handler = std::function<StatusOr<Value>(const CallContext&, const Value& input)>;
using Describer = std::function<AuthzRequest(const CallContext&, const Value& input)>;

struct OperationBinding {
  const protocol::Operation* operation = nullptr;
  Describer describe;
  Handler handle;
};

// One service and its implemented operations, bound to its botocore model: a query-protocol
// service (IAM, STS) or, despite the name, a JSON-protocol one (CloudTrail); the pipeline picks
// the codec by the request's shape.
class QueryService {
 public:
  QueryService(std::string signing_name, const protocol::ServiceModel& model)
      : signing_name_(std::move(signing_name)), model_(model) {}

  // Registers an operation by its model name; a name missing from the model is a programming
  // error (asserted).
  void Register(std::string_view name, Describer describe, Handler handle);
  const OperationBinding* Find(std::string_view name) const;

  const std::string& signing_name() const { return signing_name_; }
  const protocol::ServiceModel& model() const { return model_; }

  // Whether the JSON codec checks the model's value constraints (length, range, enum, pattern,
  // required) before a handler runs; on by default. A service that checks its inputs itself and
  // answers with its own exceptions (CloudTrail's InvalidMaxResultsException, ...) turns it off;
  // types are still checked. (The query services, IAM and STS, always keep it on.)
  void set_checks_constraints(bool on) { checks_constraints_ = on; }
  bool checks_constraints() const { return checks_constraints_; }

 private:
  std::string signing_name_;
  const protocol::ServiceModel& model_;
  bool checks_constraints_ = true;
  std::map<std::string, OperationBinding, std::less<>> operations_;
};

}  // namespace sigil::api
