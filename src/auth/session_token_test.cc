#include "auth/session_token.h"

#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/crypto.h"

namespace sigil::auth {
namespace {

using session_token_internal::DecodeClaims;
using session_token_internal::EncodeClaims;
using std::chrono::hours;
using std::chrono::milliseconds;

const std::string kKey1(32, '\x11');
const std::string kKey2(32, '\x22');
const TimePoint kIssued = FromUnixSeconds(1700000000) + milliseconds(123);

SessionTokenSealer MakeSealer(std::vector<SessionTokenKey> keys) {
  auto sealer = SessionTokenSealer::FromKeyRing(keys);
  EXPECT_TRUE(sealer.ok()) << sealer.status().ToString();
  return std::move(sealer).value();
}

// A typical AssumeRole session.
SessionClaims RoleSession() {
  SessionClaims c;
  c.access_key_id = "ASIAQX3EXAMPLE7KQ2ZD";
  c.secret_access_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY";
  c.account_id = "123456789012";
  c.kind = SessionPrincipalKind::kAssumedRole;
  c.principal_arn = "arn:aws:sts::123456789012:assumed-role/deploy/ci-run-4821";
  c.principal_id = "AROAQX3EXAMPLEROLEID1:ci-run-4821";
  c.entity_id = "AROAQX3EXAMPLEROLEID1";
  c.entity_name = "deploy";
  c.session_name = "ci-run-4821";
  c.tags = {{"team", "platform"}, {"env", "ci"}};
  c.issued_at = kIssued;
  c.expiration = kIssued + hours(1);
  return c;
}

// Every field set, with awkward bytes.
SessionClaims FullSession() {
  SessionClaims c = RoleSession();
  c.kind = SessionPrincipalKind::kFederatedUser;
  c.source_identity = "alice@example.com";
  c.tags = {{"k", ""}, {"", "v"}, {std::string("a\0b", 3), "\xff\xfe"}, {"proj", "ünïcødé"}};
  c.transitive_tag_keys = {"team", "env"};
  c.session_policies = {R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow",)"
                        R"("Action":"s3:GetObject","Resource":"*"}]})",
                        std::string(3000, 'p')};
  c.session_policy_arns = {"arn:aws:iam::aws:policy/ReadOnlyAccess",
                           "arn:aws:iam::123456789012:policy/team/boundary"};
  c.mfa_authenticated = true;
  c.mfa_auth_time = kIssued - milliseconds(4567);
  c.role_chained = true;
  return c;
}

std::string Raw(const std::string& token) {
  auto raw = Base64Decode(token);
  EXPECT_TRUE(raw.ok());
  return raw.ok() ? *raw : std::string();
}

void ExpectRejected(const SessionOrRejection& result, TokenDefect defect,
                    const std::string& context = "") {
  const auto* rejection = std::get_if<TokenRejection>(&result);
  ASSERT_NE(rejection, nullptr) << "accepted: " << context;
  EXPECT_EQ(rejection->defect, defect) << context;
  if (defect == TokenDefect::kExpired) {
    EXPECT_EQ(rejection->error.reason, AuthFailure::kExpiredToken) << context;
    EXPECT_EQ(rejection->error.message, "The security token included in the request is expired");
  } else {
    EXPECT_EQ(rejection->error.reason, AuthFailure::kInvalidToken) << context;
    EXPECT_EQ(rejection->error.message, "The security token included in the request is invalid.");
  }
}

const SessionClaims* Opened(const SessionOrRejection& result) {
  return std::get_if<SessionClaims>(&result);
}

class SessionTokenTest : public ::testing::Test {
 protected:
  OsRandomSource random_;
  SessionTokenSealer sealer_ = MakeSealer({{1, kKey1}});
  FakeClock clock_{kIssued + milliseconds(1)};

