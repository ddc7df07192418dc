#include "protocol/ec2_codec.h"

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

const Operation& Op(const char* name) {
  const Operation* op = Ec2Model().FindOperation(name);
  EXPECT_NE(op, nullptr) << name;
  return *op;
}

TEST(Ec2InputName, QueryNameThenCapitalisedLocationNameThenMemberName) {
  const Shape* in = Op("CreateSecurityGroup").input;
  EXPECT_EQ(Ec2InputName(*in->FindMember("Description")), "GroupDescription");
  EXPECT_EQ(Ec2InputName(*in->FindMember("GroupName")), "GroupName");
  EXPECT_EQ(Ec2InputName(*in->FindMember("DryRun")), "DryRun");  // locationName "dryRun"
  EXPECT_EQ(Ec2InputName(*Op("RunInstances").input->FindMember("SecurityGroupIds")),
            "SecurityGroupId");
}

TEST(DecodeEc2Input, FlattenedListsAndFiltersAsBotocoreSendsThem) {
  auto in = DecodeEc2Input(Op("DescribeRegions").input,
                           Params({{"Action", "DescribeRegions"},
                                   {"Version", "2016-11-15"},
                                   {"RegionName.2", "eu-west-1"},
                                   {"RegionName.1", "us-east-1"},
                                   {"Filter.1.Name", "opt-in-status"},
                                   {"Filter.1.Value.1", "opt-in-not-required"},
                                   {"Filter.1.Value.2", "opted-in"},
                                   {"AllRegions", "true"},
                                   {"DryRun", "false"}}));
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ((*in)["RegionNames"], Value::parse(R"(["us-east-1","eu-west-1"])"));
  EXPECT_EQ((*in)["Filters"][0]["Name"], "opt-in-status");
  EXPECT_EQ((*in)["Filters"][0]["Values"][1], "opted-in");
  EXPECT_EQ((*in)["AllRegions"], true);
  EXPECT_EQ((*in)["DryRun"], false);
}

TEST(DecodeEc2Input, NestedTagSpecificationsIntegersAndLocationNames) {
  auto in = DecodeEc2Input(Op("RunInstances").input,
                           Params({{"ImageId", "ami-0abcdef1234567890"},
                                   {"MinCount", "1"},
                                   {"MaxCount", "2"},
                                   {"SecurityGroupId.1", "sg-1"},
                                   {"TagSpecification.1.ResourceType", "instance"},
                                   {"TagSpecification.1.Tag.1.Key", "Team"},
                                   {"TagSpecification.1.Tag.1.Value", "blue"},
                                   {"ClientToken", "abc"}}));
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ((*in)["MaxCount"], 2);
  EXPECT_EQ((*in)["SecurityGroupIds"][0], "sg-1");
  EXPECT_EQ((*in)["TagSpecifications"][0]["ResourceType"], "instance");
  EXPECT_EQ((*in)["TagSpecifications"][0]["Tags"][0]["Value"], "blue");
  EXPECT_EQ((*in)["ClientToken"], "abc");
}

TEST(DecodeEc2Input, BlobsAreBase64Decoded) {
  auto in = DecodeEc2Input(Op("ImportKeyPair").input,
                           Params({{"KeyName", "k"}, {"PublicKeyMaterial", "c3NoLWVkMjU1MTk="}}));
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ((*in)["PublicKeyMaterial"], "ssh-ed25519");
}

TEST(DecodeEc2Input, MissingRequiredParameterIsMissingParameter) {
  auto in = DecodeEc2Input(Op("CreateKeyPair").input, Params({{"Action", "CreateKeyPair"}}));
  ASSERT_FALSE(in.ok());
  EXPECT_EQ(in.status().aws_code(), "MissingParameter");
  EXPECT_EQ(in.status().http_status(), 400);
  EXPECT_EQ(in.status().message(), "The request must contain the parameter KeyName");
}

TEST(DecodeEc2Input, MissingRequiredMemberOfAnElementNamesItsPath) {
  auto in = DecodeEc2Input(Op("RunInstances").input,
                           Params({{"MinCount", "1"}, {"MaxCount", "1"}, {"Monitoring.Foo", "x"}}));
  ASSERT_FALSE(in.ok());
  EXPECT_EQ(in.status().aws_code(), "MissingParameter");
  EXPECT_EQ(in.status().message(), "The request must contain the parameter Monitoring.Enabled");
}

TEST(DecodeEc2Input, UnknownParameterIsRefused) {
  auto in = DecodeEc2Input(Op("DescribeRegions").input,
                           Params({{"RegionName.1", "us-east-1"}, {"Bogus", "1"}}));
  ASSERT_FALSE(in.ok());
  EXPECT_EQ(in.status().aws_code(), "UnknownParameter");
  EXPECT_EQ(in.status().message(), "The parameter Bogus is not recognized");

  // IAM's list spelling is not EC2's.
  auto member =
      DecodeEc2Input(Op("DescribeRegions").input, Params({{"RegionName.member.1", "us-east-1"}}));
  ASSERT_FALSE(member.ok());
  EXPECT_EQ(member.status().aws_code(), "UnknownParameter");
  EXPECT_EQ(member.status().message(), "The parameter RegionName.member is not recognized");
}

