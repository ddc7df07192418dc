// The request context a policy is evaluated against: condition keys (case-insensitive names, as
// AWS treats them) mapped to one or more string values. The evaluator converts values per
// operator (numbers, dates, booleans, IP addresses, raw bytes). Built once per request, read by
// any number of evaluations; thread-compatible (concurrent reads are safe).
//
// Value conventions the integrator follows when filling it:
//  - Single-valued keys hold one value: aws:SourceIp ("203.0.113.7" or an IPv6 address),
//    aws:SecureTransport / aws:MultiFactorAuthPresent ("true"/"false"), aws:CurrentTime and
//    aws:TokenIssueTime (ISO 8601, "2024-05-01T12:00:00Z"), aws:EpochTime and
//    aws:MultiFactorAuthAge (decimal seconds), aws:username, aws:userid, aws:PrincipalArn,
//    aws:PrincipalAccount, aws:PrincipalType, aws:RequestedRegion, aws:UserAgent, aws:Referer,
//    aws:PrincipalTag/KEY, aws:RequestTag/KEY, aws:ResourceTag/KEY, iam:PermissionsBoundary,
//    iam:PolicyARN, iam:ResourceTag/KEY, s3:prefix, ...
//  - Multivalued keys hold one entry per value: aws:TagKeys, aws:PrincipalServiceNamesList,
//    aws:CalledVia, aws:PrincipalOrgPaths, iam:AWSServiceName lists, and any ArrayOf* service
//    key. Only multivalued keys are meant for ForAllValues:/ForAnyValue:.
//  - A key that does not apply to the request is left out (e.g. aws:TokenIssueTime and
//    aws:MultiFactorAuthAge for long-term access keys): absence is meaningful to every operator.
//    A key with zero values is the same as an absent key.
//  - Binary keys (BinaryEquals) hold the raw bytes, not base64.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace sigil::policy {

class RequestContext {
 public:
  struct Entry {
    std::string key;  // lower case
    std::string value;
  };

  // The values of one key, in insertion order; empty when the key is absent. A view into the
  // context: valid until the context is next modified.
  class Values {
   public:
    Values() = default;
    size_t size() const { return count_; }
    bool empty() const { return count_ == 0; }
    std::string_view operator[](size_t i) const { return first_[i].value; }

   private:
    friend class RequestContext;
    Values(const Entry* first, size_t count) : first_(first), count_(count) {}
    const Entry* first_ = nullptr;
    size_t count_ = 0;
  };

  RequestContext() = default;
  // Single values, e.g. {{"aws:username", "alice"}, {"aws:SecureTransport", "true"}}; a key
  // repeated in the list becomes multivalued.
  RequestContext(std::initializer_list<std::pair<std::string_view, std::string_view>> entries);

  // Replaces every value of `key` with `value`.
  void Set(std::string_view key, std::string value);
  // Appends one more value to `key` (a multivalued key).
  void Add(std::string_view key, std::string value);
  // Replaces every value of `key`; an empty list removes the key.
  void SetValues(std::string_view key, std::vector<std::string> values);
  void Remove(std::string_view key);

  // Case-insensitive lookup (`key` in any case). Linear in the number of entries, which is a few
  // dozen per request: cheaper than hashing for this size.
  Values Find(std::string_view key) const;
  bool Contains(std::string_view key) const { return !Find(key).empty(); }

  // Every key (lower case) once, in insertion order.
  std::vector<std::string> Keys() const;

 private:
  // Entries with the same key are adjacent so Find returns one contiguous run.
  std::vector<Entry> entries_;
};

}  // namespace sigil::policy
