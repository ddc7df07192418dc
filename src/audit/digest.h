// Digest files, the audit trail's analogue of CloudTrail's log file integrity validation: each
// names the log files one node closed in an interval with their SHA-256, links to the node's
// previous digest by name and SHA-256, and is signed with HMAC-SHA256 under a key derived from
// the master key. Deleting, altering or adding a log file or a digest is then detectable
// (audit/validate.h). Pure functions; thread-safe.
//
// A digest file is one line of compact JSON, members in this order, then '\n':
//   {"digestVersion":"1.0","nodeId":"k3x9a2bq",
//    "digestFileName":"digest/2024/05/06/sigil_digest_k3x9a2bq_20240506T080000Z.json",
//    "digestStartTime":"2024-05-06T07:00:00Z","digestEndTime":"2024-05-06T08:00:00Z",
//    "oldestEventTime":"..."|null,"newestEventTime":"..."|null,
//    "previousDigestFileName":"digest/..."|null,"previousDigestHashValue":"<hex>"|null,
//    "previousDigestHashAlgorithm":"SHA-256","previousDigestSignature":"<hex>"|null,
//    "lastLogFileSequence":42,   // the highest log file sequence covered by the chain so far
//    "logFiles":[{"fileName":"2024/05/06/sigil_audit_k3x9a2bq_20240506T070000Z_000042.jsonl",
//                 "hashValue":"<hex>","hashAlgorithm":"SHA-256","sizeBytes":1234,
//                 "recordCount":7,"oldestEventTime":"..."|null,"newestEventTime":"..."|null}],
//    "digestSignatureAlgorithm":"HMAC-SHA256","digestSignature":"<hex>"}
// The signature is HMAC-SHA256(key, the same JSON without the digestSignature member). A file
// whose bytes differ from this canonical rendering of its own content is rejected, so every
// byte is covered. The digestStartTime of a digest is its predecessor's digestEndTime: the
// chain covers time without gaps, and a digest is written at least hourly even when no file was
// closed, so a removed interval shows.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/status.h"

namespace sigil::audit {

// The purpose string the digest signing key is derived under (SecretBox::DeriveKey).
inline constexpr std::string_view kDigestKeyPurpose = "sigil/audit-digest";

// The digest signing key for a master key.
std::string DigestSigningKey(const SecretBox& master_key);

struct DigestLogFile {
  std::string file_name;  // relative to the audit dir
  std::string hash_hex;   // SHA-256 of the file's bytes, lower-case hex
  uint64_t size_bytes = 0;
  uint64_t record_count = 0;
  std::optional<TimePoint> oldest_event;  // absent when the file holds no record
  std::optional<TimePoint> newest_event;
};

struct Digest {
  std::string node_id;
  std::string file_name;  // its own path relative to the audit dir (DigestRelativePath)
  TimePoint start;
  TimePoint end;
  std::optional<std::string> previous_file_name;  // absent for a node's first digest
  std::optional<std::string> previous_hash_hex;
  std::optional<std::string> previous_signature_hex;
  uint64_t last_log_sequence = 0;  // 0: no log file yet
  std::vector<DigestLogFile> log_files;
  std::string signature_hex;  // set by ParseDigest; ignored by RenderDigest
};

// The signed file bytes (see the format above).
std::string RenderDigest(const Digest& digest, std::string_view signing_key);

// Parses a digest file. kInvalidArgument saying what is wrong when it is not well-formed JSON
// in the format above. Does not check the signature.
StatusOr<Digest> ParseDigest(std::string_view bytes);

// True when `bytes` is a canonical digest rendering whose signature verifies under `key`
// (compared in constant time).
bool DigestSignatureValid(std::string_view bytes, std::string_view signing_key);

}  // namespace sigil::audit
