#include "cloudtrail/lookup_events.h"

#include <algorithm>
#include <array>
#include <queue>
#include <tuple>

#include "common/time_format.h"

namespace sigil::cloudtrail {
namespace {

// Bound into every NextToken's associated data, so no other sealed message passes for one.
constexpr std::string_view kNextTokenPurpose = "cloudtrail:LookupEvents NextToken";
constexpr size_t kMaxAttributeValueLength = 2000;

struct KeyName {
  LookupKey key;
  std::string_view name;
};
constexpr std::array<KeyName, 8> kKeys = {{
    {LookupKey::kEventId, "EventId"},
    {LookupKey::kEventName, "EventName"},
    {LookupKey::kReadOnly, "ReadOnly"},
    {LookupKey::kUsername, "Username"},
    {LookupKey::kResourceType, "ResourceType"},
    {LookupKey::kResourceName, "ResourceName"},
    {LookupKey::kEventSource, "EventSource"},
    {LookupKey::kAccessKeyId, "AccessKeyId"},
}};

Status InvalidLookupAttributes(std::string message) {
  return AwsError(StatusCode::kInvalidArgument, "InvalidLookupAttributesException",
                  std::move(message));
}

Status InvalidNextToken() {
  return AwsError(StatusCode::kInvalidArgument, "InvalidNextTokenException",
                  "The NextToken is not valid: it was not issued by this service, or was issued "
                  "for different parameters.");
}

// The string member `key` of `obj`, or null when absent or not a string.
const std::string* StringAt(const audit::Record& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return nullptr;
  return &it->get_ref<const std::string&>();
}

const audit::Record* ObjectAt(const audit::Record& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_object()) return nullptr;
  return &*it;
}

std::string StringOr(const audit::Record& obj, std::string_view key) {
  const std::string* s = StringAt(obj, key);
  return s == nullptr ? std::string() : *s;
}

std::string ReadOnlyText(const audit::Record& record) {
  auto it = record.find("readOnly");
  return it != record.end() && it->is_boolean() && it->get<bool>() ? "true" : "false";
}

std::string AccessKeyIdOf(const audit::Record& record) {
  const audit::Record* identity = ObjectAt(record, "userIdentity");
  return identity == nullptr ? std::string() : StringOr(*identity, "accessKeyId");
}

int64_t Millis(TimePoint t) { return t.time_since_epoch().count(); }

// Newest-first order: a precedes b when it is newer.
bool Newer(const EventPosition& a, const EventPosition& b) {
  return std::tie(a.time_ms, a.file, a.line) > std::tie(b.time_ms, b.file, b.line);
}

// EventPosition::file for a log file's path; empty when the name does not fit the layout.
std::string FileOrderKey(std::string_view path) {
  const size_t slash = path.rfind('/');
  std::optional<audit::LogFileName> name =
      audit::ParseLogFileName(slash == std::string_view::npos ? path : path.substr(slash + 1));
  if (!name) return "";
  std::string sequence = std::to_string(name->sequence);
  sequence.insert(0, 20 - std::min<size_t>(20, sequence.size()), '0');
  return FormatAmzDate(name->opened) + "_" + name->node_id + "_" + sequence;
}

}  // namespace

StatusOr<LookupQuery> ParseLookupInput(const Value& input, std::string_view account_id,
                                       TimePoint now) {
  LookupQuery q;
  q.account_id = std::string(account_id);

  if (auto it = input.find("LookupAttributes"); it != input.end() && !it->empty()) {
    if (it->size() > 1) {
      return InvalidLookupAttributes("You can specify at most one lookup attribute; " +
                                     std::to_string(it->size()) + " were given.");
    }
    const Value& attribute = (*it)[0];
    const auto key = attribute.find("AttributeKey");
    const auto value = attribute.find("AttributeValue");
    if (key == attribute.end()) return InvalidLookupAttributes("AttributeKey is required.");
    const std::string key_name = key->get<std::string>();
    const KeyName* known = nullptr;
    for (const KeyName& k : kKeys) {
      if (k.name == key_name) known = &k;
    }
    if (known == nullptr) {
      return InvalidLookupAttributes(
          "Invalid AttributeKey '" + key_name +
          "': it must be one of EventId, EventName, ReadOnly, Username, ResourceType, "
          "ResourceName, EventSource, AccessKeyId.");
    }
    if (value == attribute.end()) {
      return InvalidLookupAttributes("AttributeValue is required for AttributeKey " + key_name +
                                     ".");
    }
    std::string text = value->get<std::string>();
    if (text.empty() || text.size() > kMaxAttributeValueLength) {
      return InvalidLookupAttributes("AttributeValue must be 1 to " +
                                     std::to_string(kMaxAttributeValueLength) +
                                     " characters long.");
    }
    q.attribute = std::make_pair(known->key, std::move(text));
  }

  if (auto it = input.find("MaxResults"); it != input.end()) {
    const int64_t n = it->get<int64_t>();
    if (n < 1 || n > kMaxResults) {
      return AwsError(StatusCode::kInvalidArgument, "InvalidMaxResultsException",
                      "MaxResults must be between 1 and " + std::to_string(kMaxResults) +
                          "; it was " + std::to_string(n) + ".");
    }
    q.max_results = static_cast<int>(n);
  }

  auto time_at = [&](const char* member) -> std::optional<TimePoint> {
    auto it = input.find(member);
    if (it == input.end()) return std::nullopt;
    return TimePoint(std::chrono::milliseconds(it->get<int64_t>()));
  };
  const std::optional<TimePoint> start = time_at("StartTime");
  const std::optional<TimePoint> end = time_at("EndTime");
  q.end = end.value_or(now);
  q.start = start.value_or(std::min(q.end, now - kEventHistory));
  if (q.start > q.end) {
    return AwsError(StatusCode::kInvalidArgument, "InvalidTimeRangeException",
                    "The start time must not be after the end time.");
  }

  if (auto it = input.find("EventCategory"); it != input.end()) {
    if (*it != "insight") {
      return AwsError(StatusCode::kInvalidArgument, "InvalidEventCategoryException",
                      "EventCategory must be 'insight'.");
    }
    q.insights = true;
  }
  return q;
}

