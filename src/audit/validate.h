// Validates the audit trail as CloudTrail's log file validation does: walks each node's digest
// chain, checks every digest's signature and its link to the previous digest, every listed log
// file's SHA-256 and size, and that no log file exists that the chain does not list. Reads files
// only; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace sigil::audit {

enum class Problem {
  kDigestUnreadable,    // a digest file cannot be read or parsed
  kDigestSignature,     // a digest's signature does not verify (altered, or another key)
  kDigestChainBroken,   // a digest's previous link names a missing digest or a wrong hash
  kDigestMisplaced,     // a digest's recorded name or node differs from where it lies
  kDigestGap,           // a digest does not start where its predecessor ended
  kDigestMissingStart,  // the oldest digest links to a predecessor (without --from)
  kNoDigest,            // a node has log files but no digest at all
  kLogFileMissing,      // a listed log file does not exist
  kLogFileTampered,     // a listed log file's hash or size differs
  kLogFileUnlisted,     // a log file older than the chain's newest listed file but not listed
};
const char* ProblemName(Problem p);  // "digest signature invalid", ...

struct Finding {
  Problem problem;
  std::string path;  // relative to the audit dir
  std::string detail;
};

struct ValidateOptions {
  // Digests whose digestEndTime lies outside [from, to] are not checked (nor the log files they
  // list). With `from`, the chain may start with a digest whose predecessor is gone (retention);
  // without it, each node's oldest digest must be its first.
  std::optional<TimePoint> from;
  std::optional<TimePoint> to;
};

struct ValidationReport {
  size_t digests_checked = 0;
  size_t log_files_checked = 0;
  std::vector<Finding> findings;  // failures
  // Log files newer than every digest (the file being written, or files a crash left before
  // their digest), relative paths: not failures.
  std::vector<std::string> pending_files;
  std::vector<std::string> nodes;

  bool ok() const { return findings.empty(); }
};

// Validates the trail under `audit_dir` with the digest signing key. An error Status only when
// the audit dir cannot be listed; everything wrong with its content is a finding.
StatusOr<ValidationReport> Validate(const std::string& audit_dir, std::string_view signing_key,
                                    const ValidateOptions& options = {});

// A human report: one line per finding ("TAMPERED  2024/...jsonl: ..."), then a summary.
std::string FormatReport(const ValidationReport& report);

}  // namespace sigil::audit
