// What every EC2 operation family shares: the service's dependencies, EC2's client errors, resource
// ids and ARNs, Filters, tags (TagSpecifications, tag sets, tag condition keys) and pagination
// tokens. Pure functions apart from Ec2Deps' members; thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/operation.h"
#include "common/crypto.h"
#include "common/status.h"
#include "ec2/regions.h"
#include "store/ec2_store.h"

namespace sigil::ec2 {

using api::AuthzCheck;
using api::AuthzRequest;
using api::CallContext;
using protocol::Value;

// The scope's default VPC, created with its "default" security group on the scope's first use
// and then remembered (it never changes once stored). Thread-safe.
class DefaultVpcs {
 public:
  DefaultVpcs(Ec2Store& store, RandomSource& random) : store_(store), random_(random) {}
  StatusOr<Ec2VpcRecord> Get(const Ec2Scope& scope, TimePoint now);

 private:
  Ec2Store& store_;
  RandomSource& random_;
  std::mutex mu_;
  std::map<std::pair<std::string, std::string>, Ec2VpcRecord> known_;  // guarded by mu_
};

struct Ec2Deps {
  Ec2Store& store;
  RandomSource& random;
  const RegionCatalog& regions;
  DefaultVpcs& vpcs;
};

// The caller's account and the request's region.
Ec2Scope ScopeOf(const CallContext& ctx);

// ---- Errors, as EC2 words them: client errors are HTTP 400 whatever their kind.
Status ClientError(StatusCode code, std::string aws_code, std::string message);
inline Status InvalidParameterValue(std::string message) {
  return ClientError(StatusCode::kInvalidArgument, "InvalidParameterValue", std::move(message));
}
inline Status MissingParameter(std::string_view name) {
  return ClientError(StatusCode::kInvalidArgument, "MissingParameter",
                     "The request must contain the parameter " + std::string(name));
}
// "The instance ID 'i-1' does not exist" / "The instance IDs 'i-1, i-2' do not exist".
Status IdsNotFound(std::string_view aws_code, std::string_view noun,
                   const std::vector<std::string>& ids);
// InvalidXxxID.Malformed: "Invalid id: \"foo\"".
Status MalformedId(std::string_view aws_code, std::string_view id);

// ---- Ids and ARNs.
// "PREFIX-" and 17 random lower-case hex digits, as EC2's long ids.
std::string NewResourceId(RandomSource& random, std::string_view prefix);
// Whether `id` is PREFIX- followed by 8 or 17 lower-case hex digits.
bool IsResourceId(std::string_view id, std::string_view prefix);
// arn:aws:ec2:REGION:ACCOUNT:TYPE/ID (ACCOUNT empty for images: "arn:aws:ec2:REGION::image/ID").
std::string Ec2Arn(std::string_view region, std::string_view account, std::string_view type,
                   std::string_view id);
// The ARN resource type of an EC2 resource id ("i-" instance, "sg-" security-group, "key-"
// key-pair, "vpc-" vpc, "ami-" image, "subnet-" subnet); "" for other prefixes.
std::string_view ResourceTypeOfId(std::string_view id);

// ---- Filters: name → accepted values (any may match; '*' and '?' are wildcards).
struct Filter {
  std::string name;
  std::vector<std::string> values;
};
std::vector<Filter> ParseFilters(const Value& input);
// Whether `value` matches one of the filter's values.
bool FilterValueMatches(const Filter& filter, std::string_view value);
// Applies the filters to a resource: `field(name)` gives the resource's values for a filter name
// (tag:KEY and tag-key are answered from `tags`). nullopt from `field` means the filter name is
// not supported: InvalidParameterValue "The filter 'NAME' is invalid".
using FieldValues = std::function<std::optional<std::vector<std::string>>(const std::string&)>;
StatusOr<bool> MatchesFilters(const std::vector<Filter>& filters, const FieldValues& field,
                              const std::vector<Ec2TagRecord>& tags);

// ---- Tags.
// The tags each resource has, by resource id.
using TagIndex = std::map<std::string, std::vector<Ec2TagRecord>>;
StatusOr<TagIndex> LoadTags(Ec2Store& store, const Ec2Scope& scope);
// A tag set as the model renders it: [{"Key":..,"Value":..}], or null when there are none.
Value TagSet(const std::vector<Ec2TagRecord>& tags);
// The tags TagSpecifications asks for one resource type ("instance", "key-pair", ...), checked
// as EC2 does: at most 50, keys 1-128 characters not starting with "aws:", values up to 256.
// A specification for a type the operation cannot tag is InvalidParameterValue.
StatusOr<std::vector<Ec2TagRecord>> TagsFromSpecifications(const Value& input,
                                                           std::string_view resource_type,
                                                           const std::vector<std::string>& allowed);
// Checks tags given directly (CreateTags): same rules.
Status ValidateTags(const std::vector<Ec2TagRecord>& tags);
// aws:RequestTag/KEY and aws:TagKeys for tags a request sets.
void AddRequestTagKeys(const std::vector<Ec2TagRecord>& tags,
                       std::map<std::string, std::vector<std::string>>* keys);
// ec2:ResourceTag/KEY (and aws:ResourceTag/KEY) for a resource's current tags.
void AddResourceTagKeys(const std::vector<Ec2TagRecord>& tags,
                        std::map<std::string, std::vector<std::string>>* keys);
// The condition keys every EC2 resource check carries: ec2:Region.
std::map<std::string, std::vector<std::string>> RegionKeys(const CallContext& ctx);

// `tags` with each resource_id set to `resource_id` (tags from TagSpecifications for a new
// resource).
std::vector<Ec2TagRecord> TagsFor(std::vector<Ec2TagRecord> tags, const std::string& resource_id);
// Tagging on creation: when `tags` is not empty, adds the ec2:CreateTags check EC2 makes on the
// new resource, with the request's tags and ec2:CreateAction naming the creating call.
void AddCreateTagsCheck(const CallContext& ctx, const std::string& resource,
                        const std::vector<Ec2TagRecord>& tags, std::string_view create_action,
                        AuthzRequest* question);

// ---- Lists of strings in an input member ([] when absent).
std::vector<std::string> Strings(const Value& input, std::string_view member);

// ---- Pagination: MaxResults (5-1000 when given) and an opaque NextToken naming the last
// item returned. Returns the slice of `ids` (sorted) to show and the next token, if any.
struct Page {
  size_t begin = 0;
  size_t end = 0;
  std::string next_token;
};
StatusOr<Page> Paginate(const std::vector<std::string>& sorted_ids, const Value& input,
                        int64_t min_results = 5, int64_t max_results = 1000);

}  // namespace sigil::ec2
