#include "ec2/security_group_rules.h"

#include <algorithm>
#include <map>

#include "common/strings.h"
#include "ec2/ec2_common.h"
#include "policy/matchers.h"

namespace sigil::ec2 {
namespace {

StatusOr<std::string> NormaliseProtocol(const std::string& raw) {
  const std::string p = AsciiLower(raw);
  if (p == "tcp" || p == "6") return std::string("tcp");
  if (p == "udp" || p == "17") return std::string("udp");
  if (p == "icmp" || p == "1") return std::string("icmp");
  if (p == "icmpv6" || p == "58") return std::string("icmpv6");
  if (p == "-1" || p == "all") return std::string("-1");
  int64_t n = -2;
  if (!p.empty() && p.size() <= 3 && std::all_of(p.begin(), p.end(), ::isdigit)) n = std::stoi(p);
  if (n < 0 || n > 255) {
    return InvalidParameterValue("Invalid value '" + raw + "' for IP protocol. Unknown protocol.");
  }
  return p;
}

Status CheckPorts(const std::string& protocol, const Value& perm, int64_t* from, int64_t* to) {
  const bool has_from = perm.contains("FromPort");
  const bool has_to = perm.contains("ToPort");
  if (protocol == "tcp" || protocol == "udp") {
    if (!has_from || !has_to) {
      return InvalidParameterValue(
          "Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange");
    }
    *from = perm["FromPort"].get<int64_t>();
    *to = perm["ToPort"].get<int64_t>();
    if (*from < 0 || *to > 65535 || *from > *to) {
      return InvalidParameterValue("Invalid value '" + std::to_string(*from) + "-" +
                                   std::to_string(*to) + "' for portRange. Ports must be " +
                                   "between 0 and 65535, from at most to.");
    }
    return OkStatus();
  }
  if (protocol == "icmp" || protocol == "icmpv6") {
    // FromPort is the ICMP type, ToPort the code; -1 means any.
    *from = has_from ? perm["FromPort"].get<int64_t>() : -1;
    *to = has_to ? perm["ToPort"].get<int64_t>() : -1;
    if (*from < -1 || *from > 255 || *to < -1 || *to > 255) {
      return InvalidParameterValue("Invalid value for ICMP type or code: must be -1 to 255.");
    }
    return OkStatus();
  }
  *from = -1;  // all protocols, or a protocol without ports
  *to = -1;
  return OkStatus();
}

Status CheckCidr(const std::string& cidr, bool v6) {
  auto range = policy::internal::ParseCidr(cidr);
  if (cidr.find('/') == std::string::npos || !range || range->network.v4 == v6) {
    return InvalidParameterValue("CIDR block " + cidr + " is malformed");
  }
  return OkStatus();
}

const Ec2SecurityGroupRecord* FindGroup(const std::vector<Ec2SecurityGroupRecord>& groups,
                                        const std::string& id, const std::string& name) {
  for (const Ec2SecurityGroupRecord& g : groups) {
    if ((!id.empty() && g.group_id == id) || (id.empty() && g.group_name == name)) return &g;
  }
  return nullptr;
}

// The legacy flat members as one IpPermission.
Value LegacyPermission(const Value& in) {
  Value perm = Value::object();
  if (in.contains("IpProtocol")) perm["IpProtocol"] = in["IpProtocol"];
  if (in.contains("FromPort")) perm["FromPort"] = in["FromPort"];
  if (in.contains("ToPort")) perm["ToPort"] = in["ToPort"];
  if (in.contains("CidrIp")) perm["IpRanges"] = Value::array({{{"CidrIp", in["CidrIp"]}}});
  if (in.contains("SourceSecurityGroupName")) {
    perm["UserIdGroupPairs"] = Value::array({{{"GroupName", in["SourceSecurityGroupName"]}}});
    if (!perm.contains("IpProtocol")) perm["IpProtocol"] = "-1";
  }
  return perm;
}

std::string ProtocolLabel(const Ec2RuleRecord& r) {
  if (r.ip_protocol == "-1") return "ALL";
  if (r.ip_protocol == "tcp" || r.ip_protocol == "udp") {
    return std::string(r.ip_protocol == "tcp" ? "TCP" : "UDP") +
           ", from port: " + std::to_string(r.from_port) +
           ", to port: " + std::to_string(r.to_port);
  }
  if (r.ip_protocol == "icmp" || r.ip_protocol == "icmpv6") {
    return (r.ip_protocol == "icmp" ? std::string("ICMP") : std::string("ICMPV6")) +
           ", type: " + std::to_string(r.from_port) + ", code: " + std::to_string(r.to_port);
  }
  return "protocol: " + r.ip_protocol;
}

}  // namespace

StatusOr<std::vector<Ec2RuleRecord>> RulesFromRequest(
    const Value& in, bool egress, const std::vector<Ec2SecurityGroupRecord>& groups,
    RandomSource& random) {
  std::vector<Value> permissions;
  if (auto it = in.find("IpPermissions"); it != in.end()) {
    for (const Value& p : *it) permissions.push_back(p);
  }
  if (in.contains("IpProtocol") || in.contains("CidrIp") ||
      in.contains("SourceSecurityGroupName")) {
    permissions.push_back(LegacyPermission(in));
  }
  std::vector<Ec2RuleRecord> out;
  for (const Value& perm : permissions) {
    if (!perm.contains("IpProtocol")) return MissingParameter("IpPermissions.IpProtocol");
    SIGIL_ASSIGN_OR_RETURN(std::string protocol,
                           NormaliseProtocol(perm["IpProtocol"].get<std::string>()));
    int64_t from = -1;
    int64_t to = -1;
    SIGIL_RETURN_IF_ERROR(CheckPorts(protocol, perm, &from, &to));
    auto rule = [&]() {
      Ec2RuleRecord r;
      r.rule_id = NewResourceId(random, "sgr");
      r.egress = egress;
      r.ip_protocol = protocol;
      r.from_port = from;
      r.to_port = to;
      return r;
    };
    size_t peers = 0;
    for (const Value& range : perm.value("IpRanges", Value::array())) {
      Ec2RuleRecord r = rule();
      r.cidr_ipv4 = range.value("CidrIp", "");
      r.description = range.value("Description", "");
      SIGIL_RETURN_IF_ERROR(CheckCidr(r.cidr_ipv4, false));
      out.push_back(std::move(r));
      ++peers;
    }
    for (const Value& range : perm.value("Ipv6Ranges", Value::array())) {
      Ec2RuleRecord r = rule();
      r.cidr_ipv6 = range.value("CidrIpv6", "");
      r.description = range.value("Description", "");
      SIGIL_RETURN_IF_ERROR(CheckCidr(r.cidr_ipv6, true));
      out.push_back(std::move(r));
      ++peers;
    }
    for (const Value& pair : perm.value("UserIdGroupPairs", Value::array())) {
      const std::string id = pair.value("GroupId", "");
      const std::string name = pair.value("GroupName", "");
      const Ec2SecurityGroupRecord* g = FindGroup(groups, id, name);
      if (g == nullptr) {
        return ClientError(StatusCode::kNotFound, "InvalidGroup.NotFound",
                           "The security group '" + (id.empty() ? name : id) + "' does not exist");
      }
      Ec2RuleRecord r = rule();
      r.referenced_group_id = g->group_id;
      r.description = pair.value("Description", "");
      out.push_back(std::move(r));
      ++peers;
    }
    if (!perm.value("PrefixListIds", Value::array()).empty()) {
      return InvalidParameterValue("Prefix lists are not supported by this endpoint.");
    }
    if (peers == 0) {
      return MissingParameter(egress ? "IpPermissions.IpRanges (a destination)"
                                     : "IpPermissions.IpRanges (a source)");
    }
  }
  if (out.empty()) return MissingParameter("IpPermissions");
  return out;
}

bool SameRule(const Ec2RuleRecord& a, const Ec2RuleRecord& b) {
  return a.egress == b.egress && a.ip_protocol == b.ip_protocol && a.from_port == b.from_port &&
         a.to_port == b.to_port && a.cidr_ipv4 == b.cidr_ipv4 && a.cidr_ipv6 == b.cidr_ipv6 &&
         a.referenced_group_id == b.referenced_group_id;
}

Status DuplicateRule(const Ec2RuleRecord& rule) {
  const std::string peer = !rule.cidr_ipv4.empty()   ? rule.cidr_ipv4
                           : !rule.cidr_ipv6.empty() ? rule.cidr_ipv6
                                                     : rule.referenced_group_id;
  return ClientError(StatusCode::kAlreadyExists, "InvalidPermission.Duplicate",
                     "the specified rule \"peer: " + peer + ", " + ProtocolLabel(rule) +
                         ", ALLOW\" already exists");
}

Value IpPermissions(const std::vector<Ec2RuleRecord>& rules, bool egress,
                    const std::string& account_id) {
  Value out = Value::array();
  std::map<std::tuple<std::string, int64_t, int64_t>, size_t> index;
  for (const Ec2RuleRecord& r : rules) {
    if (r.egress != egress) continue;
    const auto key = std::make_tuple(r.ip_protocol, r.from_port, r.to_port);
    auto it = index.find(key);
    if (it == index.end()) {
      Value perm = {{"IpProtocol", r.ip_protocol},
                    {"IpRanges", Value::array()},
                    {"Ipv6Ranges", Value::array()},
                    {"PrefixListIds", Value::array()},
                    {"UserIdGroupPairs", Value::array()}};
      if (r.ip_protocol != "-1") {
        perm["FromPort"] = r.from_port;
        perm["ToPort"] = r.to_port;
      }
      it = index.emplace(key, out.size()).first;
      out.push_back(std::move(perm));
    }
    Value& perm = out[it->second];
    auto with_description = [&](Value v) {
      if (!r.description.empty()) v["Description"] = r.description;
      return v;
    };
    if (!r.cidr_ipv4.empty())
      perm["IpRanges"].push_back(with_description({{"CidrIp", r.cidr_ipv4}}));
    if (!r.cidr_ipv6.empty()) {
      perm["Ipv6Ranges"].push_back(with_description({{"CidrIpv6", r.cidr_ipv6}}));
    }
    if (!r.referenced_group_id.empty()) {
      perm["UserIdGroupPairs"].push_back(
          with_description({{"GroupId", r.referenced_group_id}, {"UserId", account_id}}));
    }
  }
  return out;
}

Value SecurityGroupRules(const std::vector<Ec2RuleRecord>& rules, const std::string& group_id,
                         const std::string& account_id) {
  Value out = Value::array();
  for (const Ec2RuleRecord& r : rules) {
    Value v = {{"SecurityGroupRuleId", r.rule_id},
               {"GroupId", group_id},
               {"GroupOwnerId", account_id},
               {"IsEgress", r.egress},
               {"IpProtocol", r.ip_protocol},
               {"FromPort", r.from_port},
               {"ToPort", r.to_port}};
    if (!r.cidr_ipv4.empty()) v["CidrIpv4"] = r.cidr_ipv4;
    if (!r.cidr_ipv6.empty()) v["CidrIpv6"] = r.cidr_ipv6;
    if (!r.referenced_group_id.empty()) {
      v["ReferencedGroupInfo"] = {{"GroupId", r.referenced_group_id}, {"UserId", account_id}};
    }
    if (!r.description.empty()) v["Description"] = r.description;
    out.push_back(std::move(v));
  }
  return out;
}

}  // namespace sigil::ec2
