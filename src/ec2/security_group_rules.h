// Security group rules as EC2 takes and shows them: IpPermissions (protocol, ports and peers)
// expanded into one rule per peer and validated as EC2 does, the wording of a duplicate rule, and
// rules grouped back into IpPermissions and SecurityGroupRules for output. Pure; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "common/crypto.h"
#include "common/status.h"
#include "protocol/query_codec.h"
#include "store/ec2_store.h"

namespace sigil::ec2 {

using protocol::Value;

// Expands the request's IpPermissions (or the legacy flat CidrIp/IpProtocol/FromPort/ToPort/
// SourceSecurityGroupName members) into rules with fresh ids, `egress` set. Protocols are
// normalised ("TCP" and "6" are "tcp", "all" is "-1"); ports are -1 where the protocol has
// none. `group_ids_by_name` resolves SourceSecurityGroupName and UserIdGroupPairs.GroupName.
// Errors: InvalidParameterValue for a bad protocol, port range or CIDR, MissingParameter when a
// permission names no peer, InvalidGroup.NotFound for an unknown referenced group.
StatusOr<std::vector<Ec2RuleRecord>> RulesFromRequest(
    const Value& in, bool egress, const std::vector<Ec2SecurityGroupRecord>& groups,
    RandomSource& random);

// Whether two rules have the same direction, protocol, ports and peer.
bool SameRule(const Ec2RuleRecord& a, const Ec2RuleRecord& b);

// InvalidPermission.Duplicate: the specified rule "peer: 0.0.0.0/0, TCP, from port: 22, to
// port: 22, ALLOW" already exists.
Status DuplicateRule(const Ec2RuleRecord& rule);

// The rules of one direction grouped into IpPermissions, in order of first appearance.
Value IpPermissions(const std::vector<Ec2RuleRecord>& rules, bool egress,
                    const std::string& account_id);
// Rules as SecurityGroupRule values.
Value SecurityGroupRules(const std::vector<Ec2RuleRecord>& rules, const std::string& group_id,
                         const std::string& account_id);

}  // namespace sigil::ec2
