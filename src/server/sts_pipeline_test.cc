// STS through the whole pipeline, in process: temporary credentials issued, used, restricted,
// expired and revoked; roles assumed under trust policies, chained, and bounded by session
// policies. The fake clock lets sessions expire without waiting.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "auth/totp.h"
#include "common/strings.h"
#include "server/pipeline_fixture.h"

namespace sigil::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct Creds {
  std::string id, secret, token;
};

class StsPipelineTest : public PipelineTest {
 protected:
  // Creates user `name` with an access key and the given inline policy (none when empty).
  Creds NewUser(const std::string& name, const std::string& policy = "") {
    EXPECT_EQ(Run(AsRoot("iam", "Action=CreateUser&Version=2010-05-08&UserName=" + name)).status,
              200);
    if (!policy.empty()) {
      http::Response put =
          Run(AsRoot("iam", "Action=PutUserPolicy&Version=2010-05-08&UserName=" + name +
                                "&PolicyName=p&PolicyDocument=" + UriEncode(policy)));
      EXPECT_EQ(put.status, 200) << put.body;
    }
    http::Response key =
        Run(AsRoot("iam", "Action=CreateAccessKey&Version=2010-05-08&UserName=" + name));
    EXPECT_EQ(key.status, 200) << key.body;
    return Creds{Between(key.body, "<AccessKeyId>", "</AccessKeyId>"),
                 Between(key.body, "<SecretAccessKey>", "</SecretAccessKey>"), ""};
  }

  void NewRole(const std::string& name, const std::string& trust, const std::string& policy,
               int max_session = 3600) {
    http::Response r = Run(AsRoot("iam", "Action=CreateRole&Version=2010-05-08&RoleName=" + name +
                                             "&MaxSessionDuration=" + std::to_string(max_session) +
                                             "&AssumeRolePolicyDocument=" + UriEncode(trust)));
    ASSERT_EQ(r.status, 200) << r.body;
    if (!policy.empty()) {
      http::Response put =
          Run(AsRoot("iam", "Action=PutRolePolicy&Version=2010-05-08&RoleName=" + name +
                                "&PolicyName=p&PolicyDocument=" + UriEncode(policy)));
      ASSERT_EQ(put.status, 200) << put.body;
    }
  }

  std::string RoleArnOf(const std::string& name) {
    return "arn:aws:iam::" + account_ + ":role/" + name;
  }

  http::Response Call(const std::string& service, const std::string& body, const Creds& c) {
    return Run(Signed(service, body, c.id, c.secret, clock_.Now(), c.token));
  }

  static Creds CredsFrom(const http::Response& r) {
    return Creds{Between(r.body, "<AccessKeyId>", "</AccessKeyId>"),
                 Between(r.body, "<SecretAccessKey>", "</SecretAccessKey>"),
                 Between(r.body, "<SessionToken>", "</SessionToken>")};
  }

  std::string TrustAccount() {
    return R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::)" +
           account_ + R"(:root"},"Action":"sts:AssumeRole"}]})";
  }

  static constexpr const char* kWhoAmI = "Action=GetCallerIdentity&Version=2011-06-15";
  static constexpr const char* kAllowAll =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]})";
  static constexpr const char* kListUsers = "Action=ListUsers&Version=2010-05-08";
};

TEST_F(StsPipelineTest, SessionTokenCredentialsWorkAndExpire) {
  Creds alice = NewUser("alice", kAllowAll);
  http::Response issued =
      Call("sts", "Action=GetSessionToken&Version=2011-06-15&DurationSeconds=900", alice);
  ASSERT_EQ(issued.status, 200) << issued.body;
  Creds session = CredsFrom(issued);
  EXPECT_EQ(session.id.substr(0, 4), "ASIA");
  EXPECT_EQ(session.secret.size(), 40u);
  EXPECT_EQ(Between(issued.body, "<Expiration>", "</Expiration>"),
            FormatIso8601(clock_.Now() + std::chrono::seconds(900)));

  http::Response who = Call("sts", kWhoAmI, session);
  ASSERT_EQ(who.status, 200) << who.body;
  EXPECT_THAT(who.body, HasSubstr("<Arn>arn:aws:iam::" + account_ + ":user/alice</Arn>"));

  clock_.Advance(std::chrono::seconds(899));
  EXPECT_EQ(Call("sts", kWhoAmI, session).status, 200);
  clock_.Advance(std::chrono::seconds(1));
  http::Response expired = Call("sts", kWhoAmI, session);
  EXPECT_EQ(expired.status, 403);
  EXPECT_THAT(expired.body, HasSubstr("<Code>ExpiredToken</Code>"));
  EXPECT_THAT(expired.body,
              HasSubstr("<Message>The security token included in the request is expired"));
}

