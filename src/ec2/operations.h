// How each EC2 operation family registers its operations (describer and handler) with the EC2
// service; ec2_service.cc calls them all. Registration happens once at start-up.
#pragma once

#include <string_view>

#include "api/operation.h"
#include "ec2/ec2_common.h"

namespace sigil::ec2 {

// Registers an operation whose every call first honours DryRun: an authorized dry run answers
// DryRunOperation (HTTP 412, "Request would have succeeded, but DryRun flag is set.") and
// changes nothing. (An unauthorized one never gets here: it is UnauthorizedOperation.)
void RegisterEc2Operation(api::QueryService& service, std::string_view name,
                          api::Describer describe, api::Handler handle);

// The default question: ec2:NAME on "*", with ec2:Region (the Describe* operations, which AWS
// does not authorize by resource).
AuthzRequest UnscopedQuestion(const CallContext& ctx, std::string_view name);

void RegisterRegionOperations(api::QueryService& service, const Ec2Deps& deps);
void RegisterImageOperations(api::QueryService& service, const Ec2Deps& deps);
void RegisterKeyPairOperations(api::QueryService& service, const Ec2Deps& deps);
void RegisterSecurityGroupOperations(api::QueryService& service, const Ec2Deps& deps);
void RegisterInstanceOperations(api::QueryService& service, const Ec2Deps& deps);
void RegisterTagOperations(api::QueryService& service, const Ec2Deps& deps);

}  // namespace sigil::ec2
