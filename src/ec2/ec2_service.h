// The EC2 control-plane subset: regions and zones, key pairs, security groups, instances as
// records with a real lifecycle (Sigil starts no virtual machines), a small image catalogue and
// tags, bound to the botocore EC2 model. Every operation is authorized with EC2's actions,
// resource ARNs and condition keys. Thread-safe: its dependencies are.
#pragma once

#include <memory>

#include "api/operation.h"
#include "ec2/ec2_common.h"

namespace sigil::ec2 {

std::unique_ptr<api::QueryService> MakeEc2Service(const Ec2Deps& deps);

}  // namespace sigil::ec2
