// The CloudTrail API (JSON protocol) over the audit trail: cloudtrail:LookupEvents, authorized
// like any other action (cloudtrail:LookupEvents on "*"). The returned service is immutable;
// its handler is thread-safe.
#pragma once

#include <memory>
#include <string>

#include "api/operation.h"
#include "auth/session_token.h"
#include "common/crypto.h"

namespace sigil::cloudtrail {

struct CloudTrailDeps {
  std::string audit_dir;  // DATA_DIR/audit (audit::AuditDir)
  // Seals NextTokens, so any node opens any node's token and none can be forged.
  const auth::SessionTokenSealer& sealer;
  RandomSource& random;  // nonces for sealing; must be thread-safe
};

// The service: LookupEvents (see lookup_events.h for what it selects and what it costs). It
// checks its own inputs (InvalidMaxResultsException, ...), so the model's constraints are not
// checked by the protocol layer.
std::unique_ptr<api::QueryService> MakeCloudTrailService(CloudTrailDeps deps);

}  // namespace sigil::cloudtrail