TEST_F(StsPipelineTest, SessionTokenCredentialsAreRestrictedAsInAws) {
  Creds alice = NewUser("alice", kAllowAll);
  Creds session = CredsFrom(Call("sts", "Action=GetSessionToken&Version=2011-06-15", alice));
  // No IAM without MFA: AWS answers as for an invalid token.
  http::Response iam = Call("iam", kListUsers, session);
  EXPECT_EQ(iam.status, 403);
  EXPECT_THAT(iam.body, HasSubstr("<Code>InvalidClientTokenId</Code>"));
  // No STS but AssumeRole and GetCallerIdentity.
  http::Response again = Call("sts", "Action=GetSessionToken&Version=2011-06-15", session);
  EXPECT_EQ(again.status, 403);
  EXPECT_THAT(again.body, HasSubstr("<Code>AccessDenied</Code>"));
  EXPECT_THAT(again.body,
              HasSubstr("<Message>Cannot call GetSessionToken with session credentials</Message>"));
  http::Response info =
      Call("sts", "Action=GetAccessKeyInfo&Version=2011-06-15&AccessKeyId=" + alice.id, session);
  EXPECT_EQ(info.status, 403);
  EXPECT_THAT(info.body, HasSubstr("Cannot call GetAccessKeyInfo with session credentials"));
}

TEST_F(StsPipelineTest, MfaSessionsReachIamAndCodesWorkOnce) {
  // AWS's "force MFA" shape: allowed only with MFA.
  Creds alice = NewUser(
      "alice",
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]})");
  const std::string user_id = identity_->Current()->FindUser(account_, "alice")->user_id;
  auto device = identity_->CreateVirtualMfaDevice(account_, "alice", "/", {});
  ASSERT_TRUE(device.ok()) << device.status().ToString();
  const std::string serial = device->device.serial_number;
  const int64_t step = auth::TotpStep(clock_.Now());
  ASSERT_TRUE(identity_
                  ->EnableMfaDevice(account_, user_id, serial,
                                    auth::TotpCode(device->seed, step - 1),
                                    auth::TotpCode(device->seed, step), clock_.Now(), 8)
                  .ok());
  EXPECT_EQ(Call("iam", kListUsers, alice).status, 403);  // long-term keys carry no MFA

  const std::string next_code = auth::TotpCode(device->seed, step + 1);
  const std::string with_mfa =
      "Action=GetSessionToken&Version=2011-06-15&SerialNumber=" + UriEncode(serial) + "&TokenCode=";
  http::Response wrong =
      Call("sts", with_mfa + (next_code == "000000" ? "111111" : "000000"), alice);
  EXPECT_EQ(wrong.status, 403);
  EXPECT_THAT(wrong.body, HasSubstr("MultiFactorAuthentication failed"));
  http::Response issued = Call("sts", with_mfa + next_code, alice);
  ASSERT_EQ(issued.status, 200) << issued.body;
  Creds session = CredsFrom(issued);
  EXPECT_EQ(Call("iam", kListUsers, session).status, 200);
  http::Response replayed = Call("sts", with_mfa + next_code, alice);
  EXPECT_EQ(replayed.status, 403);
  EXPECT_THAT(replayed.body, HasSubstr("<Code>AccessDenied</Code>"));

  // A session without MFA cannot reach IAM at all.
  Creds plain = CredsFrom(Call("sts", "Action=GetSessionToken&Version=2011-06-15", alice));
  EXPECT_THAT(Call("iam", kListUsers, plain).body, HasSubstr("<Code>InvalidClientTokenId</Code>"));
}

