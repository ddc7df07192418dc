// EC2's flavour of the query protocol (botocore protocol "ec2"), driven by the EC2 model's shapes:
// form parameters in, with wire names from queryName or the capitalised locationName and lists
// flattened as Name.N; XML out, <OpResponse xmlns=NS><requestId/>...</OpResponse> with list
// elements named by their locationName ("item"); errors as <Response><Errors><Error>.
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/strings.h"
#include "protocol/query_codec.h"
#include "protocol/service_model.h"

namespace sigil::protocol {

// The name a member's value is sent under in an EC2 request: its queryName, else its
// locationName with the first letter in upper case, else its member name.
std::string Ec2InputName(const Member& member);

// Builds the structured input of an operation from its form parameters (Action, Version and
// X-Amz-* signing parameters are ignored). EC2 checks no length or pattern constraints here; the
// errors are EC2's: MissingParameter ("The request must contain the parameter X") for a missing
// required member, UnknownParameter for a name the shape lacks, InvalidParameterValue for a
// value that does not parse as its type (all kInvalidArgument, HTTP 400).
StatusOr<Value> DecodeEc2Input(const Shape* input_shape, const std::vector<QueryParam>& params);

// Renders a successful response: <OpResponse xmlns=NS><requestId>ID</requestId>members...
// </OpResponse>; an operation without an output shape answers <return>true</return>, as EC2
// does. kInternal if `output` has a member the shape lacks (a bug).
StatusOr<std::string> EncodeEc2Response(const ServiceModel& model, const Operation& op,
                                        const Value& output, std::string_view request_id);

// An error as EC2 names it: an access key it does not know is AuthFailure (HTTP 401, "AWS was
// not able to validate the provided access credentials") where IAM and STS say
// InvalidClientTokenId; everything else is unchanged.
Status AsEc2Error(const Status& error);

// Renders <Response><Errors><Error><Code/><Message/></Error></Errors><RequestID/></Response>.
// Server faults without an AWS code never show their detail.
std::string EncodeEc2Error(const Status& error, std::string_view request_id);

}  // namespace sigil::protocol
