#include "policy/context.h"

#include "common/strings.h"

namespace sigil::policy {
namespace {

// Index of the first entry of `key` and the number of its entries.
std::pair<size_t, size_t> FindRun(const std::vector<RequestContext::Entry>& entries,
                                  std::string_view key) {
  for (size_t i = 0; i < entries.size(); ++i) {
    if (!EqualsIgnoreCase(entries[i].key, key)) continue;
    size_t n = 1;
    while (i + n < entries.size() && entries[i + n].key == entries[i].key) ++n;
    return {i, n};
  }
  return {entries.size(), 0};
}

}  // namespace

RequestContext::RequestContext(
    std::initializer_list<std::pair<std::string_view, std::string_view>> entries) {
  entries_.reserve(entries.size());
  for (const auto& [key, value] : entries) Add(key, std::string(value));
}

void RequestContext::Set(std::string_view key, std::string value) {
  Remove(key);
  entries_.push_back(Entry{AsciiLower(key), std::move(value)});
}

void RequestContext::Add(std::string_view key, std::string value) {
  auto [first, count] = FindRun(entries_, key);
  if (count == 0) {
    entries_.push_back(Entry{AsciiLower(key), std::move(value)});
    return;
  }
  entries_.insert(entries_.begin() + static_cast<std::ptrdiff_t>(first + count),
                  Entry{entries_[first].key, std::move(value)});
}

void RequestContext::SetValues(std::string_view key, std::vector<std::string> values) {
  Remove(key);
  std::string lower = AsciiLower(key);
  for (std::string& v : values) entries_.push_back(Entry{lower, std::move(v)});
}

void RequestContext::Remove(std::string_view key) {
  auto [first, count] = FindRun(entries_, key);
  if (count == 0) return;
  entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(first),
                 entries_.begin() + static_cast<std::ptrdiff_t>(first + count));
}

RequestContext::Values RequestContext::Find(std::string_view key) const {
  auto [first, count] = FindRun(entries_, key);
  if (count == 0) return Values();
  return Values(entries_.data() + first, count);
}

std::vector<std::string> RequestContext::Keys() const {
  std::vector<std::string> keys;
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (i == 0 || entries_[i].key != entries_[i - 1].key) keys.push_back(entries_[i].key);
  }
  return keys;
}

}  // namespace sigil::policy
