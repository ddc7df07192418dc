// The pipeline test fixture: a real SQLite store, identity service, IAM and STS services and a
// session token sealer in process, with a fake clock and a SigV4 signer; no sockets. Test-only.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <memory>
#include <string>
#include <vector>

#include "common/strings.h"
#include "common/time_format.h"
#include "iam/iam_service.h"
#include "server/pipeline.h"
#include "store/sqlite_metadata_store.h"
#include "sts/sts_service.h"

namespace sigil::server {

class PipelineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sigil_pipeline_XXXXXX";
    std::string dir = mkdtemp(tmpl);
    store_ = std::move(SqliteMetadataStore::Open(dir + "/sigil.db")).value();
    identity_ = std::make_unique<IdentityService>(*store_, *SecretBox::Create(std::string(32, 'm')),
                                                  random_, clock_);
    ASSERT_TRUE(identity_->Load().ok());
    account_ = identity_->CreateAccount("test")->account_id;
    auto root = identity_->CreateAccessKey(account_, "", 2);
    root_id_ = root->key.access_key_id;
    root_secret_ = root->secret_access_key;
    usage_ = std::make_unique<KeyUsageTracker>(*store_, std::chrono::hours(1));
    iam_ = iam::MakeIamService(*identity_, *usage_);
    const std::string ring_key(32, 's');
    auth::SessionTokenKey key{1, ring_key};
    sealer_ = std::make_unique<auth::SessionTokenSealer>(
        std::move(auth::SessionTokenSealer::FromKeyRing({&key, 1})).value());
    sts_ = sts::MakeStsService(sts::StsDeps{*identity_, *sealer_, random_, session_policies_});
    deps_ = std::make_unique<PipelineDeps>(
        PipelineDeps{*identity_, *usage_, *iam_, *sts_, clock_, cache_, *sealer_, session_policies_,
                     log_, AuthenticateOptions{}, SourceIpOptions{}, 1 << 20});
    deps_->metrics = &metrics_;
    deps_->ready = [this] { return store_->Ping(); };
  }

  // Signs a form POST the way botocore does for IAM/STS.
  http::Request Signed(const std::string& service, const std::string& body, const std::string& key,
                       const std::string& secret, TimePoint at, const std::string& token = "") {
    http::Request r;
    r.method = "POST";
    r.target = "/";
    r.body = body;
    r.remote_address = "127.0.0.1";
    const std::string amz_date = FormatAmzDate(at);
    r.headers = {{"Host", "127.0.0.1:9000"},
                 {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                 {"X-Amz-Date", amz_date}};
    if (!token.empty()) r.headers.push_back({"X-Amz-Security-Token", token});
    auth::CredentialScope scope{key, FormatScopeDate(at), "us-east-1", service, "aws4_request"};
    auth::CanonicalRequestInput in;
    in.method = r.method;
    in.raw_path = "/";
    std::vector<std::string> signed_headers = {"content-type", "host", "x-amz-date"};
    if (!token.empty()) signed_headers.push_back("x-amz-security-token");
    const std::string payload_hash = Sha256Hex(body);
    in.headers = r.headers;
    in.signed_headers = signed_headers;
    in.payload_hash = payload_hash;
    std::string creq = *auth::CanonicalRequest(in);
    std::string sts = auth::StringToSign(amz_date, scope, creq);
    std::string sig = auth::ComputeSignature(
        auth::DeriveSigningKey(secret, scope.date, scope.region, scope.service), sts);
    r.headers.push_back({"Authorization", "AWS4-HMAC-SHA256 Credential=" + key + "/" +
                                              scope.ScopeString() + ", SignedHeaders=" +
                                              JoinHeaders(signed_headers) + ", Signature=" + sig});
    return r;
  }
  http::Request AsRoot(const std::string& service, const std::string& body) {
    return Signed(service, body, root_id_, root_secret_, clock_.Now());
  }
  http::Response Run(const http::Request& r) { return HandleRequest(r, *deps_); }

  static std::string JoinHeaders(const std::vector<std::string>& names) {
    std::string out;
    for (const std::string& n : names) out += (out.empty() ? "" : ";") + n;
    return out;
  }
  // The text between the first `open` and the following `close` in `body`; empty when absent.
  static std::string Between(const std::string& body, const std::string& open,
                             const std::string& close) {
    size_t b = body.find(open);
    if (b == std::string::npos) return "";
    b += open.size();
    return body.substr(b, body.find(close, b) - b);
  }

  OsRandomSource random_;
  FakeClock clock_{FromUnixSeconds(1700000000)};
  std::unique_ptr<SqliteMetadataStore> store_;
  std::unique_ptr<IdentityService> identity_;
  std::unique_ptr<KeyUsageTracker> usage_;
  std::unique_ptr<api::QueryService> iam_, sts_;
  auth::SigningKeyCache cache_;
  std::unique_ptr<auth::SessionTokenSealer> sealer_;
  SessionPolicyCompiler session_policies_{nullptr};
  RequestLog log_{false};
  metrics::Registry registry_;
  ServerMetrics metrics_{registry_, clock_.Now()};
  std::unique_ptr<PipelineDeps> deps_;
  std::string account_, root_id_, root_secret_;
};

}  // namespace sigil::server
