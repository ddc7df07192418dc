// SigningKeyCache: sharded maps from a digest of (secret, date, region, service) to the derived
// signing key. Each shard evicts in insertion order through a ring of its keys.
#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "auth/sigv4.h"

namespace sigil::auth {
namespace {

constexpr size_t kMaxShards = 16;

struct DigestHash {
  size_t operator()(const Sha256Digest& d) const {
    size_t h;
    std::memcpy(&h, d.data(), sizeof(h));  // already uniformly distributed
    return h;
  }
};

// SHA-256 over "secret \0 date \0 region \0 service": the map never holds the secret itself.
Sha256Digest CacheKey(std::string_view secret, const CredentialScope& scope) {
  const size_t size =
      secret.size() + scope.date.size() + scope.region.size() + scope.service.size() + 3;
  std::array<char, 512> stack;
  std::string heap;
  char* buffer = stack.data();
  if (size > stack.size()) {
    heap.resize(size);
    buffer = heap.data();
  }
  char* p = buffer;
  auto put = [&](std::string_view s, bool separator) {
    std::memcpy(p, s.data(), s.size());
    p += s.size();
    if (separator) *p++ = '\0';
  };
  put(secret, true);
  put(scope.date, true);
  put(scope.region, true);
  put(scope.service, false);
  Sha256Digest key = Sha256(std::string_view(buffer, size));
  OPENSSL_cleanse(buffer, size);
  return key;
}

}  // namespace

struct SigningKeyCache::Impl {
  struct Shard {
    std::mutex mu;
    std::unordered_map<Sha256Digest, Sha256Digest, DigestHash> keys;
    std::vector<Sha256Digest> ring;  // insertion order; ring[next] is the oldest once full
    size_t next = 0;
    size_t capacity = 0;
    uint64_t hits = 0;
    uint64_t misses = 0;
    uint64_t evictions = 0;
  };

  explicit Impl(size_t capacity) {
    capacity = std::max<size_t>(capacity, 1);
    shard_count = std::min(kMaxShards, capacity);
    for (size_t i = 0; i < shard_count; ++i) {
      // Spread the remainder so the shards add up to exactly `capacity`.
      shards[i].capacity = capacity / shard_count + (i < capacity % shard_count ? 1 : 0);
      shards[i].keys.reserve(shards[i].capacity);
    }
  }

  ~Impl() {
    for (Shard& shard : shards) {
      for (auto& [key, value] : shard.keys) OPENSSL_cleanse(value.data(), value.size());
    }
  }

  Shard& ShardFor(const Sha256Digest& key) { return shards[key[31] % shard_count]; }

  std::array<Shard, kMaxShards> shards;
  size_t shard_count = 1;
};

SigningKeyCache::SigningKeyCache(size_t capacity) : impl_(std::make_unique<Impl>(capacity)) {}
SigningKeyCache::~SigningKeyCache() = default;

Sha256Digest SigningKeyCache::Get(std::string_view secret, const CredentialScope& scope) {
  const Sha256Digest key = CacheKey(secret, scope);
  Impl::Shard& shard = impl_->ShardFor(key);
  {
    std::lock_guard<std::mutex> lock(shard.mu);
    auto it = shard.keys.find(key);
    if (it != shard.keys.end()) {
      ++shard.hits;
      return it->second;
    }
    ++shard.misses;
  }
  // Derive outside the lock: four HMACs should not serialize other requests.
  const Sha256Digest signing_key =
      DeriveSigningKey(secret, scope.date, scope.region, scope.service);
  std::lock_guard<std::mutex> lock(shard.mu);
  if (shard.keys.contains(key)) return signing_key;  // another thread won the race
  if (shard.ring.size() < shard.capacity) {
    shard.ring.push_back(key);
  } else {
    auto oldest = shard.keys.find(shard.ring[shard.next]);
    if (oldest != shard.keys.end()) {
      OPENSSL_cleanse(oldest->second.data(), oldest->second.size());
      shard.keys.erase(oldest);
      ++shard.evictions;
    }
    shard.ring[shard.next] = key;
    shard.next = (shard.next + 1) % shard.capacity;
  }
  shard.keys.emplace(key, signing_key);
  return signing_key;
}

SigningKeyCache::Stats SigningKeyCache::GetStats() const {
  Stats stats;
  for (size_t i = 0; i < impl_->shard_count; ++i) {
    Impl::Shard& shard = impl_->shards[i];
    std::lock_guard<std::mutex> lock(shard.mu);
    stats.hits += shard.hits;
    stats.misses += shard.misses;
    stats.evictions += shard.evictions;
    stats.size += shard.keys.size();
  }
  return stats;
}

}  // namespace sigil::auth
