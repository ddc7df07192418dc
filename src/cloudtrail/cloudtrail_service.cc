#include "cloudtrail/cloudtrail_service.h"

#include "cloudtrail/lookup_events.h"

namespace sigil::cloudtrail {
namespace {

StatusOr<Value> LookupEvents(const CloudTrailDeps& deps, const api::CallContext& ctx,
                             const Value& input) {
  const std::string& account = ctx.principal.account_id;
  SIGIL_ASSIGN_OR_RETURN(LookupQuery query, ParseLookupInput(input, account, ctx.now));
  const std::string fingerprint = QueryFingerprint(input);
  if (auto token = input.find("NextToken"); token != input.end()) {
    SIGIL_ASSIGN_OR_RETURN(
        query.after, OpenNextToken(deps.sealer, token->get<std::string>(), account, fingerprint));
  }
  SIGIL_ASSIGN_OR_RETURN(LookupPage page, LookUpEvents(deps.audit_dir, query));
  Value out = {{"Events", Value::array()}};
  for (Value& event : page.events) out["Events"].push_back(std::move(event));
  if (page.next) {
    SIGIL_ASSIGN_OR_RETURN(out["NextToken"], SealNextToken(deps.sealer, deps.random, account,
                                                           fingerprint, *page.next));
  }
  return out;
}

}  // namespace

std::unique_ptr<api::QueryService> MakeCloudTrailService(CloudTrailDeps deps) {
  auto svc = std::make_unique<api::QueryService>("cloudtrail", protocol::CloudTrailModel());
  svc->set_checks_constraints(false);
  svc->Register(
      "LookupEvents",
      [](const api::CallContext&, const Value&) {
        return api::AuthzRequest{"cloudtrail:LookupEvents", "*"};
      },
      [deps = std::move(deps)](const api::CallContext& ctx, const Value& input) {
        return LookupEvents(deps, ctx, input);
      });
  return svc;
}

}  // namespace sigil::cloudtrail
