#include "auth/session_token.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>

namespace sigil::auth {

namespace {

bool IsKnownKind(SessionPrincipalKind kind) {
  switch (kind) {
    case SessionPrincipalKind::kUser:
    case SessionPrincipalKind::kRoot:
    case SessionPrincipalKind::kAssumedRole:
    case SessionPrincipalKind::kFederatedUser:
      return true;
  }
  return false;
}

}  // namespace

namespace session_token_internal {
namespace {

enum Tag : uint8_t {
  kAccessKeyId = 0x01,
  kSecretAccessKey = 0x02,
  kAccountId = 0x03,
  kKind = 0x04,
  kPrincipalArn = 0x05,
  kPrincipalId = 0x06,
  kIssuedAt = 0x07,
  kExpiration = 0x08,
  kEntityId = 0x09,
  kEntityName = 0x0a,
  kSessionName = 0x0b,
  kSourceIdentity = 0x0c,
  kTags = 0x0d,
  kTransitiveTagKeys = 0x0e,
  kSessionPolicies = 0x0f,
  kSessionPolicyArns = 0x10,
  kFlags = 0x11,
  kMfaAuthTime = 0x12,
  kLastKnownTag = kMfaAuthTime,
  kFirstOptionalExtension = 0x80,
};

constexpr uint64_t kFlagMfaAuthenticated = 1;
constexpr uint64_t kFlagRoleChained = 2;
constexpr uint64_t kKnownFlags = kFlagMfaAuthenticated | kFlagRoleChained;

uint64_t ZigZag(int64_t n) {
  return (static_cast<uint64_t>(n) << 1) ^ static_cast<uint64_t>(n >> 63);
}
int64_t UnZigZag(uint64_t n) { return static_cast<int64_t>(n >> 1) ^ -static_cast<int64_t>(n & 1); }

void PutVarint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void PutString(std::string& out, std::string_view s) {
  PutVarint(out, s.size());
  out.append(s);
}

void PutField(std::string& out, Tag tag, std::string_view value) {
  out.push_back(static_cast<char>(tag));
  PutString(out, value);
}

void PutVarintField(std::string& out, Tag tag, uint64_t value) {
  std::string encoded;
  PutVarint(encoded, value);
  PutField(out, tag, encoded);
}

void PutListField(std::string& out, Tag tag, const std::vector<std::string>& items) {
  if (items.empty()) return;
  std::string value;
  PutVarint(value, items.size());
  for (const std::string& item : items) PutString(value, item);
  PutField(out, tag, value);
}

void PutOptionalField(std::string& out, Tag tag, std::string_view value) {
  if (!value.empty()) PutField(out, tag, value);
}

// Bounds-checked reading of a byte string; every read fails rather than overrun.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  bool done() const { return pos_ == in_.size(); }
  size_t remaining() const { return in_.size() - pos_; }

  bool ReadByte(uint8_t* out) {
    if (pos_ >= in_.size()) return false;
    *out = static_cast<uint8_t>(in_[pos_++]);
    return true;
  }

  // LEB128, at most 10 bytes, minimal (no trailing zero groups), no bits beyond 64.
  bool ReadVarint(uint64_t* out) {
    uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      uint8_t byte = 0;
      if (!ReadByte(&byte)) return false;
      if (shift == 63 && byte > 1) return false;
      value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) {
        if (byte == 0 && shift > 0) return false;
        *out = value;
        return true;
      }
    }
    return false;
  }

  bool ReadBytes(uint64_t n, std::string_view* out) {
    if (n > remaining()) return false;
    *out = in_.substr(pos_, static_cast<size_t>(n));
    pos_ += static_cast<size_t>(n);
    return true;
  }

  bool ReadString(std::string_view* out) {
    uint64_t n = 0;
    return ReadVarint(&n) && ReadBytes(n, out);
  }

 private:
  std::string_view in_;
  size_t pos_ = 0;
};

bool ParseVarintValue(std::string_view value, uint64_t* out) {
  Reader reader(value);
  return reader.ReadVarint(out) && reader.done();
}

bool ParseList(std::string_view value, std::vector<std::string>* out) {
  Reader reader(value);
  uint64_t count = 0;
  // Each item takes at least one byte, which bounds the count before anything is allocated.
  if (!reader.ReadVarint(&count) || count == 0 || count > reader.remaining()) return false;
  out->reserve(static_cast<size_t>(count));
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view item;
    if (!reader.ReadString(&item)) return false;
    out->emplace_back(item);
  }
  return reader.done();
}

