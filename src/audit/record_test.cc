#include "audit/record.h"

#include <gtest/gtest.h>

#include "common/time_format.h"

namespace sigil::audit {
namespace {

using protocol::Value;

constexpr char kAccount[] = "123456789012";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr char kToken[] = "IQoJb3JpZ2luX2VjEXAMPLETOKEN";

TimePoint At(const char* iso) { return *ParseIso8601(iso); }

Principal User() {
  Principal p;
  p.type = PrincipalType::kUser;
  p.account_id = kAccount;
  p.arn = "arn:aws:iam::123456789012:user/ops/alice";
  p.principal_id = "AIDAEXAMPLEALICE";
  p.user_name = "alice";
  p.user_id = "AIDAEXAMPLEALICE";
  p.access_key_id = "AKIAEXAMPLEALICE";
  return p;
}

auth::SessionClaims Session(auth::SessionPrincipalKind kind, bool mfa) {
  auth::SessionClaims c;
  c.kind = kind;
  c.account_id = kAccount;
  c.access_key_id = "ASIAEXAMPLESESSION";
  c.mfa_authenticated = mfa;
  c.issued_at = At("2024-05-06T07:00:00Z");
  return c;
}

RecordInput Basic(const Principal* p) {
  RecordInput in;
  in.event_time = At("2024-05-06T07:08:09.750Z");
  in.service = "iam";
  in.action = "CreateUser";
  in.region = "us-east-1";
  in.source_ip = "192.0.2.10";
  in.user_agent = "aws-cli/2.15.0";
  in.request_id = "req-1";
  in.event_id = "evt-1";
  in.principal = p;
  return in;
}

TEST(Record, IamUserCallWithEveryTopLevelMemberInCloudTrailOrder) {
  Principal alice = User();
  RecordInput in = Basic(&alice);
  Value input = {{"UserName", "bob"}, {"Path", "/ops/"}};
  Value output = Value::parse(
      R"({"User":{"UserName":"bob","UserId":"AIDABOB","Arn":"arn:aws:iam::123456789012:user/ops/bob",)"
      R"("Path":"/ops/","CreateDate":1714979289000}})");
  const protocol::Operation& op = *protocol::IamModel().FindOperation("CreateUser");
  in.input = &input;
  in.input_shape = op.input;
  in.output = &output;
  in.output_shape = op.output;
  Record r = BuildRecord(in);
  EXPECT_EQ(
      r.dump(),
      R"({"eventVersion":"1.11","userIdentity":{"type":"IAMUser","principalId":"AIDAEXAMPLEALICE",)"
      R"("arn":"arn:aws:iam::123456789012:user/ops/alice","accountId":"123456789012",)"
      R"("accessKeyId":"AKIAEXAMPLEALICE","userName":"alice"},"eventTime":"2024-05-06T07:08:09Z",)"
      R"("eventSource":"iam.amazonaws.com","eventName":"CreateUser","awsRegion":"us-east-1",)"
      R"("sourceIPAddress":"192.0.2.10","userAgent":"aws-cli/2.15.0",)"
      R"("requestParameters":{"path":"/ops/","userName":"bob"},)"
      R"("responseElements":{"user":{"path":"/ops/","userName":"bob","userId":"AIDABOB",)"
      R"("arn":"arn:aws:iam::123456789012:user/ops/bob",)"
      R"("createDate":"2024-05-06T07:08:09Z"}},"requestID":"req-1","eventID":"evt-1",)"
      R"("readOnly":false,"eventType":"AwsApiCall","managementEvent":true,)"
      R"("recipientAccountId":"123456789012","eventCategory":"Management"})");
}

TEST(Record, RootWithLongTermKey) {
  Principal root;
  root.type = PrincipalType::kRoot;
  root.account_id = kAccount;
  root.arn = "arn:aws:iam::123456789012:root";
  root.principal_id = kAccount;
  root.access_key_id = "AKIAROOT";
  Record id = BuildRecord(Basic(&root))["userIdentity"];
  EXPECT_EQ(id.dump(),
            R"({"type":"Root","principalId":"123456789012","arn":"arn:aws:iam::123456789012:root",)"
            R"("accountId":"123456789012","accessKeyId":"AKIAROOT"})");
}

TEST(Record, RoleSessionWithMfaAndSourceIdentity) {
  Principal p;
  p.type = PrincipalType::kAssumedRole;
  p.account_id = kAccount;
  p.arn = "arn:aws:sts::123456789012:assumed-role/Deploy/ci-run";
  p.principal_id = "AROAEXAMPLEDEPLOY:ci-run";
  p.role_id = "AROAEXAMPLEDEPLOY";
  p.role_name = "Deploy";
  p.access_key_id = "ASIAEXAMPLESESSION";
  p.session = Session(auth::SessionPrincipalKind::kAssumedRole, true);
  p.session->source_identity = "alice@example.com";
  RecordInput in = Basic(&p);
  in.session_issuer_arn = "arn:aws:iam::123456789012:role/ci/Deploy";
  EXPECT_EQ(BuildRecord(in)["userIdentity"].dump(),
            R"({"type":"AssumedRole","principalId":"AROAEXAMPLEDEPLOY:ci-run",)"
            R"("arn":"arn:aws:sts::123456789012:assumed-role/Deploy/ci-run",)"
            R"("accountId":"123456789012","accessKeyId":"ASIAEXAMPLESESSION",)"
            R"("sessionContext":{"sessionIssuer":{"type":"Role","principalId":"AROAEXAMPLEDEPLOY",)"
            R"("arn":"arn:aws:iam::123456789012:role/ci/Deploy","accountId":"123456789012",)"
            R"("userName":"Deploy"},"attributes":{"creationDate":"2024-05-06T07:00:00Z",)"
            R"("mfaAuthenticated":"true"},"sourceIdentity":"alice@example.com"}})");
  // Without the role's ARN from the snapshot, the path-less ARN.
  in.session_issuer_arn = "";
  EXPECT_EQ(BuildRecord(in)["userIdentity"]["sessionContext"]["sessionIssuer"]["arn"],
            "arn:aws:iam::123456789012:role/Deploy");
}

TEST(Record, FederatedUserByAnIamUserAndByRoot) {
  Principal p;
  p.type = PrincipalType::kFederatedUser;
  p.account_id = kAccount;
  p.arn = "arn:aws:sts::123456789012:federated-user/Bob";
  p.principal_id = "123456789012:Bob";
  p.user_name = "alice";
  p.user_id = "AIDAEXAMPLEALICE";
  p.access_key_id = "ASIAFED";
  p.session = Session(auth::SessionPrincipalKind::kFederatedUser, false);
  RecordInput in = Basic(&p);
  in.session_issuer_arn = "arn:aws:iam::123456789012:user/ops/alice";
  EXPECT_EQ(BuildRecord(in)["userIdentity"].dump(),
            R"({"type":"FederatedUser","principalId":"123456789012:Bob",)"
            R"("arn":"arn:aws:sts::123456789012:federated-user/Bob","accountId":"123456789012",)"
            R"("accessKeyId":"ASIAFED","sessionContext":{"sessionIssuer":{"type":"IAMUser",)"
            R"("principalId":"AIDAEXAMPLEALICE","arn":"arn:aws:iam::123456789012:user/ops/alice",)"
            R"("accountId":"123456789012","userName":"alice"},"attributes":{)"
            R"("creationDate":"2024-05-06T07:00:00Z","mfaAuthenticated":"false"}}})");
  p.user_name.clear();
  p.user_id.clear();
  in.session_issuer_arn = "";
  EXPECT_EQ(BuildRecord(in)["userIdentity"]["sessionContext"]["sessionIssuer"].dump(),
            R"({"type":"Root","principalId":"123456789012","arn":"arn:aws:iam::123456789012:root",)"
            R"("accountId":"123456789012"})");
}

TEST(Record, UserSessionFromGetSessionTokenHasAttributesOnly) {
  Principal p = User();
  p.access_key_id = "ASIAUSER";
  p.session = Session(auth::SessionPrincipalKind::kUser, true);
  EXPECT_EQ(BuildRecord(Basic(&p))["userIdentity"]["sessionContext"].dump(),
            R"({"attributes":{"creationDate":"2024-05-06T07:00:00Z","mfaAuthenticated":"true"}})");
}

TEST(Record, DeniedCallHasErrorAndNoResponse) {
  Principal alice = User();
  RecordInput in = Basic(&alice);
  Value input = Value::parse(R"({"UserName":"bob"})");
  in.input = &input;
  in.error_code = "AccessDenied";
  in.error_message = "User: arn:aws:iam::123456789012:user/ops/alice is not authorized";
  Record r = BuildRecord(in);
  EXPECT_EQ(r["errorCode"], "AccessDenied");
  EXPECT_EQ(r["errorMessage"], "User: arn:aws:iam::123456789012:user/ops/alice is not authorized");
  EXPECT_EQ(r["requestParameters"].dump(), R"({"userName":"bob"})");
  EXPECT_TRUE(r["responseElements"].is_null());
  // errorCode and errorMessage sit right after userAgent, as CloudTrail orders them.
  std::vector<std::string> keys;
  for (auto it = r.begin(); it != r.end(); ++it) keys.push_back(it.key());
  auto ua = std::find(keys.begin(), keys.end(), "userAgent");
  ASSERT_NE(ua, keys.end());
  EXPECT_EQ(*(ua + 1), "errorCode");
  EXPECT_EQ(*(ua + 2), "errorMessage");
  EXPECT_EQ(*(ua + 3), "requestParameters");
}

TEST(Record, SuccessHasNoErrorMembers) {
  Principal alice = User();
  Record r = BuildRecord(Basic(&alice));
  EXPECT_FALSE(r.contains("errorCode"));
  EXPECT_FALSE(r.contains("errorMessage"));
  EXPECT_TRUE(r["requestParameters"].is_null());  // no parameters
}

TEST(Record, UnauthenticatedWithUnknownKeyAndWithAKnownKeysOwner) {
  RecordInput in = Basic(nullptr);
  in.claimed_access_key_id = "AKIANOSUCHKEY";
  in.error_code = "InvalidClientTokenId";
  in.error_message = "The security token included in the request is invalid.";
  Record r = BuildRecord(in);
  EXPECT_EQ(r["userIdentity"].dump(), R"({"type":"Unknown","accessKeyId":"AKIANOSUCHKEY"})");
  EXPECT_FALSE(r.contains("recipientAccountId"));
  EXPECT_EQ(r["errorCode"], "InvalidClientTokenId");

  Principal alice = User();
  in.claimed_access_key_id = alice.access_key_id;
  in.claimed_key_owner = &alice;
  in.error_code = "SignatureDoesNotMatch";
  r = BuildRecord(in);
  EXPECT_EQ(r["userIdentity"].dump(),
            R"({"type":"Unknown","principalId":"AIDAEXAMPLEALICE",)"
            R"("arn":"arn:aws:iam::123456789012:user/ops/alice","accountId":"123456789012",)"
            R"("userName":"alice","accessKeyId":"AKIAEXAMPLEALICE"})");
  EXPECT_EQ(r["recipientAccountId"], kAccount);
}

TEST(Record, UnroutedRequest) {
  RecordInput in = Basic(nullptr);
  in.service = "";
  in.action = "";
  in.region = "";
  in.error_code = "MissingAction";
  Record r = BuildRecord(in);
  EXPECT_EQ(r["eventSource"], "unknown");
  EXPECT_EQ(r["eventName"], "");
  EXPECT_EQ(r["awsRegion"], "us-east-1");
  EXPECT_EQ(r["userIdentity"].dump(), R"({"type":"Unknown"})");
}

TEST(Record, ReadOnlyFollowsCloudTrail) {
  for (const char* a : {"GetUser", "ListUsers", "DescribeRegions", "LookupEvents",
                        "SimulatePrincipalPolicy", "GetSessionToken", "GetCallerIdentity"}) {
    EXPECT_TRUE(IsReadOnly("iam", a)) << a;
  }
  EXPECT_TRUE(IsReadOnly("sts", "DecodeAuthorizationMessage"));
  for (const char* a : {"CreateUser", "DeleteUser", "AssumeRole", "GenerateCredentialReport",
                        "Getaway", "Get", "UpdateAccessKey", "TagUser"}) {
    EXPECT_FALSE(IsReadOnly("iam", a)) << a;
  }
}

TEST(Record, ReadOnlyCallsHaveNoResponseExceptCredentialIssuers) {
  Principal alice = User();
  RecordInput in = Basic(&alice);
  in.action = "GetUser";
  Value output = Value::parse(R"({"User":{"UserName":"alice"}})");
  in.output = &output;
  Record r = BuildRecord(in);
  EXPECT_TRUE(r["readOnly"].get<bool>());
  EXPECT_TRUE(r["responseElements"].is_null());

  in.service = "sts";
  in.action = "GetSessionToken";
  const protocol::Operation& op = *protocol::StsModel().FindOperation("GetSessionToken");
  Value input = Value::parse(
      R"({"DurationSeconds":900,"SerialNumber":"arn:aws:iam::1:mfa/a","TokenCode":"123456"})");
  Value sts_output = Value::parse(std::string(R"({"Credentials":{"AccessKeyId":"ASIANEW",)") +
                                  R"("SecretAccessKey":")" + kSecret + R"(","SessionToken":")" +
                                  kToken + R"(","Expiration":1714982889000}})");
  in.input = &input;
  in.input_shape = op.input;
  in.output = &sts_output;
  in.output_shape = op.output;
  r = BuildRecord(in);
  EXPECT_EQ(r["requestParameters"].dump(),
            R"({"durationSeconds":900,"serialNumber":"arn:aws:iam::1:mfa/a",)"
            R"("tokenCode":"HIDDEN_DUE_TO_SECURITY_REASONS"})");
  EXPECT_EQ(r["responseElements"].dump(), R"({"credentials":{"accessKeyId":"ASIANEW",)"
                                          R"("secretAccessKey":"HIDDEN_DUE_TO_SECURITY_REASONS",)"
                                          R"("sessionToken":"HIDDEN_DUE_TO_SECURITY_REASONS",)"
                                          R"("expiration":"2024-05-06T08:08:09Z"}})");
}

