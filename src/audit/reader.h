// The audit trail's on-disk layout and how to read it back: the file names the writer produces,
// which files may hold events of a time range, and the records (JSON Lines) inside them. Used by
// the validator, by cloudtrail:LookupEvents and by IAM's service-last-accessed reports. Pure
// functions over the file system; thread-safe (the writer appends to the newest file meanwhile:
// readers see whole lines only).
//
// Layout under DATA_DIR/audit/ (`AuditDir`):
//   node-id                     this node's short random id ([a-z0-9]{8,16}, one line, 0600)
//   YYYY/MM/DD/sigil_audit_<NODE>_<YYYYMMDDTHHMMSSZ>_<SEQ>.jsonl
//       log files: one CloudTrail record (eventVersion 1.11) per line, '\n'-terminated, in the
//       order written (roughly eventTime order; requests overlap). The date folders and the
//       timestamp are the UTC time the file was opened; SEQ is a decimal number, zero-padded to
//       at least 6 digits, that grows by one with each file a node opens, across restarts, so a
//       name is never reused. The newest file of a running node is still being appended to; a
//       crash may leave its last line incomplete (readers skip it).
//   digest/YYYY/MM/DD/sigil_digest_<NODE>_<YYYYMMDDTHHMMSSZ>.json
//       digest files, one JSON object each (see audit/digest.h), named by their digestEndTime,
//       hash-chained per node: each lists the log files closed since the previous digest with
//       their SHA-256, and the previous digest's name and SHA-256, signed with HMAC-SHA256 under
//       a key derived from the master key. One is written at each rotation, at least hourly,
//       and at shutdown.
// Folders are 0700 and files 0600.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace sigil::audit {

// A record, its members in CloudTrail's order.
using Record = nlohmann::ordered_json;

// DATA_DIR/audit.
std::string AuditDir(const std::string& data_dir);

// A node id: 8 to 16 characters [a-z0-9].
bool IsValidNodeId(std::string_view id);

// What a log file's name says.
struct LogFileName {
  std::string node_id;
  TimePoint opened;  // whole seconds, UTC
  uint64_t sequence = 0;
};
// "2024/05/06/sigil_audit_<node>_20240506T070809Z_000042.jsonl" (relative to the audit dir).
std::string LogFileRelativePath(const LogFileName& name);
// Parses a log file's base name (no folders), e.g. "sigil_audit_k3x9a2bq_20240506T070809Z_000042
// .jsonl"; nullopt for anything else.
std::optional<LogFileName> ParseLogFileName(std::string_view base_name);

// What a digest file's name says.
struct DigestFileName {
  std::string node_id;
  TimePoint end;  // the digest's digestEndTime, whole seconds, UTC
};
// "digest/2024/05/06/sigil_digest_<node>_20240506T080000Z.json" (relative to the audit dir).
std::string DigestRelativePath(const DigestFileName& name);
std::optional<DigestFileName> ParseDigestFileName(std::string_view base_name);

// A log or digest file found under the audit dir.
struct FoundLogFile {
  std::string relative_path;  // as LogFileRelativePath
  LogFileName name;
};
struct FoundDigestFile {
  std::string relative_path;  // as DigestRelativePath
  DigestFileName name;
};
// Every log file under `audit_dir`, every node's, ordered by (node id, sequence). Files and
// folders whose names do not fit the layout are skipped. An absent audit dir is empty, not an
// error; other I/O errors are kInternal naming the path.
StatusOr<std::vector<FoundLogFile>> ListLogFiles(const std::string& audit_dir);
// Every digest file under `audit_dir`, ordered by (node id, end time).
StatusOr<std::vector<FoundDigestFile>> ListDigestFiles(const std::string& audit_dir);

// How far a record's eventTime may precede the opening of the file that holds it (a request's
// time is taken when it starts; the record is written when it ends, possibly after queueing).
inline constexpr std::chrono::minutes kEventTimeSlack{15};

// The log files (absolute paths: audit_dir + "/" + relative path) that may hold records whose
// eventTime lies in [from, to], oldest first (by opening time, then node, then sequence). A file
// of one node is taken to span from its opening time minus kEventTimeSlack to the opening of the
// node's next file (the newest file: to now), so the result is a superset: callers still filter
// each record by its eventTime. Errors as ListLogFiles.
StatusOr<std::vector<std::string>> AuditFiles(const std::string& audit_dir, TimePoint from,
                                              TimePoint to);

// One line of a log file (without its '\n') as a record; nullopt when it is not a JSON object
// (a damaged or incomplete line). Never throws.
std::optional<Record> ParseRecordLine(std::string_view line);

// Calls `fn` with each complete line of the log file at `path` (each ends with '\n'; a trailing
// incomplete line, being written or cut by a crash, is skipped), in file order, until `fn`
// returns false. The line excludes its '\n'. Reads the file in blocks; does not load it whole.
// kNotFound when the file does not exist (it may have been removed by retention), kInternal for
// other I/O errors.
Status ForEachLine(const std::string& path, const std::function<bool(std::string_view)>& fn);

// As ForEachLine, parsing each line; lines that are not records are skipped (and counted in
// `*skipped` when given).
Status ForEachRecord(const std::string& path, const std::function<bool(Record&&)>& fn,
                     size_t* skipped = nullptr);

// The eventTime of a record ("2024-05-06T07:08:09Z"), if it has a valid one.
std::optional<TimePoint> RecordEventTime(const Record& record);

}  // namespace sigil::audit
