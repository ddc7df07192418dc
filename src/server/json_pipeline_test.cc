// The JSON protocol's path through the pipeline, in process: routing by X-Amz-Target, the shared
// authenticate and authorize stages, the JSON codec, and every error in the `__type` shape
// botocore parses. A stub LookupEvents (over the real CloudTrail model) stands in for the
// service, so this tests the pipeline alone.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "server/pipeline_fixture.h"

namespace sigil::server {
namespace {

using ::testing::HasSubstr;

using protocol::Value;

// A response header's value; empty when absent.
std::string HeaderOf(const http::Response& r, std::string_view name) {
  for (const http::Header& h : r.headers) {
    if (EqualsIgnoreCase(h.name, name)) return h.value;
  }
  return "";
}

constexpr char kTarget[] = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.LookupEvents";

class JsonPipelineTest : public PipelineTest {
 protected:
  void SetUp() override {
    PipelineTest::SetUp();
    cloudtrail_ = std::make_unique<api::QueryService>("cloudtrail", protocol::CloudTrailModel());
    cloudtrail_->set_checks_constraints(false);
    cloudtrail_->Register(
        "LookupEvents",
        [](const api::CallContext&, const protocol::Value&) {
          return api::AuthzRequest{"cloudtrail:LookupEvents", "*"};
        },
        [this](const api::CallContext& ctx, const protocol::Value& in) -> StatusOr<Value> {
          seen_input_ = in;
          seen_caller_ = ctx.principal.arn;
          return Value{{"Events", {{{"EventId", "e-1"}, {"EventTime", 1700000000500}}}},
                       {"NextToken", "more"}};
        });
    deps_->cloudtrail = cloudtrail_.get();
  }

  // A JSON-protocol POST signed as botocore signs it (X-Amz-Target among the signed headers).
  http::Request SignedJson(const std::string& body, const std::string& key,
                           const std::string& secret, const std::string& target = kTarget,
                           const std::string& service = "cloudtrail") {
    const TimePoint at = clock_.Now();
    http::Request r;
    r.method = "POST";
    r.target = "/";
    r.body = body;
    r.remote_address = "127.0.0.1";
    const std::string amz_date = FormatAmzDate(at);
    r.headers = {{"Host", "127.0.0.1:9000"},
                 {"Content-Type", "application/x-amz-json-1.1"},
                 {"X-Amz-Date", amz_date},
                 {"X-Amz-Target", target}};
    auth::CredentialScope scope{key, FormatScopeDate(at), "us-east-1", service, "aws4_request"};
    auth::CanonicalRequestInput in;
    in.method = r.method;
    in.raw_path = "/";
    const std::vector<std::string> signed_headers = {"content-type", "host", "x-amz-date",
                                                     "x-amz-target"};
    const std::string payload_hash = Sha256Hex(body);
    in.headers = r.headers;
    in.signed_headers = signed_headers;
    in.payload_hash = payload_hash;
    const std::string creq = *auth::CanonicalRequest(in);
    const std::string sig = auth::ComputeSignature(
        auth::DeriveSigningKey(secret, scope.date, scope.region, scope.service),
        auth::StringToSign(amz_date, scope, creq));
    r.headers.push_back({"Authorization", "AWS4-HMAC-SHA256 Credential=" + key + "/" +
                                              scope.ScopeString() + ", SignedHeaders=" +
                                              JoinHeaders(signed_headers) + ", Signature=" + sig});
    return r;
  }
  http::Response RunAsRoot(const std::string& body, const std::string& target = kTarget) {
    return Run(SignedJson(body, root_id_, root_secret_, target));
  }

  // The status, __type and message of a JSON error response (checking its shape).
  struct JsonErr {
    int status;
    std::string type, message;
  };
  static JsonErr ErrorOf(const http::Response& r) {
    EXPECT_EQ(HeaderOf(r, "Content-Type"), "application/x-amz-json-1.1");
    EXPECT_FALSE(HeaderOf(r, "x-amzn-RequestId").empty());
    auto body = nlohmann::json::parse(r.body, nullptr, false);
    EXPECT_TRUE(body.is_object()) << r.body;
    if (!body.is_object()) return {r.status, "", ""};
    EXPECT_EQ(body.size(), 2u) << r.body;
    return {r.status, body.value("__type", ""), body.value("message", "")};
  }

