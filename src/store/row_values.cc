#include "store/row_values.h"

namespace sigil::store_rows {

int64_t ToMillis(TimePoint t) { return t.time_since_epoch().count(); }
TimePoint FromMillis(int64_t ms) { return TimePoint(std::chrono::milliseconds(ms)); }

std::string_view StatusText(AccessKeyStatus status) {
  return status == AccessKeyStatus::kActive ? "Active" : "Inactive";
}

std::string_view OwnerKindText(PolicyOwnerKind kind) {
  switch (kind) {
    case PolicyOwnerKind::kUser:
      return "user";
    case PolicyOwnerKind::kGroup:
      return "group";
    case PolicyOwnerKind::kRole:
      return "role";
  }
  return "user";  // unreachable: the switch covers every kind
}

StatusOr<PolicyOwnerKind> ParseOwnerKind(const std::string& text) {
  for (PolicyOwnerKind kind :
       {PolicyOwnerKind::kUser, PolicyOwnerKind::kGroup, PolicyOwnerKind::kRole}) {
    if (text == OwnerKindText(kind)) return kind;
  }
  return InternalError("unknown policy owner kind '" + text + "'");
}

std::optional<int64_t> VersionNumber(const std::string& version_id) {
  if (version_id.size() < 2 || version_id.size() > 10 || version_id[0] != 'v' ||
      version_id[1] == '0') {
    return std::nullopt;
  }
  int64_t n = 0;
  for (size_t i = 1; i < version_id.size(); ++i) {
    if (version_id[i] < '0' || version_id[i] > '9') return std::nullopt;
    n = n * 10 + (version_id[i] - '0');
  }
  return n;
}

std::string CustomerPolicyArn(const std::string& account_id, const std::string& path,
                              const std::string& name) {
  return "arn:aws:iam::" + account_id + ":policy" + path + name;
}

std::optional<std::string> NullIfEmpty(const std::string& s) {
  return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

Status WithContext(Status status, std::string_view context) {
  if (status.ok()) return status;
  return Status(status.code(), std::string(context) + ": " + status.message());
}

}  // namespace sigil::store_rows
