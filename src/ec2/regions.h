// The regions and availability zones Sigil's EC2 answers for: a configurable list of enabled
// regions (default: AWS's regions that need no opt-in), the opt-in regions DescribeRegions lists
// with AllRegions, and three zones per region named and numbered as AWS does. Immutable once
// built; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace sigil::ec2 {

struct RegionInfo {
  std::string name;      // "us-east-1"
  std::string opt_in;    // "opt-in-not-required", "opted-in" or "not-opted-in"
  std::string endpoint;  // "ec2.us-east-1.amazonaws.com"
};

struct ZoneInfo {
  std::string region;
  std::string name;  // "us-east-1a"
  std::string id;    // "use1-az1"
};

class RegionCatalog {
 public:
  // The default list (AWS's regions that need no opt-in).
  RegionCatalog();
  // `names`: comma-separated region names, the regions this server serves. kInvalidArgument for
  // a name that is not shaped like an AWS region ("xx-yyyy-N") or an empty list.
  static StatusOr<RegionCatalog> FromList(std::string_view names);

  // The enabled regions, in the order given; with `all`, also the opt-in regions of AWS that are
  // not enabled, as "not-opted-in".
  std::vector<RegionInfo> Regions(bool all) const;
  bool IsEnabled(std::string_view region) const;

 private:
  std::vector<RegionInfo> enabled_;
};

// The zones of a region: REGION + a, b, c with ids like "use1-az1".
std::vector<ZoneInfo> ZonesOf(std::string_view region);

}  // namespace sigil::ec2
