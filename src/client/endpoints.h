// Which URL and region a client call goes to, in the AWS CLI v2's precedence: --endpoint-url,
// AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the profile's "[services]" section, the
// profile's endpoint_url, then AWS's own endpoint. Every call the client makes, STS calls behind
// assume-role and sessions included, goes through ResolveEndpoint. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "client/aws_config.h"
#include "client/environment.h"
#include "common/status.h"

namespace sigil::client {

enum class Service { kSts, kIam };

// What the command line says, empty when not given.
struct EndpointFlags {
  std::string endpoint_url;  // --endpoint-url
  std::string region;        // --region
};

struct ResolvedEndpoint {
  std::string url;      // scheme://host[:port][/path], no trailing slash
  std::string region;   // the SigV4 scope's region
  std::string service;  // the SigV4 scope's service ("sts", "iam")
  std::string source;   // where the URL came from, for `sigil doctor` and error messages
};

// --region, AWS_REGION, AWS_DEFAULT_REGION, the profile's region; "us-east-1" when none is set.
std::string ResolveRegion(const EndpointFlags& flags, const Environment& env,
                          const AwsConfig& config, std::string_view profile);

// The endpoint for `service` under `profile`. AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true (or the
// profile's ignore_configured_endpoint_urls = true) skips the environment and configuration
// steps, as in the CLI. kInvalidArgument when the chosen URL is not http(s)://, naming where it
// came from.
StatusOr<ResolvedEndpoint> ResolveEndpoint(Service service, const EndpointFlags& flags,
                                           const Environment& env, const AwsConfig& config,
                                           std::string_view profile);

}  // namespace sigil::client
