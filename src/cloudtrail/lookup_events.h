// cloudtrail:LookupEvents over the audit trail: which records a lookup selects (the caller's
// account, at most one lookup attribute, a time range), how a record looks as an Event, and
// pages newest first, resumed by a NextToken sealed under the session key ring (opaque, cannot
// be forged, opens on every node). Stateless; thread-safe.
//
// Cost: there is no index. A lookup reads every log file whose span overlaps its time range
// (audit::AuditFiles), line by line, and parses the lines that mention the caller's account;
// memory stays at one page (MaxResults + 1 events) whatever the range. Each page re-reads the
// range up to where the previous one stopped, so paging through N events over a range of R
// bytes costs about R * N / MaxResults bytes read. Without StartTime the range is the last 90
// days, as CloudTrail's event history keeps.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "audit/reader.h"
#include "auth/session_token.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/status.h"
#include "protocol/query_codec.h"

namespace sigil::cloudtrail {

using protocol::Value;

// How far back a lookup without StartTime reaches (CloudTrail's event history).
inline constexpr std::chrono::hours kEventHistory{24 * 90};
inline constexpr int kMaxResults = 50;

enum class LookupKey {
  kEventId,
  kEventName,
  kReadOnly,
  kUsername,
  kResourceType,
  kResourceName,
  kEventSource,
  kAccessKeyId,
};

// Where an event stands in newest-first order: by eventTime, then (eventTime having whole
// seconds) by the order records were written: the log file's opening time, node and sequence,
// then the line in the file; all descending. Stable while files are appended to and removed.
struct EventPosition {
  int64_t time_ms = 0;
  std::string file;  // "<opened YYYYMMDDTHHMMSSZ>_<node>_<sequence, 20 digits>"
  uint64_t line = 0;
};

struct LookupQuery {
  std::string account_id;  // only records whose recipientAccountId is this account
  std::optional<std::pair<LookupKey, std::string>> attribute;
  TimePoint start;        // inclusive
  TimePoint end;          // inclusive
  bool insights = false;  // EventCategory "insight": Sigil records no Insights events
  int max_results = kMaxResults;
  std::optional<EventPosition> after;  // resume strictly after this event (from NextToken)
};

// Checks a decoded LookupEvents input (the JSON codec checked types only) and builds the query
// for the caller's account at time `now`. Errors, as CloudTrail words them:
// InvalidLookupAttributesException (more than one attribute, an unknown AttributeKey, a missing
// AttributeValue), InvalidTimeRangeException (StartTime after EndTime),
// InvalidMaxResultsException (MaxResults outside 1-50), InvalidEventCategoryException. The
// NextToken is not read here (see OpenNextToken).
StatusOr<LookupQuery> ParseLookupInput(const Value& input, std::string_view account_id,
                                       TimePoint now);

// A record's user name as LookupEvents shows it: "root" for the root user, the user name of an
// IAM user, the session name of a role session, the name of a federated user; empty when the
// record names no one (a request that failed authentication with an unknown key).
std::string UsernameOf(const audit::Record& record);

// The resources a record refers to, as LookupEvents lists them ({type, name}), derived from its
// requestParameters and responseElements as CloudTrail does for IAM and STS: userName ->
// AWS::IAM::User, groupName -> AWS::IAM::Group, roleName and roleArn -> AWS::IAM::Role,
// policyArn -> AWS::IAM::Policy, accessKeyId (or a new access key) -> AWS::IAM::AccessKey,
// serialNumber -> AWS::IAM::MFADevice, bucketName -> AWS::S3::Bucket.
std::vector<std::pair<std::string, std::string>> ResourcesOf(const audit::Record& record);

// Whether a record with eventTime `event_time` is selected by the query's account, time range
// and attribute (not by its position).
bool Selects(const LookupQuery& query, const audit::Record& record, TimePoint event_time);

// The Event shape for a record; CloudTrailEvent is `line`, the record's JSON text as stored.
Value EventValue(const audit::Record& record, TimePoint event_time, std::string_view line);

struct LookupPage {
  std::vector<Value> events;          // newest first, at most max_results
  std::optional<EventPosition> next;  // set when more events follow
};

// Reads the audit trail under `audit_dir` for one page of the query. I/O errors are kInternal;
// files removed while reading are skipped.
StatusOr<LookupPage> LookUpEvents(const std::string& audit_dir, const LookupQuery& query);

// A digest of the parameters a NextToken is bound to (attribute, StartTime, EndTime and
// EventCategory as given), so a token is refused with other parameters, as CloudTrail refuses.
std::string QueryFingerprint(const Value& input);

// The NextToken for resuming after `position`, sealed under the session key ring with the
// caller's account and the query fingerprint. kInternal when no randomness is available.
StatusOr<std::string> SealNextToken(const auth::SessionTokenSealer& sealer, RandomSource& random,
                                    std::string_view account_id, std::string_view fingerprint,
                                    const EventPosition& position);
// Opens a NextToken: InvalidNextTokenException when it does not open (forged, damaged, sealed
// under a key no longer in the ring) or was issued to another account or for other parameters.
StatusOr<EventPosition> OpenNextToken(const auth::SessionTokenSealer& sealer,
                                      std::string_view token, std::string_view account_id,
                                      std::string_view fingerprint);

}  // namespace sigil::cloudtrail