TEST(Record, EmptyOutputIsNull) {
  Principal alice = User();
  RecordInput in = Basic(&alice);
  in.action = "DeleteUser";
  Value output = Value::object();
  in.output = &output;
  EXPECT_TRUE(BuildRecord(in)["responseElements"].is_null());
}

// Every secret member the IAM and STS models carry, with a shape and without one.
TEST(Record, RedactsEverySecretMember) {
  struct Case {
    const protocol::ServiceModel* model;
    const char* operation;
    bool output;  // the secret is in the output
    Value value;
    const char* secret;
  };
  const std::string png(64, 'P');
  const std::string secret(kSecret), token(kToken);
  auto j = [](const std::string& text) { return Value::parse(text); };
  std::vector<Case> cases = {
      {&protocol::IamModel(), "CreateAccessKey", true,
       j(R"({"AccessKey":{"UserName":"bob","AccessKeyId":"AKIANEW","Status":"Active",)"
         R"("SecretAccessKey":")" +
         secret + R"("}})"),
       kSecret},
      {&protocol::IamModel(), "CreateVirtualMFADevice", true,
       j(R"({"VirtualMFADevice":{"SerialNumber":"arn:aws:iam::123456789012:mfa/bob",)"
         R"("Base32StringSeed":"SEEDSEEDSEEDSEEDSEED","QRCodePNG":")" +
         png + R"("}})"),
       "SEEDSEEDSEEDSEEDSEED"},
      {&protocol::IamModel(), "CreateVirtualMFADevice", true,
       j(R"({"VirtualMFADevice":{"SerialNumber":"arn:aws:iam::123456789012:mfa/bob",)"
         R"("QRCodePNG":")" +
         png + R"("}})"),
       png.c_str()},
      {&protocol::IamModel(), "EnableMFADevice", false,
       j(R"({"UserName":"bob","SerialNumber":"arn:aws:iam::123456789012:mfa/bob",)"
         R"("AuthenticationCode1":"135791","AuthenticationCode2":"246802"})"),
       "135791"},
      {&protocol::IamModel(), "ResyncMFADevice", false,
       j(R"({"UserName":"bob","SerialNumber":"arn:aws:iam::123456789012:mfa/bob",)"
         R"("AuthenticationCode1":"135791","AuthenticationCode2":"246802"})"),
       "246802"},
      {&protocol::IamModel(), "CreateLoginProfile", false,
       j(R"({"UserName":"bob","Password":"Hunter2-Password!"})"), "Hunter2-Password!"},
      {&protocol::IamModel(), "ChangePassword", false,
       j(R"({"OldPassword":"Old-Password-1","NewPassword":"New-Password-2"})"), "Old-Password-1"},
      {&protocol::IamModel(), "ChangePassword", false,
       j(R"({"OldPassword":"Old-Password-1","NewPassword":"New-Password-2"})"), "New-Password-2"},
      {&protocol::IamModel(), "UploadServerCertificate", false,
       j(R"({"ServerCertificateName":"web","CertificateBody":"-----BEGIN CERTIFICATE-----",)"
         R"("PrivateKey":"-----BEGIN PRIVATE KEY-----abc"})"),
       "-----BEGIN PRIVATE KEY-----abc"},
      {&protocol::StsModel(), "AssumeRole", true,
       j(R"({"Credentials":{"AccessKeyId":"ASIANEW","SecretAccessKey":")" + secret +
         R"(","SessionToken":")" + token +
         R"(","Expiration":0},"AssumedRoleUser":{"Arn":"arn:aws:sts::1:assumed-role/R/s"}})"),
       kToken},
      {&protocol::StsModel(), "GetFederationToken", true,
       j(R"({"Credentials":{"AccessKeyId":"ASIANEW","SecretAccessKey":")" + secret +
         R"(","SessionToken":")" + token + R"(","Expiration":0}})"),
       kSecret},
      {&protocol::StsModel(), "AssumeRole", false,
       j(R"({"RoleArn":"arn:aws:iam::1:role/R","RoleSessionName":"s",)"
         R"("SerialNumber":"arn:aws:iam::1:mfa/u","TokenCode":"864209"})"),
       "864209"},
  };
  Principal alice = User();
  for (const Case& c : cases) {
    const protocol::Operation* op = c.model->FindOperation(c.operation);
    ASSERT_NE(op, nullptr) << c.operation;
    for (bool with_shape : {true, false}) {
      RecordInput in = Basic(&alice);
      in.service = c.model == &protocol::StsModel() ? "sts" : "iam";
      in.action = c.operation;
      if (c.output) {
        in.output = &c.value;
        in.output_shape = with_shape ? op->output : nullptr;
      } else {
        in.input = &c.value;
        in.input_shape = with_shape ? op->input : nullptr;
      }
      const std::string text = BuildRecord(in).dump();
      EXPECT_EQ(text.find(c.secret), std::string::npos)
          << c.operation << (with_shape ? " with shape: " : " without shape: ") << text;
      EXPECT_NE(text.find(kRedacted), std::string::npos) << c.operation;
    }
  }
}

