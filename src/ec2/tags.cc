// CreateTags, DeleteTags and DescribeTags, on any resource of the scope that can carry tags.
#include <algorithm>
#include <set>

#include "ec2/instance_lifecycle.h"
#include "ec2/operations.h"

namespace sigil::ec2 {
namespace {

// The ids of the scope's taggable resources, and the AWS error for an id that is not one.
struct Known {
  std::set<std::string> ids;
};

StatusOr<Known> LoadKnown(const Ec2Deps& deps, const CallContext& ctx) {
  const Ec2Scope scope = ScopeOf(ctx);
  Known k;
  SIGIL_ASSIGN_OR_RETURN(Ec2VpcRecord vpc, deps.vpcs.Get(scope, ctx.now));
  k.ids.insert(vpc.vpc_id);
  SIGIL_ASSIGN_OR_RETURN(auto instances, deps.store.ListInstances(scope));
  for (const auto& i : instances) {
    if (!Expired(i, ctx.now)) k.ids.insert(i.instance_id);
  }
  SIGIL_ASSIGN_OR_RETURN(auto groups, deps.store.ListSecurityGroups(scope));
  for (const auto& g : groups) {
    k.ids.insert(g.group_id);
    for (const auto& r : g.rules) k.ids.insert(r.rule_id);
  }
  SIGIL_ASSIGN_OR_RETURN(auto keys, deps.store.ListKeyPairs(scope));
  for (const auto& key : keys) k.ids.insert(key.key_pair_id);
  return k;
}

Status CheckResources(const Known& known, const std::vector<std::string>& ids) {
  for (const std::string& id : ids) {
    if (known.ids.count(id) != 0) continue;
    const std::string_view type = ResourceTypeOfId(id);
    if (type == "instance") return IdsNotFound("InvalidInstanceID.NotFound", "instance", {id});
    if (type == "security-group") {
      return ClientError(StatusCode::kNotFound, "InvalidGroup.NotFound",
                         "The security group '" + id + "' does not exist");
    }
    if (type == "key-pair") {
      return ClientError(StatusCode::kNotFound, "InvalidKeyPair.NotFound",
                         "The key pair '" + id + "' does not exist");
    }
    if (type == "vpc") {
      return ClientError(StatusCode::kNotFound, "InvalidVpcID.NotFound",
                         "The vpc ID '" + id + "' does not exist");
    }
    return ClientError(StatusCode::kInvalidArgument, "InvalidID",
                       "The ID '" + id + "' is not valid");
  }
  return OkStatus();
}

std::vector<Ec2TagRecord> RequestTags(const Value& in) {
  std::vector<Ec2TagRecord> out;
  for (const Value& t : in.value("Tags", Value::array())) {
    out.push_back(Ec2TagRecord{"", t.value("Key", ""), t.value("Value", "")});
  }
  return out;
}

// ec2:CreateTags / ec2:DeleteTags on each resource, with its current tags and the request's.
AuthzRequest DescribeTagging(const Ec2Deps& deps, const CallContext& ctx, const Value& in,
                             std::string_view action) {
  const std::vector<std::string> ids = Strings(in, "Resources");
  const std::vector<Ec2TagRecord> tags = RequestTags(in);
  auto current = LoadTags(deps.store, ScopeOf(ctx));
  auto question = [&](const std::string& id) {
    const std::string_view type = ResourceTypeOfId(id);
    AuthzCheck c{"ec2:" + std::string(action),
                 Ec2Arn(ctx.region, type == "image" ? "" : ctx.principal.account_id,
                        type.empty() ? "resource" : type, id),
                 RegionKeys(ctx)};
    if (current.ok()) AddResourceTagKeys((*current)[id], &c.condition_keys);
    AddRequestTagKeys(tags, &c.condition_keys);
    return c;
  };
  AuthzRequest q{"ec2:" + std::string(action), "*", RegionKeys(ctx)};
  for (size_t n = 0; n < ids.size(); ++n) {
    AuthzCheck c = question(ids[n]);
    if (n == 0) {
      q.resource = c.resource;
      q.condition_keys = std::move(c.condition_keys);
    } else {
      q.more_checks.push_back(std::move(c));
    }
  }
  return q;
}

StatusOr<Value> CreateTags(const Ec2Deps& deps, const CallContext& ctx, const Value& in) {
  const std::vector<std::string> ids = Strings(in, "Resources");
  const std::vector<Ec2TagRecord> tags = RequestTags(in);
  SIGIL_RETURN_IF_ERROR(ValidateTags(tags));
  SIGIL_ASSIGN_OR_RETURN(Known known, LoadKnown(deps, ctx));
  SIGIL_RETURN_IF_ERROR(CheckResources(known, ids));
  // A resource may hold 50 tags in all.
  SIGIL_ASSIGN_OR_RETURN(TagIndex current, LoadTags(deps.store, ScopeOf(ctx)));
  for (const std::string& id : ids) {
    std::set<std::string> keys;
    for (const Ec2TagRecord& t : current[id]) keys.insert(t.key);
    for (const Ec2TagRecord& t : tags) keys.insert(t.key);
    if (keys.size() > 50) {
      return ClientError(StatusCode::kResourceExhausted, "TagLimitExceeded",
                         "The maximum number of Tags for a resource has been reached.");
    }
  }
  SIGIL_RETURN_IF_ERROR(deps.store.CreateTags(ScopeOf(ctx), ids, tags));
  return Value::object();
}

StatusOr<Value> DeleteTags(const Ec2Deps& deps, const CallContext& ctx, const Value& in) {
  const std::vector<std::string> ids = Strings(in, "Resources");
  SIGIL_ASSIGN_OR_RETURN(Known known, LoadKnown(deps, ctx));
  SIGIL_RETURN_IF_ERROR(CheckResources(known, ids));
  std::vector<Ec2TagDeletion> deletions;
  for (const Value& t : in.value("Tags", Value::array())) {
    Ec2TagDeletion d{t.value("Key", ""), std::nullopt};
    if (t.contains("Value")) d.value = t["Value"].get<std::string>();
    deletions.push_back(std::move(d));
  }
  SIGIL_RETURN_IF_ERROR(deps.store.DeleteTags(ScopeOf(ctx), ids, deletions));
  return Value::object();
}

StatusOr<Value> DescribeTags(const Ec2Deps& deps, const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(std::vector<Ec2TagRecord> tags, deps.store.ListTags(ScopeOf(ctx)));
  SIGIL_ASSIGN_OR_RETURN(Known known, LoadKnown(deps, ctx));
  const std::vector<Filter> filters = ParseFilters(in);
  std::vector<const Ec2TagRecord*> shown;
  std::vector<std::string> keys;  // pagination keys: resource id and tag key, in list order
  for (const Ec2TagRecord& t : tags) {
    if (known.ids.count(t.resource_id) == 0) continue;  // an expired instance's
    const std::string type(ResourceTypeOfId(t.resource_id));
    SIGIL_ASSIGN_OR_RETURN(
        bool match,
        MatchesFilters(filters,
                       [&](const std::string& name) -> std::optional<std::vector<std::string>> {
                         if (name == "key") return std::vector{t.key};
                         if (name == "value") return std::vector{t.value};
                         if (name == "resource-id") return std::vector{t.resource_id};
                         if (name == "resource-type") return std::vector{type};
                         return std::nullopt;
                       },
                       {}));
    if (!match) continue;
    shown.push_back(&t);
    keys.push_back(t.resource_id + '\n' + t.key);
  }
  SIGIL_ASSIGN_OR_RETURN(Page page, Paginate(keys, in, 5, 1000));
  Value out = Value::array();
  for (size_t n = page.begin; n < page.end; ++n) {
    const Ec2TagRecord& t = *shown[n];
    out.push_back({{"Key", t.key},
                   {"ResourceId", t.resource_id},
                   {"ResourceType", std::string(ResourceTypeOfId(t.resource_id))},
                   {"Value", t.value}});
  }
  Value result = {{"Tags", out}};
  if (!page.next_token.empty()) result["NextToken"] = page.next_token;
  return result;
}

}  // namespace

void RegisterTagOperations(api::QueryService& service, const Ec2Deps& deps) {
  RegisterEc2Operation(
      service, "CreateTags",
      [deps](const CallContext& ctx, const Value& in) {
        return DescribeTagging(deps, ctx, in, "CreateTags");
      },
      [deps](const CallContext& ctx, const Value& in) { return CreateTags(deps, ctx, in); });
  RegisterEc2Operation(
      service, "DeleteTags",
      [deps](const CallContext& ctx, const Value& in) {
        return DescribeTagging(deps, ctx, in, "DeleteTags");
      },
      [deps](const CallContext& ctx, const Value& in) { return DeleteTags(deps, ctx, in); });
  RegisterEc2Operation(
      service, "DescribeTags",
      [](const CallContext& ctx, const Value&) { return UnscopedQuestion(ctx, "DescribeTags"); },
      [deps](const CallContext& ctx, const Value& in) { return DescribeTags(deps, ctx, in); });
}

}  // namespace sigil::ec2
