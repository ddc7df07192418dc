#include "cloudtrail/lookup_events.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

#include "audit/record.h"
#include "common/time_format.h"

namespace sigil::cloudtrail {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

constexpr char kAccount[] = "111122223333";
constexpr char kOther[] = "444455556666";
const TimePoint kNow = FromUnixSeconds(1700000000);

Principal User(const std::string& account, const std::string& name, const std::string& key) {
  Principal p;
  p.type = PrincipalType::kUser;
  p.account_id = account;
  p.user_name = name;
  p.user_id = "AIDA" + name;
  p.principal_id = p.user_id;
  p.arn = UserArn(account, "/", name);
  p.access_key_id = key;
  return p;
}

Principal Root(const std::string& account) {
  Principal p;
  p.type = PrincipalType::kRoot;
  p.account_id = account;
  p.principal_id = account;
  p.arn = RootArn(account);
  p.access_key_id = "AKIAROOT";
  return p;
}

Principal RoleSession(const std::string& account) {
  Principal p;
  p.type = PrincipalType::kAssumedRole;
  p.account_id = account;
  p.role_id = "AROAROLE";
  p.role_name = "deployer";
  p.principal_id = "AROAROLE:ci-run-7";
  p.arn = AssumedRoleArn(account, "deployer", "ci-run-7");
  p.access_key_id = "ASIASESSION";
  p.session = auth::SessionClaims{};
  p.session->kind = auth::SessionPrincipalKind::kAssumedRole;
  return p;
}

// One audit record as the server writes it.
std::string RecordLine(const Principal& who, std::string_view service, std::string_view action,
                       TimePoint at, std::string_view event_id, const Value& input = Value(),
                       const Value& output = Value(), std::string_view error_code = "") {
  audit::RecordInput in;
  in.event_time = at;
  in.service = service;
  in.action = action;
  in.region = "us-east-1";
  in.source_ip = "127.0.0.1";
  in.user_agent = "aws-cli/2";
  in.request_id = "req";
  in.event_id = event_id;
  in.principal = &who;
  in.input = input.is_null() ? nullptr : &input;
  in.output = output.is_null() ? nullptr : &output;
  in.error_code = error_code;
  if (!error_code.empty()) in.error_message = "denied";
  return audit::BuildRecord(in).dump();
}

std::optional<audit::Record> Parse(const std::string& line) { return audit::ParseRecordLine(line); }

class LookupEventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/sigil_lookup_XXXXXX";
    dir_ = mkdtemp(tmpl);
    auth::SessionTokenKey key{1, std::string(32, 'k')};
    sealer_ = std::make_unique<auth::SessionTokenSealer>(
        std::move(auth::SessionTokenSealer::FromKeyRing({&key, 1})).value());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes a log file opened at `opened` holding `lines` (each ending in '\n', plus `tail`).
  void WriteLog(const std::string& node, TimePoint opened, uint64_t seq,
                const std::vector<std::string>& lines, const std::string& tail = "") {
    const std::string path =
        dir_ + "/" + audit::LogFileRelativePath(audit::LogFileName{node, opened, seq});
    std::filesystem::create_directories(std::filesystem::path(path).parent_path());
    std::ofstream out(path, std::ios::binary);
    for (const std::string& l : lines) out << l << '\n';
    out << tail;
  }

  LookupQuery Query(const Value& input) {
    auto q = ParseLookupInput(input, kAccount, kNow);
    EXPECT_TRUE(q.ok()) << q.status().ToString();
    return q.ok() ? *q : LookupQuery{};
  }

  std::vector<std::string> EventIds(const LookupPage& page) {
    std::vector<std::string> ids;
    for (const Value& e : page.events) ids.push_back(e["EventId"].get<std::string>());
    return ids;
  }

  std::string dir_;
  std::unique_ptr<auth::SessionTokenSealer> sealer_;
  OsRandomSource random_;
};

// ---- ParseLookupInput ------------------------------------------------------------------------

