#include "s3/s3_policy.h"

#include <nlohmann/json.hpp>

#include "common/strings.h"

namespace sigil::s3 {
namespace {

bool NamesEveryone(const nlohmann::json& principal) {
  if (principal.is_string()) return principal.get<std::string>() == "*";
  if (!principal.is_object()) return false;
  auto aws = principal.find("AWS");
  if (aws == principal.end()) return false;
  if (aws->is_string()) return aws->get<std::string>() == "*";
  if (aws->is_array()) {
    for (const nlohmann::json& v : *aws) {
      if (v.is_string() && v.get<std::string>() == "*") return true;
    }
  }
  return false;
}

// A condition on one of these keys with fixed values (no wildcard) makes a grant non-public.
bool IsNarrowingKey(std::string_view key) {
  const std::string lower = AsciiLower(key);
  for (std::string_view k :
       {"aws:sourceip", "aws:sourcevpc", "aws:sourcevpce", "aws:sourcearn", "aws:sourceaccount",
        "aws:sourceowner", "aws:principalaccount", "aws:principalarn", "aws:principalorgid",
        "aws:userid", "s3:dataaccesspointaccount", "s3:dataaccesspointarn"}) {
    if (lower == k) return true;
  }
  return false;
}

bool HasWildcardValue(const nlohmann::json& values) {
  auto is_wild = [](const nlohmann::json& v) {
    return v.is_string() && v.get<std::string>().find_first_of("*?") != std::string::npos;
  };
  if (values.is_array()) {
    for (const nlohmann::json& v : values) {
      if (is_wild(v)) return true;
    }
    return false;
  }
  return is_wild(values);
}

bool Narrows(const nlohmann::json& condition) {
  if (!condition.is_object()) return false;
  for (const auto& [op, entries] : condition.items()) {
    if (!entries.is_object()) continue;
    // IpAddress on aws:SourceIp narrows only with a prefix longer than /8 in AWS's rules; a
    // fixed CIDR is the common case and is treated as narrowing.
    for (const auto& [key, values] : entries.items()) {
      if (IsNarrowingKey(key) && !HasWildcardValue(values) && op.find("Not") == std::string::npos) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

bool IsPublicPolicy(std::string_view policy_json) {
  const nlohmann::json doc =
      nlohmann::json::parse(policy_json, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return false;
  auto statements = doc.find("Statement");
  if (statements == doc.end()) return false;
  std::vector<nlohmann::json> list;
  if (statements->is_array()) {
    list.assign(statements->begin(), statements->end());
  } else {
    list.push_back(*statements);
  }
  for (const nlohmann::json& s : list) {
    if (!s.is_object() || s.value("Effect", "") != "Allow") continue;
    auto principal = s.find("Principal");
    if (principal == s.end() || !NamesEveryone(*principal)) continue;
    auto condition = s.find("Condition");
    if (condition == s.end() || !Narrows(*condition)) return true;
  }
  return false;
}

}  // namespace sigil::s3
