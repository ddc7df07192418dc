#include "audit/digest.h"

#include <nlohmann/json.hpp>

#include "common/time_format.h"

namespace sigil::audit {
namespace {

using Json = nlohmann::ordered_json;

constexpr std::string_view kHashAlgorithm = "SHA-256";
constexpr std::string_view kSignatureAlgorithm = "HMAC-SHA256";

Json OptionalTime(const std::optional<TimePoint>& t) {
  return t ? Json(FormatIso8601(*t)) : Json(nullptr);
}
Json OptionalString(const std::optional<std::string>& s) { return s ? Json(*s) : Json(nullptr); }

// The signed content: everything but the signature, in the documented order.
Json Unsigned(const Digest& d) {
  Json j = Json::object();
  j["digestVersion"] = "1.0";
  j["nodeId"] = d.node_id;
  j["digestFileName"] = d.file_name;
  j["digestStartTime"] = FormatIso8601(d.start);
  j["digestEndTime"] = FormatIso8601(d.end);
  std::optional<TimePoint> oldest, newest;
  for (const DigestLogFile& f : d.log_files) {
    if (f.oldest_event && (!oldest || *f.oldest_event < *oldest)) oldest = f.oldest_event;
    if (f.newest_event && (!newest || *f.newest_event > *newest)) newest = f.newest_event;
  }
  j["oldestEventTime"] = OptionalTime(oldest);
  j["newestEventTime"] = OptionalTime(newest);
  j["previousDigestFileName"] = OptionalString(d.previous_file_name);
  j["previousDigestHashValue"] = OptionalString(d.previous_hash_hex);
  j["previousDigestHashAlgorithm"] = kHashAlgorithm;
  j["previousDigestSignature"] = OptionalString(d.previous_signature_hex);
  j["lastLogFileSequence"] = d.last_log_sequence;
  Json files = Json::array();
  for (const DigestLogFile& f : d.log_files) {
    Json file = Json::object();
    file["fileName"] = f.file_name;
    file["hashValue"] = f.hash_hex;
    file["hashAlgorithm"] = kHashAlgorithm;
    file["sizeBytes"] = f.size_bytes;
    file["recordCount"] = f.record_count;
    file["oldestEventTime"] = OptionalTime(f.oldest_event);
    file["newestEventTime"] = OptionalTime(f.newest_event);
    files.push_back(std::move(file));
  }
  j["logFiles"] = std::move(files);
  j["digestSignatureAlgorithm"] = kSignatureAlgorithm;
  return j;
}

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::string Sign(std::string_view canonical, std::string_view key) {
  return HexEncode(HmacSha256(key, canonical));
}

Status Malformed(const std::string& what) {
  return InvalidArgumentError("not a valid digest file: " + what);
}

StatusOr<std::string> GetString(const Json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_string()) return Malformed(std::string(name) + " is not a string");
  return it->get<std::string>();
}
StatusOr<std::optional<std::string>> GetOptionalString(const Json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end()) return Malformed(std::string(name) + " is missing");
  if (it->is_null()) return std::optional<std::string>();
  if (!it->is_string()) return Malformed(std::string(name) + " is not a string or null");
  return std::optional<std::string>(it->get<std::string>());
}
StatusOr<TimePoint> GetTime(const Json& j, const char* name) {
  SIGIL_ASSIGN_OR_RETURN(std::string text, GetString(j, name));
  auto t = ParseIso8601(text);
  if (!t) return Malformed(std::string(name) + " is not an ISO 8601 time");
  return *t;
}
StatusOr<std::optional<TimePoint>> GetOptionalTime(const Json& j, const char* name) {
  SIGIL_ASSIGN_OR_RETURN(std::optional<std::string> text, GetOptionalString(j, name));
  if (!text) return std::optional<TimePoint>();
  auto t = ParseIso8601(*text);
  if (!t) return Malformed(std::string(name) + " is not an ISO 8601 time");
  return std::optional<TimePoint>(*t);
}
StatusOr<uint64_t> GetCount(const Json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || !it->is_number_unsigned()) {
    return Malformed(std::string(name) + " is not a non-negative integer");
  }
  return it->get<uint64_t>();
}

}  // namespace

std::string DigestSigningKey(const SecretBox& master_key) {
  return master_key.DeriveKey(kDigestKeyPurpose);
}

std::string RenderDigest(const Digest& digest, std::string_view signing_key) {
  Json j = Unsigned(digest);
  const std::string canonical = Dump(j);
  j["digestSignature"] = Sign(canonical, signing_key);
  return Dump(j) + "\n";
}

StatusOr<Digest> ParseDigest(std::string_view bytes) {
  Json j = Json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Malformed("not a JSON object");
  Digest d;
  SIGIL_ASSIGN_OR_RETURN(std::string version, GetString(j, "digestVersion"));
  if (version != "1.0") return Malformed("unknown digestVersion '" + version + "'");
  SIGIL_ASSIGN_OR_RETURN(d.node_id, GetString(j, "nodeId"));
  SIGIL_ASSIGN_OR_RETURN(d.file_name, GetString(j, "digestFileName"));
  SIGIL_ASSIGN_OR_RETURN(d.start, GetTime(j, "digestStartTime"));
  SIGIL_ASSIGN_OR_RETURN(d.end, GetTime(j, "digestEndTime"));
  SIGIL_ASSIGN_OR_RETURN(d.previous_file_name, GetOptionalString(j, "previousDigestFileName"));
  SIGIL_ASSIGN_OR_RETURN(d.previous_hash_hex, GetOptionalString(j, "previousDigestHashValue"));
  SIGIL_ASSIGN_OR_RETURN(d.previous_signature_hex, GetOptionalString(j, "previousDigestSignature"));
  SIGIL_ASSIGN_OR_RETURN(d.last_log_sequence, GetCount(j, "lastLogFileSequence"));
  auto files = j.find("logFiles");
  if (files == j.end() || !files->is_array()) return Malformed("logFiles is not an array");
  for (const Json& f : *files) {
    if (!f.is_object()) return Malformed("a logFiles entry is not an object");
    DigestLogFile file;
    SIGIL_ASSIGN_OR_RETURN(file.file_name, GetString(f, "fileName"));
    SIGIL_ASSIGN_OR_RETURN(file.hash_hex, GetString(f, "hashValue"));
    SIGIL_ASSIGN_OR_RETURN(file.size_bytes, GetCount(f, "sizeBytes"));
    SIGIL_ASSIGN_OR_RETURN(file.record_count, GetCount(f, "recordCount"));
    SIGIL_ASSIGN_OR_RETURN(file.oldest_event, GetOptionalTime(f, "oldestEventTime"));
    SIGIL_ASSIGN_OR_RETURN(file.newest_event, GetOptionalTime(f, "newestEventTime"));
    d.log_files.push_back(std::move(file));
  }
  SIGIL_ASSIGN_OR_RETURN(d.signature_hex, GetString(j, "digestSignature"));
  return d;
}

bool DigestSignatureValid(std::string_view bytes, std::string_view signing_key) {
  Json j = Json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return false;
  auto sig = j.find("digestSignature");
  if (sig == j.end() || !sig->is_string()) return false;
  const std::string claimed = sig->get<std::string>();
  j.erase("digestSignature");
  const std::string canonical = Dump(j);
  const std::string expected = Sign(canonical, signing_key);
  if (!ConstantTimeEquals(claimed, expected)) return false;
  // Every byte counts: the file must be exactly the canonical rendering.
  j["digestSignature"] = claimed;
  return Dump(j) + "\n" == bytes;
}

}  // namespace sigil::audit