TEST_F(StsPipelineTest, TamperedOrForeignTokensAreInvalid) {
  Creds alice = NewUser("alice", kAllowAll);
  Creds session = CredsFrom(Call("sts", "Action=GetSessionToken&Version=2011-06-15", alice));
  Creds tampered = session;
  tampered.token[tampered.token.size() / 2] =
      tampered.token[tampered.token.size() / 2] == 'A' ? 'B' : 'A';
  http::Response t = Call("sts", kWhoAmI, tampered);
  EXPECT_EQ(t.status, 403);
  EXPECT_THAT(t.body, HasSubstr("<Code>InvalidClientTokenId</Code>"));
  Creds truncated = session;
  truncated.token.resize(truncated.token.size() - 8);
  EXPECT_THAT(Call("sts", kWhoAmI, truncated).body, HasSubstr("<Code>InvalidClientTokenId</Code>"));
  // Another session's token does not vouch for this key id.
  Creds other = CredsFrom(Call("sts", "Action=GetSessionToken&Version=2011-06-15", alice));
  Creds swapped{session.id, session.secret, other.token};
  EXPECT_THAT(Call("sts", kWhoAmI, swapped).body, HasSubstr("<Code>InvalidClientTokenId</Code>"));
  // The right token with the wrong secret is a signature mismatch.
  Creds wrong_secret{session.id, other.secret, session.token};
  EXPECT_THAT(Call("sts", kWhoAmI, wrong_secret).body,
              HasSubstr("<Code>SignatureDoesNotMatch</Code>"));
  // The response never echoes a token or secret.
  EXPECT_THAT(t.body, Not(HasSubstr(session.secret)));
}

TEST_F(StsPipelineTest, RootSessionsLastAtMostAnHour) {
  http::Response issued =
      Run(AsRoot("sts", "Action=GetSessionToken&Version=2011-06-15&DurationSeconds=129600"));
  ASSERT_EQ(issued.status, 200) << issued.body;
  EXPECT_EQ(Between(issued.body, "<Expiration>", "</Expiration>"),
            FormatIso8601(clock_.Now() + std::chrono::hours(1)));
  http::Response too_long =
      Run(AsRoot("sts", "Action=GetSessionToken&Version=2011-06-15&DurationSeconds=129601"));
  EXPECT_EQ(too_long.status, 400);
  EXPECT_THAT(too_long.body, HasSubstr("<Code>ValidationError</Code>"));
}

TEST_F(StsPipelineTest, AssumeRoleUnderTrustAndIdentityPolicies) {
  NewRole(
      "reader", TrustAccount(),
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]})");
  // A user without sts:AssumeRole permission is refused: the trust policy names the account,
  // so the identity side must allow too.
  Creds bob = NewUser("bob");
  http::Response denied = Call("sts",
                               "Action=AssumeRole&Version=2011-06-15&RoleSessionName=s1&RoleArn=" +
                                   UriEncode(RoleArnOf("reader")),
                               bob);
  EXPECT_EQ(denied.status, 403);
  EXPECT_THAT(denied.body, HasSubstr("<Code>AccessDenied</Code>"));
  EXPECT_THAT(denied.body, HasSubstr("is not authorized to perform: sts:AssumeRole on resource: " +
                                     RoleArnOf("reader")));

  Creds alice = NewUser(
      "alice",
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]})");
  http::Response assumed = Call("sts",
                                "Action=AssumeRole&Version=2011-06-15&RoleSessionName=ci-run&"
                                "RoleArn=" +
                                    UriEncode(RoleArnOf("reader")),
                                alice);
  ASSERT_EQ(assumed.status, 200) << assumed.body;
  const std::string session_arn = "arn:aws:sts::" + account_ + ":assumed-role/reader/ci-run";
  EXPECT_THAT(assumed.body, HasSubstr("<Arn>" + session_arn + "</Arn>"));
  EXPECT_THAT(assumed.body, HasSubstr("<AssumedRoleId>AROA"));
  EXPECT_THAT(assumed.body, Not(HasSubstr("PackedPolicySize")));
  Creds role = CredsFrom(assumed);

  http::Response who = Call("sts", kWhoAmI, role);
  EXPECT_THAT(who.body, HasSubstr("<Arn>" + session_arn + "</Arn>"));
  EXPECT_THAT(who.body, HasSubstr(":ci-run</UserId>"));
  // The role's permissions, not alice's.
  EXPECT_EQ(Call("iam", kListUsers, role).status, 200);
  http::Response not_role = Call("iam", "Action=ListRoles&Version=2010-05-08", role);
  EXPECT_EQ(not_role.status, 403);
  EXPECT_THAT(not_role.body,
              HasSubstr("User: " + session_arn + " is not authorized to perform: iam:ListRoles"));

  // A role that does not exist is denied the same way, revealing nothing.
  http::Response missing = Call("sts",
                                "Action=AssumeRole&Version=2011-06-15&RoleSessionName=s0&RoleArn=" +
                                    UriEncode(RoleArnOf("nope")),
                                alice);
  EXPECT_EQ(missing.status, 403);
  EXPECT_THAT(missing.body, HasSubstr("<Code>AccessDenied</Code>"));
}

