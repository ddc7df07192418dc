// The AWS query protocol (IAM, STS): form parameters in, XML out, both driven by the botocore
// shapes. Decoding validates every constraint the model states (required, length, range, enum,
// pattern) and reports violations exactly as AWS does ("1 validation error detected: ...").
// Pure functions; thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/strings.h"
#include "protocol/service_model.h"

namespace sigil::protocol {

// Values exchanged with handlers. Timestamps are integer milliseconds since the Unix epoch.
using Value = nlohmann::json;

// Builds the structured input of an operation from its decoded form parameters (Action and
// Version are ignored). Errors: ValidationError (400) listing every violated constraint;
// MalformedInput-style kInvalidArgument for values that do not parse as their type.
StatusOr<Value> DecodeQueryInput(const Shape* input_shape, const std::vector<QueryParam>& params);

// Renders a successful response:
// <OpResponse xmlns=NS><OpResult>...</OpResult><ResponseMetadata><RequestId>..</RequestId>
// </ResponseMetadata></OpResponse>. kInternal if `output` has a member the shape lacks (a bug).
StatusOr<std::string> EncodeQueryResponse(const ServiceModel& model, const Operation& op,
                                          const Value& output, std::string_view request_id);

// Renders <ErrorResponse xmlns=NS><Error><Type>Sender|Receiver</Type><Code/><Message/></Error>
// <RequestId/></ErrorResponse>. A status without an AWS code renders as InternalFailure.
std::string EncodeQueryError(std::string_view xml_namespace, const Status& error,
                             std::string_view request_id);

// The AWS code to show for a status (its aws_code, or a generic one for its canonical code).
std::string AwsCodeFor(const Status& status);

// Appends the XML elements of a structure's members, in model order: names from locationName,
// list elements named by their member's locationName (else "member"). Shared with the EC2 codec.
// kInternal if `value` has a member the shape lacks (a bug).
Status AppendXmlMembers(const Shape& shape, const Value& value, std::string* out);

// Escapes text for XML element content and attribute values: the five markup characters, and
// control characters other than tab and newline as character references (&#xD;).
std::string XmlEscape(std::string_view text);

}  // namespace sigil::protocol
