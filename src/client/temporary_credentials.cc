#include "client/temporary_credentials.h"

#include <nlohmann/json.hpp>

#include "client/session_cache.h"
#include "client/terminal.h"
#include "common/crypto.h"
#include "common/time_format.h"

namespace sigil::client {
namespace {

constexpr std::chrono::seconds kRefreshMargin{15 * 60};
constexpr std::chrono::seconds kLastMinute{60};

StatusOr<int> DurationFor(ClientContext& ctx, const std::string& profile,
                          const TemporaryOptions& options) {
  if (options.duration_seconds > 0) return options.duration_seconds;
  if (auto d = ctx.config().Value(profile, "duration_seconds")) {
    try {
      return std::stoi(*d);
    } catch (...) {
      return InvalidArgumentError("duration_seconds of profile " + profile +
                                  " is not a number: " + *d);
    }
  }
  return 0;
}

}  // namespace

StatusOr<Credentials> TemporaryCredentials(ClientContext& ctx, const std::string& profile,
                                           const TemporaryOptions& options) {
  AwsConfig& config = ctx.config();
  std::string role_arn = options.role_arn;
  std::string key_profile = profile;
  if (role_arn.empty()) {
    if (auto r = config.Value(profile, "role_arn")) {
      role_arn = *r;
      auto source = config.Value(profile, "source_profile");
      if (!source) {
        return InvalidArgumentError("profile " + profile +
                                    " has role_arn but no source_profile; sigil assumes roles "
                                    "with a source profile's long-term key");
      }
      key_profile = *source;
    }
  }
  const std::string mfa_serial =
      config.Value(profile, "mfa_serial")
          .value_or(config.Value(key_profile, "mfa_serial").value_or(""));
  SIGIL_ASSIGN_OR_RETURN(Credentials long_term, ctx.LongTermKey(key_profile));
  SIGIL_ASSIGN_OR_RETURN(int duration, DurationFor(ctx, profile, options));
  SIGIL_ASSIGN_OR_RETURN(Vault * vault, ctx.OpenVault(/*create=*/true));

  AssumeRoleInput role;
  std::string cache_key;
  if (!role_arn.empty()) {
    role.role_arn = role_arn;
    role.session_name = !options.session_name.empty()
                            ? options.session_name
                            : config.Value(profile, "role_session_name")
                                  .value_or("sigil-" + long_term.access_key_id.substr(
                                                           long_term.access_key_id.size() - 6));
    role.external_id = !options.external_id.empty()
                           ? options.external_id
                           : config.Value(profile, "external_id").value_or("");
    role.duration_seconds = duration;
    role.tags = options.tags;
    cache_key = RoleCacheKey(role.role_arn, long_term.access_key_id, role.session_name,
                             role.external_id, mfa_serial);
  } else {
    cache_key = SessionTokenCacheKey(long_term.access_key_id, mfa_serial);
  }
  const TimePoint now = ctx.clock().Now();
  const bool tagged = !options.tags.empty();
  if (!options.refresh && !tagged) {
    if (auto cached = CachedSession(*vault, cache_key, now, kRefreshMargin))
      return std::move(*cached);
  }
  std::string code = options.mfa_code;
  if (!mfa_serial.empty() && code.empty() && !Interactive()) {
    // No way to ask: an almost expired session is still better than none.
    if (auto cached = CachedSession(*vault, cache_key, now, kLastMinute)) return std::move(*cached);
    return FailedPreconditionError(
        "profile " + profile + " needs an MFA code (mfa_serial " + mfa_serial +
        ") and there is no terminal to ask: run `sigil session --profile " + profile +
        " --mfa-code CODE` (or `sigil assume`) first, then retry");
  }
  MfaInput mfa;
  if (!mfa_serial.empty()) {
    SIGIL_ASSIGN_OR_RETURN(code, ObtainMfaCode(mfa_serial, code));
    mfa = {mfa_serial, code};
  }
  Credentials fresh;
  if (!role_arn.empty()) {
    role.mfa = mfa;
    SIGIL_ASSIGN_OR_RETURN(fresh, AssumeRole(ctx.api(), long_term, role));
  } else {
    SIGIL_ASSIGN_OR_RETURN(fresh, GetSessionToken(ctx.api(), long_term, duration, mfa));
  }
  if (!tagged) {
    StoreSession(*vault, cache_key, fresh, long_term.access_key_id, now);
    SIGIL_RETURN_IF_ERROR(vault->Save());
  }
  return fresh;
}

std::string CredentialProcessJson(const Credentials& credentials) {
  nlohmann::ordered_json doc;
  doc["Version"] = 1;
  doc["AccessKeyId"] = credentials.access_key_id;
  doc["SecretAccessKey"] = credentials.secret_access_key;
  if (credentials.IsTemporary()) doc["SessionToken"] = credentials.session_token;
  if (credentials.expiration) doc["Expiration"] = FormatIso8601(*credentials.expiration);
  std::string out = doc.dump(2);
  for (auto& [key, value] : doc.items()) {
    if (value.is_string()) SecureWipe(value.get_ref<std::string&>());
  }
  return out;
}

}  // namespace sigil::client
