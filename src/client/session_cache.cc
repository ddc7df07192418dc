#include "client/session_cache.h"

#include <vector>

#include "common/time_format.h"

namespace sigil::client {

std::string SessionTokenCacheKey(const std::string& access_key_id, const std::string& mfa_serial) {
  return mfa_serial.empty() ? "key|" + access_key_id : "mfa|" + mfa_serial;
}

std::string RoleCacheKey(const std::string& role_arn, const std::string& source_key_id,
                         const std::string& session_name, const std::string& external_id,
                         const std::string& mfa_serial) {
  return "role|" + role_arn + "|" + source_key_id + "|" + session_name + "|" + external_id + "|" +
         mfa_serial;
}

std::optional<Credentials> CachedSession(Vault& vault, const std::string& key, TimePoint now,
                                         std::chrono::seconds min_remaining) {
  const nlohmann::json& sessions = vault.data()["sessions"];
  if (!sessions.contains(key)) return std::nullopt;
  const nlohmann::json& entry = sessions[key];
  std::optional<TimePoint> expiration = ParseIso8601(entry.value("expiration", ""));
  if (!expiration || *expiration - now <= min_remaining) return std::nullopt;
  Credentials out;
  out.access_key_id = entry.value("access_key_id", "");
  out.secret_access_key = entry.value("secret_access_key", "");
  out.session_token = entry.value("session_token", "");
  out.expiration = expiration;
  out.mfa = entry.value("mfa", false);
  out.source = "sigil session cache";
  return out;
}

void StoreSession(Vault& vault, const std::string& key, const Credentials& credentials,
                  const std::string& source_key_id, TimePoint now) {
  nlohmann::json& sessions = vault.data()["sessions"];
  std::vector<std::string> expired;
  for (auto& [name, entry] : sessions.items()) {
    std::optional<TimePoint> exp = ParseIso8601(entry.value("expiration", ""));
    if (!exp || *exp <= now) expired.push_back(name);
  }
  for (const std::string& name : expired) {
    WipeJson(sessions[name]);
    sessions.erase(name);
  }
  sessions[key] = {{"access_key_id", credentials.access_key_id},
                   {"secret_access_key", credentials.secret_access_key},
                   {"session_token", credentials.session_token},
                   {"expiration", FormatIso8601(*credentials.expiration)},
                   {"mfa", credentials.mfa},
                   {"source_key_id", source_key_id}};
}

int ClearSessions(Vault& vault, const std::string& source_key_id) {
  nlohmann::json& sessions = vault.data()["sessions"];
  std::vector<std::string> doomed;
  for (auto& [name, entry] : sessions.items()) {
    if (entry.value("source_key_id", "") == source_key_id) doomed.push_back(name);
  }
  for (const std::string& name : doomed) {
    WipeJson(sessions[name]);
    sessions.erase(name);
  }
  return static_cast<int>(doomed.size());
}

}  // namespace sigil::client
