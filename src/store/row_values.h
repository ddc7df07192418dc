// Conversions between the domain model and the column values every SQL backend stores (times
// as milliseconds, statuses and owner kinds as text, "" as NULL), so SQLite and PostgreSQL
// read and write identical rows. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "identity/model.h"

namespace sigil::store_rows {

int64_t ToMillis(TimePoint t);
TimePoint FromMillis(int64_t ms);

std::string_view StatusText(AccessKeyStatus status);   // "Active" / "Inactive"
std::string_view OwnerKindText(PolicyOwnerKind kind);  // "user" / "group" / "role"
// kInternal for text no Sigil wrote (a damaged database).
StatusOr<PolicyOwnerKind> ParseOwnerKind(const std::string& text);

// N of a version id "vN" (N >= 1, no leading zero); nullopt for anything else.
std::optional<int64_t> VersionNumber(const std::string& version_id);

// The ARN attachments use for a customer managed policy; the partition is always "aws", as in
// every ARN Sigil issues.
std::string CustomerPolicyArn(const std::string& account_id, const std::string& path,
                              const std::string& name);

// The model uses "" for "none" (root credentials, no boundary); the column uses NULL.
std::optional<std::string> NullIfEmpty(const std::string& s);

// `status` with `context` prefixed to its message (OK stays OK).
Status WithContext(Status status, std::string_view context);

}  // namespace sigil::store_rows
