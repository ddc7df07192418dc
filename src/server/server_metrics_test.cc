// The metrics the pipeline records, through HandleRequest with the pipeline fixture, and the
// operator endpoints.
#include "server/server_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "server/ops_handler.h"
#include "server/pipeline_fixture.h"

namespace sigil::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class ServerMetricsTest : public PipelineTest {
 protected:
  // Every sample line of the exposition ("name{labels}" -> value); fails on a malformed line.
  std::map<std::string, std::string> Samples() {
    std::map<std::string, std::string> out;
    std::istringstream lines(registry_.Render());
    std::string line;
    while (std::getline(lines, line)) {
      if (line.empty() || line[0] == '#') continue;
      const size_t space = line.rfind(' ');
      EXPECT_NE(space, std::string::npos) << line;
      if (space == std::string::npos) continue;
      out[line.substr(0, space)] = line.substr(space + 1);
    }
    return out;
  }
  std::string Sample(const std::string& key) {
    auto samples = Samples();
    auto it = samples.find(key);
    return it == samples.end() ? "absent" : it->second;
  }
  // A user with an access key; returns {id, secret}.
  std::pair<std::string, std::string> UserWithKey(const std::string& name) {
    EXPECT_EQ(Run(AsRoot("iam", "Action=CreateUser&Version=2010-05-08&UserName=" + name)).status,
              200);
    auto key = identity_->CreateAccessKey(
        account_, identity_->Current()->FindUser(account_, name)->user_id, 2);
    return {key->key.access_key_id, key->secret_access_key};
  }
};

TEST_F(ServerMetricsTest, RequestsAreCountedByServiceActionAndStatus) {
  const std::string get_caller = "Action=GetCallerIdentity&Version=2011-06-15";
  ASSERT_EQ(Run(AsRoot("sts", get_caller)).status, 200);
  ASSERT_EQ(Run(AsRoot("sts", get_caller)).status, 200);
  ASSERT_EQ(Run(AsRoot("iam", "Action=CreateUser&Version=2010-05-08&UserName=a")).status, 200);
  ASSERT_EQ(Run(AsRoot("iam", "Action=CreateUser&Version=2010-05-08&UserName=a")).status, 409);
  // An Action the model lacks is not a label: clients cannot invent series.
  ASSERT_EQ(Run(AsRoot("iam", "Action=MadeUpAction12345&Version=2010-05-08")).status, 400);

  EXPECT_EQ(
      Sample("sigil_requests_total{service=\"sts\",action=\"GetCallerIdentity\",code=\"200\"}"),
      "2");
  EXPECT_EQ(Sample("sigil_requests_total{service=\"iam\",action=\"CreateUser\",code=\"200\"}"),
            "1");
  EXPECT_EQ(Sample("sigil_requests_total{service=\"iam\",action=\"CreateUser\",code=\"409\"}"),
            "1");
  EXPECT_EQ(Sample("sigil_requests_total{service=\"iam\",action=\"unknown\",code=\"400\"}"), "1");
  EXPECT_EQ(
      Sample("sigil_request_errors_total{service=\"iam\",error_code=\"EntityAlreadyExists\"}"),
      "1");
  EXPECT_EQ(Sample("sigil_request_errors_total{service=\"iam\",error_code=\"InvalidAction\"}"),
            "1");
  EXPECT_EQ(Sample("sigil_request_duration_seconds_count{service=\"sts\"}"), "2");
  EXPECT_EQ(Sample("sigil_request_duration_seconds_count{service=\"iam\"}"), "3");
  EXPECT_THAT(registry_.Render(), Not(HasSubstr("MadeUpAction12345")));
}

