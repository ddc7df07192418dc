// The AWS JSON protocol (awsJson1_1: CloudTrail): a JSON request body decoded against the
// operation's input shape and validated as AWS's JSON services do, JSON responses, and the
// `{"__type": ..., "message": ...}` error bodies botocore parses. Timestamps travel as epoch
// seconds; handlers see integer milliseconds, as with the query codec. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "protocol/query_codec.h"
#include "protocol/service_model.h"

namespace sigil::protocol {

struct JsonDecodeOptions {
  // Whether the model's value constraints (required, length, range, enum, pattern) are checked
  // (ValidationException). Off for services that check their inputs themselves and answer with
  // their own exceptions (CloudTrail: InvalidMaxResultsException,
  // InvalidLookupAttributesException); types are always checked.
  bool check_constraints = true;
};

// Builds an operation's structured input from its JSON body (an empty body is `{}`). Members are
// matched by their wire names; unknown members are ignored and nulls are absent, as AWS's JSON
// services do. Errors: SerializationException (400) when the body is not a JSON object or a value
// does not have its member's type; ValidationException (400) listing every violated constraint
// ("1 validation error detected: Value '51' at 'maxResults' failed to satisfy constraint: ...").
StatusOr<Value> DecodeJsonInput(const Shape* input_shape, std::string_view body,
                                const JsonDecodeOptions& options = {});

// Renders an operation's output as its JSON body ("{}" without an output shape). kInternal if
// `output` has a member the shape lacks or a value of the wrong type (a bug in the handler).
StatusOr<std::string> EncodeJsonOutput(const Shape* output_shape, const Value& output);

// The JSON protocol's names for the errors the stages shared with the query protocol produce:
// AccessDenied -> AccessDeniedException, ValidationError -> ValidationException, and the
// authentication failures as AWS's JSON services name them (InvalidClientTokenId ->
// UnrecognizedClientException, SignatureDoesNotMatch -> InvalidSignatureException,
// MissingAuthenticationToken -> MissingAuthenticationTokenException, IncompleteSignature ->
// IncompleteSignatureException, ExpiredToken -> ExpiredTokenException), all HTTP 400 as those
// services answer. Other statuses are returned unchanged.
Status AsJsonProtocolError(const Status& error);

// The AWS code a JSON error body shows: the status's own, else a generic one for its canonical
// code (ValidationException, UnrecognizedClientException, AccessDeniedException, ...).
std::string JsonAwsCodeFor(const Status& error);

// The error body: {"__type":"InvalidTimeRangeException","message":"..."}. A server fault without an
// AWS code renders as InternalFailure with a generic message (its detail may name files).
std::string EncodeJsonError(const Status& error);

// "application/x-amz-json-1.1" for `json_version` "1.1".
std::string JsonContentType(std::string_view json_version);

}  // namespace sigil::protocol