TEST_F(LookupEventsTest, DefaultsAreTheLastNinetyDaysAndFiftyResults) {
  LookupQuery q = Query(Value::object());
  EXPECT_EQ(q.account_id, kAccount);
  EXPECT_EQ(q.end, kNow);
  EXPECT_EQ(q.start, kNow - std::chrono::hours(24 * 90));
  EXPECT_EQ(q.max_results, 50);
  EXPECT_FALSE(q.attribute.has_value());
  EXPECT_FALSE(q.insights);

  q = Query({{"LookupAttributes", {{{"AttributeKey", "Username"}, {"AttributeValue", "alice"}}}},
             {"StartTime", 1600000000000},
             {"EndTime", 1600000100000},
             {"MaxResults", 7}});
  ASSERT_TRUE(q.attribute.has_value());
  EXPECT_EQ(q.attribute->first, LookupKey::kUsername);
  EXPECT_EQ(q.attribute->second, "alice");
  EXPECT_EQ(q.start, FromUnixSeconds(1600000000));
  EXPECT_EQ(q.end, FromUnixSeconds(1600000100));
  EXPECT_EQ(q.max_results, 7);
  // An EndTime alone older than the history still reaches back from itself.
  q = Query({{"EndTime", 1000}});
  EXPECT_EQ(q.start, q.end);
}

TEST_F(LookupEventsTest, InvalidInputsAreCloudTrailsOwnExceptions) {
  struct Case {
    Value input;
    const char* code;
    const char* message;
  };
  const Value name = {{"AttributeKey", "EventName"}, {"AttributeValue", "CreateUser"}};
  const Case cases[] = {
      {{{"LookupAttributes", {name, name}}},
       "InvalidLookupAttributesException",
       "You can specify at most one lookup attribute; 2 were given."},
      {{{"LookupAttributes", {{{"AttributeKey", "Color"}, {"AttributeValue", "red"}}}}},
       "InvalidLookupAttributesException",
       "Invalid AttributeKey 'Color': it must be one of EventId, EventName, ReadOnly, Username, "
       "ResourceType, ResourceName, EventSource, AccessKeyId."},
      {{{"LookupAttributes", {{{"AttributeKey", "EventName"}}}}},
       "InvalidLookupAttributesException",
       "AttributeValue is required for AttributeKey EventName."},
      {{{"LookupAttributes", {{{"AttributeValue", "x"}}}}},
       "InvalidLookupAttributesException",
       "AttributeKey is required."},
      {{{"LookupAttributes", {{{"AttributeKey", "EventName"}, {"AttributeValue", ""}}}}},
       "InvalidLookupAttributesException",
       "AttributeValue must be 1 to 2000 characters long."},
      {{{"MaxResults", 0}},
       "InvalidMaxResultsException",
       "MaxResults must be between 1 and 50; it was 0."},
      {{{"MaxResults", 51}},
       "InvalidMaxResultsException",
       "MaxResults must be between 1 and 50; it was 51."},
      {{{"StartTime", 1700000000001}, {"EndTime", 1700000000000}},
       "InvalidTimeRangeException",
       "The start time must not be after the end time."},
      // A StartTime in the future, with EndTime defaulting to now.
      {{{"StartTime", 1700000060000}},
       "InvalidTimeRangeException",
       "The start time must not be after the end time."},
      {{{"EventCategory", "management"}},
       "InvalidEventCategoryException",
       "EventCategory must be 'insight'."},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.input.dump());
    auto q = ParseLookupInput(c.input, kAccount, kNow);
    ASSERT_FALSE(q.ok());
    EXPECT_EQ(q.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(q.status().aws_code(), c.code);
    EXPECT_EQ(q.status().http_status(), 400);
    EXPECT_EQ(q.status().message(), c.message);
  }
}

// ---- Records as events -----------------------------------------------------------------------