TEST_F(StsPipelineTest, TrustPolicyNamingTheUserSufficesAndConditionsApply) {
  Creds carol = NewUser("carol");  // no identity policy at all
  NewRole(
      "ext",
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::)" +
          account_ +
          R"(:user/carol"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"s3cr3t-id"}}}]})",
      "");
  const std::string base = "Action=AssumeRole&Version=2011-06-15&RoleSessionName=xx&RoleArn=" +
                           UriEncode(RoleArnOf("ext"));
  http::Response no_external_id = Call("sts", base, carol);
  EXPECT_EQ(no_external_id.status, 403) << no_external_id.body;
  EXPECT_EQ(Call("sts", base + "&ExternalId=wrong-id", carol).status, 403);
  http::Response ok = Call("sts", base + "&ExternalId=s3cr3t-id", carol);
  EXPECT_EQ(ok.status, 200) << ok.body;
}

TEST_F(StsPipelineTest, DurationRulesAndChaining) {
  Creds alice = NewUser("alice", kAllowAll);
  NewRole("long", TrustAccount(), kAllowAll, 7200);
  const std::string base = "Action=AssumeRole&Version=2011-06-15&RoleSessionName=s0&RoleArn=" +
                           UriEncode(RoleArnOf("long"));
  http::Response two_hours = Call("sts", base + "&DurationSeconds=7200", alice);
  ASSERT_EQ(two_hours.status, 200) << two_hours.body;
  EXPECT_EQ(Between(two_hours.body, "<Expiration>", "</Expiration>"),
            FormatIso8601(clock_.Now() + std::chrono::hours(2)));
  http::Response over = Call("sts", base + "&DurationSeconds=7201", alice);
  EXPECT_EQ(over.status, 400);
  EXPECT_THAT(over.body, HasSubstr("exceeds the MaxSessionDuration set for this role"));

  // A role session assuming a role: chaining, capped at one hour.
  Creds role = CredsFrom(two_hours);
  // (And a role session has no user for IAM to default to.)
  http::Response keys = Call("iam", "Action=ListAccessKeys&Version=2010-05-08", role);
  EXPECT_EQ(keys.status, 400);
  EXPECT_THAT(keys.body, HasSubstr("Must specify userName when calling with non-User credentials"));
  http::Response chained = Call("sts", base + "&DurationSeconds=7200", role);
  EXPECT_EQ(chained.status, 400);
  EXPECT_THAT(chained.body, HasSubstr("1 hour session limit for roles assumed by role chaining"));
  EXPECT_EQ(Call("sts", base, role).status, 200);
}

