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
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace sigil::policy {

class RequestContext {
 public:
  // The values of one key, in insertion order; empty when the key is absent. A view into the
  // context: valid until the context is next modified.
  class Values {
   public:
    Values() = default;
    size_t size() const { return count_; }
    bool empty() const { return count_ == 0; }
    std::string_view operator[](size_t i) const;

   private:
    friend class RequestContext;
    Values(const RequestContext* context, size_t first, size_t count)
        : context_(context), first_(first), count_(count) {}
    const RequestContext* context_ = nullptr;
    size_t first_ = 0;
    size_t count_ = 0;
  };

  RequestContext() = default;
  // Single values, e.g. {{"aws:username", "alice"}, {"aws:SecureTransport", "true"}}; a key
  // repeated in the list becomes multivalued.
  RequestContext(std::initializer_list<std::pair<std::string_view, std::string_view>> entries);

  // Replaces every value of `key` with `value`.
  void Set(std::string_view key, std::string_view value);
  // Appends one more value to `key` (a multivalued key).
  void Add(std::string_view key, std::string_view value);
  // Replaces every value of `key`; an empty list removes the key.
  void SetValues(std::string_view key, const std::vector<std::string>& values);
  void Remove(std::string_view key);

  // Case-insensitive lookup (`key` in any case). Linear in the number of entries, which is a few
  // dozen per request: cheaper than hashing for this size.
  Values Find(std::string_view key) const;
  bool Contains(std::string_view key) const { return !Find(key).empty(); }

  // Every key (lower case) once, in insertion order.
  std::vector<std::string> Keys() const;

 private:
  // Keys (lower-cased) and values live in one arena, so building a context of a few dozen
  // entries costs two allocations, not one per string. Removed text stays in the arena until
  // the context is destroyed.
  // Entries of one key share its text, so an (offset, size) pair identifies a key: two distinct
  // keys can only start at the same offset if the first one was empty, and then sizes differ.
  struct Entry {
    uint32_t key_offset, key_size, value_offset, value_size;
  };
  std::string_view KeyOf(const Entry& e) const {
    return std::string_view(arena_).substr(e.key_offset, e.key_size);
  }
  std::string_view ValueOf(const Entry& e) const {
    return std::string_view(arena_).substr(e.value_offset, e.value_size);
  }
  static bool SameKey(const Entry& a, const Entry& b) {
    return a.key_offset == b.key_offset && a.key_size == b.key_size;
  }
  std::pair<size_t, size_t> FindRun(std::string_view key) const;
  Entry Append(std::string_view lower_key, std::string_view value);

  std::string arena_;
  std::vector<Entry> entries_;  // entries with the same key are adjacent
};

inline std::string_view RequestContext::Values::operator[](size_t i) const {
  return context_->ValueOf(context_->entries_[first_ + i]);
}

}  // namespace sigil::policy