bool ParseTags(std::string_view value, std::vector<SessionTag>* out) {
  Reader reader(value);
  uint64_t count = 0;
  if (!reader.ReadVarint(&count) || count == 0 || count > reader.remaining() / 2) return false;
  out->reserve(static_cast<size_t>(count));
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view key;
    std::string_view tag_value;
    if (!reader.ReadString(&key) || !reader.ReadString(&tag_value)) return false;
    out->push_back(SessionTag{std::string(key), std::string(tag_value)});
  }
  return reader.done();
}

bool ParseTime(std::string_view value, TimePoint* out) {
  uint64_t zigzag = 0;
  if (!ParseVarintValue(value, &zigzag)) return false;
  *out = TimePoint(std::chrono::milliseconds(UnZigZag(zigzag)));
  return true;
}

}  // namespace

std::string EncodeClaims(const SessionClaims& c) {
  std::string out;
  out.reserve(256 + c.secret_access_key.size() + c.principal_arn.size());
  PutField(out, kAccessKeyId, c.access_key_id);
  PutField(out, kSecretAccessKey, c.secret_access_key);
  PutField(out, kAccountId, c.account_id);
  PutVarintField(out, kKind, static_cast<uint64_t>(c.kind));
  PutField(out, kPrincipalArn, c.principal_arn);
  PutField(out, kPrincipalId, c.principal_id);
  PutVarintField(out, kIssuedAt, ZigZag(c.issued_at.time_since_epoch().count()));
  PutVarintField(out, kExpiration, ZigZag(c.expiration.time_since_epoch().count()));
  PutOptionalField(out, kEntityId, c.entity_id);
  PutOptionalField(out, kEntityName, c.entity_name);
  PutOptionalField(out, kSessionName, c.session_name);
  PutOptionalField(out, kSourceIdentity, c.source_identity);
  if (!c.tags.empty()) {
    std::string value;
    PutVarint(value, c.tags.size());
    for (const SessionTag& tag : c.tags) {
      PutString(value, tag.key);
      PutString(value, tag.value);
    }
    PutField(out, kTags, value);
  }
  PutListField(out, kTransitiveTagKeys, c.transitive_tag_keys);
  PutListField(out, kSessionPolicies, c.session_policies);
  PutListField(out, kSessionPolicyArns, c.session_policy_arns);
  const uint64_t flags =
      (c.mfa_authenticated ? kFlagMfaAuthenticated : 0) | (c.role_chained ? kFlagRoleChained : 0);
  if (flags != 0) PutVarintField(out, kFlags, flags);
  if (c.mfa_auth_time) {
    PutVarintField(out, kMfaAuthTime, ZigZag(c.mfa_auth_time->time_since_epoch().count()));
  }
  return out;
}

