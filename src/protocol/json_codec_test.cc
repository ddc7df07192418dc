#include "protocol/json_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sigil::protocol {
namespace {

using ::testing::HasSubstr;

const Shape* LookupEventsInput() { return CloudTrailModel().FindOperation("LookupEvents")->input; }
const Shape* LookupEventsOutput() {
  return CloudTrailModel().FindOperation("LookupEvents")->output;
}

// A small model covering the types CloudTrail's LookupEvents lacks.
const ServiceModel& TypesModel() {
  static const ServiceModel& model = *ServiceModel::Load(R"({
    "metadata": {"protocol": "json", "jsonVersion": "1.1", "targetPrefix": "Test_1"},
    "operations": {"Op": {"name": "Op", "input": {"shape": "In"}, "output": {"shape": "In"}}},
    "shapes": {
      "In": {"type": "structure", "required": ["Name"], "members": {
        "Name": {"shape": "Name"}, "Count": {"shape": "Count"}, "Big": {"shape": "Big"},
        "Flag": {"shape": "Flag"}, "Data": {"shape": "Data"}, "Ratio": {"shape": "Ratio"},
        "Tags": {"shape": "Tags"}, "Names": {"shape": "Names"}, "Secret": {"shape": "Secret"},
        "Renamed": {"shape": "Name", "locationName": "wireName"}}},
      "Name": {"type": "string", "min": 1, "max": 5, "pattern": "[a-z]+"},
      "Count": {"type": "integer", "min": 1, "max": 50},
      "Big": {"type": "long"},
      "Flag": {"type": "boolean"},
      "Data": {"type": "blob"},
      "Ratio": {"type": "double"},
      "Tags": {"type": "map", "key": {"shape": "Name"}, "value": {"shape": "Count"}},
      "Names": {"type": "list", "member": {"shape": "Name"}, "max": 2},
      "Secret": {"type": "string", "min": 8, "sensitive": true}
    }})")
                                          .value()
                                          .release();
  return model;
}
const Shape* TypesInput() { return TypesModel().FindShape("In"); }

TEST(DecodeJsonInput, LookupEventsRequestWithEveryMember) {
  auto in = DecodeJsonInput(LookupEventsInput(), R"({
      "LookupAttributes": [{"AttributeKey": "EventName", "AttributeValue": "CreateUser"}],
      "StartTime": 1700000000, "EndTime": 1700000100.25, "MaxResults": 5,
      "NextToken": "abc", "SomethingNew": {"ignored": true}})");
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  ASSERT_EQ((*in)["LookupAttributes"].size(), 1u);
  EXPECT_EQ((*in)["LookupAttributes"][0]["AttributeKey"], "EventName");
  EXPECT_EQ((*in)["LookupAttributes"][0]["AttributeValue"], "CreateUser");
  // Epoch seconds become the handlers' milliseconds.
  EXPECT_EQ((*in)["StartTime"], 1700000000000);
  EXPECT_EQ((*in)["EndTime"], 1700000100250);
  EXPECT_EQ((*in)["MaxResults"], 5);
  EXPECT_EQ((*in)["NextToken"], "abc");
  EXPECT_FALSE(in->contains("SomethingNew"));
}

TEST(DecodeJsonInput, EmptyBodyAndNullsAreAbsentMembers) {
  auto empty = DecodeJsonInput(LookupEventsInput(), "");
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_EQ(*empty, Value::object());
  auto nulls = DecodeJsonInput(LookupEventsInput(), R"({"MaxResults": null, "NextToken": null})");
  ASSERT_TRUE(nulls.ok()) << nulls.status().ToString();
  EXPECT_EQ(*nulls, Value::object());
}

TEST(DecodeJsonInput, BodyThatIsNotAJsonObjectIsSerializationException) {
  for (const char* body : {"{", "[1,2]", "\"text\"", "not json", "{\"a\":1} trailing"}) {
    SCOPED_TRACE(body);
    auto in = DecodeJsonInput(LookupEventsInput(), body);
    ASSERT_FALSE(in.ok());
    EXPECT_EQ(in.status().aws_code(), "SerializationException");
    EXPECT_EQ(in.status().http_status(), 400);
  }
}

TEST(DecodeJsonInput, WrongTypesAreSerializationExceptionsNamingTheMember) {
  struct Case {
    const char* body;
    const char* message;
  };
  const Case cases[] = {
      {R"({"MaxResults": "5"})", "Unexpected value at 'maxResults': expected an integer."},
      {R"({"MaxResults": 5.5})", "Unexpected value at 'maxResults': expected an integer."},
      {R"({"MaxResults": 4294967296})", "Unexpected value at 'maxResults': expected an integer."},
      {R"({"StartTime": "2023-11-14T22:13:20Z"})",
       "Unexpected value at 'startTime': expected a number of epoch seconds."},
      {R"({"StartTime": 1e300})",
       "Unexpected value at 'startTime': expected a number of epoch seconds."},
      {R"({"LookupAttributes": {"AttributeKey": "EventName"}})",
       "Unexpected value at 'lookupAttributes': expected an array."},
      {R"({"LookupAttributes": [{"AttributeKey": 7, "AttributeValue": "x"}]})",
       "Unexpected value at 'lookupAttributes.1.member.attributeKey': expected a string."},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.body);
    auto in = DecodeJsonInput(LookupEventsInput(), c.body);
    ASSERT_FALSE(in.ok());
    EXPECT_EQ(in.status().aws_code(), "SerializationException");
    EXPECT_EQ(in.status().message(), c.message);
  }
}