  std::string Seal(const SessionClaims& claims, const SessionTokenSealer& sealer) {
    auto token = sealer.Seal(claims, random_);
    EXPECT_TRUE(token.ok()) << token.status().ToString();
    return token.ok() ? *token : std::string();
  }
  std::string Seal(const SessionClaims& claims) { return Seal(claims, sealer_); }
};

TEST_F(SessionTokenTest, RoundTripsEveryField) {
  const SessionClaims claims = FullSession();
  SessionOrRejection result = sealer_.Open(Seal(claims), clock_.Now());
  const SessionClaims* opened = Opened(result);
  ASSERT_NE(opened, nullptr);
  EXPECT_EQ(*opened, claims);
  // Spot checks, so a broken operator== could not hide a loss.
  EXPECT_EQ(opened->secret_access_key, claims.secret_access_key);
  EXPECT_EQ(opened->tags[2].key, std::string("a\0b", 3));
  EXPECT_EQ(opened->session_policies[1].size(), 3000u);
  EXPECT_EQ(opened->mfa_auth_time, kIssued - milliseconds(4567));
  EXPECT_TRUE(opened->mfa_authenticated);
  EXPECT_TRUE(opened->role_chained);
  EXPECT_EQ(opened->kind, SessionPrincipalKind::kFederatedUser);
}

TEST_F(SessionTokenTest, RoundTripsAMinimalSessionWithDefaults) {
  SessionClaims claims;
  claims.access_key_id = "ASIAMINIMAL";
  claims.secret_access_key = "s";
  claims.account_id = "123456789012";
  claims.kind = SessionPrincipalKind::kRoot;
  claims.principal_arn = "arn:aws:iam::123456789012:root";
  claims.issued_at = kIssued;
  claims.expiration = kIssued + hours(12);
  SessionOrRejection result = sealer_.Open(Seal(claims), clock_.Now());
  ASSERT_NE(Opened(result), nullptr);
  EXPECT_EQ(*Opened(result), claims);
  EXPECT_FALSE(Opened(result)->mfa_auth_time.has_value());
  EXPECT_FALSE(Opened(result)->mfa_authenticated);
  EXPECT_TRUE(Opened(result)->principal_id.empty());
}

TEST_F(SessionTokenTest, EveryKindRoundTrips) {
  for (auto kind : {SessionPrincipalKind::kUser, SessionPrincipalKind::kRoot,
                    SessionPrincipalKind::kAssumedRole, SessionPrincipalKind::kFederatedUser}) {
    SessionClaims claims = RoleSession();
    claims.kind = kind;
    SessionOrRejection result = sealer_.Open(Seal(claims), clock_.Now());
    ASSERT_NE(Opened(result), nullptr);
    EXPECT_EQ(Opened(result)->kind, kind);
  }
}

TEST_F(SessionTokenTest, TokensUseFreshNoncesAndHideTheClaims) {
  const SessionClaims claims = RoleSession();
  const std::string a = Seal(claims);
  const std::string b = Seal(claims);
  EXPECT_NE(a, b);
  ASSERT_NE(Opened(sealer_.Open(a, clock_.Now())), nullptr);
  ASSERT_NE(Opened(sealer_.Open(b, clock_.Now())), nullptr);
  const std::string raw = Raw(a);
  EXPECT_EQ(raw.find(claims.secret_access_key), std::string::npos);
  EXPECT_EQ(raw.find(claims.access_key_id), std::string::npos);
  EXPECT_EQ(raw.find(claims.principal_arn), std::string::npos);
  // Header: version 1, key id 1 in the clear.
  EXPECT_EQ(raw.substr(0, 5), std::string("\x01\x00\x00\x00\x01", 5));
}

TEST_F(SessionTokenTest, ReportsTheSizeOfTypicalTokens) {
  const std::string role = Seal(RoleSession());
  SessionClaims user = RoleSession();
  user.kind = SessionPrincipalKind::kUser;
  user.principal_arn = "arn:aws:iam::123456789012:user/alice";
  user.principal_id = "AIDAQX3EXAMPLEUSERID1";
  user.entity_id = "AIDAQX3EXAMPLEUSERID1";
  user.entity_name = "alice";
  user.session_name.clear();
  user.tags.clear();
  user.mfa_authenticated = true;
  user.mfa_auth_time = kIssued;
  const std::string session = Seal(user);
  std::cout << "[ size     ] AssumeRole token: " << role.size()
            << " chars; GetSessionToken (MFA) token: " << session.size() << " chars\n";
  RecordProperty("assume_role_token_chars", static_cast<int>(role.size()));
  RecordProperty("session_token_chars", static_cast<int>(session.size()));
  // AWS's own tokens run from ~400 to over 1000 characters; ours must stay compact.
  EXPECT_LT(role.size(), 512u);
  EXPECT_LT(session.size(), 512u);
}

TEST_F(SessionTokenTest, TamperingWithAnyByteIsRefused) {
  const std::string raw = Raw(Seal(RoleSession()));
  for (size_t i = 0; i < raw.size(); ++i) {
    for (int mask : {0x01, 0x80}) {
      std::string tampered = raw;
      tampered[i] = static_cast<char>(tampered[i] ^ mask);
      TokenDefect expected = i == 0  ? TokenDefect::kMalformed      // version
                             : i < 5 ? TokenDefect::kUnknownKey     // key id
                                     : TokenDefect::kNotAuthentic;  // sealed part
      ExpectRejected(sealer_.Open(Base64Encode(tampered), clock_.Now()), expected,
                     "byte " + std::to_string(i) + " mask " + std::to_string(mask));
    }
  }
}

TEST_F(SessionTokenTest, TamperingWithAnyCharacterIsRefused) {
  const std::string token = Seal(RoleSession());
  for (size_t i = 0; i < token.size(); ++i) {
    std::string tampered = token;
    tampered[i] = tampered[i] == 'A' ? 'B' : 'A';
    SessionOrRejection result = sealer_.Open(tampered, clock_.Now());
    const auto* rejection = std::get_if<TokenRejection>(&result);
    ASSERT_NE(rejection, nullptr) << "char " << i;
    EXPECT_NE(rejection->defect, TokenDefect::kExpired);
    EXPECT_EQ(rejection->error.reason, AuthFailure::kInvalidToken);
  }
}

TEST_F(SessionTokenTest, TruncationAtEveryLengthIsRefused) {
  const std::string token = Seal(RoleSession());
  for (size_t n = 0; n < token.size(); ++n) {
    SessionOrRejection result = sealer_.Open(token.substr(0, n), clock_.Now());
    const auto* rejection = std::get_if<TokenRejection>(&result);
    ASSERT_NE(rejection, nullptr) << "length " << n;
    EXPECT_EQ(rejection->error.reason, AuthFailure::kInvalidToken);
    if (n % 4 != 0 || n == 0) {
      EXPECT_EQ(rejection->defect, TokenDefect::kMalformed) << n;
    }
  }
  // The same on the bytes, re-encoded as canonical base64.
  const std::string raw = Raw(token);
  for (size_t n = 0; n < raw.size(); ++n) {
    TokenDefect expected = n < 5 + 29 ? TokenDefect::kMalformed : TokenDefect::kNotAuthentic;
    ExpectRejected(sealer_.Open(Base64Encode(raw.substr(0, n)), clock_.Now()), expected,
                   "raw length " + std::to_string(n));
  }
}

TEST_F(SessionTokenTest, ExtraBytesAndNonCanonicalEncodingsAreRefused) {
  const std::string token = Seal(RoleSession());
  ExpectRejected(sealer_.Open(Base64Encode(Raw(token) + "x"), clock_.Now()),
                 TokenDefect::kNotAuthentic);
  ExpectRejected(sealer_.Open(token + "====", clock_.Now()), TokenDefect::kMalformed);
  ExpectRejected(sealer_.Open(token + "\n", clock_.Now()), TokenDefect::kMalformed);
  ExpectRejected(sealer_.Open(" " + token, clock_.Now()), TokenDefect::kMalformed);
  ExpectRejected(sealer_.Open(std::string(kMaxSessionTokenSize + 4, 'A'), clock_.Now()),
                 TokenDefect::kMalformed);
  ExpectRejected(sealer_.Open("not a token", clock_.Now()), TokenDefect::kMalformed);
  // Unused bits set in the last character decode to the same bytes but are not the canonical
  // spelling: a token has exactly one.
  std::string raw = Raw(token);
  while (raw.size() % 3 == 0) raw.push_back('x');  // make sure the encoding ends in padding
  std::string canonical = Base64Encode(raw);
  const size_t last = canonical.find('=') - 1;
  std::string respelled = canonical;
  respelled[last] = static_cast<char>(respelled[last] + 1);
  auto same = Base64Decode(respelled);
  ASSERT_TRUE(same.ok());
  ASSERT_EQ(*same, raw);
  ExpectRejected(sealer_.Open(respelled, clock_.Now()), TokenDefect::kMalformed);
  ExpectRejected(sealer_.Open(canonical, clock_.Now()), TokenDefect::kNotAuthentic);
}

TEST_F(SessionTokenTest, WrongKeyIsRefused) {
  const std::string token = Seal(RoleSession());
  SessionTokenSealer other = MakeSealer({{1, kKey2}});
  ExpectRejected(other.Open(token, clock_.Now()), TokenDefect::kNotAuthentic);
}

TEST_F(SessionTokenTest, UnknownKeyIdIsRefused) {
  const std::string token = Seal(RoleSession());
  SessionTokenSealer other = MakeSealer({{7, kKey1}});
  ExpectRejected(other.Open(token, clock_.Now()), TokenDefect::kUnknownKey);
}

TEST_F(SessionTokenTest, TheKeyIdInTheHeaderIsAuthenticated) {
  // Two ids holding the same key: relabelling a token to the other id still fails, because
  // the header is part of the associated data.
  SessionTokenSealer ring = MakeSealer({{1, kKey1}, {2, kKey1}});
  std::string raw = Raw(Seal(RoleSession(), ring));
  ASSERT_EQ(raw[4], '\x02');
  raw[4] = '\x01';
  ExpectRejected(ring.Open(Base64Encode(raw), clock_.Now()), TokenDefect::kNotAuthentic);
}

TEST_F(SessionTokenTest, RotationKeepsLiveSessionsAndSealsWithTheNewKey) {
  const std::string old_token = Seal(RoleSession());
  // Key 2 is added, listed first to show that order does not matter: the highest id seals.
  SessionTokenSealer rotated = MakeSealer({{2, kKey2}, {1, kKey1}});
  EXPECT_EQ(rotated.current_key_id(), 2u);
  ASSERT_NE(Opened(rotated.Open(old_token, clock_.Now())), nullptr);
  const std::string new_token = Seal(RoleSession(), rotated);
  EXPECT_EQ(Raw(new_token).substr(0, 5), std::string("\x01\x00\x00\x00\x02", 5));
  ASSERT_NE(Opened(rotated.Open(new_token, clock_.Now())), nullptr);
  // A node still on the old ring does not know key 2.
  ExpectRejected(sealer_.Open(new_token, clock_.Now()), TokenDefect::kUnknownKey);
  // Once key 1 is retired, its tokens stop opening.
  SessionTokenSealer retired = MakeSealer({{2, kKey2}});
  ExpectRejected(retired.Open(old_token, clock_.Now()), TokenDefect::kUnknownKey);
  ASSERT_NE(Opened(retired.Open(new_token, clock_.Now())), nullptr);
}

TEST_F(SessionTokenTest, ExpiresExactlyAtItsExpiration) {
  const SessionClaims claims = RoleSession();
  const std::string token = Seal(claims);
  clock_.Set(claims.expiration - milliseconds(1));
  ASSERT_NE(Opened(sealer_.Open(token, clock_.Now())), nullptr);
  clock_.Advance(milliseconds(1));
  ExpectRejected(sealer_.Open(token, clock_.Now()), TokenDefect::kExpired);
  clock_.Advance(hours(24 * 365));
  ExpectRejected(sealer_.Open(token, clock_.Now()), TokenDefect::kExpired);
  // Only an authentic token can be "expired": a forged one is invalid, whatever the time.
  std::string raw = Raw(token);
  raw.back() = static_cast<char>(raw.back() ^ 1);
  ExpectRejected(sealer_.Open(Base64Encode(raw), clock_.Now()), TokenDefect::kNotAuthentic);
}

TEST(SessionTokenSealerTest, KeyRingValidation) {
  auto empty = SessionTokenSealer::FromKeyRing({});
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(empty.status().message(), "the session token key ring is empty");

  std::vector<SessionTokenKey> short_key = {{1, kKey1}, {3, std::string(31, 'k')}};
  auto bad_size = SessionTokenSealer::FromKeyRing(short_key);
  ASSERT_FALSE(bad_size.ok());
  EXPECT_EQ(bad_size.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad_size.status().message(), "session token key 3 is not 32 bytes");

  std::vector<SessionTokenKey> long_key = {{4, std::string(33, 'k')}};
  auto too_long = SessionTokenSealer::FromKeyRing(long_key);
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.status().message(), "session token key 4 is not 32 bytes");

