#include "ec2/regions.h"

#include <algorithm>
#include <cctype>

#include "common/strings.h"
#include "ec2/operations.h"

namespace sigil::ec2 {
namespace {

// AWS's commercial regions; the first group needs no opt-in.
constexpr std::string_view kStandardRegions[] = {
    "us-east-1",      "us-east-2",      "us-west-1",      "us-west-2",      "ca-central-1",
    "eu-central-1",   "eu-west-1",      "eu-west-2",      "eu-west-3",      "eu-north-1",
    "ap-south-1",     "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-southeast-1",
    "ap-southeast-2", "sa-east-1"};
constexpr std::string_view kOptInRegions[] = {
    "af-south-1", "ap-east-1",    "ap-south-2",   "ap-southeast-3", "ap-southeast-4", "eu-south-1",
    "eu-south-2", "eu-central-2", "il-central-1", "me-south-1",     "me-central-1",   "ca-west-1"};

bool IsStandard(std::string_view name) {
  return std::find(std::begin(kStandardRegions), std::end(kStandardRegions), name) !=
         std::end(kStandardRegions);
}

RegionInfo Info(std::string_view name, std::string opt_in) {
  return RegionInfo{std::string(name), std::move(opt_in),
                    "ec2." + std::string(name) + ".amazonaws.com"};
}

// "xx-yyyy-N": lower-case letters, a dash, lower-case letters, a dash, digits.
bool IsRegionShaped(std::string_view name) {
  std::vector<std::string_view> parts = Split(name, '-');
  if (parts.size() != 3) return false;
  for (int i = 0; i < 2; ++i) {
    if (parts[i].empty()) return false;
    for (char c : parts[i]) {
      if (c < 'a' || c > 'z') return false;
    }
  }
  if (parts[2].empty()) return false;
  for (char c : parts[2]) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// "us-east-1" → "use1", "ap-southeast-2" → "apse2", "eu-central-1" → "euc1": how AWS
// abbreviates a region in zone ids.
std::string ZoneIdPrefix(std::string_view region) {
  std::vector<std::string_view> parts = Split(region, '-');
  if (parts.size() != 3) return std::string(region);
  std::string middle;
  std::string_view word = parts[1];
  for (std::string_view compass : {"north", "south"}) {
    if (StartsWith(word, compass)) {
      middle += compass[0];
      word.remove_prefix(compass.size());
    }
  }
  if (!word.empty()) middle += word[0];
  return std::string(parts[0]) + middle + std::string(parts[2]);
}

}  // namespace

RegionCatalog::RegionCatalog() {
  for (std::string_view name : kStandardRegions) {
    enabled_.push_back(Info(name, "opt-in-not-required"));
  }
}

StatusOr<RegionCatalog> RegionCatalog::FromList(std::string_view names) {
  RegionCatalog catalog;
  catalog.enabled_.clear();
  for (std::string_view item : Split(names, ',')) {
    const std::string name(TrimWhitespace(item));
    if (name.empty()) continue;
    if (!IsRegionShaped(name)) {
      return InvalidArgumentError("'" + name + "' is not a region name like us-east-1");
    }
    if (catalog.IsEnabled(name)) continue;
    catalog.enabled_.push_back(Info(name, IsStandard(name) ? "opt-in-not-required" : "opted-in"));
  }
  if (catalog.enabled_.empty()) return InvalidArgumentError("the region list is empty");
  return catalog;
}

std::vector<RegionInfo> RegionCatalog::Regions(bool all) const {
  std::vector<RegionInfo> out = enabled_;
  if (!all) return out;
  for (std::string_view name : kStandardRegions) {
    if (!IsEnabled(name)) out.push_back(Info(name, "not-opted-in"));
  }
  for (std::string_view name : kOptInRegions) {
    if (!IsEnabled(name)) out.push_back(Info(name, "not-opted-in"));
  }
  return out;
}

bool RegionCatalog::IsEnabled(std::string_view region) const {
  return std::any_of(enabled_.begin(), enabled_.end(),
                     [&](const RegionInfo& r) { return r.name == region; });
}

std::vector<ZoneInfo> ZonesOf(std::string_view region) {
  std::vector<ZoneInfo> out;
  const std::string prefix = ZoneIdPrefix(region);
  for (int i = 0; i < 3; ++i) {
    out.push_back(ZoneInfo{std::string(region), std::string(region) + static_cast<char>('a' + i),
                           prefix + "-az" + std::to_string(i + 1)});
  }
  return out;
}

// ---- DescribeRegions, DescribeAvailabilityZones ----------------------------------------------

namespace {

StatusOr<Value> DescribeRegions(const Ec2Deps& deps, const Value& in) {
  const std::vector<std::string> names = Strings(in, "RegionNames");
  // Naming a region lists it whether or not it is enabled, as AllRegions would.
  const bool all = in.value("AllRegions", false) || !names.empty();
  const std::vector<RegionInfo> regions = deps.regions.Regions(all);
  for (const std::string& name : names) {
    if (std::none_of(regions.begin(), regions.end(),
                     [&](const RegionInfo& r) { return r.name == name; })) {
      return ClientError(StatusCode::kInvalidArgument, "InvalidParameterValue",
                         "Invalid region: " + name);
    }
  }
  const std::vector<Filter> filters = ParseFilters(in);
  Value out = Value::array();
  for (const RegionInfo& r : regions) {
    if (!names.empty() && std::find(names.begin(), names.end(), r.name) == names.end()) continue;
    SIGIL_ASSIGN_OR_RETURN(
        bool match,
        MatchesFilters(filters,
                       [&](const std::string& name) -> std::optional<std::vector<std::string>> {
                         if (name == "region-name") return std::vector{r.name};
                         if (name == "endpoint") return std::vector{r.endpoint};
                         if (name == "opt-in-status") return std::vector{r.opt_in};
                         return std::nullopt;
                       },
                       {}));
    if (!match) continue;
    out.push_back({{"Endpoint", r.endpoint}, {"RegionName", r.name}, {"OptInStatus", r.opt_in}});
  }
  return Value{{"Regions", out}};
}

StatusOr<Value> DescribeAvailabilityZones(const CallContext& ctx, const Value& in) {
  const std::vector<std::string> names = Strings(in, "ZoneNames");
  const std::vector<std::string> ids = Strings(in, "ZoneIds");
  const std::vector<ZoneInfo> zones = ZonesOf(ctx.region);
  for (const std::string& name : names) {
    if (std::none_of(zones.begin(), zones.end(), [&](const ZoneInfo& z) { return z.name == name; }))
      return InvalidParameterValue("The zone '" + name + "' does not exist.");
  }
  for (const std::string& id : ids) {
    if (std::none_of(zones.begin(), zones.end(), [&](const ZoneInfo& z) { return z.id == id; }))
      return InvalidParameterValue("The zone ID '" + id + "' does not exist.");
  }
  const std::vector<Filter> filters = ParseFilters(in);
  Value out = Value::array();
  for (const ZoneInfo& z : zones) {
    const bool named = std::find(names.begin(), names.end(), z.name) != names.end() ||
                       std::find(ids.begin(), ids.end(), z.id) != ids.end();
    if ((!names.empty() || !ids.empty()) && !named) continue;
    SIGIL_ASSIGN_OR_RETURN(
        bool match,
        MatchesFilters(filters,
                       [&](const std::string& name) -> std::optional<std::vector<std::string>> {
                         if (name == "zone-name") return std::vector{z.name};
                         if (name == "zone-id") return std::vector{z.id};
                         if (name == "region-name") return std::vector{z.region};
                         if (name == "group-name" || name == "network-border-group")
                           return std::vector{z.region};
                         if (name == "state") return std::vector<std::string>{"available"};
                         if (name == "zone-type")
                           return std::vector<std::string>{"availability-zone"};
                         if (name == "opt-in-status")
                           return std::vector<std::string>{"opt-in-not-required"};
                         return std::nullopt;
                       },
                       {}));
    if (!match) continue;
    out.push_back({{"State", "available"},
                   {"OptInStatus", "opt-in-not-required"},
                   {"Messages", Value::array()},
                   {"RegionName", z.region},
                   {"ZoneName", z.name},
                   {"ZoneId", z.id},
                   {"GroupName", z.region},
                   {"NetworkBorderGroup", z.region},
                   {"ZoneType", "availability-zone"}});
  }
  return Value{{"AvailabilityZones", out}};
}

}  // namespace

void RegisterRegionOperations(api::QueryService& service, const Ec2Deps& deps) {
  RegisterEc2Operation(
      service, "DescribeRegions",
      [](const CallContext& ctx, const Value&) { return UnscopedQuestion(ctx, "DescribeRegions"); },
      [deps](const CallContext&, const Value& in) { return DescribeRegions(deps, in); });
  RegisterEc2Operation(
      service, "DescribeAvailabilityZones",
      [](const CallContext& ctx, const Value&) {
        return UnscopedQuestion(ctx, "DescribeAvailabilityZones");
      },
      [](const CallContext& ctx, const Value& in) { return DescribeAvailabilityZones(ctx, in); });
}

}  // namespace sigil::ec2
