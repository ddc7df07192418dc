// The S3 REST front: takes over the requests that are S3's (virtual-hosted, signed for "s3",
// SigV2, or anonymous requests the query/JSON pipeline does not serve), and answers each one
// from its head: route, authenticate, authorize (identity policies with the bucket policy in the
// full decision procedure), then stream the body, if any, into the operation. So a denied upload
// is refused before its body is sent (100-continue comes only after admission). Thread-safe.
#pragma once

#include <memory>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "audit/writer.h"
#include "auth/session_token.h"
#include "auth/sigv4.h"
#include "blob/blob_store.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "http/message.h"
#include "identity/identity_service.h"
#include "identity/session_policies.h"
#include "policy/document.h"
#include "server/authorize.h"
#include "server/pipeline.h"
#include "server/request_log.h"
#include "server/server_metrics.h"
#include "store/object_store.h"

namespace sigil::s3 {

struct S3Options {
  // Virtual-hosted-style addressing: "s3.example.com" serves bucket.s3.example.com; empty: off.
  std::string virtual_host_domain;
  // Accept legacy Signature Version 2 (header and presigned query).
  bool allow_sigv2 = true;
  // The regions a signature may name; the first is where buckets go without a LocationConstraint
  // ... except that S3 names that one "us-east-1" in GetBucketLocation by an empty answer.
  std::vector<std::string> regions = {"us-east-1"};
  std::chrono::seconds max_skew{900};
  // Bodies of requests that are not uploads (policies, tagging, DeleteObjects, Complete...).
  uint64_t max_document_bytes = 4 * 1024 * 1024;
};

struct S3Deps {
  ObjectStore& store;
  BlobStore& blobs;
  const IdentityService& identity;
  const Clock& clock;
  RandomSource& random;
  auth::SigningKeyCache& signing_keys;
  const auth::SessionTokenSealer& sealer;
  SessionPolicyCompiler& session_policies;
  const server::RequestLog& log;
  server::SourceIpOptions source_ip;
  S3Options options;
  server::ServerMetrics* metrics = nullptr;
  // The audit trail: one CloudTrail record per S3 request; null records nothing.
  audit::Writer* audit = nullptr;
};

// What authorization needs from a bucket's policy, derived once per (policy, public access
// block) text: the compiled policy (null when it does not parse) and whether it is a public
// policy that RestrictPublicBuckets keeps from anonymous and cross-account callers.
struct BucketPolicyFacts {
  std::shared_ptr<const policy::Policy> policy;
  bool restricted_public = false;
};

// Bounded and thread-safe (readers share a lock): requests never parse policy or public access
// block JSON once a bucket's texts have been seen.
class BucketPolicyCache {
 public:
  std::shared_ptr<const BucketPolicyFacts> Get(const BucketRecord& bucket);

 private:
  static constexpr size_t kCapacity = 1024;
  std::shared_mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const BucketPolicyFacts>> cache_;
};

class S3Service final : public server::RestFront {
 public:
  explicit S3Service(S3Deps deps) : deps_(std::move(deps)) {}

  bool Claims(const http::Request& head) const override;
  http::Admission Admit(const http::Request& head) override;

  // Removes blob files no row names (a crash between writing a blob and committing its row),
  // older than an hour so a write in flight on another node is spared. Returns how many.
  StatusOr<size_t> SweepOrphanBlobs();

 private:
  S3Deps deps_;
  BucketPolicyCache policies_;
};

}  // namespace sigil::s3
