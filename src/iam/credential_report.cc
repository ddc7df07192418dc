// The credential report: its CSV, the per-account report store, and the two IAM operations.
#include "iam/credential_report.h"

#include <memory>

#include "common/time_format.h"
#include "iam/iam_common.h"
#include "iam/iam_service.h"

namespace sigil::iam {

namespace {

const char* Bool(bool b) { return b ? "true" : "false"; }

// RFC 4180: a field with a comma, quote or line break is quoted, inner quotes doubled.
std::string CsvField(std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(field);
  std::string out = "\"";
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

// The five columns of one access key (or of none).
void AddKeyFields(const CredentialReportKey* key, std::vector<std::string>* fields) {
  if (key == nullptr) {
    fields->insert(fields->end(), {"false", "N/A", "N/A", "N/A", "N/A"});
    return;
  }
  fields->push_back(Bool(key->active));
  fields->push_back(FormatReportTime(key->created));
  if (key->last_used) {
    fields->push_back(FormatReportTime(key->last_used->last_used));
    fields->push_back(key->last_used->region);
    fields->push_back(key->last_used->service);
  } else {
    fields->insert(fields->end(), {"N/A", "N/A", "N/A"});
  }
}

std::vector<std::string> RowFields(const CredentialReportRow& row) {
  std::vector<std::string> fields = {row.user, row.arn, FormatReportTime(row.created)};
  // password_enabled, password_last_used, password_last_changed, password_next_rotation.
  if (row.is_root) {
    fields.insert(fields.end(), {"not_supported", "N/A", "not_supported", "not_supported"});
  } else {
    fields.insert(fields.end(), {"false", "N/A", "N/A", "N/A"});
  }
  fields.push_back(Bool(row.mfa_active));
  AddKeyFields(!row.keys.empty() ? &row.keys[0] : nullptr, &fields);
  AddKeyFields(row.keys.size() > 1 ? &row.keys[1] : nullptr, &fields);
  // cert_1_active, cert_1_last_rotated, cert_2_active, cert_2_last_rotated.
  fields.insert(fields.end(), {"false", "N/A", "false", "N/A"});
  return fields;
}

// ---- Collecting the rows from the snapshot ---------------------------------------------------

std::vector<CredentialReportKey> ReportKeys(const CallContext& ctx, const KeyUsageTracker& usage,
                                            std::string_view user_id) {
  std::vector<CredentialReportKey> keys;
  for (const KeyEntry* e : ctx.snapshot.Keys(ctx.principal.account_id, user_id)) {
    CredentialReportKey key{e->key.status == AccessKeyStatus::kActive, e->key.created, {}};
    // The live tracker knows the newest use; the snapshot what was last flushed to the store.
    key.last_used = usage.Latest(e->key.access_key_id);
    if (!key.last_used) {
      if (const AccessKeyUsage* persisted = ctx.snapshot.PersistedUsage(e->key.access_key_id)) {
        key.last_used = *persisted;
      }
    }
    keys.push_back(std::move(key));
  }
  return keys;
}

// The root user first, then the account's users by name.
std::vector<CredentialReportRow> CollectRows(const CallContext& ctx, const KeyUsageTracker& usage) {
  const std::string& account = ctx.principal.account_id;
  std::vector<CredentialReportRow> rows;
  CredentialReportRow root;
  root.user = std::string(kRootAccountRowName);
  root.arn = RootArn(account);
  if (const Account* a = ctx.snapshot.FindAccount(account)) root.created = a->created;
  root.is_root = true;
  // The root user's devices are assigned to the account id (see MfaDevice::user_id).
  root.mfa_active = !ctx.snapshot.MfaDevicesOfUser(account).empty();
  root.keys = ReportKeys(ctx, usage, "");
  rows.push_back(std::move(root));
  for (const User* u : ctx.snapshot.Users(account)) {
    CredentialReportRow row;
    row.user = u->name;
    row.arn = UserArn(account, u->path, u->name);
    row.created = u->created;
    row.mfa_active = !ctx.snapshot.MfaDevicesOfUser(u->user_id).empty();
    row.keys = ReportKeys(ctx, usage, u->user_id);
    rows.push_back(std::move(row));
  }
  return rows;
}

// ---- Operations ------------------------------------------------------------------------------

StatusOr<Value> GenerateCredentialReport(CredentialReportStore& reports,
                                         const KeyUsageTracker& usage, const CallContext& ctx,
                                         const Value&) {
  // AWS builds the report asynchronously: the first call answers STARTED and later ones
  // COMPLETE. Sigil builds it at once (one pass over the snapshot) and keeps AWS's answers, so
  // clients that poll until COMPLETE behave as they do against AWS.
  bool started = reports.GenerateIfStale(ctx.principal.account_id, ctx.now, [&] {
    return BuildCredentialReportCsv(CollectRows(ctx, usage));
  });
  if (started) {
    return Value{{"State", "STARTED"},
                 {"Description", "No report exists. Starting a new report generation task"}};
  }
  return Value{{"State", "COMPLETE"}};
}

StatusOr<Value> GetCredentialReport(const CredentialReportStore& reports, const CallContext& ctx,
                                    const Value&) {
  SIGIL_ASSIGN_OR_RETURN(CredentialReportStore::Report report,
                         reports.Fresh(ctx.principal.account_id, ctx.now));
  // Content is a blob: the codec base64-encodes it, as AWS sends it.
  return Value{{"Content", std::move(report.csv)},
               {"ReportFormat", "text/csv"},
               {"GeneratedTime", MillisOf(report.generated)}};
}

}  // namespace

std::string FormatReportTime(TimePoint t) {
  std::string s = FormatIso8601(t);  // "...T03:04:05Z"
  if (!s.empty() && s.back() == 'Z') s.pop_back();
  return s + "+00:00";
}

std::string BuildCredentialReportCsv(const std::vector<CredentialReportRow>& rows) {
  std::string out(kCredentialReportHeader);
  for (const CredentialReportRow& row : rows) {
    out.push_back('\n');
    std::vector<std::string> fields = RowFields(row);
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i > 0) out.push_back(',');
      out += CsvField(fields[i]);
    }
  }
  return out;
}

