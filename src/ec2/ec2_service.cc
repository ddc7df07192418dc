#include "ec2/ec2_service.h"

#include "ec2/operations.h"
#include "protocol/service_model.h"

namespace sigil::ec2 {

void RegisterEc2Operation(api::QueryService& service, std::string_view name,
                          api::Describer describe, api::Handler handle) {
  service.Register(
      name, std::move(describe),
      [handle = std::move(handle)](const CallContext& ctx, const Value& in) -> StatusOr<Value> {
        if (in.value("DryRun", false)) {
          return AwsError(StatusCode::kFailedPrecondition, "DryRunOperation",
                          "Request would have succeeded, but DryRun flag is set.")
              .WithHttpStatus(412);
        }
        return handle(ctx, in);
      });
}

AuthzRequest UnscopedQuestion(const CallContext& ctx, std::string_view name) {
  AuthzRequest q{"ec2:" + std::string(name), "*", RegionKeys(ctx)};
  return q;
}

std::unique_ptr<api::QueryService> MakeEc2Service(const Ec2Deps& deps) {
  auto service = std::make_unique<api::QueryService>("ec2", protocol::Ec2Model());
  RegisterRegionOperations(*service, deps);
  RegisterImageOperations(*service, deps);
  RegisterKeyPairOperations(*service, deps);
  RegisterSecurityGroupOperations(*service, deps);
  RegisterInstanceOperations(*service, deps);
  RegisterTagOperations(*service, deps);
  return service;
}

}  // namespace sigil::ec2
