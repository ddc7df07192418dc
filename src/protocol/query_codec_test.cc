#include "protocol/query_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace sigil::protocol {
namespace {

using ::testing::HasSubstr;

std::vector<QueryParam> Params(std::initializer_list<std::pair<const char*, const char*>> kv) {
  std::vector<QueryParam> out;
  for (auto& [k, v] : kv) out.push_back({k, v});
  return out;
}

const Operation& Op(const char* name) { return *IamModel().FindOperation(name); }

TEST(DecodeQueryInput, CreateUserWithTagsAndPath) {
  auto in = DecodeQueryInput(Op("CreateUser").input, Params({{"Action", "CreateUser"},
                                                             {"Version", "2010-05-08"},
                                                             {"UserName", "automation_user"},
                                                             {"Path", "/ops/"},
                                                             {"Tags.member.2.Key", "team"},
                                                             {"Tags.member.2.Value", "blue"},
                                                             {"Tags.member.1.Key", "env"},
                                                             {"Tags.member.1.Value", "dev"}}));
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ((*in)["UserName"], "automation_user");
  EXPECT_EQ((*in)["Path"], "/ops/");
  ASSERT_EQ((*in)["Tags"].size(), 2u);
  EXPECT_EQ((*in)["Tags"][0]["Key"], "env");
  EXPECT_EQ((*in)["Tags"][1]["Value"], "blue");
}

TEST(DecodeQueryInput, MissingRequiredMemberIsAwsValidationError) {
  auto in = DecodeQueryInput(Op("CreateUser").input, Params({{"Action", "CreateUser"}}));
  ASSERT_FALSE(in.ok());
  EXPECT_EQ(in.status().aws_code(), "ValidationError");
  EXPECT_EQ(in.status().http_status(), 400);
  EXPECT_EQ(in.status().message(),
            "1 validation error detected: Value null at 'userName' failed to satisfy "
            "constraint: Member must not be null");
}

TEST(DecodeQueryInput, PatternAndLengthViolationsAreAllListed) {
  std::string long_name(65, 'a');
  auto in = DecodeQueryInput(Op("CreateUser").input,
                             Params({{"UserName", long_name.c_str()}, {"Path", "no-slashes"}}));
  ASSERT_FALSE(in.ok());
  EXPECT_THAT(in.status().message(), HasSubstr("2 validation errors detected: "));
  EXPECT_THAT(in.status().message(),
              HasSubstr("at 'userName' failed to satisfy constraint: Member must have length less "
                        "than or equal to 64"));
  EXPECT_THAT(in.status().message(),
              HasSubstr("Value 'no-slashes' at 'path' failed to satisfy constraint: Member must "
                        "satisfy regular expression pattern"));
}

TEST(DecodeQueryInput, BadCharacterInUserName) {
  auto in = DecodeQueryInput(Op("GetUser").input, Params({{"UserName", "has space"}}));
  ASSERT_FALSE(in.ok());
  EXPECT_EQ(in.status().message(),
            "1 validation error detected: Value 'has space' at 'userName' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+");
}

TEST(DecodeQueryInput, IntegerRangeAndType) {
  auto zero = DecodeQueryInput(Op("ListUsers").input, Params({{"MaxItems", "0"}}));
  ASSERT_FALSE(zero.ok());
  EXPECT_THAT(zero.status().message(),
              HasSubstr("Value '0' at 'maxItems' failed to satisfy constraint: Member must have "
                        "value greater than or equal to 1"));
  auto word = DecodeQueryInput(Op("ListUsers").input, Params({{"MaxItems", "ten"}}));
  ASSERT_FALSE(word.ok());
  EXPECT_EQ(word.status().aws_code(), "MalformedInput");
  auto ok = DecodeQueryInput(Op("ListUsers").input, Params({{"MaxItems", "10"}}));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ((*ok)["MaxItems"], 10);
}

TEST(DecodeQueryInput, EnumChecked) {
  auto in = DecodeQueryInput(Op("UpdateAccessKey").input,
                             Params({{"AccessKeyId", "AKIAIOSFODNN7EXAMPLE"}, {"Status", "On"}}));
  ASSERT_FALSE(in.ok());
  EXPECT_THAT(in.status().message(),
              HasSubstr("Value 'On' at 'status' failed to satisfy constraint: Member must "
                        "satisfy enum value set: [Active, Inactive"));
}

TEST(DecodeQueryInput, EmptyListAndUntagKeys) {
  auto in = DecodeQueryInput(Op("UntagUser").input,
                             Params({{"UserName", "u"}, {"TagKeys.member.1", "env"}}));
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  ASSERT_EQ((*in)["TagKeys"].size(), 1u);
  EXPECT_EQ((*in)["TagKeys"][0], "env");
}

TEST(EncodeQueryResponse, GetCallerIdentityShape) {
  const ServiceModel& sts = StsModel();
  Value out = {{"UserId", "AIDAEXAMPLE"},
               {"Account", "123456789012"},
               {"Arn", "arn:aws:iam::123456789012:user/a&b"}};
  auto xml = EncodeQueryResponse(sts, *sts.FindOperation("GetCallerIdentity"), out, "req-1");
  ASSERT_TRUE(xml.ok());
  EXPECT_EQ(*xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<GetCallerIdentityResponse "
            "xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><GetCallerIdentityResult>"
            "<UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account>"
            "<Arn>arn:aws:iam::123456789012:user/a&amp;b</Arn></GetCallerIdentityResult>"
            "<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata>"
            "</GetCallerIdentityResponse>\n");
}

TEST(EncodeQueryResponse, ListsTimestampsAndBooleans) {
  Value user = {{"Path", "/"},
                {"UserName", "u"},
                {"UserId", "AIDA1"},
                {"Arn", "arn:aws:iam::1:user/u"},
                {"CreateDate", int64_t{1440938160000}}};
  Value out = {{"Users", Value::array({user})}, {"IsTruncated", false}};
  auto xml = EncodeQueryResponse(IamModel(), Op("ListUsers"), out, "r");
  ASSERT_TRUE(xml.ok()) << xml.status().ToString();
  EXPECT_THAT(*xml, HasSubstr("<ListUsersResult><Users><member><Path>/</Path><UserName>u"
                              "</UserName><UserId>AIDA1</UserId><Arn>arn:aws:iam::1:user/u</Arn>"
                              "<CreateDate>2015-08-30T12:36:00Z</CreateDate></member></Users>"
                              "<IsTruncated>false</IsTruncated></ListUsersResult>"));
}

TEST(EncodeQueryResponse, UnknownOutputMemberIsABug) {
  auto xml =
      EncodeQueryResponse(IamModel(), Op("ListUsers"), Value{{"Userz", Value::array()}}, "r");
  ASSERT_FALSE(xml.ok());
  EXPECT_EQ(xml.status().code(), StatusCode::kInternal);
}

TEST(EncodeQueryResponse, OperationWithoutOutput) {
  auto xml = EncodeQueryResponse(IamModel(), Op("DeleteUser"), Value::object(), "r9");
  ASSERT_TRUE(xml.ok());
  EXPECT_THAT(*xml, HasSubstr("<DeleteUserResponse xmlns=\"https://iam.amazonaws.com/doc/"
                              "2010-05-08/\"><ResponseMetadata><RequestId>r9</RequestId>"));
}

TEST(EncodeQueryError, SenderAndReceiver) {
  std::string xml = EncodeQueryError(
      "ns",
      AwsError(StatusCode::kNotFound, "NoSuchEntity", "The user with name x cannot be found."),
      "rid");
  EXPECT_EQ(xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ErrorResponse xmlns=\"ns\"><Error>"
            "<Type>Sender</Type><Code>NoSuchEntity</Code><Message>The user with name x cannot be "
            "found.</Message></Error><RequestId>rid</RequestId></ErrorResponse>\n");
  std::string internal = EncodeQueryError("ns", InternalError("disk /var/x failed"), "rid");
  EXPECT_THAT(internal, HasSubstr("<Type>Receiver</Type><Code>InternalFailure</Code>"));
  EXPECT_THAT(internal, ::testing::Not(HasSubstr("/var/x")));
}

}  // namespace
}  // namespace sigil::protocol