std::string UsernameOf(const audit::Record& record) {
  const audit::Record* identity = ObjectAt(record, "userIdentity");
  if (identity == nullptr) return "";
  const std::string type = StringOr(*identity, "type");
  if (type == "Root") return "root";
  if (type == "AssumedRole" || type == "FederatedUser") {
    // arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION, arn:aws:sts::ACCOUNT:federated-user/NAME
    const std::string arn = StringOr(*identity, "arn");
    const size_t slash = arn.rfind('/');
    return slash == std::string::npos ? "" : arn.substr(slash + 1);
  }
  return StringOr(*identity, "userName");
}

std::vector<std::pair<std::string, std::string>> ResourcesOf(const audit::Record& record) {
  std::vector<std::pair<std::string, std::string>> out;
  auto add = [&](const char* type, const std::string* name) {
    if (name == nullptr || name->empty()) return;
    for (const auto& [t, n] : out) {
      if (t == type && n == *name) return;
    }
    out.emplace_back(type, *name);
  };
  if (const audit::Record* params = ObjectAt(record, "requestParameters")) {
    add("AWS::IAM::User", StringAt(*params, "userName"));
    add("AWS::IAM::Group", StringAt(*params, "groupName"));
    add("AWS::IAM::Role", StringAt(*params, "roleName"));
    add("AWS::IAM::Role", StringAt(*params, "roleArn"));
    add("AWS::IAM::Policy", StringAt(*params, "policyArn"));
    add("AWS::IAM::AccessKey", StringAt(*params, "accessKeyId"));
    add("AWS::IAM::MFADevice", StringAt(*params, "serialNumber"));
    add("AWS::S3::Bucket", StringAt(*params, "bucketName"));
  }
  if (const audit::Record* response = ObjectAt(record, "responseElements")) {
    if (const audit::Record* key = ObjectAt(*response, "accessKey")) {
      add("AWS::IAM::AccessKey", StringAt(*key, "accessKeyId"));
    }
    if (const audit::Record* credentials = ObjectAt(*response, "credentials")) {
      add("AWS::IAM::AccessKey", StringAt(*credentials, "accessKeyId"));
    }
    if (const audit::Record* session = ObjectAt(*response, "assumedRoleUser")) {
      add("AWS::STS::AssumedRole", StringAt(*session, "arn"));
    }
    if (const audit::Record* policy = ObjectAt(*response, "policy")) {
      add("AWS::IAM::Policy", StringAt(*policy, "arn"));
    }
  }
  return out;
}

bool Selects(const LookupQuery& query, const audit::Record& record, TimePoint event_time) {
  if (event_time < query.start || event_time > query.end) return false;
  const std::string* recipient = StringAt(record, "recipientAccountId");
  if (recipient == nullptr || *recipient != query.account_id) return false;
  if (!query.attribute) return true;
  const std::string& want = query.attribute->second;
  switch (query.attribute->first) {
    case LookupKey::kEventId:
      return StringOr(record, "eventID") == want;
    case LookupKey::kEventName:
      return StringOr(record, "eventName") == want;
    case LookupKey::kReadOnly:
      return ReadOnlyText(record) == want;
    case LookupKey::kUsername:
      return UsernameOf(record) == want;
    case LookupKey::kEventSource:
      return StringOr(record, "eventSource") == want;
    case LookupKey::kAccessKeyId:
      return AccessKeyIdOf(record) == want;
    case LookupKey::kResourceType:
    case LookupKey::kResourceName:
      for (const auto& [type, name] : ResourcesOf(record)) {
        if ((query.attribute->first == LookupKey::kResourceType ? type : name) == want) {
          return true;
        }
      }
      return false;
  }
  return false;
}