TEST_F(StsPipelineTest, SessionPoliciesIntersectTheRolesPermissions) {
  Creds alice = NewUser("alice", kAllowAll);
  NewRole("admin", TrustAccount(), kAllowAll);
  const std::string session_policy =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*"}]})";
  http::Response assumed =
      Call("sts",
           "Action=AssumeRole&Version=2011-06-15&RoleSessionName=narrow&RoleArn=" +
               UriEncode(RoleArnOf("admin")) + "&Policy=" + UriEncode(session_policy),
           alice);
  ASSERT_EQ(assumed.status, 200) << assumed.body;
  EXPECT_FALSE(Between(assumed.body, "<PackedPolicySize>", "</PackedPolicySize>").empty());
  Creds role = CredsFrom(assumed);
  EXPECT_EQ(Call("iam", "Action=ListRoles&Version=2010-05-08", role).status, 200);
  http::Response denied = Call("iam", kListUsers, role);
  EXPECT_EQ(denied.status, 403);
  EXPECT_THAT(denied.body, HasSubstr("because no session policy allows the iam:ListUsers action"));

  http::Response malformed =
      Call("sts",
           "Action=AssumeRole&Version=2011-06-15&RoleSessionName=bad&RoleArn=" +
               UriEncode(RoleArnOf("admin")) + "&Policy=" + UriEncode("{\"Version\":"),
           alice);
  EXPECT_EQ(malformed.status, 400);
  EXPECT_THAT(malformed.body, HasSubstr("<Code>MalformedPolicyDocument</Code>"));
}

TEST_F(StsPipelineTest, SessionTagsBecomePrincipalTagsAndNeedTagSession) {
  Creds alice = NewUser("alice", kAllowAll);
  NewRole(
      "tagged",
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::)" +
          account_ + R"(:root"},"Action":["sts:AssumeRole","sts:TagSession"]}]})",
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"blue"}}}]})");
  NewRole("untaggable", TrustAccount(), kAllowAll);
  const std::string tags = "&Tags.member.1.Key=team&Tags.member.1.Value=";
  http::Response blue = Call("sts",
                             "Action=AssumeRole&Version=2011-06-15&RoleSessionName=bb&RoleArn=" +
                                 UriEncode(RoleArnOf("tagged")) + tags + "blue",
                             alice);
  ASSERT_EQ(blue.status, 200) << blue.body;
  EXPECT_EQ(Call("iam", kListUsers, CredsFrom(blue)).status, 200);
  http::Response red = Call("sts",
                            "Action=AssumeRole&Version=2011-06-15&RoleSessionName=rr&RoleArn=" +
                                UriEncode(RoleArnOf("tagged")) + tags + "red",
                            alice);
  ASSERT_EQ(red.status, 200) << red.body;
  EXPECT_EQ(Call("iam", kListUsers, CredsFrom(red)).status, 403);
  // The trust policy of "untaggable" does not allow sts:TagSession.
  http::Response refused = Call("sts",
                                "Action=AssumeRole&Version=2011-06-15&RoleSessionName=uu&RoleArn=" +
                                    UriEncode(RoleArnOf("untaggable")) + tags + "blue",
                                alice);
  EXPECT_EQ(refused.status, 403);
  EXPECT_THAT(refused.body, HasSubstr("sts:TagSession"));
}

TEST_F(StsPipelineTest, RevokingSessionsWithTokenIssueTime) {
  Creds alice = NewUser("alice", kAllowAll);
  NewRole("ops", TrustAccount(), kAllowAll);
  const std::string assume = "Action=AssumeRole&Version=2011-06-15&RoleSessionName=s0&RoleArn=" +
                             UriEncode(RoleArnOf("ops"));
  Creds before = CredsFrom(Call("sts", assume, alice));
  ASSERT_EQ(Call("iam", kListUsers, before).status, 200);
  clock_.Advance(std::chrono::minutes(5));
  // What the console's "Revoke active sessions" attaches to the role.
  const std::string revoke =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"DateLessThan":{"aws:TokenIssueTime":")" +
      FormatIso8601(clock_.Now()) + R"("}}}]})";
  ASSERT_EQ(Run(AsRoot("iam",
                       "Action=PutRolePolicy&Version=2010-05-08&RoleName=ops&PolicyName="
                       "AWSRevokeOlderSessions&PolicyDocument=" +
                           UriEncode(revoke)))
                .status,
            200);
  http::Response revoked = Call("iam", kListUsers, before);
  EXPECT_EQ(revoked.status, 403);
  EXPECT_THAT(revoked.body, HasSubstr("with an explicit deny in an identity-based policy"));
  clock_.Advance(std::chrono::seconds(1));
  Creds after = CredsFrom(Call("sts", assume, alice));
  EXPECT_EQ(Call("iam", kListUsers, after).status, 200);
}