TEST_F(LookupEventsTest, UsernameOfEachKindOfCaller) {
  EXPECT_EQ(UsernameOf(*Parse(RecordLine(Root(kAccount), "iam", "ListUsers", kNow, "e"))), "root");
  EXPECT_EQ(UsernameOf(*Parse(
                RecordLine(User(kAccount, "alice", "AKIAA"), "iam", "ListUsers", kNow, "e"))),
            "alice");
  EXPECT_EQ(
      UsernameOf(*Parse(RecordLine(RoleSession(kAccount), "sts", "GetCallerIdentity", kNow, "e"))),
      "ci-run-7");
  Principal federated;
  federated.type = PrincipalType::kFederatedUser;
  federated.account_id = kAccount;
  federated.arn = FederatedUserArn(kAccount, "Bob");
  federated.user_name = "alice";
  federated.session = auth::SessionClaims{};
  EXPECT_EQ(UsernameOf(*Parse(RecordLine(federated, "sts", "GetCallerIdentity", kNow, "e"))),
            "Bob");
  EXPECT_EQ(UsernameOf(audit::Record::parse(R"({"userIdentity":{"type":"Unknown"}})")), "");
}

TEST_F(LookupEventsTest, ResourcesFromParametersAndResponses) {
  const Principal admin = User(kAccount, "admin", "AKIAADMIN");
  auto create_user = Parse(
      RecordLine(admin, "iam", "CreateUser", kNow, "e", {{"UserName", "alice"}, {"Path", "/"}}));
  EXPECT_THAT(ResourcesOf(*create_user), ElementsAre(Pair("AWS::IAM::User", "alice")));

  auto add_to_group = Parse(RecordLine(admin, "iam", "AddUserToGroup", kNow, "e",
                                       {{"UserName", "alice"}, {"GroupName", "ops"}}));
  EXPECT_THAT(ResourcesOf(*add_to_group),
              ElementsAre(Pair("AWS::IAM::User", "alice"), Pair("AWS::IAM::Group", "ops")));

  auto create_key = Parse(
      RecordLine(admin, "iam", "CreateAccessKey", kNow, "e", {{"UserName", "alice"}},
                 {{"AccessKey", {{"AccessKeyId", "AKIANEW"}, {"SecretAccessKey", "s3cr3t"}}}}));
  EXPECT_THAT(ResourcesOf(*create_key),
              ElementsAre(Pair("AWS::IAM::User", "alice"), Pair("AWS::IAM::AccessKey", "AKIANEW")));

  const std::string role_arn = RoleArn(kAccount, "/", "deployer");
  auto assume = Parse(RecordLine(
      admin, "sts", "AssumeRole", kNow, "e", {{"RoleArn", role_arn}, {"RoleSessionName", "s"}},
      {{"Credentials", {{"AccessKeyId", "ASIANEW"}}},
       {"AssumedRoleUser", {{"Arn", AssumedRoleArn(kAccount, "deployer", "s")}}}}));
  EXPECT_THAT(
      ResourcesOf(*assume),
      ElementsAre(Pair("AWS::IAM::Role", role_arn), Pair("AWS::IAM::AccessKey", "ASIANEW"),
                  Pair("AWS::STS::AssumedRole", AssumedRoleArn(kAccount, "deployer", "s"))));

  auto no_params = Parse(RecordLine(admin, "iam", "ListUsers", kNow, "e"));
  EXPECT_TRUE(ResourcesOf(*no_params).empty());
}

TEST_F(LookupEventsTest, EventShape) {
  const std::string line = RecordLine(User(kAccount, "admin", "AKIAADMIN"), "iam", "CreateUser",
                                      kNow, "ev-1", {{"UserName", "alice"}});
  Value event = EventValue(*Parse(line), kNow, line);
  EXPECT_EQ(event,
            (Value{{"EventId", "ev-1"},
                   {"EventName", "CreateUser"},
                   {"ReadOnly", "false"},
                   {"AccessKeyId", "AKIAADMIN"},
                   {"EventTime", 1700000000000},
                   {"EventSource", "iam.amazonaws.com"},
                   {"Username", "admin"},
                   {"Resources", {{{"ResourceType", "AWS::IAM::User"}, {"ResourceName", "alice"}}}},
                   {"CloudTrailEvent", line}}));
}

