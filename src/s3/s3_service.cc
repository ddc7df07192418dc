#include "s3/s3_service.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <shared_mutex>
#include <unordered_map>

#include "audit/record.h"
#include "common/strings.h"
#include "common/time_format.h"
#include "policy/document.h"
#include "policy/evaluator.h"
#include "s3/s3_call.h"
#include "s3/s3_errors.h"
#include "s3/s3_policy.h"
#include "server/request_id.h"

namespace sigil::s3 {
namespace {

enum class Scope { kService, kBucket, kObject };

struct OperationSpec {
  std::string_view name;
  std::string_view action;  // the IAM action authorized
  Scope scope;
  bool reads_body;  // a document body (else none is expected)
};

// Every operation Sigil serves, with the action AWS authorizes it by.
constexpr OperationSpec kOperations[] = {
    {"ListBuckets", "s3:ListAllMyBuckets", Scope::kService, false},
    {"CreateBucket", "s3:CreateBucket", Scope::kBucket, true},
    {"HeadBucket", "s3:ListBucket", Scope::kBucket, false},
    {"DeleteBucket", "s3:DeleteBucket", Scope::kBucket, false},
    {"GetBucketLocation", "s3:GetBucketLocation", Scope::kBucket, false},
    {"GetBucketTagging", "s3:GetBucketTagging", Scope::kBucket, false},
    {"PutBucketTagging", "s3:PutBucketTagging", Scope::kBucket, true},
    {"DeleteBucketTagging", "s3:PutBucketTagging", Scope::kBucket, false},
    {"GetBucketPolicy", "s3:GetBucketPolicy", Scope::kBucket, false},
    {"PutBucketPolicy", "s3:PutBucketPolicy", Scope::kBucket, true},
    {"DeleteBucketPolicy", "s3:DeleteBucketPolicy", Scope::kBucket, false},
    {"GetBucketPolicyStatus", "s3:GetBucketPolicyStatus", Scope::kBucket, false},
    {"GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock", Scope::kBucket, false},
    {"PutPublicAccessBlock", "s3:PutBucketPublicAccessBlock", Scope::kBucket, true},
    {"DeletePublicAccessBlock", "s3:PutBucketPublicAccessBlock", Scope::kBucket, false},
    {"GetBucketOwnershipControls", "s3:GetBucketOwnershipControls", Scope::kBucket, false},
    {"PutBucketOwnershipControls", "s3:PutBucketOwnershipControls", Scope::kBucket, true},
    {"DeleteBucketOwnershipControls", "s3:PutBucketOwnershipControls", Scope::kBucket, false},
    {"GetBucketAcl", "s3:GetBucketAcl", Scope::kBucket, false},
    {"PutBucketAcl", "s3:PutBucketAcl", Scope::kBucket, true},
    {"GetBucketVersioning", "s3:GetBucketVersioning", Scope::kBucket, false},
    {"PutBucketVersioning", "s3:PutBucketVersioning", Scope::kBucket, true},
    {"GetBucketEncryption", "s3:GetEncryptionConfiguration", Scope::kBucket, false},
    {"ListObjects", "s3:ListBucket", Scope::kBucket, false},
    {"ListObjectsV2", "s3:ListBucket", Scope::kBucket, false},
    {"ListMultipartUploads", "s3:ListBucketMultipartUploads", Scope::kBucket, false},
    {"DeleteObjects", "s3:DeleteObject", Scope::kBucket, true},
    {"PutObject", "s3:PutObject", Scope::kObject, true},
    {"CopyObject", "s3:PutObject", Scope::kObject, false},
    {"GetObject", "s3:GetObject", Scope::kObject, false},
    {"HeadObject", "s3:GetObject", Scope::kObject, false},
    {"DeleteObject", "s3:DeleteObject", Scope::kObject, false},
    {"GetObjectTagging", "s3:GetObjectTagging", Scope::kObject, false},
    {"PutObjectTagging", "s3:PutObjectTagging", Scope::kObject, true},
    {"DeleteObjectTagging", "s3:DeleteObjectTagging", Scope::kObject, false},
    {"GetObjectAcl", "s3:GetObjectAcl", Scope::kObject, false},
    {"PutObjectAcl", "s3:PutObjectAcl", Scope::kObject, true},
    {"CreateMultipartUpload", "s3:PutObject", Scope::kObject, false},
    {"UploadPart", "s3:PutObject", Scope::kObject, true},
    {"UploadPartCopy", "s3:PutObject", Scope::kObject, false},
    {"CompleteMultipartUpload", "s3:PutObject", Scope::kObject, true},
    {"AbortMultipartUpload", "s3:AbortMultipartUpload", Scope::kObject, false},
    {"ListParts", "s3:ListMultipartUploadParts", Scope::kObject, false},
};

const OperationSpec* FindSpec(std::string_view name) {
  for (const OperationSpec& spec : kOperations) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

std::string BucketArn(std::string_view bucket) { return "arn:aws:s3:::" + std::string(bucket); }

// The condition keys S3 sets for the request, by operation (AWS's "Condition keys for Amazon
// S3"), plus the authentication facts every signed request carries.
std::map<std::string, std::vector<std::string>> ConditionKeys(const Call& call) {
  std::map<std::string, std::vector<std::string>> keys;
  const S3Request& r = call.request;
  if (!call.auth.auth_type.empty()) keys["s3:authType"] = {call.auth.auth_type};
  if (!call.auth.signature_version.empty()) {
    keys["s3:signatureversion"] = {call.auth.signature_version};
  }
  if (call.auth.signature_age_ms) {
    keys["s3:signatureAge"] = {std::to_string(*call.auth.signature_age_ms)};
  }
  if (auto sha = call.Header("x-amz-content-sha256"))
    keys["s3:x-amz-content-sha256"] = {std::string(*sha)};
  if (call.head.secure_transport && !call.head.tls_version.empty()) {
    // "TLSv1.3" -> "1.3"
    std::string version = call.head.tls_version;
    if (StartsWith(version, "TLSv")) version = version.substr(4);
    keys["s3:TlsVersion"] = {version};
  }
  if (call.bucket) keys["s3:ResourceAccount"] = {call.bucket->account_id};
  if (r.operation == "ListObjects" || r.operation == "ListObjectsV2") {
    keys["s3:prefix"] = {r.Param("prefix")};
    if (r.Has("delimiter")) keys["s3:delimiter"] = {r.Param("delimiter")};
    if (r.Has("max-keys")) keys["s3:max-keys"] = {r.Param("max-keys")};
  }
  for (std::string_view header :
       {"x-amz-acl", "x-amz-server-side-encryption", "x-amz-storage-class", "x-amz-copy-source",
        "x-amz-metadata-directive", "x-amz-object-ownership"}) {
    if (auto v = call.Header(header)) keys["s3:" + std::string(header)] = {std::string(*v)};
  }
  if (r.operation == "PutObject" || r.operation == "CopyObject" ||
      r.operation == "CreateMultipartUpload") {
    if (auto tagging = call.Header("x-amz-tagging")) {
      std::vector<std::string> tag_keys;
      if (auto params = ParseQueryString(*tagging)) {
        for (const QueryParam& p : *params) {
          keys["s3:RequestObjectTag/" + p.key] = {p.value};
          tag_keys.push_back(p.key);
        }
      }
      keys["s3:RequestObjectTagKeys"] = tag_keys;
    }
  }
  return keys;
}

// Anonymous requests have no identity side: only a bucket policy granting Principal "*" allows
// them, and only while the public access block does not restrict public buckets.
Status AuthorizeAnonymous(Call& call, const std::string& action, const std::string& resource,
                          const BucketRecord* bucket,
                          const std::map<std::string, std::vector<std::string>>& keys) {
  if (bucket == nullptr || bucket->policy.empty()) return AccessDenied();
  const std::shared_ptr<const BucketPolicyFacts> facts = call.policies->Get(*bucket);
  if (facts->restricted_public || facts->policy == nullptr) return AccessDenied();
  policy::RequestContext context;
  context.Set("aws:SourceIp", server::SourceIp(call.head, call.deps.source_ip));
  context.Set("aws:SecureTransport", call.head.secure_transport ? "true" : "false");
  context.Set("aws:CurrentTime", FormatIso8601(call.now));
  context.Set("aws:EpochTime", std::to_string(ToUnixSeconds(call.now)));
  if (auto ua = call.Header("User-Agent")) context.Set("aws:UserAgent", std::string(*ua));
  if (auto referer = call.Header("Referer")) context.Set("aws:Referer", std::string(*referer));
  for (const auto& [key, values] : keys) context.SetValues(key, values);
  policy::EvaluationRequest request;
  request.principal.kind = policy::PrincipalKind::kAnonymous;
  request.principal.arn = "*";
  request.action = action;
  request.resource = resource;
  request.resource_account = bucket->account_id;
  request.context = &context;
  request.resource_policy = policy::PolicyRef{facts->policy.get(), "bucket policy"};
  if (!policy::Evaluate(request).allowed()) return AccessDenied();
  return OkStatus();
}

Status AuthorizeAction(Call& call, const std::string& action, const std::string& resource,
                       const BucketRecord* bucket,
                       std::map<std::string, std::vector<std::string>> keys) {
  if (!call.auth.who) return AuthorizeAnonymous(call, action, resource, bucket, keys);
  api::AuthzRequest question;
  question.action = action;
  question.resource = resource;
  question.condition_keys = std::move(keys);
  if (bucket != nullptr) {
    question.resource_account = bucket->account_id;
    if (!bucket->policy.empty()) {
      const std::shared_ptr<const BucketPolicyFacts> facts = call.policies->Get(*bucket);
      // A public policy does not reach other accounts while RestrictPublicBuckets is on.
      if (!(facts->restricted_public && bucket->account_id != call.account_id())) {
        question.resource_policy = facts->policy;
        question.resource_policy_label = "bucket policy";
      }
    }
  }
  server::AuthorizeInput in{call.head,
                            call.auth.who->principal,
                            *call.snapshot,
                            call.auth.who->scope.region,
                            call.now,
                            question,
                            call.deps.source_ip,
                            call.deps.session_policies};
  server::AuthorizeResult result = server::AuthorizeRequest(in);
  if (!result.status.ok()) {
    if (call.deps.metrics != nullptr)
      call.deps.metrics->RecordDenial(result.effect, result.decided_by);
    return S3Error(403, "AccessDenied", result.status.message());
  }
  return OkStatus();
}

// A request body read whole, up to a limit, then handed to a document handler.
class DocumentConsumer final : public http::BodyConsumer {
 public:
  DocumentConsumer(std::shared_ptr<Call> call, DocumentHandler handler)
      : call_(std::move(call)), handler_(std::move(handler)) {}

  std::optional<http::Response> Consume(std::string_view piece) override {
    if (body_.size() + piece.size() > call_->deps.options.max_document_bytes) {
      return Finish(S3Error(400, "MaxMessageLengthExceeded", "Your request was too big."));
    }
    body_.append(piece);
    return std::nullopt;
  }

  http::Response Finish() override {
    StatusOr<http::Response> response = handler_(*call_, body_);
    return response.ok() ? Complete(*call_, std::move(response).value())
                         : Finish(response.status());
  }

  static http::Response Complete(Call& call, http::Response response);
  static http::Response Fail(Call& call, const Status& status);

 private:
  http::Response Finish(const Status& status) { return Fail(*call_, status); }

  std::shared_ptr<Call> call_;
  DocumentHandler handler_;
  std::string body_;
};

// One CloudTrail record: who, which operation on which bucket and key, and how it ended.
void AuditCall(Call& call, std::string_view error_code, std::string_view error_message) {
  if (call.deps.audit == nullptr) return;
  protocol::Value input = protocol::Value::object();
  if (!call.request.bucket.empty()) input["bucketName"] = call.request.bucket;
  if (!call.request.key.empty()) input["key"] = call.request.key;
  if (auto host = call.Header("Host")) input["Host"] = std::string(*host);
  const std::string source_ip = server::SourceIp(call.head, call.deps.source_ip);
  const std::string event_id = server::NewRequestId();
  audit::RecordInput in;
  in.event_time = call.now;
  in.service = "s3";
  in.action = call.request.operation;
  in.region = call.auth.who ? std::string_view(call.auth.who->scope.region) : std::string_view();
  in.source_ip = source_ip;
  in.user_agent = call.Header("User-Agent").value_or("");
  if (call.head.secure_transport) {
    in.tls = audit::TlsDetails{call.head.tls_version, call.head.tls_cipher,
                               std::string(call.Header("Host").value_or(""))};
  }
  in.request_id = call.request_id;
  in.event_id = event_id;
  in.principal = call.auth.who ? &call.auth.who->principal : nullptr;
  in.claimed_access_key_id = call.auth.access_key_id;
  in.input = &input;
  in.error_code = error_code;
  in.error_message = error_message;
  call.deps.audit->Enqueue(audit::BuildRecord(in), call.now);
}

void LogCall(Call& call, const http::Response& response, std::string_view error_code,
             std::string_view error_message = "") {
  AuditCall(call, error_code, error_message);
  call.deps.log.Write(server::RequestLogEntry{
      call.request_id, call.head.remote_address, call.head.method, "s3", call.request.operation,
      call.caller_arn(), call.auth.access_key_id, response.status, error_code, "",
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() -
                                                            call.started)});
  if (call.deps.metrics != nullptr) {
    call.deps.metrics->RecordRequest(
        "s3", call.request.operation.empty() ? "unknown" : call.request.operation, response.status,
        std::string(error_code), std::chrono::steady_clock::now() - call.started);
  }
}

http::Response DocumentConsumer::Complete(Call& call, http::Response response) {
  response.SetHeader("x-amz-request-id", call.request_id);
  LogCall(call, response, "");
  return response;
}

http::Response DocumentConsumer::Fail(Call& call, const Status& status) {
  http::Response response = RenderS3Error(status, call.request.Resource(), call.request_id);
  LogCall(call, response, status.aws_code().empty() ? "InternalError" : status.aws_code(),
          status.aws_code().empty() ? "We encountered an internal error. Please try again."
                                    : status.message());
  return response;
}

http::Admission Reject(Call& call, const Status& status) {
  return http::Admission{DocumentConsumer::Fail(call, status), 0};
}

bool LooksLikeQueryOrJson(const http::Request& head) {
  if (head.FindHeader("X-Amz-Target")) return true;
  if (head.path() != "/") return false;
  if (head.method == "POST") {
    auto type = head.FindHeader("Content-Type");
    return type && StartsWith(AsciiLower(*type), "application/x-www-form-urlencoded");
  }
  return head.query().find("Action=") != std::string_view::npos;
}

}  // namespace

http::Response FinishCall(Call& call, const Status& error) {
  return DocumentConsumer::Fail(call, error);
}
http::Response FinishCall(Call& call, http::Response response) {
  return DocumentConsumer::Complete(call, std::move(response));
}

http::Response XmlResponse(std::string body, int status) {
  http::Response response;
  response.status = status;
  response.SetHeader("Content-Type", "application/xml");
  response.body = std::move(body);
  return response;
}

void ReleaseBlobs(const S3Deps& deps, const ReleasedBlobs& blobs) {
  for (const BlobRef& blob : blobs) (void)deps.blobs.Delete(blob.blob_id);
}

Status AuthorizeExtra(Call& call, const std::string& action, const std::string& resource,
                      const BucketRecord& bucket,
                      std::map<std::string, std::vector<std::string>> condition_keys) {
  std::map<std::string, std::vector<std::string>> keys = ConditionKeys(call);
  for (auto& [k, v] : condition_keys) keys[k] = std::move(v);
  return AuthorizeAction(call, action, resource, &bucket, std::move(keys));
}

bool S3Service::Claims(const http::Request& head) const {
  if (VirtualHostBucket(head.FindHeader("Host").value_or(""), deps_.options.virtual_host_domain)) {
    return true;
  }
  if (auto authorization = head.FindHeader("Authorization")) {
    if (StartsWith(*authorization, "AWS ")) return true;
    return authorization->find("/s3/aws4_request") != std::string_view::npos;
  }
  const std::string_view query = head.query();
  if (query.find("X-Amz-Credential=") != std::string_view::npos) {
    return query.find("%2Fs3%2Faws4_request") != std::string_view::npos ||
           query.find("/s3/aws4_request") != std::string_view::npos;
  }
  if (query.find("AWSAccessKeyId=") != std::string_view::npos) return true;
  // Unsigned: S3 unless it is a probe or a query/JSON-protocol request (which then fails its
  // own authentication with the right error).
  if (head.method == "GET" &&
      (head.path() == "/health" || head.path() == "/ready" || head.path() == "/metrics")) {
    return false;
  }
  return !LooksLikeQueryOrJson(head);
}

http::Admission S3Service::Admit(const http::Request& head) {
  auto call = std::make_shared<Call>(
      Call{deps_, head, {}, server::NewRequestId(), std::chrono::steady_clock::now()});
  call->head.body.clear();
  call->policies = &policies_;
  call->now = deps_.clock.Now();
  call->snapshot = deps_.identity.Current();

  StatusOr<S3Request> routed = RouteS3Request(head, deps_.options.virtual_host_domain);
  if (!routed.ok()) return Reject(*call, routed.status());
  call->request = std::move(routed).value();
  const OperationSpec* spec = FindSpec(call->request.operation);
  if (spec == nullptr) return Reject(*call, NotImplemented(call->request.operation));

  S3AuthOptions auth_options;
  auth_options.max_skew = deps_.options.max_skew;
  auth_options.allow_sigv2 = deps_.options.allow_sigv2;
  auth_options.regions = deps_.options.regions;
  auth_options.virtual_host_domain = deps_.options.virtual_host_domain;
  std::optional<auth::AuthFailure> failure;
  StatusOr<S3Authentication> authenticated = AuthenticateS3(
      head, *call->snapshot, call->now, auth_options, deps_.signing_keys, deps_.sealer, &failure);
  if (!authenticated.ok()) {
    if (failure && deps_.metrics != nullptr) deps_.metrics->RecordAuthFailure(*failure);
    return Reject(*call, authenticated.status());
  }
  call->auth = std::move(authenticated).value();
  if (call->auth.who) {
    if (Status s = server::CheckSessionRestrictions(call->auth.who->principal, "s3",
                                                    call->request.operation);
        !s.ok()) {
      return Reject(*call, s);
    }
  }

  // The bucket, for its owner and policy. A missing bucket is NoSuchBucket for a signed caller
  // and AccessDenied for an anonymous one (who may not learn which buckets exist).
  if (spec->scope != Scope::kService && spec->name != "CreateBucket") {
    StatusOr<BucketRecord> bucket = deps_.store.GetBucket(call->request.bucket);
    if (!bucket.ok()) {
      if (bucket.status().code() != StatusCode::kNotFound) return Reject(*call, bucket.status());
      return Reject(*call, call->auth.who ? NoSuchBucket() : AccessDenied());
    }
    call->bucket = std::move(bucket).value();
  }

  call->action = std::string(spec->action);
  std::string resource = "*";
  if (spec->scope == Scope::kBucket) resource = BucketArn(call->request.bucket);
  if (spec->scope == Scope::kObject) {
    resource = BucketArn(call->request.bucket) + "/" + call->request.key;
  }
  std::map<std::string, std::vector<std::string>> keys = ConditionKeys(*call);
  // s3:ExistingObjectTag/KEY: the tags of the object the request reads or changes.
  static constexpr std::string_view kTagAware[] = {
      "GetObject",           "HeadObject",   "GetObjectTagging", "PutObjectTagging",
      "DeleteObjectTagging", "GetObjectAcl", "PutObjectAcl",     "DeleteObject"};
  if (std::find(std::begin(kTagAware), std::end(kTagAware), spec->name) != std::end(kTagAware)) {
    StatusOr<ObjectRecord> existing =
        deps_.store.GetObject(call->request.bucket, call->request.key);
    if (existing.ok()) {
      for (const Tag& t : existing->tags) keys["s3:ExistingObjectTag/" + t.key] = {t.value};
      call->object = std::move(existing).value();
    }
  }
  if (spec->name == "CreateBucket") {
    // s3:LocationConstraint comes from the body; the header-time check uses the default.
    keys["s3:LocationConstraint"] = {deps_.options.regions.front()};
  }
  if (Status s = AuthorizeAction(*call, call->action, resource,
                                 call->bucket ? &*call->bucket : nullptr, std::move(keys));
      !s.ok()) {
    return Reject(*call, s);
  }

  if (StreamHandler stream = FindStreamHandler(spec->name)) {
    StatusOr<std::shared_ptr<http::BodyConsumer>> consumer = stream(call);
    if (!consumer.ok()) return Reject(*call, consumer.status());
    return http::Admission{std::nullopt, uint64_t{6} * 1024 * 1024 * 1024, *consumer};
  }
  DocumentHandler handler = FindDocumentHandler(spec->name);
  if (!handler) return Reject(*call, NotImplemented(call->request.operation));
  const uint64_t limit = spec->reads_body ? deps_.options.max_document_bytes : 0;
  return http::Admission{std::nullopt, limit,
                         std::make_shared<DocumentConsumer>(call, std::move(handler))};
}

StatusOr<size_t> S3Service::SweepOrphanBlobs() {
  SIGIL_ASSIGN_OR_RETURN(std::vector<std::string> referenced, deps_.store.ReferencedBlobIds());
  return deps_.blobs.SweepUnreferenced(referenced, deps_.clock.Now() - std::chrono::hours(1));
}

std::shared_ptr<const BucketPolicyFacts> BucketPolicyCache::Get(const BucketRecord& bucket) {
  const std::string key = bucket.policy + '\n' + bucket.public_access_block;
  {
    std::shared_lock<std::shared_mutex> lock(mu_);
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  }
  auto facts = std::make_shared<BucketPolicyFacts>();
  StatusOr<std::shared_ptr<const policy::Policy>> parsed =
      policy::ParsePolicy(bucket.policy, policy::PolicyKind::kResource);
  if (parsed.ok()) facts->policy = *parsed;
  facts->restricted_public =
      PublicAccessBlockFromJson(bucket.public_access_block).restrict_public_buckets &&
      IsPublicPolicy(bucket.policy);
  std::unique_lock<std::shared_mutex> lock(mu_);
  if (cache_.size() >= kCapacity) cache_.clear();
  cache_.emplace(key, facts);
  return facts;
}

DocumentHandler FindDocumentHandler(std::string_view operation) {
  static const std::unordered_map<std::string_view, DocumentHandler> kHandlers = {
      {"ListBuckets", ListBuckets},
      {"CreateBucket", CreateBucket},
      {"HeadBucket", HeadBucket},
      {"DeleteBucket", DeleteBucket},
      {"GetBucketLocation", GetBucketLocation},
      {"GetBucketTagging", GetBucketTagging},
      {"PutBucketTagging", PutBucketTagging},
      {"DeleteBucketTagging", DeleteBucketTagging},
      {"GetBucketPolicy", GetBucketPolicy},
      {"PutBucketPolicy", PutBucketPolicy},
      {"DeleteBucketPolicy", DeleteBucketPolicy},
      {"GetBucketPolicyStatus", GetBucketPolicyStatus},
      {"GetPublicAccessBlock", GetPublicAccessBlock},
      {"PutPublicAccessBlock", PutPublicAccessBlock},
      {"DeletePublicAccessBlock", DeletePublicAccessBlock},
      {"GetBucketOwnershipControls", GetBucketOwnershipControls},
      {"PutBucketOwnershipControls", PutBucketOwnershipControls},
      {"DeleteBucketOwnershipControls", DeleteBucketOwnershipControls},
      {"GetBucketAcl", GetBucketAcl},
      {"PutBucketAcl", PutBucketAcl},
      {"GetBucketVersioning", GetBucketVersioning},
      {"PutBucketVersioning", PutBucketVersioning},
      {"GetBucketEncryption", GetBucketEncryption},
      {"ListObjects", ListObjects},
      {"ListObjectsV2", ListObjectsV2},
      {"ListMultipartUploads", ListMultipartUploads},
      {"ListParts", ListParts},
      {"GetObject", GetObject},
      {"HeadObject", HeadObject},
      {"DeleteObject", DeleteObject},
      {"DeleteObjects", DeleteObjects},
      {"CopyObject", CopyObject},
      {"GetObjectTagging", GetObjectTagging},
      {"PutObjectTagging", PutObjectTagging},
      {"DeleteObjectTagging", DeleteObjectTagging},
      {"GetObjectAcl", GetObjectAcl},
      {"PutObjectAcl", PutObjectAcl},
      {"CreateMultipartUpload", CreateMultipartUpload},
      {"UploadPartCopy", UploadPartCopy},
      {"CompleteMultipartUpload", CompleteMultipartUpload},
      {"AbortMultipartUpload", AbortMultipartUpload},
  };
  auto it = kHandlers.find(operation);
  return it == kHandlers.end() ? DocumentHandler() : it->second;
}

StreamHandler FindStreamHandler(std::string_view operation) {
  if (operation == "PutObject") return PutObject;
  if (operation == "UploadPart") return UploadPart;
  return StreamHandler();
}

}  // namespace sigil::s3
