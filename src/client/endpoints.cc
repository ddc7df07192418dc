#include "client/endpoints.h"

#include "common/strings.h"

namespace sigil::client {
namespace {

struct ServiceNames {
  std::string_view env_suffix;  // AWS_ENDPOINT_URL_<this>
  std::string_view config_key;  // the key in a [services] section
  std::string_view signing_name;
};

ServiceNames NamesOf(Service service) {
  switch (service) {
    case Service::kSts:
      return {"STS", "sts", "sts"};
    case Service::kIam:
      return {"IAM", "iam", "iam"};
  }
  return {"STS", "sts", "sts"};
}

bool IsTrue(const std::optional<std::string>& v) { return v && EqualsIgnoreCase(*v, "true"); }

}  // namespace

std::string ResolveRegion(const EndpointFlags& flags, const Environment& env,
                          const AwsConfig& config, std::string_view profile) {
  if (!flags.region.empty()) return flags.region;
  if (auto r = env.GetNonEmpty("AWS_REGION")) return *r;
  if (auto r = env.GetNonEmpty("AWS_DEFAULT_REGION")) return *r;
  if (auto r = config.ConfigValue(profile, "region"); r && !r->empty()) return *r;
  return "us-east-1";
}

StatusOr<ResolvedEndpoint> ResolveEndpoint(Service service, const EndpointFlags& flags,
                                           const Environment& env, const AwsConfig& config,
                                           std::string_view profile) {
  const ServiceNames names = NamesOf(service);
  ResolvedEndpoint out;
  out.service = std::string(names.signing_name);
  out.region = ResolveRegion(flags, env, config, profile);
  const bool ignore_configured =
      IsTrue(env.GetNonEmpty("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) ||
      IsTrue(config.ConfigValue(profile, "ignore_configured_endpoint_urls"));
  const std::string service_env = "AWS_ENDPOINT_URL_" + std::string(names.env_suffix);
  if (!flags.endpoint_url.empty()) {
    out.url = flags.endpoint_url;
    out.source = "--endpoint-url";
  } else if (auto v = env.GetNonEmpty(service_env); v && !ignore_configured) {
    out.url = *v;
    out.source = service_env;
  } else if (auto v = env.GetNonEmpty("AWS_ENDPOINT_URL"); v && !ignore_configured) {
    out.url = *v;
    out.source = "AWS_ENDPOINT_URL";
  } else if (auto s = config.ServiceSettings(profile, names.config_key);
             !ignore_configured && s.count("endpoint_url") != 0) {
    out.url = s["endpoint_url"];
    out.source = "the [services " + config.ConfigValue(profile, "services").value_or("") +
                 "] section of " + config.paths().config;
  } else if (auto v = config.ConfigValue(profile, "endpoint_url"); v && !ignore_configured) {
    out.url = *v;
    out.source = "endpoint_url of profile " + std::string(profile);
  } else if (service == Service::kIam) {
    out.url = "https://iam.amazonaws.com";
    out.source = "AWS";
  } else {
    out.url = "https://sts." + out.region + ".amazonaws.com";
    out.source = "AWS";
  }
  if (service == Service::kIam && out.source == "AWS") out.region = "us-east-1";  // global
  if (!StartsWith(out.url, "http://") && !StartsWith(out.url, "https://")) {
    return InvalidArgumentError("the endpoint URL from " + out.source + " (" + out.url +
                                ") must start with http:// or https://; fix it there");
  }
  while (!out.url.empty() && out.url.back() == '/') out.url.pop_back();
  return out;
}

}  // namespace sigil::client
