// The IAM credential report (GenerateCredentialReport, GetCredentialReport): AWS's CSV of every
// user's credentials, built by a pure function, and the per-account store of the latest reports.
// BuildCredentialReportCsv is pure and thread-safe; CredentialReportStore is thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "identity/model.h"

namespace sigil::iam {

// AWS's columns, in AWS's order.
inline constexpr std::string_view kCredentialReportHeader =
    "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,"
    "password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,"
    "access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,"
    "access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,"
    "access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,"
    "cert_1_last_rotated,cert_2_active,cert_2_last_rotated";

// The name AWS gives the root user's row.
inline constexpr std::string_view kRootAccountRowName = "<root_account>";

// A report is served for four hours; GenerateCredentialReport builds a new one only after that.
inline constexpr std::chrono::hours kCredentialReportMaxAge{4};

// One access key as the report shows it.
struct CredentialReportKey {
  bool active = false;
  TimePoint created;  // "last rotated": Sigil keys are never changed in place
  std::optional<AccessKeyUsage> last_used;
};

// One row: the root user or an IAM user.
struct CredentialReportRow {
  std::string user;  // the user name, or kRootAccountRowName
  std::string arn;
  TimePoint created;
  bool is_root = false;
  bool mfa_active = false;
  std::vector<CredentialReportKey> keys;  // oldest first; the report has columns for two
};

// The CSV: the header, then one line per row in the given order, lines separated by "\n" (no
// trailing newline). Timestamps are ISO 8601 with an explicit offset ("2024-01-02T03:04:05+00:00"),
// booleans "true"/"false", and "N/A" where there is nothing to show, as AWS writes them. Sigil
// has no console passwords and no signing certificates: users show password_enabled "false" and
// "N/A" for the other password columns; the root user shows "not_supported" where AWS does
// (password_enabled, password_last_changed, password_next_rotation) and "N/A" for
// password_last_used (it has no password); the certificate columns are "false"/"N/A". A field
// holding a comma, quote or line break (user names and paths may hold commas) is quoted as
// RFC 4180 says.
std::string BuildCredentialReportCsv(const std::vector<CredentialReportRow>& rows);

// "2024-01-02T03:04:05+00:00" (seconds precision, UTC).
std::string FormatReportTime(TimePoint t);

// The latest credential report of each account, kept in memory. Reports are per node and are
// not persisted: after a restart (or on another node) GetCredentialReport answers
// ReportNotPresent until GenerateCredentialReport builds one, which costs one pass over the
// snapshot.
class CredentialReportStore {
 public:
  struct Report {
    std::string csv;
    TimePoint generated;
  };

  // Builds the account's report with `build` when there is none or the stored one is at least
  // kCredentialReportMaxAge old at `now`; returns true when it built one. `build` runs under the
  // store's lock, so concurrent calls build once.
  bool GenerateIfStale(const std::string& account_id, TimePoint now,
                       const std::function<std::string()>& build);
  // The account's report if it is younger than kCredentialReportMaxAge at `now`. Errors as
  // GetCredentialReport answers them: ReportNotPresent (410) when the account has none,
  // ReportExpired (410) when it is older.
  StatusOr<Report> Fresh(const std::string& account_id, TimePoint now) const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, Report, std::less<>> reports_;  // by account id
};

}  // namespace sigil::iam