TEST(DecodeJsonInput, ConstraintViolationsAreOneValidationException) {
  auto in = DecodeJsonInput(LookupEventsInput(), R"({"MaxResults": 51,
      "LookupAttributes": [{"AttributeKey": "Color"}]})");
  ASSERT_FALSE(in.ok());
  EXPECT_EQ(in.status().aws_code(), "ValidationException");
  EXPECT_EQ(in.status().http_status(), 400);
  EXPECT_EQ(in.status().message(),
            "3 validation errors detected: Value 'Color' at "
            "'lookupAttributes.1.member.attributeKey' failed to satisfy constraint: Member must "
            "satisfy enum value set: [EventId, EventName, ReadOnly, Username, ResourceType, "
            "ResourceName, EventSource, AccessKeyId]; Value null at "
            "'lookupAttributes.1.member.attributeValue' failed to satisfy constraint: Member must "
            "not be null; Value '51' at 'maxResults' failed to satisfy constraint: Member must "
            "have value less than or equal to 50");
}

TEST(DecodeJsonInput, ConstraintsOffStillChecksTypes) {
  JsonDecodeOptions lenient;
  lenient.check_constraints = false;
  auto in = DecodeJsonInput(
      LookupEventsInput(),
      R"({"MaxResults": 500, "LookupAttributes": [{"AttributeKey": "Color"}]})", lenient);
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ((*in)["MaxResults"], 500);
  EXPECT_EQ((*in)["LookupAttributes"][0]["AttributeKey"], "Color");
  auto typed = DecodeJsonInput(LookupEventsInput(), R"({"MaxResults": true})", lenient);
  ASSERT_FALSE(typed.ok());
  EXPECT_EQ(typed.status().aws_code(), "SerializationException");
}

TEST(DecodeJsonInput, EveryScalarTypeMapAndList) {
  auto in = DecodeJsonInput(TypesInput(), R"({"Name": "abc", "Count": 3, "Big": 9007199254740993,
      "Flag": true, "Data": "aGk=", "Ratio": 0.5, "Tags": {"ab": 2}, "Names": ["x", "y"],
      "wireName": "zz"})");
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ((*in)["Big"], 9007199254740993);
  EXPECT_EQ((*in)["Flag"], true);
  EXPECT_EQ((*in)["Data"], "hi");
  EXPECT_EQ((*in)["Ratio"], 0.5);
  EXPECT_EQ((*in)["Tags"]["ab"], 2);
  EXPECT_EQ((*in)["Names"], Value::array({"x", "y"}));
  EXPECT_EQ((*in)["Renamed"], "zz");  // matched by its wire name
}

TEST(DecodeJsonInput, NestedViolationsAndSensitiveValues) {
  auto in = DecodeJsonInput(TypesInput(), R"({"Tags": {"BAD": 0}, "Names": ["a", "b", "c"],
      "Secret": "short", "Data": "***"})");
  ASSERT_FALSE(in.ok());
  EXPECT_EQ(in.status().aws_code(), "SerializationException");  // Data is not base64
  in = DecodeJsonInput(TypesInput(), R"({"Tags": {"BAD": 0}, "Names": ["a", "b", "c"],
      "Secret": "short"})");
  ASSERT_FALSE(in.ok());
  EXPECT_EQ(in.status().aws_code(), "ValidationException");
  const std::string m = in.status().message();
  EXPECT_THAT(m, HasSubstr("5 validation errors detected: "));
  EXPECT_THAT(m, HasSubstr("Value null at 'name' failed to satisfy constraint: Member must not be "
                           "null"));
  EXPECT_THAT(m, HasSubstr("Value 'BAD' at 'tags.key' failed to satisfy constraint: Member must "
                           "satisfy regular expression pattern: [a-z]+"));
  EXPECT_THAT(m, HasSubstr("Value '0' at 'tags.value' failed to satisfy constraint: Member must "
                           "have value greater than or equal to 1"));
  EXPECT_THAT(m, HasSubstr("at 'names' failed to satisfy constraint: Member must have length "
                           "less than or equal to 2"));
  // A sensitive value is never echoed.
  EXPECT_THAT(m, HasSubstr("Value at 'secret' failed to satisfy constraint: Member must have "
                           "length greater than or equal to 8"));
  EXPECT_THAT(m, ::testing::Not(HasSubstr("short")));
}