bool CredentialReportStore::GenerateIfStale(const std::string& account_id, TimePoint now,
                                            const std::function<std::string()>& build) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = reports_.find(account_id);
  if (it != reports_.end() && now - it->second.generated < kCredentialReportMaxAge) return false;
  reports_[account_id] = Report{build(), now};
  return true;
}

StatusOr<CredentialReportStore::Report> CredentialReportStore::Fresh(const std::string& account_id,
                                                                     TimePoint now) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = reports_.find(account_id);
  if (it == reports_.end()) {
    return AwsError(StatusCode::kFailedPrecondition, "ReportNotPresent",
                    "The request was rejected because the credential report does not exist. To "
                    "generate a credential report, use GenerateCredentialReport.")
        .WithHttpStatus(410);
  }
  if (now - it->second.generated >= kCredentialReportMaxAge) {
    return AwsError(StatusCode::kFailedPrecondition, "ReportExpired",
                    "The request was rejected because the most recent credential report has "
                    "expired. To generate a new credential report, use GenerateCredentialReport.")
        .WithHttpStatus(410);
  }
  return it->second;
}

void RegisterCredentialReportOperations(api::QueryService* svc, const KeyUsageTracker& usage) {
  // The reports live as long as the service's handlers, which share them.
  auto reports = std::make_shared<CredentialReportStore>();
  svc->Register(
      "GenerateCredentialReport",
      [](const CallContext&, const Value&) {
        return AuthzRequest{"iam:GenerateCredentialReport", "*"};
      },
      [reports, &usage](const CallContext& ctx, const Value& in) {
        return GenerateCredentialReport(*reports, usage, ctx, in);
      });
  svc->Register(
      "GetCredentialReport",
      [](const CallContext&, const Value&) {
        return AuthzRequest{"iam:GetCredentialReport", "*"};
      },
      [reports](const CallContext& ctx, const Value& in) {
        return GetCredentialReport(*reports, ctx, in);
      });
}

}  // namespace sigil::iam