  std::vector<SessionTokenKey> duplicate = {{5, kKey1}, {2, kKey2}, {5, kKey2}};
  auto dup = SessionTokenSealer::FromKeyRing(duplicate);
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(dup.status().message(), "session token key id 5 appears twice");
}

class FailingRandom final : public RandomSource {
 public:
  std::string Bytes(size_t) override { return std::string(); }
};

TEST_F(SessionTokenTest, SealRefusesIncompleteClaimsAndOversizedSessions) {
  for (auto clear : {+[](SessionClaims& c) { c.access_key_id.clear(); },
                     +[](SessionClaims& c) { c.secret_access_key.clear(); },
                     +[](SessionClaims& c) { c.account_id.clear(); },
                     +[](SessionClaims& c) { c.principal_arn.clear(); }}) {
    SessionClaims claims = RoleSession();
    clear(claims);
    auto token = sealer_.Seal(claims, random_);
    ASSERT_FALSE(token.ok());
    EXPECT_EQ(token.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(token.status().message(),
              "a session needs an access key id, a secret, an account id and a principal ARN");
  }

  SessionClaims bad_kind = RoleSession();
  bad_kind.kind = static_cast<SessionPrincipalKind>(9);
  auto kind = sealer_.Seal(bad_kind, random_);
  ASSERT_FALSE(kind.ok());
  EXPECT_EQ(kind.status().message(), "unknown session principal kind");

  SessionClaims huge = RoleSession();
  huge.session_policies = {std::string(kMaxSessionTokenSize, '{')};
  auto big = sealer_.Seal(huge, random_);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(big.status().message(),
            "the session would exceed the maximum session token size of 65536 characters");

  // The largest session that fits still opens.
  SessionClaims large = RoleSession();
  large.session_policies = {std::string(40000, '{')};
  SessionOrRejection opened = sealer_.Open(Seal(large), clock_.Now());
  ASSERT_NE(Opened(opened), nullptr);
  EXPECT_EQ(Opened(opened)->session_policies, large.session_policies);
}

TEST_F(SessionTokenTest, SealReportsAFailingRandomSource) {
  FailingRandom failing;
  auto token = sealer_.Seal(RoleSession(), failing);
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.status().code(), StatusCode::kInternal);
  EXPECT_EQ(token.status().message(), "no randomness for a session token nonce");
}

// The binary encoding, directly.

TEST(SessionClaimsEncodingTest, TruncationIsRejectedOrLosesWholeOptionalFields) {
  // Inside a token the AEAD tag refuses any truncation (see above); the encoding itself refuses
  // every cut inside a field. A cut between fields after the required ones is a shorter, valid
  // encoding: one per optional field of FullSession (10), each decoding to less than the whole.
  const SessionClaims full = FullSession();
  const std::string bytes = EncodeClaims(full);
  ASSERT_EQ(DecodeClaims(bytes), full);
  int decoded_prefixes = 0;
  for (size_t n = 0; n < bytes.size(); ++n) {
    std::optional<SessionClaims> prefix = DecodeClaims(std::string_view(bytes).substr(0, n));
    if (!prefix) continue;
    ++decoded_prefixes;
    EXPECT_NE(*prefix, full) << n;
  }
  EXPECT_EQ(decoded_prefixes, 10);
}

// Builds an encoding field by field.
std::string Field(uint8_t tag, std::string_view value) {
  std::string out(1, static_cast<char>(tag));
  out.push_back(static_cast<char>(value.size()));  // values here are < 128 bytes
  out.append(value);
  return out;
}

std::string RequiredFields() {
  return Field(0x01, "ASIAX") + Field(0x02, "secret") + Field(0x03, "123456789012") +
         Field(0x04, "\x03") + Field(0x05, "arn:aws:sts::123456789012:assumed-role/r/s") +
         Field(0x06, "AROAX:s") + Field(0x07, "\x02") + Field(0x08, "\x04");
}

TEST(SessionClaimsEncodingTest, DecodesAHandBuiltEncoding) {
  std::optional<SessionClaims> claims = DecodeClaims(RequiredFields());
  ASSERT_TRUE(claims.has_value());
  EXPECT_EQ(claims->access_key_id, "ASIAX");
  EXPECT_EQ(claims->kind, SessionPrincipalKind::kAssumedRole);
  EXPECT_EQ(claims->issued_at, TimePoint(milliseconds(1)));  // zigzag 2 -> 1
  EXPECT_EQ(claims->expiration, TimePoint(milliseconds(2)));
  // Negative times round-trip through zigzag.
  std::optional<SessionClaims> negative =
      DecodeClaims(RequiredFields().substr(0, RequiredFields().size() - 6) + Field(0x07, "\x01") +
                   Field(0x08, "\x03"));
  ASSERT_TRUE(negative.has_value());
  EXPECT_EQ(negative->issued_at, TimePoint(milliseconds(-1)));
  EXPECT_EQ(negative->expiration, TimePoint(milliseconds(-2)));
}

TEST(SessionClaimsEncodingTest, SkipsOptionalExtensionsButNotUnknownRequiredTags) {
  EXPECT_TRUE(DecodeClaims(RequiredFields() + Field(0x80, "future")).has_value());
  EXPECT_TRUE(DecodeClaims(RequiredFields() + Field(0xff, "")).has_value());
  EXPECT_FALSE(DecodeClaims(RequiredFields() + Field(0x13, "restriction")).has_value());
  EXPECT_FALSE(DecodeClaims(RequiredFields() + Field(0x7f, "")).has_value());
}

TEST(SessionClaimsEncodingTest, RejectsStructuralErrors) {
  const std::string base = RequiredFields();
  // A missing required field (the principal ARN).
  const std::string arn = Field(0x05, "arn:aws:sts::123456789012:assumed-role/r/s");
  std::string without_arn = base;
  without_arn.erase(without_arn.find(arn), arn.size());
  EXPECT_FALSE(DecodeClaims(without_arn).has_value());
  // Repeated and out-of-order tags.
  EXPECT_FALSE(DecodeClaims(base + Field(0x0b, "a") + Field(0x0b, "b")).has_value());
  EXPECT_FALSE(DecodeClaims(base + Field(0x0c, "a") + Field(0x0b, "b")).has_value());
  // Unknown kind, unknown flag bits, zero flags (never written).
  std::string bad_kind = base;
  bad_kind[bad_kind.find(Field(0x04, "\x03"), 0) + 2] = '\x05';
  EXPECT_FALSE(DecodeClaims(bad_kind).has_value());
  EXPECT_TRUE(DecodeClaims(base + Field(0x11, "\x03")).has_value());
  EXPECT_FALSE(DecodeClaims(base + Field(0x11, "\x04")).has_value());
  EXPECT_FALSE(DecodeClaims(base + Field(0x11, std::string("\x00", 1))).has_value());
  // A varint value with bytes left over, a non-minimal varint, a 65-bit varint.
  EXPECT_FALSE(DecodeClaims(base + Field(0x12, "\x02\x02")).has_value());
  EXPECT_FALSE(DecodeClaims(base + Field(0x12, std::string("\x82\x00", 2))).has_value());
  EXPECT_TRUE(
      DecodeClaims(base + Field(0x12, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01")).has_value());
  EXPECT_FALSE(
      DecodeClaims(base + Field(0x12, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x02")).has_value());
  EXPECT_FALSE(
      DecodeClaims(base + Field(0x12, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01")).has_value());
  // Lists: an empty list is never written; a count beyond the bytes; an item overrunning.
  EXPECT_TRUE(DecodeClaims(base + Field(0x0e, "\x01\x03key")).has_value());
  EXPECT_FALSE(DecodeClaims(base + Field(0x0e, std::string("\x00", 1))).has_value());
  EXPECT_FALSE(DecodeClaims(base + Field(0x0e, "\x7f\x01k")).has_value());
  EXPECT_FALSE(DecodeClaims(base + Field(0x0e, "\x01\x05key")).has_value());
  EXPECT_FALSE(DecodeClaims(base + Field(0x0e, "\x01\x02key")).has_value());  // left over
  EXPECT_TRUE(DecodeClaims(base + Field(0x0d, "\x01\x01k\x01v")).has_value());
  EXPECT_FALSE(DecodeClaims(base + Field(0x0d, "\x01\x01k")).has_value());  // no value
  // A field length beyond the input.
  EXPECT_FALSE(DecodeClaims(base + std::string("\x0b\x05"
                                               "abc",
                                               5))
                   .has_value());
  // Empty required strings.
  std::string empty_key = base;
  empty_key.replace(0, 7, Field(0x01, ""));
  EXPECT_FALSE(DecodeClaims(empty_key).has_value());
}

}  // namespace
}  // namespace sigil::auth