std::optional<SessionClaims> DecodeClaims(std::string_view bytes) {
  SessionClaims c;
  Reader reader(bytes);
  int previous_tag = 0;
  uint32_t required_seen = 0;
  while (!reader.done()) {
    uint8_t tag = 0;
    std::string_view value;
    if (!reader.ReadByte(&tag) || tag <= previous_tag || !reader.ReadString(&value)) {
      return std::nullopt;
    }
    previous_tag = tag;
    bool ok = true;
    uint64_t number = 0;
    switch (tag) {
      case kAccessKeyId:
        c.access_key_id = value;
        break;
      case kSecretAccessKey:
        c.secret_access_key = value;
        break;
      case kAccountId:
        c.account_id = value;
        break;
      case kKind:
        ok = ParseVarintValue(value, &number) && number <= 0xff &&
             IsKnownKind(static_cast<SessionPrincipalKind>(number));
        if (ok) c.kind = static_cast<SessionPrincipalKind>(number);
        break;
      case kPrincipalArn:
        c.principal_arn = value;
        break;
      case kPrincipalId:
        c.principal_id = value;
        break;
      case kIssuedAt:
        ok = ParseTime(value, &c.issued_at);
        break;
      case kExpiration:
        ok = ParseTime(value, &c.expiration);
        break;
      case kEntityId:
        c.entity_id = value;
        break;
      case kEntityName:
        c.entity_name = value;
        break;
      case kSessionName:
        c.session_name = value;
        break;
      case kSourceIdentity:
        c.source_identity = value;
        break;
      case kTags:
        ok = ParseTags(value, &c.tags);
        break;
      case kTransitiveTagKeys:
        ok = ParseList(value, &c.transitive_tag_keys);
        break;
      case kSessionPolicies:
        ok = ParseList(value, &c.session_policies);
        break;
      case kSessionPolicyArns:
        ok = ParseList(value, &c.session_policy_arns);
        break;
      case kFlags:
        ok = ParseVarintValue(value, &number) && number != 0 && (number & ~kKnownFlags) == 0;
        c.mfa_authenticated = (number & kFlagMfaAuthenticated) != 0;
        c.role_chained = (number & kFlagRoleChained) != 0;
        break;
      case kMfaAuthTime: {
        TimePoint t;
        ok = ParseTime(value, &t);
        c.mfa_auth_time = t;
        break;
      }
      default:
        // Unknown: skippable only when marked as an optional extension.
        ok = tag >= kFirstOptionalExtension;
        break;
    }
    if (!ok) return std::nullopt;
    if (tag <= kExpiration) required_seen |= 1u << tag;
  }
  constexpr uint32_t kAllRequired = ((1u << (kExpiration + 1)) - 1) & ~1u;
  if (required_seen != kAllRequired) return std::nullopt;
  if (c.access_key_id.empty() || c.secret_access_key.empty() || c.account_id.empty() ||
      c.principal_arn.empty()) {
    return std::nullopt;
  }
  return c;
}

}  // namespace session_token_internal

namespace {

constexpr uint8_t kTokenVersion = 0x01;
constexpr size_t kHeaderSize = 5;  // version | key id
// SecretBox's own framing: version byte, 12-byte nonce, 16-byte tag.
constexpr size_t kSealOverhead = 1 + 12 + 16;
constexpr std::string_view kAadContext = "sigil/sts/session-token";

std::string Header(uint32_t key_id) {
  std::string header;
  header.push_back(static_cast<char>(kTokenVersion));
  for (int shift = 24; shift >= 0; shift -= 8) {
    header.push_back(static_cast<char>((key_id >> shift) & 0xff));
  }
  return header;
}

std::string AssociatedData(std::string_view header) {
  std::string aad(kAadContext);
  aad.append(header);
  return aad;
}

std::string MessageAssociatedData(std::string_view purpose, std::string_view header) {
  std::string aad = "sigil/sealed-message/";
  aad.append(purpose);
  aad.push_back('\0');
  aad.append(header);
  return aad;
}

TokenRejection Reject(TokenDefect defect) {
  return TokenRejection{
      defect, defect == TokenDefect::kExpired ? ExpiredTokenError() : InvalidTokenError()};
}

}  // namespace

StatusOr<SessionTokenSealer> SessionTokenSealer::FromKeyRing(
    std::span<const SessionTokenKey> keys) {
  if (keys.empty()) return InvalidArgumentError("the session token key ring is empty");
  std::vector<Entry> entries;
  entries.reserve(keys.size());
  for (const SessionTokenKey& key : keys) {
    auto box = SecretBox::Create(key.key);
    if (!box.ok()) {
      return InvalidArgumentError("session token key " + std::to_string(key.id) +
                                  " is not 32 bytes");
    }
    entries.push_back(Entry{key.id, std::move(box).value()});
  }
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.id < b.id; });
  for (size_t i = 1; i < entries.size(); ++i) {
    if (entries[i - 1].id == entries[i].id) {
      return InvalidArgumentError("session token key id " + std::to_string(entries[i].id) +
                                  " appears twice");
    }
  }
  return SessionTokenSealer(std::move(entries));
}

const SecretBox* SessionTokenSealer::FindKey(uint32_t id) const {
  auto it = std::lower_bound(keys_.begin(), keys_.end(), id,
                             [](const Entry& e, uint32_t wanted) { return e.id < wanted; });
  return it != keys_.end() && it->id == id ? &it->box : nullptr;
}

