#include "audit/validate.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <set>

#include "audit/digest.h"
#include "audit/reader.h"
#include "common/crypto.h"
#include "common/file_util.h"
#include "common/time_format.h"

namespace sigil::audit {
namespace {

struct FileHash {
  std::string hex;
  uint64_t size = 0;
};

// SHA-256 and size of a file, read in blocks. kNotFound when absent.
StatusOr<FileHash> HashFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) return NotFoundError(path + " does not exist");
    return ErrnoStatus(err, "opening " + path);
  }
  Sha256Hasher hasher;
  FileHash out;
  std::string block(64 * 1024, '\0');
  for (;;) {
    const ssize_t n = ::read(fd, block.data(), block.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return ErrnoStatus(err, "reading " + path);
    }
    if (n == 0) break;
    hasher.Update(std::string_view(block.data(), static_cast<size_t>(n)));
    out.size += static_cast<uint64_t>(n);
  }
  ::close(fd);
  out.hex = HexEncode(hasher.Finish());
  return out;
}

bool InRange(TimePoint t, const ValidateOptions& o) {
  return (!o.from || t >= *o.from) && (!o.to || t <= *o.to);
}

// One node's trail.
class NodeValidator {
 public:
  NodeValidator(const std::string& audit_dir, std::string_view key, const ValidateOptions& options,
                ValidationReport* report)
      : dir_(audit_dir), key_(key), options_(options), report_(report) {}

  void Run(const std::vector<const FoundDigestFile*>& digests,
           const std::vector<const FoundLogFile*>& logs) {
    if (digests.empty()) {
      if (!logs.empty()) {
        Add(Problem::kNoDigest, logs.front()->relative_path,
            "node " + logs.front()->name.node_id + " has " + std::to_string(logs.size()) +
                " log file(s) but no digest file");
      }
      return;
    }
    bool first_in_range = true;
    std::optional<size_t> newest_checked;
    for (size_t i = 0; i < digests.size(); ++i) {
      if (!InRange(digests[i]->name.end, options_)) continue;
      CheckDigest(digests, i, first_in_range);
      first_in_range = false;
      newest_checked = i;
    }
    if (!newest_checked) return;
    const bool newest_is_last = *newest_checked + 1 == digests.size();
    for (const FoundLogFile* f : logs) {
      if (listed_.count(f->relative_path) != 0) continue;
      if (f->name.sequence > max_sequence_) {
        if (newest_is_last) report_->pending_files.push_back(f->relative_path);
        continue;
      }
      // With --from, files older than the checked digests are out of scope.
      if (options_.from && (!min_listed_ || f->name.sequence < *min_listed_)) continue;
      Add(Problem::kLogFileUnlisted, f->relative_path,
          "no digest lists this file although the chain covers its sequence number " +
              std::to_string(f->name.sequence));
    }
  }

 private:
  void Add(Problem p, std::string path, std::string detail) {
    report_->findings.push_back(Finding{p, std::move(path), std::move(detail)});
  }

