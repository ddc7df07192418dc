#include "sts/sts_service.h"

namespace sigil::sts {

std::unique_ptr<api::QueryService> MakeStsService() {
  auto svc = std::make_unique<api::QueryService>("sts", protocol::StsModel());
  svc->Register(
      "GetCallerIdentity",
      [](const api::CallContext&, const protocol::Value&) {
        return api::AuthzRequest{"sts:GetCallerIdentity", "*"};
      },
      [](const api::CallContext& ctx, const protocol::Value&) -> StatusOr<protocol::Value> {
        return protocol::Value{{"UserId", ctx.principal.principal_id},
                               {"Account", ctx.principal.account_id},
                               {"Arn", ctx.principal.arn}};
      });
  return svc;
}

}  // namespace sigil::sts