StatusOr<std::string> SessionTokenSealer::Seal(const SessionClaims& claims,
                                               RandomSource& random) const {
  if (claims.access_key_id.empty() || claims.secret_access_key.empty() ||
      claims.account_id.empty() || claims.principal_arn.empty()) {
    return InvalidArgumentError(
        "a session needs an access key id, a secret, an account id and a principal ARN");
  }
  if (!IsKnownKind(claims.kind)) return InvalidArgumentError("unknown session principal kind");
  const Entry& key = keys_.back();
  const std::string header = Header(key.id);
  std::string plaintext = session_token_internal::EncodeClaims(claims);
  // Base64 grows 3 bytes to 4 characters; refuse before doing the work.
  const size_t raw_size = kHeaderSize + kSealOverhead + plaintext.size();
  if ((raw_size + 2) / 3 * 4 > kMaxSessionTokenSize) {
    SecureWipe(plaintext);
    return InvalidArgumentError("the session would exceed the maximum session token size of " +
                                std::to_string(kMaxSessionTokenSize) + " characters");
  }
  auto sealed = key.box.Seal(random, plaintext, AssociatedData(header));
  SecureWipe(plaintext);
  if (!sealed.ok()) return InternalError("no randomness for a session token nonce");
  return Base64Encode(header + *sealed);
}

StatusOr<std::string> SessionTokenSealer::SealMessage(std::string_view purpose,
                                                      std::string_view plaintext,
                                                      RandomSource& random) const {
  const Entry& key = keys_.back();
  const std::string header = Header(key.id);
  auto sealed = key.box.Seal(random, plaintext, MessageAssociatedData(purpose, header));
  if (!sealed.ok()) return InternalError("no randomness for a sealed message nonce");
  return Base64Encode(header + *sealed);
}

std::optional<std::string> SessionTokenSealer::OpenMessage(std::string_view purpose,
                                                           std::string_view sealed) const {
  auto raw = Base64Decode(sealed);
  if (!raw.ok()) return std::nullopt;
  std::string_view bytes = *raw;
  if (bytes.size() < kHeaderSize + kSealOverhead ||
      static_cast<uint8_t>(bytes[0]) != kTokenVersion) {
    return std::nullopt;
  }
  uint32_t key_id = 0;
  for (size_t i = 1; i < kHeaderSize; ++i) key_id = (key_id << 8) | static_cast<uint8_t>(bytes[i]);
  const SecretBox* box = FindKey(key_id);
  if (box == nullptr) return std::nullopt;
  auto plaintext = box->Open(bytes.substr(kHeaderSize),
                             MessageAssociatedData(purpose, bytes.substr(0, kHeaderSize)));
  if (!plaintext.ok()) return std::nullopt;
  return std::move(plaintext).value();
}

SessionOrRejection SessionTokenSealer::Open(std::string_view token, TimePoint now) const {
  if (token.empty() || token.size() > kMaxSessionTokenSize) return Reject(TokenDefect::kMalformed);
  auto raw = Base64Decode(token);
  // Only the canonical encoding is a token, so a token has exactly one spelling.
  if (!raw.ok() || Base64Encode(*raw) != token) return Reject(TokenDefect::kMalformed);
  std::string_view bytes = *raw;
  if (bytes.size() < kHeaderSize + kSealOverhead ||
      static_cast<uint8_t>(bytes[0]) != kTokenVersion) {
    return Reject(TokenDefect::kMalformed);
  }
  uint32_t key_id = 0;
  for (size_t i = 1; i < kHeaderSize; ++i) key_id = (key_id << 8) | static_cast<uint8_t>(bytes[i]);
  const SecretBox* box = FindKey(key_id);
  if (box == nullptr) return Reject(TokenDefect::kUnknownKey);

  std::string_view header = bytes.substr(0, kHeaderSize);
  auto plaintext = box->Open(bytes.substr(kHeaderSize), AssociatedData(header));
  if (!plaintext.ok()) return Reject(TokenDefect::kNotAuthentic);
  std::optional<SessionClaims> claims = session_token_internal::DecodeClaims(*plaintext);
  SecureWipe(*plaintext);
  // Authentic but unreadable: a token from a newer format, or a bug; never the client's forgery.
  if (!claims) return Reject(TokenDefect::kMalformed);
  if (now >= claims->expiration) {
    SecureWipe(claims->secret_access_key);
    return Reject(TokenDefect::kExpired);
  }
  return std::move(*claims);
}

}  // namespace sigil::auth
