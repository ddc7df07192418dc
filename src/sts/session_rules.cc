#include "sts/session_rules.h"

#include <algorithm>

#include "common/strings.h"

namespace sigil::sts {
namespace {

constexpr std::string_view kBase32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr std::string_view kSecretAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

Status ValidationError(std::string message) {
  return AwsError(StatusCode::kInvalidArgument, "ValidationError", std::move(message));
}
Status InvalidParameterValue(std::string message) {
  return AwsError(StatusCode::kInvalidArgument, "InvalidParameterValue", std::move(message));
}

bool SameKey(std::string_view a, std::string_view b) { return EqualsIgnoreCase(a, b); }

}  // namespace

int64_t SessionTokenDuration(std::optional<int64_t> requested, bool root_caller) {
  int64_t seconds = requested.value_or(kSessionTokenDefaultSeconds);
  return root_caller ? std::min(seconds, kOneHour) : seconds;
}

StatusOr<int64_t> AssumeRoleDuration(std::optional<int64_t> requested, int64_t max_session_duration,
                                     bool role_chaining) {
  if (!requested) return kAssumeRoleDefaultSeconds;
  if (*requested > max_session_duration) {
    return ValidationError(
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.");
  }
  if (role_chaining && *requested > kOneHour) {
    return ValidationError(
        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by "
        "role chaining.");
  }
  return *requested;
}

StatusOr<SessionTagSet> SessionTagsFor(const auth::SessionClaims* caller,
                                       const std::vector<auth::SessionTag>& requested,
                                       const std::vector<std::string>& transitive_keys) {
  SessionTagSet out;
  if (caller != nullptr) {
    for (const std::string& key : caller->transitive_tag_keys) {
      auto tag = std::find_if(caller->tags.begin(), caller->tags.end(),
                              [&](const auth::SessionTag& t) { return SameKey(t.key, key); });
      if (tag == caller->tags.end()) continue;
      out.tags.push_back(*tag);
      out.transitive_keys.push_back(tag->key);
    }
  }
  const size_t inherited = out.tags.size();
  for (const auth::SessionTag& t : requested) {
    for (size_t i = 0; i < out.tags.size(); ++i) {
      if (!SameKey(out.tags[i].key, t.key)) continue;
      if (i < inherited) {
        return InvalidParameterValue("Cannot override the transitive session tag '" +
                                     out.tags[i].key + "' set by the calling role session.");
      }
      return InvalidParameterValue(
          "Duplicate tag keys found. Please note that Tag keys are "
          "case insensitive.");
    }
    out.tags.push_back(t);
  }
  for (const std::string& key : transitive_keys) {
    bool found = false;
    for (const auth::SessionTag& t : requested) found = found || SameKey(t.key, key);
    if (!found) {
      return ValidationError("The TransitiveTagKeys parameter names '" + key +
                             "', which is not the key of a session tag in the request.");
    }
    bool already = false;
    for (const std::string& k : out.transitive_keys) already = already || SameKey(k, key);
    if (!already) out.transitive_keys.push_back(key);
  }
  if (out.tags.size() > kMaxSessionTags) {
    return ValidationError("A session may carry at most " + std::to_string(kMaxSessionTags) +
                           " tags, including the transitive tags it inherits.");
  }
  return out;
}

StatusOr<int> PackedPolicyPercent(size_t policy_bytes_without_whitespace,
                                  const std::vector<std::string>& policy_arns,
                                  const std::vector<auth::SessionTag>& tags) {
  size_t bytes = policy_bytes_without_whitespace;
  for (const std::string& arn : policy_arns) bytes += arn.size();
  for (const auth::SessionTag& t : tags) bytes += t.key.size() + t.value.size();
  const size_t percent = (bytes * 100 + kPackedPolicyLimitBytes - 1) / kPackedPolicyLimitBytes;
  if (percent > 100) {
    return AwsError(StatusCode::kInvalidArgument, "PackedPolicyTooLarge",
                    "Packed size of the session policies and session tags is " +
                        std::to_string(percent) + "% of the allowed size; reduce them.");
  }
  return static_cast<int>(percent);
}

std::string NewTemporaryAccessKeyId(std::string_view account_id, RandomSource& random) {
  uint64_t account = 0;
  for (char c : account_id) {
    if (c >= '0' && c <= '9') account = account * 10 + static_cast<uint64_t>(c - '0');
  }
  std::string id = "ASIA";
  for (int shift = 35; shift >= 0; shift -= 5) id.push_back(kBase32[(account >> shift) & 31]);
  id += RandomString(random, kBase32, 8);
  return id;
}

std::optional<std::string> AccountOfTemporaryKeyId(std::string_view access_key_id) {
  if (access_key_id.size() != 20 || !StartsWith(access_key_id, "ASIA")) return std::nullopt;
  uint64_t account = 0;
  for (char c : access_key_id.substr(4, 8)) {
    size_t v = kBase32.find(c);
    if (v == std::string_view::npos) return std::nullopt;
    account = (account << 5) | v;
  }
  for (char c : access_key_id.substr(12)) {
    if (kBase32.find(c) == std::string_view::npos) return std::nullopt;
  }
  if (account > 999999999999ULL || account < 100000000000ULL) return std::nullopt;
  return std::to_string(account);
}

std::string NewSecretAccessKey(RandomSource& random) {
  return RandomString(random, kSecretAlphabet, 40);
}

}  // namespace sigil::sts