  std::unique_ptr<api::QueryService> cloudtrail_;
  Value seen_input_;
  std::string seen_caller_;
};

TEST_F(JsonPipelineTest, RoutesByTargetDecodesAndRespondsInJson) {
  http::Response r = RunAsRoot(
      R"({"LookupAttributes":[{"AttributeKey":"EventName","AttributeValue":"CreateUser"}],)"
      R"("StartTime":1700000000,"MaxResults":500})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(HeaderOf(r, "Content-Type"), "application/x-amz-json-1.1");
  EXPECT_FALSE(HeaderOf(r, "x-amzn-RequestId").empty());
  EXPECT_EQ(r.body,
            R"({"Events":[{"EventId":"e-1","EventTime":1700000000.5}],"NextToken":"more"})");
  EXPECT_EQ(seen_caller_, "arn:aws:iam::" + account_ + ":root");
  // Epoch seconds arrive as milliseconds; the service checks its own constraints (500 passes).
  EXPECT_EQ(seen_input_["StartTime"], 1700000000000);
  EXPECT_EQ(seen_input_["MaxResults"], 500);
  EXPECT_EQ(RunAsRoot("").status, 200);  // an empty body is {}
}

TEST_F(JsonPipelineTest, UnknownTargetsAreUnknownOperationException) {
  for (const std::string& target :
       {std::string("com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DescribeTrails"),
        std::string("DynamoDB_20120810.GetItem"), std::string("LookupEvents")}) {
    SCOPED_TRACE(target);
    JsonErr e = ErrorOf(RunAsRoot("{}", target));
    EXPECT_EQ(e.status, 400);
    EXPECT_EQ(e.type, "UnknownOperationException");
    EXPECT_EQ(e.message, "Sigil serves no operation '" + target + "'.");
  }
}

TEST_F(JsonPipelineTest, MalformedBodiesAreSerializationException) {
  JsonErr e = ErrorOf(RunAsRoot("{not json"));
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.type, "SerializationException");
  e = ErrorOf(RunAsRoot(R"({"MaxResults":"5"})"));
  EXPECT_EQ(e.type, "SerializationException");
  EXPECT_EQ(e.message, "Unexpected value at 'maxResults': expected an integer.");
}

TEST_F(JsonPipelineTest, AuthenticationFailuresInTheJsonServicesTerms) {
  // An unknown key.
  JsonErr e = ErrorOf(Run(SignedJson("{}", "AKIAIOSFODNN7EXAMPLE", std::string(40, 'x'))));
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.type, "UnrecognizedClientException");
  EXPECT_EQ(e.message, "The security token included in the request is invalid.");
  // A wrong secret.
  e = ErrorOf(Run(SignedJson("{}", root_id_, std::string(40, 'x'))));
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.type, "InvalidSignatureException");
  // Signed for another service than the target's.
  e = ErrorOf(Run(SignedJson("{}", root_id_, root_secret_, kTarget, "iam")));
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.type, "InvalidSignatureException");
  EXPECT_EQ(e.message, "Credential should be scoped to correct service: 'cloudtrail'.");
  // No signature at all.
  http::Request bare = SignedJson("{}", root_id_, root_secret_);
  std::erase_if(bare.headers, [](const auto& h) { return h.name == "Authorization"; });
  e = ErrorOf(Run(bare));
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.type, "MissingAuthenticationTokenException");
  // A body altered after signing.
  http::Request altered = SignedJson("{}", root_id_, root_secret_);
  altered.body = R"({"MaxResults":1})";
  EXPECT_EQ(ErrorOf(Run(altered)).type, "InvalidSignatureException");
}

TEST_F(JsonPipelineTest, AuthorizedLikeAnyActionWithAccessDeniedException) {
  ASSERT_EQ(Run(AsRoot("iam", "Action=CreateUser&Version=2010-05-08&UserName=reader")).status, 200);
  http::Response key =
      Run(AsRoot("iam", "Action=CreateAccessKey&Version=2010-05-08&UserName=reader"));
  const std::string id = Between(key.body, "<AccessKeyId>", "</AccessKeyId>");
  const std::string secret = Between(key.body, "<SecretAccessKey>", "</SecretAccessKey>");

  JsonErr e = ErrorOf(Run(SignedJson("{}", id, secret)));
  EXPECT_EQ(e.status, 400);
  EXPECT_EQ(e.type, "AccessDeniedException");
  EXPECT_THAT(e.message, HasSubstr("User: arn:aws:iam::" + account_ +
                                   ":user/reader is not authorized to perform: "
                                   "cloudtrail:LookupEvents"));

  const std::string policy =
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"cloudtrail:LookupEvents","Resource":"*"}]})";
  ASSERT_EQ(Run(AsRoot("iam",
                       "Action=PutUserPolicy&Version=2010-05-08&UserName=reader&"
                       "PolicyName=p&PolicyDocument=" +
                           UriEncode(policy)))
                .status,
            200);
  http::Response allowed = Run(SignedJson("{}", id, secret));
  EXPECT_EQ(allowed.status, 200) << allowed.body;
  EXPECT_EQ(seen_caller_, "arn:aws:iam::" + account_ + ":user/reader");
}

TEST_F(JsonPipelineTest, OversizedBodiesAreRefusedOnTheirHeadsInJson) {
  http::Request head = SignedJson("{}", root_id_, root_secret_);
  head.headers.push_back({"Content-Length", std::to_string((1 << 20) + 1)});
  http::Admission admission = AdmitRequest(head, *deps_);
  ASSERT_TRUE(admission.reject.has_value());
  JsonErr e = ErrorOf(*admission.reject);
  EXPECT_EQ(e.status, 413);
  EXPECT_EQ(e.type, "RequestEntityTooLarge");
}

TEST_F(JsonPipelineTest, NotServedWithoutTheService) {
  deps_->cloudtrail = nullptr;
  EXPECT_EQ(ErrorOf(RunAsRoot("{}")).type, "UnknownOperationException");
}

}  // namespace
}  // namespace sigil::server