TEST_F(LookupEventsTest, EachAttributeSelects) {
  const std::string line = RecordLine(User(kAccount, "admin", "AKIAADMIN"), "iam", "CreateUser",
                                      kNow, "ev-1", {{"UserName", "alice"}});
  const audit::Record record = *Parse(line);
  struct Case {
    const char* key;
    const char* hit;
    const char* miss;
  };
  const Case cases[] = {
      {"EventId", "ev-1", "ev-2"},
      {"EventName", "CreateUser", "createuser"},
      {"ReadOnly", "false", "true"},
      {"Username", "admin", "alice"},
      {"ResourceType", "AWS::IAM::User", "AWS::IAM::Role"},
      {"ResourceName", "alice", "admin"},
      {"EventSource", "iam.amazonaws.com", "sts.amazonaws.com"},
      {"AccessKeyId", "AKIAADMIN", "AKIAOTHER"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.key);
    auto query = [&](const char* value) {
      return Query({{"LookupAttributes", {{{"AttributeKey", c.key}, {"AttributeValue", value}}}}});
    };
    EXPECT_TRUE(Selects(query(c.hit), record, kNow));
    EXPECT_FALSE(Selects(query(c.miss), record, kNow));
  }
  // Other accounts' records and records outside the range are never selected.
  EXPECT_FALSE(Selects(
      Query(Value::object()),
      *Parse(RecordLine(User(kOther, "admin", "AKIAX"), "iam", "CreateUser", kNow, "ev-9")), kNow));
  EXPECT_FALSE(Selects(Query({{"EndTime", 1699999999000}}), record, kNow));
  EXPECT_FALSE(
      Selects(Query({{"StartTime", 1700000000001}, {"EndTime", 1700000001000}}), record, kNow));
}

// ---- Scanning the trail ----------------------------------------------------------------------

TEST_F(LookupEventsTest, NewestFirstAcrossFilesAndNodesOnlyTheCallersAccount) {
  const Principal admin = User(kAccount, "admin", "AKIAADMIN");
  const Principal stranger = User(kOther, "eve", "AKIAEVE");
  auto at = [](int s) { return FromUnixSeconds(1700000000 - 3600 + s); };
  WriteLog("nodeaaaa1", at(0), 1,
           {RecordLine(admin, "iam", "CreateUser", at(10), "a1"),
            RecordLine(stranger, "iam", "CreateUser", at(11), "x1"),
            RecordLine(admin, "iam", "ListUsers", at(30), "a3")});
  WriteLog("nodeaaaa1", at(100), 2, {RecordLine(admin, "iam", "CreateUser", at(120), "a5")},
           // A line being written (or cut by a crash) is not an event yet.
           RecordLine(admin, "iam", "CreateUser", at(130), "partial").substr(0, 40));
  WriteLog("nodebbbb2", at(5), 1,
           {RecordLine(admin, "sts", "GetCallerIdentity", at(20), "b2"), "not json at all",
            RecordLine(admin, "iam", "CreateUser", at(110), "b4")});

  auto page = LookUpEvents(dir_, Query(Value::object()));
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_THAT(EventIds(*page), ElementsAre("a5", "b4", "a3", "b2", "a1"));
  EXPECT_FALSE(page->next.has_value());

  auto created = LookUpEvents(
      dir_, Query({{"LookupAttributes",
                    {{{"AttributeKey", "EventName"}, {"AttributeValue", "CreateUser"}}}}}));
  ASSERT_TRUE(created.ok());
  EXPECT_THAT(EventIds(*created), ElementsAre("a5", "b4", "a1"));

  // A time range, both ends inclusive.
  auto ranged = LookUpEvents(dir_, Query({{"StartTime", ToUnixSeconds(at(20)) * 1000},
                                          {"EndTime", ToUnixSeconds(at(110)) * 1000}}));
  ASSERT_TRUE(ranged.ok());
  EXPECT_THAT(EventIds(*ranged), ElementsAre("b4", "a3", "b2"));

  // An absent trail holds no events.
  auto none = LookUpEvents(dir_ + "/missing", Query(Value::object()));
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->events.empty());
  // Sigil records no Insights events.
  auto insights = LookUpEvents(dir_, Query({{"EventCategory", "insight"}}));
  ASSERT_TRUE(insights.ok());
  EXPECT_TRUE(insights->events.empty());
}

