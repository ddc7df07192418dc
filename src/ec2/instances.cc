// RunInstances, DescribeInstances, DescribeInstanceStatus, Start/Stop/Reboot/TerminateInstances.
// Instances are records with a real lifecycle (instance_lifecycle.h); no machine runs.
#include <algorithm>
#include <map>

#include "common/crypto.h"
#include "common/strings.h"
#include "common/time_format.h"
#include "ec2/images.h"
#include "ec2/instance_lifecycle.h"
#include "ec2/operations.h"
#include "protocol/service_model.h"

namespace sigil::ec2 {
namespace {

constexpr int64_t kMaxInstancesPerCall = 100;
constexpr size_t kMaxUserDataBytes = 16 * 1024;
const std::vector<std::string> kRunTagTypes = {"instance", "volume", "network-interface",
                                               "spot-instances-request", "elastic-gpu"};

std::string InstanceArn(const CallContext& ctx, std::string_view id) {
  return Ec2Arn(ctx.region, ctx.principal.account_id, "instance", id);
}

// The default subnet of a zone in the default VPC, named deterministically from both.
std::string DefaultSubnetId(const std::string& vpc_id, const std::string& zone) {
  return "subnet-" + Sha256Hex(vpc_id + "/" + zone).substr(0, 17);
}

std::string PrivateDnsName(const std::string& ip, std::string_view region) {
  std::string dashed = ip;
  std::replace(dashed.begin(), dashed.end(), '.', '-');
  return "ip-" + dashed +
         (region == "us-east-1" ? ".ec2.internal"
                                : "." + std::string(region) + ".compute.internal");
}

bool IsKnownInstanceType(const std::string& type) {
  const protocol::Shape* shape = protocol::Ec2Model().FindShape("InstanceType");
  return shape != nullptr && std::find(shape->enum_values.begin(), shape->enum_values.end(),
                                       type) != shape->enum_values.end();
}

// ---- Loading what describe operations show.

struct Loaded {
  std::vector<Ec2InstanceRecord> instances;  // visible now, by id
  TagIndex tags;
  std::map<std::string, std::string> group_names;  // group id → name
};

StatusOr<Loaded> LoadVisible(const Ec2Deps& deps, const CallContext& ctx) {
  const Ec2Scope scope = ScopeOf(ctx);
  Loaded out;
  SIGIL_ASSIGN_OR_RETURN(std::vector<Ec2InstanceRecord> all, deps.store.ListInstances(scope));
  for (Ec2InstanceRecord& i : all) {
    if (!Expired(i, ctx.now)) {
      out.instances.push_back(std::move(i));
    } else {
      // Gone for good: forget it (another node may have done so already).
      Status deleted = deps.store.DeleteInstance(scope, i.instance_id);
      if (!deleted.ok() && deleted.code() != StatusCode::kNotFound) return deleted;
    }
  }
  SIGIL_ASSIGN_OR_RETURN(out.tags, LoadTags(deps.store, scope));
  SIGIL_ASSIGN_OR_RETURN(std::vector<Ec2SecurityGroupRecord> groups,
                         deps.store.ListSecurityGroups(scope));
  for (const Ec2SecurityGroupRecord& g : groups) out.group_names[g.group_id] = g.group_name;
  return out;
}

Value StateValue(const InstanceState& s) { return {{"Code", s.code}, {"Name", s.name}}; }

Value InstanceValue(const Ec2InstanceRecord& i, const Loaded& loaded, const CallContext& ctx,
                    int launch_index) {
  const InstanceState state = ObservedState(i, ctx.now);
  const ImageInfo* image = FindImage(i.image_id);
  Value groups = Value::array();
  for (const std::string& id : i.security_group_ids) {
    auto name = loaded.group_names.find(id);
    groups.push_back(
        {{"GroupName", name == loaded.group_names.end() ? "" : name->second}, {"GroupId", id}});
  }
  std::string reason;
  if (state.name == "stopped" || state.name == "stopping" || state.name == "terminated" ||
      state.name == "shutting-down") {
    // "User initiated (2024-05-06 09:00:00 GMT)"
    std::string when = FormatIso8601(i.state_changed).substr(0, 19);
    std::replace(when.begin(), when.end(), 'T', ' ');
    reason = "User initiated (" + when + " GMT)";
  }
  Value v = {
      {"AmiLaunchIndex", launch_index},
      {"ImageId", i.image_id},
      {"InstanceId", i.instance_id},
      {"InstanceType", i.instance_type},
      {"LaunchTime", i.launched.time_since_epoch().count()},
      {"Monitoring", {{"State", "disabled"}}},
      {"Placement",
       {{"AvailabilityZone", i.availability_zone}, {"GroupName", ""}, {"Tenancy", "default"}}},
      {"PrivateDnsName", PrivateDnsName(i.private_ip, ctx.region)},
      {"PrivateIpAddress", i.private_ip},
      {"ProductCodes", Value::array()},
      {"PublicDnsName", ""},
      {"State", StateValue(state)},
      {"StateTransitionReason", reason},
      {"SubnetId", i.subnet_id},
      {"VpcId", i.vpc_id},
      {"Architecture", image != nullptr ? image->architecture : "x86_64"},
      {"BlockDeviceMappings", Value::array()},
      {"ClientToken", i.client_token},
      {"EbsOptimized", false},
      {"EnaSupport", true},
      {"Hypervisor", "xen"},
      {"RootDeviceName", "/dev/xvda"},
      {"RootDeviceType", "ebs"},
      {"SecurityGroups", groups},
      {"SourceDestCheck", true},
      {"VirtualizationType", "hvm"},
      {"PlatformDetails", image != nullptr ? image->platform_details : "Linux/UNIX"}};
  if (!i.key_name.empty()) v["KeyName"] = i.key_name;
  if (image != nullptr && !image->platform.empty()) v["Platform"] = image->platform;
  if (state.name == "stopped" || state.name == "terminated") {
    v["StateReason"] = {{"Code", "Client.UserInitiatedShutdown"},
                        {"Message", "Client.UserInitiatedShutdown: User initiated shutdown"}};
  }
  auto tags = loaded.tags.find(i.instance_id);
  if (tags != loaded.tags.end()) v["Tags"] = TagSet(tags->second);
  return v;
}

// The filters DescribeInstances and DescribeInstanceStatus understand.
std::optional<std::vector<std::string>> InstanceField(const Ec2InstanceRecord& i,
                                                      const CallContext& ctx,
                                                      const std::string& name) {
  const InstanceState state = ObservedState(i, ctx.now);
  if (name == "instance-state-name") return std::vector{state.name};
  if (name == "instance-state-code") return std::vector{std::to_string(state.code)};
  if (name == "instance-id") return std::vector{i.instance_id};
  if (name == "instance-type") return std::vector{i.instance_type};
  if (name == "image-id") return std::vector{i.image_id};
  if (name == "key-name") return std::vector{i.key_name};
  if (name == "availability-zone") return std::vector{i.availability_zone};
  if (name == "subnet-id") return std::vector{i.subnet_id};
  if (name == "vpc-id") return std::vector{i.vpc_id};
  if (name == "private-ip-address") return std::vector{i.private_ip};
  if (name == "reservation-id") return std::vector{i.reservation_id};
  if (name == "client-token") return std::vector{i.client_token};
  if (name == "owner-id") return std::vector{ctx.principal.account_id};
  if (name == "instance.group-id" || name == "group-id") return i.security_group_ids;
  return std::nullopt;
}

// The instances InstanceIds names (all when none), filtered; InvalidInstanceID.NotFound or
// .Malformed for ids that are not there.
StatusOr<std::vector<const Ec2InstanceRecord*>> Select(const Loaded& loaded, const CallContext& ctx,
                                                       const Value& in, bool only_running) {
  const std::vector<std::string> ids = Strings(in, "InstanceIds");
  std::vector<std::string> missing;
  for (const std::string& id : ids) {
    if (!IsResourceId(id, "i")) return MalformedId("InvalidInstanceID.Malformed", id);
    if (std::none_of(loaded.instances.begin(), loaded.instances.end(),
                     [&](const Ec2InstanceRecord& i) { return i.instance_id == id; })) {
      missing.push_back(id);
    }
  }
  if (!missing.empty()) return IdsNotFound("InvalidInstanceID.NotFound", "instance", missing);
  const std::vector<Filter> filters = ParseFilters(in);
  std::vector<const Ec2InstanceRecord*> out;
  for (const Ec2InstanceRecord& i : loaded.instances) {
    if (!ids.empty() && std::find(ids.begin(), ids.end(), i.instance_id) == ids.end()) continue;
    if (only_running && ObservedState(i, ctx.now).name != "running") continue;
    auto tags = loaded.tags.find(i.instance_id);
    SIGIL_ASSIGN_OR_RETURN(
        bool match,
        MatchesFilters(
            filters, [&](const std::string& name) { return InstanceField(i, ctx, name); },
            tags == loaded.tags.end() ? std::vector<Ec2TagRecord>() : tags->second));
    if (match) out.push_back(&i);
  }
  return out;
}

StatusOr<Value> DescribeInstances(const Ec2Deps& deps, const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(Loaded loaded, LoadVisible(deps, ctx));
  SIGIL_ASSIGN_OR_RETURN(auto selected, Select(loaded, ctx, in, false));
  std::vector<std::string> ids;
  for (const Ec2InstanceRecord* i : selected) ids.push_back(i->instance_id);
  SIGIL_ASSIGN_OR_RETURN(Page page, Paginate(ids, in));
  // Instances in their reservations, reservations in order of their first instance shown.
  Value reservations = Value::array();
  std::map<std::string, size_t> index;
  for (size_t n = page.begin; n < page.end; ++n) {
    const Ec2InstanceRecord& i = *selected[n];
    auto it = index.find(i.reservation_id);
    if (it == index.end()) {
      it = index.emplace(i.reservation_id, reservations.size()).first;
      reservations.push_back({{"Groups", Value::array()},
                              {"Instances", Value::array()},
                              {"OwnerId", ctx.principal.account_id},
                              {"ReservationId", i.reservation_id}});
    }
    Value& instances = reservations[it->second]["Instances"];
    instances.push_back(InstanceValue(i, loaded, ctx, static_cast<int>(instances.size())));
  }
  Value out = {{"Reservations", reservations}};
  if (!page.next_token.empty()) out["NextToken"] = page.next_token;
  return out;
}

StatusOr<Value> DescribeInstanceStatus(const Ec2Deps& deps, const CallContext& ctx,
                                       const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(Loaded loaded, LoadVisible(deps, ctx));
  // Without IncludeAllInstances, EC2 lists running instances only.
  SIGIL_ASSIGN_OR_RETURN(auto selected,
                         Select(loaded, ctx, in, !in.value("IncludeAllInstances", false)));
  std::vector<std::string> ids;
  for (const Ec2InstanceRecord* i : selected) ids.push_back(i->instance_id);
  SIGIL_ASSIGN_OR_RETURN(Page page, Paginate(ids, in));
  Value statuses = Value::array();
  for (size_t n = page.begin; n < page.end; ++n) {
    const Ec2InstanceRecord& i = *selected[n];
    const InstanceState state = ObservedState(i, ctx.now);
    Value v = {{"AvailabilityZone", i.availability_zone},
               {"InstanceId", i.instance_id},
               {"InstanceState", StateValue(state)}};
    // Status checks pass for running instances and do not apply otherwise.
    const bool running = state.name == "running";
    const Value summary = {
        {"Details", Value::array({{{"Name", "reachability"},
                                   {"Status", running ? "passed" : "initializing"}}})},
        {"Status", running ? "ok" : "not-applicable"}};
    v["InstanceStatus"] = summary;
    v["SystemStatus"] = summary;
    statuses.push_back(std::move(v));
  }
  Value out = {{"InstanceStatuses", statuses}};
  if (!page.next_token.empty()) out["NextToken"] = page.next_token;
  return out;
}

// ---- RunInstances.

struct LaunchPlan {
  const ImageInfo* image = nullptr;
  std::string instance_type;
  int64_t count = 0;
  std::string key_name;
  std::vector<std::string> group_ids;
  std::string zone;
  std::string subnet_id;
  std::vector<Ec2TagRecord> tags;
  std::vector<Ec2TagRecord> key_tags;                           // for the authorization check
  std::map<std::string, std::vector<Ec2TagRecord>> group_tags;  // likewise
  Ec2VpcRecord vpc;
};

StatusOr<LaunchPlan> PlanLaunch(const Ec2Deps& deps, const CallContext& ctx, const Value& in) {
  LaunchPlan plan;
  const Ec2Scope scope = ScopeOf(ctx);
  if (!in.contains("ImageId")) return MissingParameter("ImageId");
  const std::string image_id = in["ImageId"].get<std::string>();
  if (!IsResourceId(image_id, "ami")) return MalformedId("InvalidAMIID.Malformed", image_id);
  plan.image = FindImage(image_id);
  if (plan.image == nullptr) {
    return ClientError(StatusCode::kNotFound, "InvalidAMIID.NotFound",
                       "The image id '[" + image_id + "]' does not exist");
  }
  plan.instance_type = in.value("InstanceType", "m1.small");
  if (!IsKnownInstanceType(plan.instance_type)) {
    return InvalidParameterValue("The following supplied instance types do not exist: [" +
                                 plan.instance_type + "]");
  }
  const int64_t min_count = in["MinCount"].get<int64_t>();
  const int64_t max_count = in["MaxCount"].get<int64_t>();
  if (min_count < 1) {
    return InvalidParameterValue("Value (" + std::to_string(min_count) +
                                 ") for parameter minCount is invalid. Expected a positive "
                                 "integer.");
  }
  if (max_count < min_count) {
    return InvalidParameterValue("Value (" + std::to_string(max_count) +
                                 ") for parameter maxCount is invalid. Expected a value greater "
                                 "than or equal to minCount (" +
                                 std::to_string(min_count) + ").");
  }
  if (min_count > kMaxInstancesPerCall) {
    return ClientError(StatusCode::kResourceExhausted, "InstanceLimitExceeded",
                       "You have requested more instances (" + std::to_string(min_count) +
                           ") than your current instance limit of " +
                           std::to_string(kMaxInstancesPerCall) +
                           " allows for the specified instance type.");
  }
  plan.count = std::min(max_count, kMaxInstancesPerCall);
  if (in.contains("UserData")) {
    const std::string user_data = in["UserData"].get<std::string>();
    auto decoded = Base64Decode(user_data);
    if (!decoded.ok()) return InvalidParameterValue("Invalid BASE64 encoding of user data.");
    if (decoded->size() > kMaxUserDataBytes) {
      return InvalidParameterValue("User data is limited to 16384 bytes");
    }
  }
  SIGIL_ASSIGN_OR_RETURN(plan.vpc, deps.vpcs.Get(scope, ctx.now));
  SIGIL_ASSIGN_OR_RETURN(TagIndex tags, LoadTags(deps.store, scope));
  plan.key_name = in.value("KeyName", "");
  if (!plan.key_name.empty()) {
    SIGIL_ASSIGN_OR_RETURN(auto keys, deps.store.ListKeyPairs(scope));
    auto key = std::find_if(keys.begin(), keys.end(),
                            [&](const Ec2KeyPairRecord& k) { return k.key_name == plan.key_name; });
    if (key == keys.end()) {
      return ClientError(StatusCode::kNotFound, "InvalidKeyPair.NotFound",
                         "The key pair '" + plan.key_name + "' does not exist");
    }
    plan.key_tags = tags[key->key_pair_id];
  }
  SIGIL_ASSIGN_OR_RETURN(auto groups, deps.store.ListSecurityGroups(scope));
  for (const std::string& id : Strings(in, "SecurityGroupIds")) {
    if (std::none_of(groups.begin(), groups.end(),
                     [&](const Ec2SecurityGroupRecord& g) { return g.group_id == id; })) {
      return ClientError(StatusCode::kNotFound, "InvalidGroup.NotFound",
                         "The security group '" + id + "' does not exist");
    }
    plan.group_ids.push_back(id);
  }
  for (const std::string& name : Strings(in, "SecurityGroups")) {
    auto g = std::find_if(groups.begin(), groups.end(), [&](const Ec2SecurityGroupRecord& s) {
      return s.group_name == name && s.vpc_id == plan.vpc.vpc_id;
    });
    if (g == groups.end()) {
      return ClientError(
          StatusCode::kNotFound, "InvalidGroup.NotFound",
          "The security group '" + name + "' does not exist in VPC '" + plan.vpc.vpc_id + "'");
    }
    plan.group_ids.push_back(g->group_id);
  }
  if (plan.group_ids.empty()) {
    for (const Ec2SecurityGroupRecord& g : groups) {
      if (g.group_name == "default" && g.vpc_id == plan.vpc.vpc_id)
        plan.group_ids.push_back(g.group_id);
    }
  }
  for (const std::string& id : plan.group_ids) plan.group_tags[id] = tags[id];
  // The zone: Placement's, the subnet's, or the region's first.
  const std::vector<ZoneInfo> zones = ZonesOf(ctx.region);
  plan.zone = zones.front().name;
  if (in.contains("Placement") && in["Placement"].contains("AvailabilityZone")) {
    plan.zone = in["Placement"]["AvailabilityZone"].get<std::string>();
    if (std::none_of(zones.begin(), zones.end(),
                     [&](const ZoneInfo& z) { return z.name == plan.zone; })) {
      return InvalidParameterValue("Invalid availability zone: [" + plan.zone + "]");
    }
  }
  if (in.contains("SubnetId")) {
    const std::string subnet = in["SubnetId"].get<std::string>();
    auto z = std::find_if(zones.begin(), zones.end(), [&](const ZoneInfo& zone) {
      return DefaultSubnetId(plan.vpc.vpc_id, zone.name) == subnet;
    });
    if (z == zones.end()) {
      return ClientError(StatusCode::kNotFound, "InvalidSubnetID.NotFound",
                         "The subnet ID '" + subnet + "' does not exist");
    }
    plan.zone = z->name;
  }
  plan.subnet_id = DefaultSubnetId(plan.vpc.vpc_id, plan.zone);
  SIGIL_ASSIGN_OR_RETURN(plan.tags, TagsFromSpecifications(in, "instance", kRunTagTypes));
  return plan;
}

// RunInstances authorizes every resource it touches, as EC2 does: the instance (with
// ec2:InstanceType and the requested tags), the image, the key pair, the security groups, the
// subnet, a network interface and a volume, and ec2:CreateTags when tagging on creation.
AuthzRequest DescribeRun(const Ec2Deps& deps, const CallContext& ctx, const Value& in) {
  const std::string account = ctx.principal.account_id;
  const std::string region(ctx.region);
  AuthzRequest q{"ec2:RunInstances", InstanceArn(ctx, "*"), RegionKeys(ctx)};
  q.condition_keys["ec2:InstanceType"] = {in.value("InstanceType", "m1.small")};
  auto plan = PlanLaunch(deps, ctx, in);
  if (!plan.ok()) return q;  // the handler reports the error
  q.condition_keys["ec2:AvailabilityZone"] = {plan->zone};
  AddRequestTagKeys(plan->tags, &q.condition_keys);
  auto check = [&](std::string resource) {
    return AuthzCheck{"ec2:RunInstances", std::move(resource), RegionKeys(ctx)};
  };
  AuthzCheck image = check(Ec2Arn(region, "", "image", plan->image->image_id));
  image.condition_keys["ec2:Owner"] = {std::string(
      plan->image->owner_alias.empty() ? plan->image->owner_id : plan->image->owner_alias)};
  image.condition_keys["ec2:Public"] = {"true"};
  image.condition_keys["ec2:ImageType"] = {"machine"};
  image.condition_keys["ec2:RootDeviceType"] = {"ebs"};
  q.more_checks.push_back(std::move(image));
  if (!plan->key_name.empty()) {
    AuthzCheck key = check(Ec2Arn(region, account, "key-pair", plan->key_name));
    AddResourceTagKeys(plan->key_tags, &key.condition_keys);
    q.more_checks.push_back(std::move(key));
  }
  for (const std::string& id : plan->group_ids) {
    AuthzCheck group = check(Ec2Arn(region, account, "security-group", id));
    AddResourceTagKeys(plan->group_tags[id], &group.condition_keys);
    q.more_checks.push_back(std::move(group));
  }
  AuthzCheck subnet = check(Ec2Arn(region, account, "subnet", plan->subnet_id));
  subnet.condition_keys["ec2:Vpc"] = {Ec2Arn(region, account, "vpc", plan->vpc.vpc_id)};
  subnet.condition_keys["ec2:AvailabilityZone"] = {plan->zone};
  q.more_checks.push_back(std::move(subnet));
  q.more_checks.push_back(check(Ec2Arn(region, account, "network-interface", "*")));
  q.more_checks.push_back(check(Ec2Arn(region, account, "volume", "*")));
  AddCreateTagsCheck(ctx, InstanceArn(ctx, "*"), plan->tags, "RunInstances", &q);
  return q;
}

std::string PrivateIp(RandomSource& random, size_t zone_index) {
  const std::string r = random.Bytes(2);
  const int third = static_cast<int>(zone_index) * 16 + (static_cast<unsigned char>(r[0]) % 16);
  const int fourth = 4 + static_cast<unsigned char>(r[1]) % 250;
  return "172.31." + std::to_string(third) + "." + std::to_string(fourth);
}

StatusOr<Value> RunInstances(const Ec2Deps& deps, const CallContext& ctx, const Value& in) {
  SIGIL_ASSIGN_OR_RETURN(LaunchPlan plan, PlanLaunch(deps, ctx, in));
  const Ec2Scope scope = ScopeOf(ctx);
  const std::string client_token = in.value("ClientToken", "");
  SIGIL_ASSIGN_OR_RETURN(Loaded loaded, LoadVisible(deps, ctx));
  std::vector<Ec2InstanceRecord> launched;
  if (!client_token.empty()) {
    // Idempotency: the same token answers with the instances it already launched.
    for (const Ec2InstanceRecord& i : loaded.instances) {
      if (i.client_token == client_token) launched.push_back(i);
    }
  }
  if (launched.empty()) {
    const std::vector<ZoneInfo> zones = ZonesOf(ctx.region);
    const size_t zone_index =
        static_cast<size_t>(std::find_if(zones.begin(), zones.end(),
                                         [&](const ZoneInfo& z) { return z.name == plan.zone; }) -
                            zones.begin());
    const std::string reservation = NewResourceId(deps.random, "r");
    std::vector<Ec2TagRecord> tags;
    for (int64_t n = 0; n < plan.count; ++n) {
      Ec2InstanceRecord i;
      i.instance_id = NewResourceId(deps.random, "i");
      i.reservation_id = reservation;
      i.image_id = std::string(plan.image->image_id);
      i.instance_type = plan.instance_type;
      i.key_name = plan.key_name;
      i.availability_zone = plan.zone;
      i.subnet_id = plan.subnet_id;
      i.vpc_id = plan.vpc.vpc_id;
      i.private_ip = PrivateIp(deps.random, zone_index);
      i.user_data = in.value("UserData", "");
      i.client_token = client_token;
      i.security_group_ids = plan.group_ids;
      i.state = "pending";
      i.state_changed = ctx.now;
      i.launched = ctx.now;
      for (Ec2TagRecord t : plan.tags) {
        t.resource_id = i.instance_id;
        tags.push_back(std::move(t));
      }
      launched.push_back(std::move(i));
    }
    SIGIL_RETURN_IF_ERROR(deps.store.CreateInstances(scope, launched, tags));
    for (const Ec2TagRecord& t : tags) loaded.tags[t.resource_id].push_back(t);
  }
  Value instances = Value::array();
  for (size_t n = 0; n < launched.size(); ++n) {
    instances.push_back(InstanceValue(launched[n], loaded, ctx, static_cast<int>(n)));
  }
  return Value{{"Groups", Value::array()},
               {"Instances", instances},
               {"OwnerId", ctx.principal.account_id},
               {"ReservationId", launched.front().reservation_id}};
}

// ---- Start, Stop, Reboot, Terminate.

// ec2:ACTION on each instance named, with its type, zone and tags as condition keys.
AuthzRequest DescribeOnInstances(const Ec2Deps& deps, const CallContext& ctx, const Value& in,
                                 std::string_view action) {
  const std::vector<std::string> ids = Strings(in, "InstanceIds");
  AuthzRequest q{"ec2:" + std::string(action),
                 InstanceArn(ctx, ids.empty() ? std::string("*") : ids.front()), RegionKeys(ctx)};
  auto instances = deps.store.ListInstances(ScopeOf(ctx));
  auto tags = LoadTags(deps.store, ScopeOf(ctx));
  auto keys_of = [&](const std::string& id) {
    auto keys = RegionKeys(ctx);
    if (!instances.ok() || !tags.ok()) return keys;
    for (const Ec2InstanceRecord& i : *instances) {
      if (i.instance_id != id) continue;
      keys["ec2:InstanceType"] = {i.instance_type};
      keys["ec2:AvailabilityZone"] = {i.availability_zone};
      keys["ec2:InstanceID"] = {i.instance_id};
      AddResourceTagKeys((*tags)[id], &keys);
    }
    return keys;
  };
  for (size_t n = 0; n < ids.size(); ++n) {
    if (n == 0) {
      q.condition_keys = keys_of(ids[0]);
    } else {
      q.more_checks.push_back(AuthzCheck{q.action, InstanceArn(ctx, ids[n]), keys_of(ids[n])});
    }
  }
  return q;
}

// Applies a command to every instance named, all or none of them checked first; each move is a
// compare-and-set, retried once should another node move the instance in between.
StatusOr<Value> Command(const Ec2Deps& deps, const CallContext& ctx, const Value& in,
                        InstanceCommand command, const char* output_member) {
  const Ec2Scope scope = ScopeOf(ctx);
  for (int attempt = 0;; ++attempt) {
    SIGIL_ASSIGN_OR_RETURN(Loaded loaded, LoadVisible(deps, ctx));
    SIGIL_ASSIGN_OR_RETURN(auto selected,
                           Select(loaded, ctx, Value{{"InstanceIds", in["InstanceIds"]}}, false));
    std::vector<std::pair<const Ec2InstanceRecord*, InstanceTransition>> moves;
    for (const Ec2InstanceRecord* i : selected) {
      SIGIL_ASSIGN_OR_RETURN(InstanceTransition t, ApplyCommand(command, *i, ctx.now));
      moves.emplace_back(i, std::move(t));
    }
    bool raced = false;
    Value changes = Value::array();
    for (auto& [instance, t] : moves) {
      if (t.next) {
        SIGIL_ASSIGN_OR_RETURN(bool moved,
                               deps.store.UpdateInstanceState(scope, *instance, *t.next));
        if (!moved) raced = true;
      }
      changes.push_back({{"CurrentState", StateValue(t.current)},
                         {"InstanceId", instance->instance_id},
                         {"PreviousState", StateValue(t.previous)}});
    }
    if (raced && attempt == 0) continue;
    if (output_member == nullptr) return Value::object();
    return Value{{output_member, changes}};
  }
}

}  // namespace

void RegisterInstanceOperations(api::QueryService& service, const Ec2Deps& deps) {
  RegisterEc2Operation(
      service, "RunInstances",
      [deps](const CallContext& ctx, const Value& in) { return DescribeRun(deps, ctx, in); },
      [deps](const CallContext& ctx, const Value& in) { return RunInstances(deps, ctx, in); });
  RegisterEc2Operation(
      service, "DescribeInstances",
      [](const CallContext& ctx, const Value&) {
        return UnscopedQuestion(ctx, "DescribeInstances");
      },
      [deps](const CallContext& ctx, const Value& in) { return DescribeInstances(deps, ctx, in); });
  RegisterEc2Operation(
      service, "DescribeInstanceStatus",
      [](const CallContext& ctx, const Value&) {
        return UnscopedQuestion(ctx, "DescribeInstanceStatus");
      },
      [deps](const CallContext& ctx, const Value& in) {
        return DescribeInstanceStatus(deps, ctx, in);
      });
  struct Verb {
    const char* name;
    InstanceCommand command;
    const char* output_member;
  };
  for (const Verb& verb :
       {Verb{"StartInstances", InstanceCommand::kStart, "StartingInstances"},
        Verb{"StopInstances", InstanceCommand::kStop, "StoppingInstances"},
        Verb{"RebootInstances", InstanceCommand::kReboot, nullptr},
        Verb{"TerminateInstances", InstanceCommand::kTerminate, "TerminatingInstances"}}) {
    RegisterEc2Operation(
        service, verb.name,
        [deps, verb](const CallContext& ctx, const Value& in) {
          return DescribeOnInstances(deps, ctx, in, verb.name);
        },
        [deps, verb](const CallContext& ctx, const Value& in) {
          return Command(deps, ctx, in, verb.command, verb.output_member);
        });
  }
}

}  // namespace sigil::ec2
