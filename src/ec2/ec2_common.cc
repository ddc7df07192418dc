#include "ec2/ec2_common.h"

#include <algorithm>
#include <charconv>

#include "common/strings.h"
#include "policy/matchers.h"

namespace sigil::ec2 {

Ec2Scope ScopeOf(const CallContext& ctx) {
  return Ec2Scope{ctx.principal.account_id, std::string(ctx.region)};
}

// ---- Default VPCs -------------------------------------------------------------------------------

StatusOr<Ec2VpcRecord> DefaultVpcs::Get(const Ec2Scope& scope, TimePoint now) {
  const auto key = std::make_pair(scope.account_id, scope.region);
  {
    std::lock_guard lock(mu_);
    auto it = known_.find(key);
    if (it != known_.end()) return it->second;
  }
  // The proposal: a VPC with AWS's default CIDR and its "default" group, which lets members of
  // the group reach each other and everything out.
  Ec2VpcRecord vpc{NewResourceId(random_, "vpc"), "172.31.0.0/16", true, now};
  Ec2SecurityGroupRecord group;
  group.group_id = NewResourceId(random_, "sg");
  group.group_name = "default";
  group.description = "default VPC security group";
  group.vpc_id = vpc.vpc_id;
  group.created = now;
  group.rules = {
      Ec2RuleRecord{NewResourceId(random_, "sgr"), false, "-1", -1, -1, "", "", group.group_id, ""},
      Ec2RuleRecord{NewResourceId(random_, "sgr"), true, "-1", -1, -1, "0.0.0.0/0", "", "", ""}};
  SIGIL_ASSIGN_OR_RETURN(Ec2VpcRecord stored, store_.EnsureDefaultVpc(scope, vpc, group));
  std::lock_guard lock(mu_);
  known_[key] = stored;
  return stored;
}

// ---- Errors -------------------------------------------------------------------------------------

Status ClientError(StatusCode code, std::string aws_code, std::string message) {
  return AwsError(code, std::move(aws_code), std::move(message)).WithHttpStatus(400);
}

Status IdsNotFound(std::string_view aws_code, std::string_view noun,
                   const std::vector<std::string>& ids) {
  std::string list;
  for (const std::string& id : ids) list += (list.empty() ? "" : ", ") + id;
  const bool one = ids.size() == 1;
  return ClientError(StatusCode::kNotFound, std::string(aws_code),
                     "The " + std::string(noun) + (one ? " ID '" : " IDs '") + list +
                         (one ? "' does not exist" : "' do not exist"));
}

Status MalformedId(std::string_view aws_code, std::string_view id) {
  return ClientError(StatusCode::kInvalidArgument, std::string(aws_code),
                     "Invalid id: \"" + std::string(id) + "\"");
}

// ---- Ids and ARNs -------------------------------------------------------------------------------

std::string NewResourceId(RandomSource& random, std::string_view prefix) {
  return std::string(prefix) + "-" + RandomString(random, "0123456789abcdef", 17);
}

bool IsResourceId(std::string_view id, std::string_view prefix) {
  if (id.size() <= prefix.size() + 1 || !StartsWith(id, prefix) || id[prefix.size()] != '-') {
    return false;
  }
  std::string_view hex = id.substr(prefix.size() + 1);
  if (hex.size() != 8 && hex.size() != 17) return false;
  return std::all_of(hex.begin(), hex.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string Ec2Arn(std::string_view region, std::string_view account, std::string_view type,
                   std::string_view id) {
  return "arn:aws:ec2:" + std::string(region) + ":" + std::string(account) + ":" +
         std::string(type) + "/" + std::string(id);
}

std::string_view ResourceTypeOfId(std::string_view id) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {"i-", "instance"},
      {"sg-", "security-group"},
      {"key-", "key-pair"},
      {"vpc-", "vpc"},
      {"ami-", "image"},
      {"subnet-", "subnet"},
      {"sgr-", "security-group-rule"}};
  for (const auto& [prefix, type] : kTypes) {
    if (StartsWith(id, prefix)) return type;
  }
  return "";
}

// ---- Filters ------------------------------------------------------------------------------------

std::vector<Filter> ParseFilters(const Value& input) {
  std::vector<Filter> out;
  auto it = input.find("Filters");
  if (it == input.end()) return out;
  for (const Value& f : *it) {
    Filter filter;
    filter.name = f.value("Name", "");
    if (auto values = f.find("Values"); values != f.end()) {
      for (const Value& v : *values) filter.values.push_back(v.get<std::string>());
    }
    out.push_back(std::move(filter));
  }
  return out;
}

bool FilterValueMatches(const Filter& filter, std::string_view value) {
  // EC2's wildcards: '*' any run, '?' one character, '\' escapes; the policy engine's globs.
  return std::any_of(filter.values.begin(), filter.values.end(), [&](const std::string& pattern) {
    return policy::internal::GlobMatch(pattern, value);
  });
}

StatusOr<bool> MatchesFilters(const std::vector<Filter>& filters, const FieldValues& field,
                              const std::vector<Ec2TagRecord>& tags) {
  for (const Filter& f : filters) {
    std::vector<std::string> values;
    if (StartsWith(f.name, "tag:")) {
      const std::string key = f.name.substr(4);
      for (const Ec2TagRecord& t : tags) {
        if (t.key == key) values.push_back(t.value);
      }
    } else if (f.name == "tag-key") {
      for (const Ec2TagRecord& t : tags) values.push_back(t.key);
    } else if (f.name == "tag-value") {
      for (const Ec2TagRecord& t : tags) values.push_back(t.value);
    } else {
      std::optional<std::vector<std::string>> own = field(f.name);
      if (!own) return InvalidParameterValue("The filter '" + f.name + "' is invalid");
      values = std::move(*own);
    }
    if (std::none_of(values.begin(), values.end(),
                     [&](const std::string& v) { return FilterValueMatches(f, v); })) {
      return false;
    }
  }
  return true;
}

// ---- Tags ---------------------------------------------------------------------------------------

StatusOr<TagIndex> LoadTags(Ec2Store& store, const Ec2Scope& scope) {
  SIGIL_ASSIGN_OR_RETURN(std::vector<Ec2TagRecord> tags, store.ListTags(scope));
  TagIndex index;
  for (Ec2TagRecord& t : tags) index[t.resource_id].push_back(std::move(t));
  return index;
}

Value TagSet(const std::vector<Ec2TagRecord>& tags) {
  if (tags.empty()) return nullptr;
  Value out = Value::array();
  for (const Ec2TagRecord& t : tags) out.push_back({{"Key", t.key}, {"Value", t.value}});
  return out;
}

Status ValidateTags(const std::vector<Ec2TagRecord>& tags) {
  if (tags.size() > 50) {
    return ClientError(StatusCode::kInvalidArgument, "TagLimitExceeded",
                       "The maximum number of Tags for a resource has been reached.");
  }
  for (const Ec2TagRecord& t : tags) {
    if (t.key.empty() || t.key.size() > 128) {
      return InvalidParameterValue("Tag key must be between 1 and 128 characters");
    }
    if (t.value.size() > 256) {
      return InvalidParameterValue("Tag value exceeds the maximum length of 256 characters");
    }
    if (StartsWith(AsciiLower(t.key), "aws:")) {
      return InvalidParameterValue("Tag keys starting with 'aws:' are reserved for internal use");
    }
  }
  return OkStatus();
}

StatusOr<std::vector<Ec2TagRecord>> TagsFromSpecifications(
    const Value& input, std::string_view resource_type, const std::vector<std::string>& allowed) {
  std::vector<Ec2TagRecord> out;
  auto specs = input.find("TagSpecifications");
  if (specs == input.end()) return out;
  for (const Value& spec : *specs) {
    const std::string type = spec.value("ResourceType", "");
    if (std::find(allowed.begin(), allowed.end(), type) == allowed.end()) {
      return InvalidParameterValue("'" + type + "' is not a valid taggable resource type for " +
                                   "this operation.");
    }
    if (type != resource_type) continue;
    if (auto tags = spec.find("Tags"); tags != spec.end()) {
      for (const Value& t : *tags) {
        out.push_back(Ec2TagRecord{"", t.value("Key", ""), t.value("Value", "")});
      }
    }
  }
  SIGIL_RETURN_IF_ERROR(ValidateTags(out));
  return out;
}

void AddRequestTagKeys(const std::vector<Ec2TagRecord>& tags,
                       std::map<std::string, std::vector<std::string>>* keys) {
  if (tags.empty()) return;
  std::vector<std::string>& tag_keys = (*keys)["aws:TagKeys"];
  for (const Ec2TagRecord& t : tags) {
    (*keys)["aws:RequestTag/" + t.key] = {t.value};
    tag_keys.push_back(t.key);
  }
}

void AddResourceTagKeys(const std::vector<Ec2TagRecord>& tags,
                        std::map<std::string, std::vector<std::string>>* keys) {
  for (const Ec2TagRecord& t : tags) {
    (*keys)["ec2:ResourceTag/" + t.key] = {t.value};
    (*keys)["aws:ResourceTag/" + t.key] = {t.value};
  }
}

std::vector<Ec2TagRecord> TagsFor(std::vector<Ec2TagRecord> tags, const std::string& resource_id) {
  for (Ec2TagRecord& t : tags) t.resource_id = resource_id;
  return tags;
}

void AddCreateTagsCheck(const CallContext& ctx, const std::string& resource,
                        const std::vector<Ec2TagRecord>& tags, std::string_view create_action,
                        AuthzRequest* question) {
  if (tags.empty()) return;
  AuthzCheck tagging{"ec2:CreateTags", resource, RegionKeys(ctx)};
  AddRequestTagKeys(tags, &tagging.condition_keys);
  tagging.condition_keys["ec2:CreateAction"] = {std::string(create_action)};
  question->more_checks.push_back(std::move(tagging));
}

std::map<std::string, std::vector<std::string>> RegionKeys(const CallContext& ctx) {
  return {{"ec2:Region", {std::string(ctx.region)}}};
}

std::vector<std::string> Strings(const Value& input, std::string_view member) {
  std::vector<std::string> out;
  auto it = input.find(member);
  if (it == input.end()) return out;
  for (const Value& v : *it) out.push_back(v.get<std::string>());
  return out;
}

// ---- Pagination ---------------------------------------------------------------------------------

StatusOr<Page> Paginate(const std::vector<std::string>& sorted_ids, const Value& input,
                        int64_t min_results, int64_t max_results) {
  Page page;
  page.end = sorted_ids.size();
  if (auto token = input.find("NextToken"); token != input.end()) {
    // The token is the base64 of the last id shown; the next page starts after it.
    auto last = Base64Decode(token->get<std::string>());
    if (!last.ok() || last->empty()) {
      return ClientError(StatusCode::kInvalidArgument, "InvalidNextToken",
                         "The token '" + token->get<std::string>() + "' is invalid.");
    }
    page.begin = static_cast<size_t>(std::upper_bound(sorted_ids.begin(), sorted_ids.end(), *last) -
                                     sorted_ids.begin());
  }
  if (auto max = input.find("MaxResults"); max != input.end()) {
    const int64_t n = max->get<int64_t>();
    if (n < min_results || n > max_results) {
      return InvalidParameterValue("Value ( " + std::to_string(n) +
                                   " ) for parameter maxResults is invalid. Parameter must be "
                                   "between " +
                                   std::to_string(min_results) + " and " +
                                   std::to_string(max_results) + ".");
    }
    if (page.begin + static_cast<size_t>(n) < page.end) {
      page.end = page.begin + static_cast<size_t>(n);
      page.next_token = Base64Encode(sorted_ids[page.end - 1]);
    }
  }
  page.begin = std::min(page.begin, page.end);
  return page;
}

}  // namespace sigil::ec2