TEST_F(ServerMetricsTest, AuthenticationFailuresAreCountedByReason) {
  const std::string body = "Action=GetCallerIdentity&Version=2011-06-15";
  ASSERT_EQ(Run(Signed("sts", body, root_id_, "not-the-secret", clock_.Now())).status, 403);
  ASSERT_EQ(Run(Signed("sts", body, "AKIAIOSFODNN7EXAMPLE", root_secret_, clock_.Now())).status,
            403);
  ASSERT_EQ(
      Run(Signed("sts", body, root_id_, root_secret_, clock_.Now() - std::chrono::minutes(16)))
          .status,
      403);
  ASSERT_EQ(
      Run(Signed("sts", body, "ASIAIOSFODNN7EXAMPLE", root_secret_, clock_.Now(), "bogus")).status,
      403);
  http::Request anonymous;
  anonymous.method = "POST";
  anonymous.target = "/";
  anonymous.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  anonymous.body = body;
  ASSERT_EQ(Run(anonymous).status, 403);
  http::Request incomplete = anonymous;
  incomplete.headers.push_back({"Authorization", "AWS4-HMAC-SHA256 Credential=x"});
  ASSERT_EQ(Run(incomplete).status, 400);

  EXPECT_EQ(Sample("sigil_auth_failures_total{reason=\"bad_signature\"}"), "1");
  EXPECT_EQ(Sample("sigil_auth_failures_total{reason=\"unknown_key\"}"), "1");
  EXPECT_EQ(Sample("sigil_auth_failures_total{reason=\"skew\"}"), "1");
  EXPECT_EQ(Sample("sigil_auth_failures_total{reason=\"invalid_token\"}"), "1");
  EXPECT_EQ(Sample("sigil_auth_failures_total{reason=\"missing\"}"), "1");
  EXPECT_EQ(Sample("sigil_auth_failures_total{reason=\"incomplete\"}"), "1");
  EXPECT_EQ(Sample("sigil_auth_failures_total{reason=\"expired_token\"}"), "0");
  EXPECT_EQ(Sample("sigil_auth_failures_total{reason=\"presigned_expired\"}"), "0");
  EXPECT_EQ(
      Sample("sigil_request_errors_total{service=\"sts\",error_code=\"SignatureDoesNotMatch\"}"),
      "2");  // the bad signature and the skewed one
  // Neither key ids nor the account appear, whatever failed.
  const std::string text = registry_.Render();
  EXPECT_THAT(text, Not(HasSubstr("AKIA")));
  EXPECT_THAT(text, Not(HasSubstr("ASIA")));
  EXPECT_THAT(text, Not(HasSubstr(account_)));
}

TEST_F(ServerMetricsTest, DenialsAreCountedByPolicyType) {
  auto [id, secret] = UserWithKey("alice");
  const std::string list = "Action=ListUsers&Version=2010-05-08";
  ASSERT_EQ(Run(Signed("iam", list, id, secret, clock_.Now())).status, 403);
  EXPECT_EQ(Sample("sigil_authz_denials_total{policy_type=\"identity\"}"), "1");
  EXPECT_EQ(Sample("sigil_authz_denials_total{policy_type=\"explicit_deny\"}"), "0");

  const std::string deny_all = UriEncode(
      R"({"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*"}]})");
  ASSERT_EQ(Run(AsRoot("iam",
                       "Action=PutUserPolicy&Version=2010-05-08&UserName=alice&"
                       "PolicyName=deny&PolicyDocument=" +
                           deny_all))
                .status,
            200);
  ASSERT_EQ(Run(Signed("iam", list, id, secret, clock_.Now())).status, 403);
  EXPECT_EQ(Sample("sigil_authz_denials_total{policy_type=\"explicit_deny\"}"), "1");
  EXPECT_EQ(Sample("sigil_authz_denials_total{policy_type=\"identity\"}"), "1");
  EXPECT_EQ(Sample("sigil_requests_total{service=\"iam\",action=\"ListUsers\",code=\"403\"}"), "2");
  EXPECT_THAT(registry_.Render(), Not(HasSubstr("alice")));
}