TEST(EncodeJsonOutput, LookupEventsResponseWithEpochSecondTimestamps) {
  Value out = {{"Events",
                {{{"EventId", "e-1"},
                  {"EventTime", 1700000000000},
                  {"ReadOnly", "false"},
                  {"Resources", {{{"ResourceType", "AWS::IAM::User"}, {"ResourceName", "alice"}}}},
                  {"CloudTrailEvent", "{\"eventVersion\":\"1.11\"}"}},
                 {{"EventId", "e-2"}, {"EventTime", 1700000000250}}}},
               {"NextToken", "t"}};
  auto body = EncodeJsonOutput(LookupEventsOutput(), out);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body, R"({"Events":[{"EventId":"e-1","ReadOnly":"false","EventTime":1700000000,)"
                   R"("Resources":[{"ResourceType":"AWS::IAM::User","ResourceName":"alice"}],)"
                   R"("CloudTrailEvent":"{\"eventVersion\":\"1.11\"}"},)"
                   R"({"EventId":"e-2","EventTime":1700000000.25}],"NextToken":"t"})");
}

TEST(EncodeJsonOutput, EveryScalarTypeByWireName) {
  Value out = {{"Name", "abc"},      {"Flag", false},  {"Data", "hi"},  {"Ratio", 1.5},
               {"Tags", {{"k", 1}}}, {"Renamed", "w"}, {"Big", nullptr}};
  auto body = EncodeJsonOutput(TypesInput(), out);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body, R"({"Name":"abc","Flag":false,"Data":"aGk=","Ratio":1.5,"Tags":{"k":1},)"
                   R"("wireName":"w"})");
  EXPECT_EQ(*EncodeJsonOutput(nullptr, Value::object()), "{}");
}

TEST(EncodeJsonOutput, HandlerBugsAreInternalErrors) {
  auto unknown = EncodeJsonOutput(LookupEventsOutput(), Value{{"Bogus", 1}});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kInternal);
  EXPECT_EQ(unknown.status().message(), "output member Bogus is not in shape LookupEventsResponse");
  auto mistyped = EncodeJsonOutput(LookupEventsOutput(), Value{{"NextToken", 5}});
  ASSERT_FALSE(mistyped.ok());
  EXPECT_EQ(mistyped.status().code(), StatusCode::kInternal);
  EXPECT_THAT(mistyped.status().message(), HasSubstr("NextToken is not a string"));
}

TEST(EncodeJsonError, TypeAndMessage) {
  EXPECT_EQ(
      EncodeJsonError(AwsError(StatusCode::kInvalidArgument, "InvalidTimeRangeException",
                               "Start time must not be \"later\".")),
      R"({"__type":"InvalidTimeRangeException","message":"Start time must not be \"later\"."})");
  // Internal detail never reaches the client.
  EXPECT_EQ(EncodeJsonError(InternalError("open /var/lib/sigil/x: EIO")),
            R"({"__type":"InternalFailure","message":"An internal error occurred."})");
  EXPECT_EQ(EncodeJsonError(Status(StatusCode::kPermissionDenied, "no")),
            R"({"__type":"AccessDeniedException","message":"no"})");
}

TEST(AsJsonProtocolError, RenamesTheSharedStagesErrors) {
  struct Case {
    const char* query_code;
    int query_status;
    const char* json_code;
  };
  const Case cases[] = {
      {"AccessDenied", 403, "AccessDeniedException"},
      {"ValidationError", 400, "ValidationException"},
      {"InvalidClientTokenId", 403, "UnrecognizedClientException"},
      {"SignatureDoesNotMatch", 403, "InvalidSignatureException"},
      {"MissingAuthenticationToken", 403, "MissingAuthenticationTokenException"},
      {"IncompleteSignature", 400, "IncompleteSignatureException"},
      {"ExpiredToken", 403, "ExpiredTokenException"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.query_code);
    Status s =
        AsJsonProtocolError(AwsError(StatusCode::kUnauthenticated, c.query_code, "the message")
                                .WithHttpStatus(c.query_status));
    EXPECT_EQ(s.aws_code(), c.json_code);
    EXPECT_EQ(s.http_status(), 400);
    EXPECT_EQ(s.message(), "the message");
    EXPECT_EQ(s.code(), StatusCode::kUnauthenticated);
  }
  Status own = AwsError(StatusCode::kInvalidArgument, "InvalidNextTokenException", "m");
  EXPECT_EQ(AsJsonProtocolError(own).aws_code(), "InvalidNextTokenException");
}

TEST(JsonContentType, Version) {
  EXPECT_EQ(JsonContentType("1.1"), "application/x-amz-json-1.1");
  EXPECT_EQ(CloudTrailModel().json_version(), "1.1");
  EXPECT_EQ(CloudTrailModel().target_prefix(),
            "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101");
  EXPECT_EQ(CloudTrailModel().signing_name(), "cloudtrail");
  // Only the operations Sigil serves are embedded.
  EXPECT_EQ(CloudTrailModel().FindOperation("CreateTrail"), nullptr);
}

}  // namespace
}  // namespace sigil::protocol
