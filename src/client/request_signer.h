// Signs the client's outgoing requests with SigV4 in header form, through the same auth/ functions
// the server verifies with (CanonicalRequest, StringToSign, ComputeSignature,
// AuthorizationHeaderValue): there is one signer in Sigil. Pure; thread-safe.
#pragma once

#include "client/credentials.h"
#include "client/endpoints.h"
#include "client/http_client.h"
#include "common/clock.h"
#include "common/status.h"

namespace sigil::client {

// Adds Host, X-Amz-Date, X-Amz-Security-Token (temporary credentials) and Authorization to
// `call`, signing every header it carries plus those. `call.url` must be absolute http(s).
// kInvalidArgument for a URL without a host.
Status SignRequest(HttpCall& call, const Credentials& credentials, const ResolvedEndpoint& endpoint,
                   TimePoint now);

}  // namespace sigil::client