TEST(Record, PolicyDocumentsAreKept) {
  Principal alice = User();
  RecordInput in = Basic(&alice);
  in.action = "PutUserPolicy";
  const std::string doc =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]})";
  Value input = {{"UserName", "bob"}, {"PolicyName", "p"}, {"PolicyDocument", doc}};
  in.input = &input;
  in.input_shape = protocol::IamModel().FindOperation("PutUserPolicy")->input;
  EXPECT_EQ(BuildRecord(in)["requestParameters"]["policyDocument"], doc);
}

TEST(Record, NestedTagsAndMapKeys) {
  Principal alice = User();
  RecordInput in = Basic(&alice);
  in.action = "TagUser";
  Value input = Value::parse(R"({"UserName":"bob","Tags":[{"Key":"Team","Value":"Blue"}]})");
  in.input = &input;
  in.input_shape = protocol::IamModel().FindOperation("TagUser")->input;
  EXPECT_EQ(BuildRecord(in)["requestParameters"].dump(),
            R"({"userName":"bob","tags":[{"key":"Team","value":"Blue"}]})");
  // Map keys (here without a map shape's help, a structure's members) and with one.
  protocol::Shape string_shape;
  protocol::Shape map_shape;
  map_shape.type = protocol::ShapeType::kMap;
  map_shape.value.shape = &string_shape;
  Value map = Value::parse(R"({"Department":"x"})");
  EXPECT_EQ(CloudTrailValue(map, &map_shape).dump(), R"({"Department":"x"})");
  EXPECT_EQ(CloudTrailValue(map, nullptr).dump(), R"({"department":"x"})");
}