TEST_F(ServerMetricsTest, WrongMfaCodesAreCounted) {
  const std::string body =
      "Action=GetSessionToken&Version=2011-06-15&SerialNumber=arn%3Aaws%3Aiam%3A%3A" + account_ +
      "%3Amfa%2Fnone&TokenCode=123456";
  http::Response r = Run(AsRoot("sts", body));
  ASSERT_EQ(r.status, 403) << r.body;
  EXPECT_THAT(r.body, HasSubstr("MultiFactorAuthentication failed"));
  EXPECT_EQ(Sample("sigil_mfa_failures_total"), "1");
  // An authorization denial is not an MFA failure.
  auto [id, secret] = UserWithKey("bob");
  ASSERT_EQ(
      Run(Signed("iam", "Action=ListUsers&Version=2010-05-08", id, secret, clock_.Now())).status,
      403);
  EXPECT_EQ(Sample("sigil_mfa_failures_total"), "1");
}

TEST_F(ServerMetricsTest, ProbesAnswerWithoutAuthenticationAndAreNotCounted) {
  http::Request health;
  health.method = "GET";
  health.target = "/health";
  http::Response h = Run(health);
  EXPECT_EQ(h.status, 200);
  EXPECT_EQ(h.body, "OK\n");
  http::Request ready = health;
  ready.target = "/ready";
  http::Response r = Run(ready);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ready\n");

  deps_->ready = [] {
    return FailedPreconditionError("database schema version 3, this sigil needs 4:\nmigrations");
  };
  http::Response not_ready = Run(ready);
  EXPECT_EQ(not_ready.status, 503);
  EXPECT_EQ(not_ready.body,
            "not ready: database schema version 3, this sigil needs 4: migrations\n");
  EXPECT_EQ(Sample("sigil_request_duration_seconds_count{service=\"unknown\"}"), "absent");
  EXPECT_THAT(registry_.Render(), Not(HasSubstr("sigil_requests_total{")));
}

TEST_F(ServerMetricsTest, ProcessStartTimeIsExported) {
  EXPECT_EQ(Sample("sigil_process_start_time_seconds"), "1700000000");
}

TEST(OpsHandlerTest, ServesMetricsHealthAndReady) {
  metrics::Registry registry;
  registry.AddCounter("sigil_things_total", "Things.").Get().Increment(3);
  bool ready = false;
  OpsHandler handler(registry, [&] {
    return ready ? OkStatus() : UnavailableError("postgres: connection refused");
  });
  http::Request get;
  get.method = "GET";
  get.target = "/metrics";
  http::Response m = handler.Handle(get);
  EXPECT_EQ(m.status, 200);
  ASSERT_EQ(m.headers.size(), 1u);
  EXPECT_EQ(m.headers[0].value, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(m.body,
            "# HELP sigil_things_total Things.\n# TYPE sigil_things_total counter\n"
            "sigil_things_total 3\n");

  get.target = "/ready";
  http::Response r = handler.Handle(get);
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "not ready: postgres: connection refused\n");
  ready = true;
  EXPECT_EQ(handler.Handle(get).status, 200);
  get.target = "/health";
  EXPECT_EQ(handler.Handle(get).body, "OK\n");
  get.target = "/metrics?x=1";
  EXPECT_EQ(handler.Handle(get).status, 200);
  get.target = "/";
  EXPECT_EQ(handler.Handle(get).status, 404);
  http::Request post = get;
  post.method = "POST";
  post.target = "/metrics";
  http::Response p = handler.Handle(post);
  EXPECT_EQ(p.status, 405);
  post.headers = {{"Content-Length", "5"}};
  http::Admission a = handler.Admit(post);
  ASSERT_TRUE(a.reject.has_value());
  EXPECT_EQ(a.reject->status, 413);
  EXPECT_FALSE(handler.Admit(get).reject.has_value());
}

}  // namespace
}  // namespace sigil::server
