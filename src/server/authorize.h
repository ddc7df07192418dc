// The authorize stage: builds the request context (the global condition keys AWS sets on every
// request plus the operation's own) and runs the policy engine's decision procedure for the
// authenticated principal. Shares policy::Evaluate with the IAM policy simulator, so the two can
// never disagree. Pure apart from its inputs; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "api/operation.h"
#include "common/clock.h"
#include "http/message.h"
#include "identity/principal.h"
#include "identity/snapshot.h"
#include "policy/context.h"
#include "policy/matchers.h"

namespace sigil::server {

// Where aws:SourceIp comes from: the TCP peer, unless the peer is a trusted proxy, in which case
// the right-most X-Forwarded-For address that is not itself a trusted proxy.
struct SourceIpOptions {
  std::vector<policy::internal::IpRange> trusted_proxies;
};

// Parses "10.0.0.0/8,192.168.1.1" (CIDRs or single addresses). kInvalidArgument on a bad entry.
StatusOr<SourceIpOptions> ParseTrustedProxies(const std::string& list);

// The client's address as policies see it.
std::string SourceIp(const http::Request& request, const SourceIpOptions& options);

struct AuthorizeInput {
  const http::Request& request;
  const Principal& principal;
  const IdentitySnapshot& snapshot;
  std::string_view region;  // the signature's region
  TimePoint now;
  const api::AuthzRequest& question;
  const SourceIpOptions& source_ip;
};

// Fills the global condition keys for the request and principal, then the operation's keys.
policy::RequestContext BuildRequestContext(const AuthorizeInput& in);

// OK when allowed; otherwise kPermissionDenied / AccessDenied with AWS's message, which says
// which kind of policy denied.
Status Authorize(const AuthorizeInput& in);

}  // namespace sigil::server
