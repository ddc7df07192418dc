// CreateSecurityGroup, DescribeSecurityGroups, DeleteSecurityGroup, Authorize/Revoke
// SecurityGroupIngress/Egress and DescribeVpcs. Every region has a default VPC with a "default"
// group (DefaultVpcs); groups live in it.
#include <algorithm>

#include "common/strings.h"
#include "ec2/instance_lifecycle.h"
#include "ec2/operations.h"
#include "ec2/security_group_rules.h"

namespace sigil::ec2 {
namespace {

std::string GroupArn(const CallContext& ctx, std::string_view id) {
  return Ec2Arn(ctx.region, ctx.principal.account_id, "security-group", id);
}

const std::vector<std::string> kGroupTagTypes = {"security-group"};
const std::vector<std::string> kRuleTagTypes = {"security-group-rule"};

Status GroupNotFound(const std::string& id_or_name, const std::string& default_vpc = "") {
  return ClientError(StatusCode::kNotFound, "InvalidGroup.NotFound",
                     "The security group '" + id_or_name + "' does not exist" +
                         (default_vpc.empty() ? "" : " in default VPC '" + default_vpc + "'"));
}

struct Groups {
  Ec2VpcRecord vpc;
  std::vector<Ec2SecurityGroupRecord> groups;
};

StatusOr<Groups> LoadGroups(const Ec2Deps& deps, const CallContext& ctx) {
  Groups out;
  SIGIL_ASSIGN_OR_RETURN(out.vpc, deps.vpcs.Get(ScopeOf(ctx), ctx.now));
  SIGIL_ASSIGN_OR_RETURN(out.groups, deps.store.ListSecurityGroups(ScopeOf(ctx)));
  return out;
}

// The group a request names by GroupId, else by GroupName (in the default VPC).
StatusOr<Ec2SecurityGroupRecord> TargetGroup(const Groups& g, const Value& in) {
  const std::string id = in.value("GroupId", "");
  const std::string name = in.value("GroupName", "");
  if (id.empty() && name.empty()) return MissingParameter("GroupId");
  for (const Ec2SecurityGroupRecord& group : g.groups) {
    if (!id.empty() ? group.group_id == id
                    : group.group_name == name && group.vpc_id == g.vpc.vpc_id) {
      return group;
    }
  }
  if (!id.empty() && !IsResourceId(id, "sg")) return MalformedId("InvalidGroupId.Malformed", id);
  return id.empty() ? GroupNotFound(name, g.vpc.vpc_id) : GroupNotFound(id);
}

// ec2:ACTION on the group a request names, with its tags as ec2:ResourceTag/*.
AuthzRequest DescribeOnGroup(const Ec2Deps& deps, const CallContext& ctx, const Value& in,
                             std::string_view action) {
  AuthzRequest q{"ec2:" + std::string(action), GroupArn(ctx, in.value("GroupId", std::string("*"))),
                 RegionKeys(ctx)};
  auto groups = LoadGroups(deps, ctx);
  if (!groups.ok()) return q;
  auto target = TargetGroup(*groups, in);
  if (!target.ok()) return q;
  q.resource = GroupArn(ctx, target->group_id);
  q.condition_keys["ec2:Vpc"] = {
      Ec2Arn(ctx.region, ctx.principal.account_id, "vpc", target->vpc_id)};
  if (auto tags = LoadTags(deps.store, ScopeOf(ctx)); tags.ok()) {
    AddResourceTagKeys((*tags)[target->group_id], &q.condition_keys);
  }
  return q;
}

// ---- CreateSecurityGroup.

AuthzRequest DescribeCreate(const Ec2Deps& deps, const CallContext& ctx, const Value& in) {
  AuthzRequest q{"ec2:CreateSecurityGroup", GroupArn(ctx, "*"), RegionKeys(ctx)};
  auto tags = TagsFromSpecifications(in, "security-group", kGroupTagTypes);
  if (tags.ok()) AddRequestTagKeys(*tags, &q.condition_keys);
  // The VPC the group is created in is a resource of the call too.
  std::string vpc_id = in.value("VpcId", "");
  if (vpc_id.empty()) {
    if (auto vpc = deps.vpcs.Get(ScopeOf(ctx), ctx.now); vpc.ok()) vpc_id = vpc->vpc_id;
  }
  q.more_checks.push_back(AuthzCheck{"ec2:CreateSecurityGroup",
                                     Ec2Arn(ctx.region, ctx.principal.account_id, "vpc", vpc_id),
                                     RegionKeys(ctx)});
  if (tags.ok()) AddCreateTagsCheck(ctx, q.resource, *tags, "CreateSecurityGroup", &q);
  return q;
}

Status ValidateGroupText(const std::string& what, const std::string& text) {
  if (text.empty() || text.size() > 255) {
    return InvalidParameterValue("Value for parameter " + what +
                                 " is invalid. Length must be 1 to 255 characters.");
  }
  for (unsigned char c : text) {
    if (c < 0x20 || c > 0x7e) {
      return InvalidParameterValue("Value for parameter " + what +
                                   " is invalid. Character sets beyond ASCII are not supported.");
    }
  }
  return OkStatus();
}

StatusOr<Value> CreateSecurityGroup(const Ec2Deps& deps, const CallContext& ctx, const Value& in) {
  const std::string name = in["GroupName"].get<std::string>();
  const std::string description = in["Description"].get<std::string>();
  SIGIL_RETURN_IF_ERROR(ValidateGroupText("GroupName", name));
  SIGIL_RETURN_IF_ERROR(ValidateGroupText("GroupDescription", description));
  if (StartsWith(AsciiLower(name), "sg-")) {
    return InvalidParameterValue("Group names may not be in the format sg-*.");
  }
  SIGIL_ASSIGN_OR_RETURN(Ec2VpcRecord vpc, deps.vpcs.Get(ScopeOf(ctx), ctx.now));
  const std::string vpc_id = in.value("VpcId", vpc.vpc_id);
  if (vpc_id != vpc.vpc_id) {
    return ClientError(StatusCode::kNotFound, "InvalidVpcID.NotFound",
                       "The vpc ID '" + vpc_id + "' does not exist");
  }
  if (name == "default") {
    return ClientError(StatusCode::kInvalidArgument, "InvalidGroup.Reserved",
                       "The security group 'default' is reserved");
  }
  SIGIL_ASSIGN_OR_RETURN(std::vector<Ec2TagRecord> tags,
                         TagsFromSpecifications(in, "security-group", kGroupTagTypes));
  Ec2SecurityGroupRecord group;
  group.group_id = NewResourceId(deps.random, "sg");
  group.group_name = name;
  group.description = description;
  group.vpc_id = vpc_id;
  group.created = ctx.now;
  // A new VPC group may send anything anywhere until told otherwise.
  group.rules = {Ec2RuleRecord{NewResourceId(deps.random, "sgr"), true, "-1", -1, -1, "0.0.0.0/0",
                               "", "", ""}};
  tags = TagsFor(std::move(tags), group.group_id);
  Status created = deps.store.CreateSecurityGroup(ScopeOf(ctx), group, tags);
  if (created.code() == StatusCode::kAlreadyExists) {
    return ClientError(StatusCode::kAlreadyExists, "InvalidGroup.Duplicate",
                       "The security group '" + name + "' already exists for VPC '" + vpc_id + "'");
  }
  SIGIL_RETURN_IF_ERROR(created);
  Value out = {{"GroupId", group.group_id}};
  if (Value set = TagSet(tags); !set.is_null()) out["Tags"] = set;
  return out;
}

// ---- DescribeSecurityGroups.

StatusOr<Value> DescribeSecurityGroups(const Ec2Deps& deps, const CallContext& ctx,
                                       const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(Groups g, LoadGroups(deps, ctx));
  SIGIL_ASSIGN_OR_RETURN(TagIndex tags, LoadTags(deps.store, ScopeOf(ctx)));
  const std::vector<std::string> ids = Strings(in, "GroupIds");
  const std::vector<std::string> names = Strings(in, "GroupNames");
  for (const std::string& id : ids) {
    if (!IsResourceId(id, "sg")) return MalformedId("InvalidGroupId.Malformed", id);
    if (std::none_of(g.groups.begin(), g.groups.end(),
                     [&](const Ec2SecurityGroupRecord& s) { return s.group_id == id; })) {
      return GroupNotFound(id);
    }
  }
  for (const std::string& name : names) {
    if (std::none_of(g.groups.begin(), g.groups.end(), [&](const Ec2SecurityGroupRecord& s) {
          return s.group_name == name && s.vpc_id == g.vpc.vpc_id;
        })) {
      return GroupNotFound(name, g.vpc.vpc_id);
    }
  }
  const std::vector<Filter> filters = ParseFilters(in);
  const std::string& account = ctx.principal.account_id;
  std::vector<const Ec2SecurityGroupRecord*> shown;
  std::vector<std::string> shown_ids;
  for (const Ec2SecurityGroupRecord& s : g.groups) {
    if (!ids.empty() && std::find(ids.begin(), ids.end(), s.group_id) == ids.end()) continue;
    if (!names.empty() && std::find(names.begin(), names.end(), s.group_name) == names.end())
      continue;
    SIGIL_ASSIGN_OR_RETURN(
        bool match, MatchesFilters(
                        filters,
                        [&](const std::string& name) -> std::optional<std::vector<std::string>> {
                          if (name == "group-id") return std::vector{s.group_id};
                          if (name == "group-name") return std::vector{s.group_name};
                          if (name == "description") return std::vector{s.description};
                          if (name == "vpc-id") return std::vector{s.vpc_id};
                          if (name == "owner-id") return std::vector{account};
                          return std::nullopt;
                        },
                        tags[s.group_id]));
    if (!match) continue;
    shown.push_back(&s);
    shown_ids.push_back(s.group_id);
  }
  SIGIL_ASSIGN_OR_RETURN(Page page, Paginate(shown_ids, in));
  Value out = Value::array();
  for (size_t i = page.begin; i < page.end; ++i) {
    const Ec2SecurityGroupRecord& s = *shown[i];
    Value v = {{"Description", s.description},
               {"GroupName", s.group_name},
               {"IpPermissions", IpPermissions(s.rules, false, account)},
               {"OwnerId", account},
               {"GroupId", s.group_id},
               {"IpPermissionsEgress", IpPermissions(s.rules, true, account)},
               {"VpcId", s.vpc_id}};
    if (Value set = TagSet(tags[s.group_id]); !set.is_null()) v["Tags"] = set;
    out.push_back(std::move(v));
  }
  Value result = {{"SecurityGroups", out}};
  if (!page.next_token.empty()) result["NextToken"] = page.next_token;
  return result;
}

// ---- DeleteSecurityGroup.

StatusOr<Value> DeleteSecurityGroup(const Ec2Deps& deps, const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(Groups g, LoadGroups(deps, ctx));
  SIGIL_ASSIGN_OR_RETURN(Ec2SecurityGroupRecord target, TargetGroup(g, in));
  if (target.group_name == "default") {
    return ClientError(StatusCode::kFailedPrecondition, "CannotDelete",
                       "the specified group: \"" + target.group_id +
                           "\" name: \"default\" cannot be deleted by a user");
  }
  const Status in_use = ClientError(StatusCode::kFailedPrecondition, "DependencyViolation",
                                    "resource " + target.group_id + " has a dependent object");
  for (const Ec2SecurityGroupRecord& other : g.groups) {
    if (other.group_id == target.group_id) continue;
    for (const Ec2RuleRecord& r : other.rules) {
      if (r.referenced_group_id == target.group_id) return in_use;
    }
  }
  SIGIL_ASSIGN_OR_RETURN(std::vector<Ec2InstanceRecord> instances,
                         deps.store.ListInstances(ScopeOf(ctx)));
  for (const Ec2InstanceRecord& i : instances) {
    if (ObservedState(i, ctx.now).name == "terminated") continue;
    if (std::find(i.security_group_ids.begin(), i.security_group_ids.end(), target.group_id) !=
        i.security_group_ids.end()) {
      return in_use;
    }
  }
  Status deleted = deps.store.DeleteSecurityGroup(ScopeOf(ctx), target.group_id);
  if (deleted.code() == StatusCode::kNotFound) return GroupNotFound(target.group_id);
  SIGIL_RETURN_IF_ERROR(deleted);
  return Value::object();
}

// ---- Authorize / Revoke.

StatusOr<Value> AuthorizeRules(const Ec2Deps& deps, const CallContext& ctx, const Value& in,
                               bool egress) {
  SIGIL_ASSIGN_OR_RETURN(Groups g, LoadGroups(deps, ctx));
  SIGIL_ASSIGN_OR_RETURN(Ec2SecurityGroupRecord target, TargetGroup(g, in));
  SIGIL_ASSIGN_OR_RETURN(std::vector<Ec2RuleRecord> rules,
                         RulesFromRequest(in, egress, g.groups, deps.random));
  SIGIL_ASSIGN_OR_RETURN(std::vector<Ec2TagRecord> tags,
                         TagsFromSpecifications(in, "security-group-rule", kRuleTagTypes));
  for (size_t i = 0; i < rules.size(); ++i) {
    for (const Ec2RuleRecord& existing : target.rules) {
      if (SameRule(existing, rules[i])) return DuplicateRule(rules[i]);
    }
    for (size_t j = 0; j < i; ++j) {
      if (SameRule(rules[j], rules[i])) return DuplicateRule(rules[i]);
    }
  }
  Status added = deps.store.AddSecurityGroupRules(ScopeOf(ctx), target.group_id, rules);
  if (added.code() == StatusCode::kAlreadyExists) return DuplicateRule(rules.front());
  if (added.code() == StatusCode::kNotFound) return GroupNotFound(target.group_id);
  SIGIL_RETURN_IF_ERROR(added);
  if (!tags.empty()) {
    std::vector<std::string> rule_ids;
    for (const Ec2RuleRecord& r : rules) rule_ids.push_back(r.rule_id);
    SIGIL_RETURN_IF_ERROR(deps.store.CreateTags(ScopeOf(ctx), rule_ids, tags));
  }
  return Value{
      {"Return", true},
      {"SecurityGroupRules", SecurityGroupRules(rules, target.group_id, ctx.principal.account_id)}};
}

StatusOr<Value> RevokeRules(const Ec2Deps& deps, const CallContext& ctx, const Value& in,
                            bool egress) {
  SIGIL_ASSIGN_OR_RETURN(Groups g, LoadGroups(deps, ctx));
  SIGIL_ASSIGN_OR_RETURN(Ec2SecurityGroupRecord target, TargetGroup(g, in));
  std::vector<std::string> remove;
  std::vector<Ec2RuleRecord> unknown;
  const std::vector<std::string> rule_ids = Strings(in, "SecurityGroupRuleIds");
  for (const std::string& id : rule_ids) {
    auto it = std::find_if(target.rules.begin(), target.rules.end(), [&](const Ec2RuleRecord& r) {
      return r.rule_id == id && r.egress == egress;
    });
    if (it == target.rules.end()) {
      return ClientError(StatusCode::kNotFound, "InvalidSecurityGroupRuleId.NotFound",
                         "The security group rule ID '" + id + "' does not exist");
    }
    remove.push_back(id);
  }
  if (rule_ids.empty()) {
    SIGIL_ASSIGN_OR_RETURN(std::vector<Ec2RuleRecord> rules,
                           RulesFromRequest(in, egress, g.groups, deps.random));
    for (const Ec2RuleRecord& wanted : rules) {
      auto it = std::find_if(target.rules.begin(), target.rules.end(),
                             [&](const Ec2RuleRecord& r) { return SameRule(r, wanted); });
      if (it == target.rules.end()) {
        unknown.push_back(wanted);
      } else {
        remove.push_back(it->rule_id);
      }
    }
  }
  if (remove.empty()) {
    return ClientError(StatusCode::kNotFound, "InvalidPermission.NotFound",
                       "The specified rule does not exist in this security group.");
  }
  SIGIL_RETURN_IF_ERROR(deps.store.RemoveSecurityGroupRules(ScopeOf(ctx), target.group_id, remove));
  SIGIL_RETURN_IF_ERROR(deps.store.DeleteTags(ScopeOf(ctx), remove, {}));
  Value out = {{"Return", true}};
  if (!unknown.empty()) {
    out["UnknownIpPermissions"] = IpPermissions(unknown, egress, ctx.principal.account_id);
  }
  return out;
}

// ---- DescribeVpcs (the default VPC).

StatusOr<Value> DescribeVpcs(const Ec2Deps& deps, const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(Ec2VpcRecord vpc, deps.vpcs.Get(ScopeOf(ctx), ctx.now));
  SIGIL_ASSIGN_OR_RETURN(TagIndex tags, LoadTags(deps.store, ScopeOf(ctx)));
  const std::vector<std::string> ids = Strings(in, "VpcIds");
  for (const std::string& id : ids) {
    if (id != vpc.vpc_id) {
      return ClientError(StatusCode::kNotFound, "InvalidVpcID.NotFound",
                         "The vpc ID '" + id + "' does not exist");
    }
  }
  SIGIL_ASSIGN_OR_RETURN(
      bool match, MatchesFilters(
                      ParseFilters(in),
                      [&](const std::string& name) -> std::optional<std::vector<std::string>> {
                        if (name == "vpc-id") return std::vector{vpc.vpc_id};
                        if (name == "cidr" || name == "cidr-block-association.cidr-block")
                          return std::vector{vpc.cidr_block};
                        if (name == "is-default" || name == "isDefault")
                          return std::vector<std::string>{"true"};
                        if (name == "state") return std::vector<std::string>{"available"};
                        if (name == "owner-id") return std::vector{ctx.principal.account_id};
                        return std::nullopt;
                      },
                      tags[vpc.vpc_id]));
  Value out = Value::array();
  if (match) {
    Value v = {{"CidrBlock", vpc.cidr_block},
               {"DhcpOptionsId", "dopt-" + vpc.vpc_id.substr(4)},
               {"State", "available"},
               {"VpcId", vpc.vpc_id},
               {"OwnerId", ctx.principal.account_id},
               {"InstanceTenancy", "default"},
               {"CidrBlockAssociationSet",
                Value::array({{{"AssociationId", "vpc-cidr-assoc-" + vpc.vpc_id.substr(4)},
                               {"CidrBlock", vpc.cidr_block},
                               {"CidrBlockState", {{"State", "associated"}}}}})},
               {"IsDefault", vpc.is_default}};
    if (Value set = TagSet(tags[vpc.vpc_id]); !set.is_null()) v["Tags"] = set;
    out.push_back(std::move(v));
  }
  return Value{{"Vpcs", out}};
}

}  // namespace

void RegisterSecurityGroupOperations(api::QueryService& service, const Ec2Deps& deps) {
  RegisterEc2Operation(
      service, "CreateSecurityGroup",
      [deps](const CallContext& ctx, const Value& in) { return DescribeCreate(deps, ctx, in); },
      [deps](const CallContext& ctx, const Value& in) {
        return CreateSecurityGroup(deps, ctx, in);
      });
  RegisterEc2Operation(
      service, "DescribeSecurityGroups",
      [](const CallContext& ctx, const Value&) {
        return UnscopedQuestion(ctx, "DescribeSecurityGroups");
      },
      [deps](const CallContext& ctx, const Value& in) {
        return DescribeSecurityGroups(deps, ctx, in);
      });
  RegisterEc2Operation(
      service, "DeleteSecurityGroup",
      [deps](const CallContext& ctx, const Value& in) {
        return DescribeOnGroup(deps, ctx, in, "DeleteSecurityGroup");
      },
      [deps](const CallContext& ctx, const Value& in) {
        return DeleteSecurityGroup(deps, ctx, in);
      });
  for (const bool egress : {false, true}) {
    const std::string direction = egress ? "Egress" : "Ingress";
    const std::string authorize = "AuthorizeSecurityGroup" + direction;
    const std::string revoke = "RevokeSecurityGroup" + direction;
    RegisterEc2Operation(
        service, authorize,
        [deps, authorize](const CallContext& ctx, const Value& in) {
          AuthzRequest q = DescribeOnGroup(deps, ctx, in, authorize);
          if (auto tags = TagsFromSpecifications(in, "security-group-rule", kRuleTagTypes);
              tags.ok()) {
            AddRequestTagKeys(*tags, &q.condition_keys);
          }
          return q;
        },
        [deps, egress](const CallContext& ctx, const Value& in) {
          return AuthorizeRules(deps, ctx, in, egress);
        });
    RegisterEc2Operation(
        service, revoke,
        [deps, revoke](const CallContext& ctx, const Value& in) {
          return DescribeOnGroup(deps, ctx, in, revoke);
        },
        [deps, egress](const CallContext& ctx, const Value& in) {
          return RevokeRules(deps, ctx, in, egress);
        });
  }
  RegisterEc2Operation(
      service, "DescribeVpcs",
      [](const CallContext& ctx, const Value&) { return UnscopedQuestion(ctx, "DescribeVpcs"); },
      [deps](const CallContext& ctx, const Value& in) { return DescribeVpcs(deps, ctx, in); });
}

}  // namespace sigil::ec2