TEST_F(StsPipelineTest, FederationTokenIsBoundedBySessionPolicy) {
  Creds alice = NewUser("alice", kAllowAll);
  http::Response none = Call("sts", "Action=GetFederationToken&Version=2011-06-15&Name=fed", alice);
  ASSERT_EQ(none.status, 200) << none.body;
  EXPECT_THAT(none.body, HasSubstr("<Arn>arn:aws:sts::" + account_ + ":federated-user/fed</Arn>"));
  EXPECT_THAT(none.body, HasSubstr("<FederatedUserId>" + account_ + ":fed</FederatedUserId>"));
  Creds fed = CredsFrom(none);
  EXPECT_THAT(Call("sts", kWhoAmI, fed).body,
              HasSubstr("<Arn>arn:aws:sts::" + account_ + ":federated-user/fed</Arn>"));
  // Federated users never reach IAM.
  EXPECT_THAT(Call("iam", kListUsers, fed).body, HasSubstr("<Code>InvalidClientTokenId</Code>"));
  EXPECT_THAT(Call("sts",
                   "Action=AssumeRole&Version=2011-06-15&RoleSessionName=s0&RoleArn=" +
                       UriEncode(RoleArnOf("x")),
                   fed)
                  .body,
              HasSubstr("Cannot call AssumeRole with session credentials"));
}

TEST_F(StsPipelineTest, GetAccessKeyInfoAndDecodeAuthorizationMessage) {
  Creds alice = NewUser("alice", kAllowAll);
  http::Response info =
      Call("sts", "Action=GetAccessKeyInfo&Version=2011-06-15&AccessKeyId=" + alice.id, alice);
  ASSERT_EQ(info.status, 200) << info.body;
  EXPECT_THAT(info.body, HasSubstr("<Account>" + account_ + "</Account>"));
  Creds session = CredsFrom(Call("sts", "Action=GetSessionToken&Version=2011-06-15", alice));
  http::Response temp =
      Call("sts", "Action=GetAccessKeyInfo&Version=2011-06-15&AccessKeyId=" + session.id, alice);
  EXPECT_THAT(temp.body, HasSubstr("<Account>" + account_ + "</Account>"));

  const std::string message = R"({"allowed":false,"explicitDeny":false})";
  std::string encoded = *sealer_->SealMessage(sts::kAuthorizationMessagePurpose, message, random_);
  http::Response decoded = Call(
      "sts",
      "Action=DecodeAuthorizationMessage&Version=2011-06-15&EncodedMessage=" + UriEncode(encoded),
      alice);
  ASSERT_EQ(decoded.status, 200) << decoded.body;
  EXPECT_THAT(decoded.body, HasSubstr("&quot;allowed&quot;:false"));
  http::Response bad = Call(
      "sts", "Action=DecodeAuthorizationMessage&Version=2011-06-15&EncodedMessage=bm90LWEtbXNn",
      alice);
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body, HasSubstr("<Code>InvalidAuthorizationMessageException</Code>"));
  // Without sts:DecodeAuthorizationMessage permission, denied.
  Creds bob = NewUser("bob");
  EXPECT_EQ(Call("sts",
                 "Action=DecodeAuthorizationMessage&Version=2011-06-15&EncodedMessage=" +
                     UriEncode(encoded),
                 bob)
                .status,
            403);
}

}  // namespace
}  // namespace sigil::server