TEST(DecodeEc2Input, SigningParametersOfPresignedRequestsAreIgnored) {
  auto in =
      DecodeEc2Input(Op("DescribeRegions").input,
                     Params({{"X-Amz-Signature", "abc"}, {"X-Amz-Date", "20240101T000000Z"}}));
  ASSERT_TRUE(in.ok()) << in.status().ToString();
  EXPECT_EQ(*in, Value::object());
}

TEST(DecodeEc2Input, ValuesThatDoNotParseAreInvalidParameterValue) {
  auto count =
      DecodeEc2Input(Op("RunInstances").input, Params({{"MinCount", "one"}, {"MaxCount", "1"}}));
  ASSERT_FALSE(count.ok());
  EXPECT_EQ(count.status().aws_code(), "InvalidParameterValue");
  EXPECT_EQ(count.status().message(),
            "Value (one) for parameter MinCount is invalid. Expected an integer.");

  auto flag = DecodeEc2Input(Op("DescribeRegions").input, Params({{"AllRegions", "yes"}}));
  ASSERT_FALSE(flag.ok());
  EXPECT_EQ(flag.status().message(),
            "Value (yes) for parameter AllRegions is invalid. Expected a boolean.");

  auto overflow = DecodeEc2Input(Op("RunInstances").input,
                                 Params({{"MinCount", "1"}, {"MaxCount", "4294967296"}}));
  ASSERT_FALSE(overflow.ok());
  EXPECT_EQ(overflow.status().aws_code(), "InvalidParameterValue");
}

TEST(DecodeEc2Input, AListIndexThatIsNotANumberIsUnknown) {
  auto in = DecodeEc2Input(Op("DescribeRegions").input, Params({{"RegionName.x", "us-east-1"}}));
  ASSERT_FALSE(in.ok());
  EXPECT_EQ(in.status().aws_code(), "UnknownParameter");
  EXPECT_EQ(in.status().message(), "The parameter RegionName.x is not recognized");
}

TEST(EncodeEc2Response, RequestIdFirstListsAsItemsNamesFromLocationName) {
  Value out = Value::parse(R"({"Regions":[{"Endpoint":"ec2.us-east-1.amazonaws.com",
      "RegionName":"us-east-1","OptInStatus":"opt-in-not-required"}]})");
  auto xml = EncodeEc2Response(Ec2Model(), Op("DescribeRegions"), out, "req-1");
  ASSERT_TRUE(xml.ok()) << xml.status().ToString();
  EXPECT_EQ(*xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DescribeRegionsResponse "
            "xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>req-1</requestId>"
            "<regionInfo><item><regionEndpoint>ec2.us-east-1.amazonaws.com</regionEndpoint>"
            "<regionName>us-east-1</regionName><optInStatus>opt-in-not-required</optInStatus>"
            "</item></regionInfo></DescribeRegionsResponse>\n");
}

TEST(EncodeEc2Response, OperationWithoutOutputAnswersReturnTrue) {
  auto xml = EncodeEc2Response(Ec2Model(), Op("DeleteKeyPair"), Value::object(), "r");
  ASSERT_TRUE(xml.ok());
  EXPECT_THAT(*xml, HasSubstr("<requestId>r</requestId><return>true</return>"
                              "</DeleteKeyPairResponse>"));
}

TEST(EncodeEc2Response, UnknownOutputMemberIsABug) {
  auto xml = EncodeEc2Response(Ec2Model(), Op("DescribeRegions"), Value{{"Nope", 1}}, "r");
  ASSERT_FALSE(xml.ok());
  EXPECT_EQ(xml.status().code(), StatusCode::kInternal);
}

TEST(EncodeEc2Error, ResponseErrorsShapeWithRequestIdInCapitals) {
  Status e = AwsError(StatusCode::kNotFound, "InvalidKeyPair.NotFound",
                      "The key pair 'a<b' does not exist")
                 .WithHttpStatus(400);
  EXPECT_EQ(EncodeEc2Error(e, "id-1"),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error>"
            "<Code>InvalidKeyPair.NotFound</Code><Message>The key pair &apos;a&lt;b&apos; does "
            "not exist</Message></Error></Errors><RequestID>id-1</RequestID></Response>\n");
}

TEST(AsEc2Error, UnknownKeysAreAuthFailureOtherErrorsUnchanged) {
  Status unknown =
      AwsError(StatusCode::kUnauthenticated, "InvalidClientTokenId", "The security token ...");
  Status e = AsEc2Error(unknown);
  EXPECT_EQ(e.aws_code(), "AuthFailure");
  EXPECT_EQ(e.http_status(), 401);
  EXPECT_EQ(e.message(), "AWS was not able to validate the provided access credentials");
  Status other = AwsError(StatusCode::kUnauthenticated, "ExpiredToken", "expired");
  EXPECT_EQ(AsEc2Error(other).aws_code(), "ExpiredToken");
}

TEST(EncodeEc2Error, InternalDetailIsHidden) {
  std::string xml = EncodeEc2Error(InternalError("disk /var/x broke"), "id");
  EXPECT_THAT(xml, HasSubstr("<Code>InternalFailure</Code><Message>An internal error "
                             "occurred.</Message>"));
}

}  // namespace
}  // namespace sigil::protocol