Value EventValue(const audit::Record& record, TimePoint event_time, std::string_view line) {
  Value resources = Value::array();
  for (const auto& [type, name] : ResourcesOf(record)) {
    resources.push_back({{"ResourceType", type}, {"ResourceName", name}});
  }
  Value event = {{"EventId", StringOr(record, "eventID")},
                 {"EventName", StringOr(record, "eventName")},
                 {"ReadOnly", ReadOnlyText(record)},
                 {"EventTime", Millis(event_time)},
                 {"EventSource", StringOr(record, "eventSource")},
                 {"Resources", std::move(resources)},
                 {"CloudTrailEvent", std::string(line)}};
  if (std::string key = AccessKeyIdOf(record); !key.empty()) event["AccessKeyId"] = key;
  if (std::string user = UsernameOf(record); !user.empty()) event["Username"] = user;
  return event;
}

StatusOr<LookupPage> LookUpEvents(const std::string& audit_dir, const LookupQuery& query) {
  LookupPage page;
  if (query.insights) return page;  // Sigil records management events only
  SIGIL_ASSIGN_OR_RETURN(std::vector<std::string> files,
                         audit::AuditFiles(audit_dir, query.start, query.end));

  struct Candidate {
    EventPosition position;
    std::string line;
  };
  // The newest `keep` events older than the resume position; the heap's top is the oldest kept.
  auto top_is_oldest = [](const Candidate& a, const Candidate& b) {
    return Newer(a.position, b.position);
  };
  std::priority_queue<Candidate, std::vector<Candidate>, decltype(top_is_oldest)> kept(
      top_is_oldest);
  const size_t keep = static_cast<size_t>(query.max_results) + 1;

  for (const std::string& path : files) {
    const std::string file = FileOrderKey(path);
    uint64_t line_number = 0;
    Status read = audit::ForEachLine(path, [&](std::string_view line) {
      ++line_number;
      // Cheap pre-filter: a record of the account names it (as recipientAccountId).
      if (line.find(query.account_id) == std::string_view::npos) return true;
      std::optional<audit::Record> record = audit::ParseRecordLine(line);
      if (!record) return true;
      std::optional<TimePoint> time = audit::RecordEventTime(*record);
      if (!time || !Selects(query, *record, *time)) return true;
      EventPosition position{Millis(*time), file, line_number};
      if (query.after && !Newer(*query.after, position)) return true;
      if (kept.size() == keep && !Newer(position, kept.top().position)) return true;
      kept.push(Candidate{std::move(position), std::string(line)});
      if (kept.size() > keep) kept.pop();
      return true;
    });
    // A file removed by retention between listing and reading holds nothing to show.
    if (!read.ok() && read.code() != StatusCode::kNotFound) return read;
  }

  std::vector<Candidate> newest_first;
  while (!kept.empty()) {
    newest_first.push_back(kept.top());
    kept.pop();
  }
  std::reverse(newest_first.begin(), newest_first.end());
  if (newest_first.size() > static_cast<size_t>(query.max_results)) {
    newest_first.resize(static_cast<size_t>(query.max_results));
    page.next = newest_first.back().position;
  }
  for (const Candidate& c : newest_first) {
    std::optional<audit::Record> record = audit::ParseRecordLine(c.line);
    if (!record) return InternalError("an audit record no longer parses");
    page.events.push_back(
        EventValue(*record, TimePoint(std::chrono::milliseconds(c.position.time_ms)), c.line));
  }
  return page;
}

std::string QueryFingerprint(const Value& input) {
  Value bound = Value::object();
  for (const char* member : {"LookupAttributes", "StartTime", "EndTime", "EventCategory"}) {
    if (auto it = input.find(member); it != input.end()) bound[member] = *it;
  }
  return Sha256Hex(bound.dump(-1, ' ', false, Value::error_handler_t::replace));
}

StatusOr<std::string> SealNextToken(const auth::SessionTokenSealer& sealer, RandomSource& random,
                                    std::string_view account_id, std::string_view fingerprint,
                                    const EventPosition& position) {
  Value plain = {{"a", account_id},
                 {"q", fingerprint},
                 {"t", position.time_ms},
                 {"f", position.file},
                 {"l", position.line}};
  return sealer.SealMessage(kNextTokenPurpose,
                            plain.dump(-1, ' ', false, Value::error_handler_t::replace), random);
}

StatusOr<EventPosition> OpenNextToken(const auth::SessionTokenSealer& sealer,
                                      std::string_view token, std::string_view account_id,
                                      std::string_view fingerprint) {
  std::optional<std::string> plain = sealer.OpenMessage(kNextTokenPurpose, token);
  if (!plain) return InvalidNextToken();
  Value v = Value::parse(*plain, nullptr, /*allow_exceptions=*/false);
  // Sealed by this service, so well-formed; checked anyway rather than trusted.
  if (!v.is_object() || !v["a"].is_string() || !v["q"].is_string() || !v["t"].is_number_integer() ||
      !v["f"].is_string() || !v["l"].is_number_unsigned()) {
    return InvalidNextToken();
  }
  if (v["a"] != account_id || v["q"] != fingerprint) return InvalidNextToken();
  return EventPosition{v["t"].get<int64_t>(), v["f"].get<std::string>(), v["l"].get<uint64_t>()};
}

}  // namespace sigil::cloudtrail
