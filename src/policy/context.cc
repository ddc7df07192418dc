#include "policy/context.h"

#include "common/strings.h"

namespace sigil::policy {
namespace {

constexpr size_t kInitialArena = 1024;
constexpr size_t kInitialEntries = 32;

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

}  // namespace

RequestContext::RequestContext(
    std::initializer_list<std::pair<std::string_view, std::string_view>> entries) {
  for (const auto& [key, value] : entries) Add(key, value);
}

std::pair<size_t, size_t> RequestContext::FindRun(std::string_view key) const {
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].key_size != key.size() || !EqualsIgnoreCase(KeyOf(entries_[i]), key)) continue;
    size_t n = 1;
    while (i + n < entries_.size() && SameKey(entries_[i + n], entries_[i])) ++n;
    return {i, n};
  }
  return {entries_.size(), 0};
}

RequestContext::Entry RequestContext::Append(std::string_view lower_key, std::string_view value) {
  if (arena_.capacity() == 0) arena_.reserve(kInitialArena);
  if (entries_.capacity() == 0) entries_.reserve(kInitialEntries);
  Entry e{};
  e.key_offset = static_cast<uint32_t>(arena_.size());
  e.key_size = static_cast<uint32_t>(lower_key.size());
  for (char c : lower_key) arena_.push_back(Lower(c));
  e.value_offset = static_cast<uint32_t>(arena_.size());
  e.value_size = static_cast<uint32_t>(value.size());
  arena_.append(value);
  return e;
}

void RequestContext::Set(std::string_view key, std::string_view value) {
  Remove(key);
  entries_.push_back(Append(key, value));
}

void RequestContext::Add(std::string_view key, std::string_view value) {
  auto [first, count] = FindRun(key);
  if (count == 0) {
    entries_.push_back(Append(key, value));
    return;
  }
  // Share the existing key text so the run stays recognisable by its key offset.
  Entry e = Append(std::string_view(), value);
  e.key_offset = entries_[first].key_offset;
  e.key_size = entries_[first].key_size;
  entries_.insert(entries_.begin() + static_cast<std::ptrdiff_t>(first + count), e);
}

void RequestContext::SetValues(std::string_view key, const std::vector<std::string>& values) {
  Remove(key);
  for (const std::string& v : values) Add(key, v);
}

void RequestContext::Remove(std::string_view key) {
  auto [first, count] = FindRun(key);
  if (count == 0) return;
  entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(first),
                 entries_.begin() + static_cast<std::ptrdiff_t>(first + count));
}

RequestContext::Values RequestContext::Find(std::string_view key) const {
  auto [first, count] = FindRun(key);
  return count == 0 ? Values() : Values(this, first, count);
}

std::vector<std::string> RequestContext::Keys() const {
  std::vector<std::string> keys;
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (i == 0 || !SameKey(entries_[i], entries_[i - 1])) {
      keys.push_back(std::string(KeyOf(entries_[i])));
    }
  }
  return keys;
}

}  // namespace sigil::policy