  void CheckDigest(const std::vector<const FoundDigestFile*>& digests, size_t i,
                   bool first_in_range) {
    const FoundDigestFile& found = *digests[i];
    const std::string& path = found.relative_path;
    ++report_->digests_checked;
    auto bytes = ReadFile(dir_ + "/" + path);
    if (!bytes.ok()) {
      Add(Problem::kDigestUnreadable, path, bytes.status().message());
      return;
    }
    auto parsed = ParseDigest(*bytes);
    if (!parsed.ok()) {
      Add(Problem::kDigestUnreadable, path, parsed.status().message());
      return;
    }
    const Digest& d = *parsed;
    if (!DigestSignatureValid(*bytes, key_)) {
      Add(Problem::kDigestSignature, path,
          "the signature does not verify: the digest was altered, or signed with another master "
          "key");
    }
    if (d.file_name != path || d.node_id != found.name.node_id) {
      Add(Problem::kDigestMisplaced, path,
          "the digest says it is " + d.file_name + " of node " + d.node_id);
    }

    // The link to the previous digest.
    const FoundDigestFile* before = i > 0 ? digests[i - 1] : nullptr;
    if (!d.previous_file_name) {
      if (before != nullptr) {
        Add(Problem::kDigestChainBroken, path,
            "starts a new chain although " + before->relative_path + " precedes it");
      }
    } else {
      const std::string& prev = *d.previous_file_name;
      auto prev_bytes = ReadFile(dir_ + "/" + prev);
      if (!prev_bytes.ok()) {
        if (!(options_.from && first_in_range)) {
          Add(before == nullptr ? Problem::kDigestMissingStart : Problem::kDigestChainBroken, path,
              "its previous digest " + prev + " is missing");
        }
      } else {
        if (!ConstantTimeEquals(Sha256Hex(*prev_bytes), d.previous_hash_hex.value_or(""))) {
          Add(Problem::kDigestChainBroken, path,
              "the hash of its previous digest " + prev + " does not match");
        }
        if (before != nullptr && before->relative_path != prev) {
          Add(Problem::kDigestChainBroken, before->relative_path,
              "this digest is not in the chain: " + path + " links to " + prev);
        }
        auto previous = ParseDigest(*prev_bytes);
        if (previous.ok() && previous->end != d.start) {
          Add(Problem::kDigestGap, path,
              "starts at " + FormatIso8601(d.start) + " but its previous digest ends at " +
                  FormatIso8601(previous->end));
        }
      }
    }

    // The log files it lists.
    for (const DigestLogFile& f : d.log_files) {
      listed_.insert(f.file_name);
      auto seq = ParseLogFileName(f.file_name.substr(f.file_name.rfind('/') + 1));
      if (seq && (!min_listed_ || seq->sequence < *min_listed_)) min_listed_ = seq->sequence;
      ++report_->log_files_checked;
      auto hash = HashFile(dir_ + "/" + f.file_name);
      if (!hash.ok()) {
        Add(hash.status().code() == StatusCode::kNotFound ? Problem::kLogFileMissing
                                                          : Problem::kLogFileTampered,
            f.file_name,
            hash.status().code() == StatusCode::kNotFound
                ? "listed in " + path + " but does not exist"
                : hash.status().message());
        continue;
      }
      if (hash->size != f.size_bytes || !ConstantTimeEquals(hash->hex, f.hash_hex)) {
        Add(Problem::kLogFileTampered, f.file_name,
            "its SHA-256 or size differs from " + path + " (" + std::to_string(hash->size) +
                " bytes, " + std::to_string(f.size_bytes) + " recorded)");
      }
    }
    max_sequence_ = std::max(max_sequence_, d.last_log_sequence);
  }

  const std::string& dir_;
  std::string_view key_;
  const ValidateOptions& options_;
  ValidationReport* report_;
  std::set<std::string> listed_;
  std::optional<uint64_t> min_listed_;
  uint64_t max_sequence_ = 0;
};

}  // namespace

const char* ProblemName(Problem p) {
  switch (p) {
    case Problem::kDigestUnreadable:
      return "digest unreadable";
    case Problem::kDigestSignature:
      return "digest signature invalid";
    case Problem::kDigestChainBroken:
      return "digest chain broken";
    case Problem::kDigestMisplaced:
      return "digest misplaced";
    case Problem::kDigestGap:
      return "digest gap";
    case Problem::kDigestMissingStart:
      return "digest chain start missing";
    case Problem::kNoDigest:
      return "no digest";
    case Problem::kLogFileMissing:
      return "log file missing";
    case Problem::kLogFileTampered:
      return "log file tampered";
    case Problem::kLogFileUnlisted:
      return "log file not in any digest";
  }
  return "problem";
}

StatusOr<ValidationReport> Validate(const std::string& audit_dir, std::string_view signing_key,
                                    const ValidateOptions& options) {
  SIGIL_ASSIGN_OR_RETURN(std::vector<FoundDigestFile> digests, ListDigestFiles(audit_dir));
  SIGIL_ASSIGN_OR_RETURN(std::vector<FoundLogFile> logs, ListLogFiles(audit_dir));
  std::map<std::string,
           std::pair<std::vector<const FoundDigestFile*>, std::vector<const FoundLogFile*>>>
      by_node;
  for (const FoundDigestFile& d : digests) by_node[d.name.node_id].first.push_back(&d);
  for (const FoundLogFile& f : logs) by_node[f.name.node_id].second.push_back(&f);
  ValidationReport report;
  for (const auto& [node, files] : by_node) {
    report.nodes.push_back(node);
    NodeValidator(audit_dir, signing_key, options, &report).Run(files.first, files.second);
  }
  return report;
}

std::string FormatReport(const ValidationReport& report) {
  std::string out;
  for (const Finding& f : report.findings) {
    out += "FAILED   ";
    out += ProblemName(f.problem);
    out += ": " + f.path + ": " + f.detail + "\n";
  }
  for (const std::string& p : report.pending_files) {
    out += "pending  " + p + " (being written, or not yet in a digest)\n";
  }
  std::string nodes;
  for (const std::string& n : report.nodes) nodes += (nodes.empty() ? "" : ", ") + n;
  out += "Checked " + std::to_string(report.digests_checked) + " digest file(s) and " +
         std::to_string(report.log_files_checked) + " log file(s)";
  if (!nodes.empty()) out += " of node(s) " + nodes;
  if (report.ok()) {
    out += ": valid.\n";
  } else {
    out += ": " + std::to_string(report.findings.size()) + " problem(s) found.\n";
  }
  return out;
}

}  // namespace sigil::audit