TEST(Record, SensitiveShapesAreRedactedWhateverTheirName) {
  protocol::Shape secret;
  secret.sensitive = true;
  protocol::Shape outer;
  outer.type = protocol::ShapeType::kStructure;
  outer.members.push_back(protocol::Member{"Opaque", &secret, "", "", false});
  Value v = Value::parse(R"({"Opaque":"s3cr3t"})");
  EXPECT_EQ(CloudTrailValue(v, &outer).dump(), R"({"opaque":"HIDDEN_DUE_TO_SECURITY_REASONS"})");
}

TEST(Record, TlsDetails) {
  Principal alice = User();
  RecordInput in = Basic(&alice);
  in.tls = TlsDetails{"TLSv1.3", "TLS_AES_128_GCM_SHA256", "localhost:9443"};
  EXPECT_EQ(BuildRecord(in)["tlsDetails"].dump(),
            R"({"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256",)"
            R"("clientProvidedHostHeader":"localhost:9443"})");
  in.tls.reset();
  EXPECT_FALSE(BuildRecord(in).contains("tlsDetails"));
}

TEST(Record, IsSecretMember) {
  for (const char* n : {"SecretAccessKey", "SessionToken", "Base32StringSeed", "QRCodePNG",
                        "TokenCode", "AuthenticationCode1", "AuthenticationCode2", "Password",
                        "OldPassword", "NewPassword", "PrivateKey", "SAMLAssertion",
                        "WebIdentityToken", "ServicePassword", "ClientSecret", "secretAccessKey"}) {
    EXPECT_TRUE(IsSecretMember(n)) << n;
  }
  for (const char* n : {"AccessKeyId", "PolicyDocument", "SerialNumber", "UserName",
                        "PasswordResetRequired", "PasswordLastUsed"}) {
    EXPECT_FALSE(IsSecretMember(n)) << n;
  }
}

}  // namespace
}  // namespace sigil::audit