TEST_F(LookupEventsTest, PagesResumeWhereTheLastEndedEvenWithEqualTimes) {
  const Principal admin = User(kAccount, "admin", "AKIAADMIN");
  std::vector<std::string> lines;
  // 7 events, several in the same second (eventTime has whole seconds): ties go by the order
  // they were written, over two files.
  for (int i = 0; i < 7; ++i) {
    lines.push_back(RecordLine(admin, "iam", "CreateUser", FromUnixSeconds(1699999000 + i / 3),
                               "ev-" + std::to_string(i)));
  }
  WriteLog("nodeaaaa1", FromUnixSeconds(1699999000), 1, {lines.begin(), lines.begin() + 4});
  WriteLog("nodeaaaa1", FromUnixSeconds(1699999001), 2, {lines.begin() + 4, lines.end()});

  const Value input = {{"MaxResults", 3}};
  const std::string fingerprint = QueryFingerprint(input);
  std::vector<std::string> seen;
  LookupQuery q = Query(input);
  for (int pages = 0;; ++pages) {
    ASSERT_LT(pages, 5);
    auto page = LookUpEvents(dir_, q);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    EXPECT_LE(page->events.size(), 3u);
    for (const std::string& id : EventIds(*page)) seen.push_back(id);
    if (!page->next) break;
    // Through a sealed token, as the service does.
    auto token = SealNextToken(*sealer_, random_, kAccount, fingerprint, *page->next);
    ASSERT_TRUE(token.ok());
    auto opened = OpenNextToken(*sealer_, *token, kAccount, fingerprint);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    q.after = *opened;
  }
  EXPECT_THAT(seen, ElementsAre("ev-6", "ev-5", "ev-4", "ev-3", "ev-2", "ev-1", "ev-0"));
}

TEST_F(LookupEventsTest, NextTokensCannotBeForgedOrReused) {
  const Value input = {
      {"LookupAttributes", {{{"AttributeKey", "EventName"}, {"AttributeValue", "CreateUser"}}}}};
  const std::string fingerprint = QueryFingerprint(input);
  const EventPosition position{1700000000000, "20231114T221320Z_nodeaaaa1_00000000000000000007",
                               42};
  auto token = SealNextToken(*sealer_, random_, kAccount, fingerprint, position);
  ASSERT_TRUE(token.ok());
  auto opened = OpenNextToken(*sealer_, *token, kAccount, fingerprint);
  ASSERT_TRUE(opened.ok());
  EXPECT_EQ(opened->time_ms, 1700000000000);
  EXPECT_EQ(opened->file, position.file);
  EXPECT_EQ(opened->line, 42u);

  auto expect_invalid = [&](const StatusOr<EventPosition>& result) {
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().aws_code(), "InvalidNextTokenException");
    EXPECT_EQ(result.status().http_status(), 400);
    EXPECT_THAT(result.status().message(), HasSubstr("The NextToken is not valid"));
  };
  // Another account, other parameters.
  expect_invalid(OpenNextToken(*sealer_, *token, kOther, fingerprint));
  expect_invalid(OpenNextToken(
      *sealer_, *token, kAccount,
      QueryFingerprint({{"LookupAttributes",
                         {{{"AttributeKey", "EventName"}, {"AttributeValue", "DeleteUser"}}}}})));
  // Tampered with, made up, or sealed under a ring this node does not hold.
  std::string tampered = *token;
  tampered[tampered.size() / 2] = tampered[tampered.size() / 2] == 'A' ? 'B' : 'A';
  expect_invalid(OpenNextToken(*sealer_, tampered, kAccount, fingerprint));
  expect_invalid(OpenNextToken(*sealer_, "eyJ0IjoxfQ==", kAccount, fingerprint));
  expect_invalid(OpenNextToken(*sealer_, "", kAccount, fingerprint));
  auth::SessionTokenKey other_key{1, std::string(32, 'z')};
  auto other = auth::SessionTokenSealer::FromKeyRing({&other_key, 1});
  expect_invalid(OpenNextToken(*other, *token, kAccount, fingerprint));
  // The MaxResults of each page is not part of the binding (AWS lets it change between pages).
  EXPECT_EQ(
      QueryFingerprint(input),
      QueryFingerprint(Value{
          {"LookupAttributes", input["LookupAttributes"]}, {"MaxResults", 5}, {"NextToken", "x"}}));
}

}  // namespace
}  // namespace sigil::cloudtrail
