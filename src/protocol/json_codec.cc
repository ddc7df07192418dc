#include "protocol/json_codec.h"

#include <cmath>
#include <map>

#include "common/crypto.h"
#include "common/time_format.h"
#include "protocol/constraints.h"

namespace sigil::protocol {
namespace {

using json = nlohmann::json;
// Output keeps the model's member order, as AWS's services write theirs.
using ordered = nlohmann::ordered_json;

// Epoch seconds beyond this (year ~5138) are refused rather than overflowing milliseconds.
constexpr double kMaxEpochSeconds = 1e11;

Status SerializationError(std::string message) {
  return AwsError(StatusCode::kInvalidArgument, "SerializationException", std::move(message));
}

const char* TypeName(ShapeType type) {
  switch (type) {
    case ShapeType::kStructure:
      return "an object";
    case ShapeType::kList:
      return "an array";
    case ShapeType::kMap:
      return "an object";
    case ShapeType::kString:
      return "a string";
    case ShapeType::kInteger:
    case ShapeType::kLong:
      return "an integer";
    case ShapeType::kBoolean:
      return "a boolean";
    case ShapeType::kTimestamp:
      return "a number of epoch seconds";
    case ShapeType::kBlob:
      return "a base64 string";
    case ShapeType::kDouble:
    case ShapeType::kFloat:
      return "a number";
  }
  return "a value";
}

// What a constraint message shows for a value: strings as they are, anything else as JSON.
std::string Shown(const json& value) {
  return value.is_string() ? value.get<std::string>()
                           : value.dump(-1, ' ', false, json::error_handler_t::replace);
}

class Decoder {
 public:
  explicit Decoder(const JsonDecodeOptions& options) : options_(options) {}

  StatusOr<Value> Decode(const Shape& shape, const json& value, const std::string& path) {
    auto wrong_type = [&] {
      return SerializationError("Unexpected value at '" + (path.empty() ? "$" : path) +
                                "': expected " + TypeName(shape.type) + ".");
    };
    switch (shape.type) {
      case ShapeType::kStructure: {
        if (!value.is_object()) return wrong_type();
        Value out = Value::object();
        for (const Member& m : shape.members) {
          auto it = value.find(m.WireName());
          if (it == value.end() || it->is_null()) continue;
          SIGIL_ASSIGN_OR_RETURN(out[m.name], Decode(*m.shape, *it, Join(path, m.name)));
        }
        if (options_.check_constraints) {
          for (const std::string& req : shape.required) {
            if (!out.contains(req)) violations_.AddNull(Join(path, req));
          }
        }
        return out;
      }
      case ShapeType::kList: {
        if (!value.is_array()) return wrong_type();
        Value out = Value::array();
        for (size_t i = 0; i < value.size(); ++i) {
          const std::string element_path = path + "." + std::to_string(i + 1) + ".member";
          if (value[i].is_null()) {
            if (options_.check_constraints) violations_.AddNull(element_path);
            continue;
          }
          SIGIL_ASSIGN_OR_RETURN(Value element,
                                 Decode(*shape.member.shape, value[i], element_path));
          out.push_back(std::move(element));
        }
        if (options_.check_constraints) {
          violations_.CheckCount(path, shape, "[...]", static_cast<int64_t>(out.size()));
        }
        return out;
      }
      case ShapeType::kMap: {
        if (!value.is_object()) return wrong_type();
        Value out = Value::object();
        for (const auto& [k, v] : value.items()) {
          if (options_.check_constraints)
            violations_.CheckString(path + ".key", *shape.key.shape, k);
          if (v.is_null()) continue;
          SIGIL_ASSIGN_OR_RETURN(out[k], Decode(*shape.value.shape, v, path + ".value"));
        }
        if (options_.check_constraints) {
          violations_.CheckCount(path, shape, "{...}", static_cast<int64_t>(out.size()));
        }
        return out;
      }
      case ShapeType::kString: {
        if (!value.is_string()) return wrong_type();
        const std::string& s = value.get_ref<const std::string&>();
        if (options_.check_constraints) violations_.CheckString(path, shape, s);
        return Value(s);
      }
      case ShapeType::kInteger:
      case ShapeType::kLong: {
        if (!value.is_number_integer()) return wrong_type();
        if (value.is_number_unsigned() && value.get<uint64_t>() > INT64_MAX) return wrong_type();
        const int64_t n = value.get<int64_t>();
        if (shape.type == ShapeType::kInteger && (n < INT32_MIN || n > INT32_MAX)) {
          return wrong_type();
        }
        if (options_.check_constraints) violations_.CheckRange(path, shape, n, Shown(value));
        return Value(n);
      }
      case ShapeType::kBoolean:
        if (!value.is_boolean()) return wrong_type();
        return Value(value.get<bool>());
      case ShapeType::kTimestamp: {
        if (!value.is_number()) return wrong_type();
        const double seconds = value.get<double>();
        if (!std::isfinite(seconds) || std::fabs(seconds) > kMaxEpochSeconds) return wrong_type();
        return Value(static_cast<int64_t>(std::llround(seconds * 1000)));
      }
      case ShapeType::kBlob: {
        if (!value.is_string()) return wrong_type();
        auto bytes = Base64Decode(value.get_ref<const std::string&>());
        if (!bytes.ok()) return wrong_type();
        return Value(std::move(bytes).value());
      }
      case ShapeType::kDouble:
      case ShapeType::kFloat:
        if (!value.is_number()) return wrong_type();
        return Value(value.get<double>());
    }
    return wrong_type();
  }

  Status Result() const { return violations_.Result("ValidationException"); }

 private:
  static std::string Join(const std::string& path, const std::string& member) {
    return path.empty() ? LowerFirst(member) : path + "." + LowerFirst(member);
  }

  const JsonDecodeOptions& options_;
  ConstraintViolations violations_;
};

StatusOr<ordered> Encode(const Shape& shape, const Value& value, const std::string& where) {
  auto bad = [&] {
    return InternalError("output " + where + " is not " + TypeName(shape.type) + " (shape " +
                         shape.name + ")");
  };
  switch (shape.type) {
    case ShapeType::kStructure: {
      if (!value.is_object()) return bad();
      for (const auto& [k, v] : value.items()) {
        if (shape.FindMember(k) == nullptr) {
          return InternalError("output member " + k + " is not in shape " + shape.name);
        }
      }
      ordered out = ordered::object();
      for (const Member& m : shape.members) {
        auto it = value.find(m.name);
        if (it == value.end() || it->is_null()) continue;
        SIGIL_ASSIGN_OR_RETURN(out[m.WireName()], Encode(*m.shape, *it, where + "." + m.name));
      }
      return out;
    }
    case ShapeType::kList: {
      if (!value.is_array()) return bad();
      ordered out = ordered::array();
      for (const Value& item : value) {
        SIGIL_ASSIGN_OR_RETURN(ordered element, Encode(*shape.member.shape, item, where + "[]"));
        out.push_back(std::move(element));
      }
      return out;
    }
    case ShapeType::kMap: {
      if (!value.is_object()) return bad();
      ordered out = ordered::object();
      for (const auto& [k, v] : value.items()) {
        SIGIL_ASSIGN_OR_RETURN(out[k], Encode(*shape.value.shape, v, where + "." + k));
      }
      return out;
    }
    case ShapeType::kTimestamp: {
      int64_t millis = 0;
      if (value.is_number_integer()) {
        millis = value.get<int64_t>();
      } else if (value.is_string()) {
        auto t = ParseIso8601(value.get<std::string>());
        if (!t) return bad();
        millis =
            std::chrono::duration_cast<std::chrono::milliseconds>(t->time_since_epoch()).count();
      } else {
        return bad();
      }
      // Whole seconds as an integer, as AWS's JSON services send most of their timestamps.
      if (millis % 1000 == 0) return ordered(millis / 1000);
      return ordered(static_cast<double>(millis) / 1000.0);
    }
    case ShapeType::kBlob:
      if (!value.is_string()) return bad();
      return ordered(Base64Encode(value.get<std::string>()));
    case ShapeType::kString:
      if (!value.is_string()) return bad();
      return ordered(value.get<std::string>());
    case ShapeType::kBoolean:
      if (!value.is_boolean()) return bad();
      return ordered(value.get<bool>());
    case ShapeType::kInteger:
    case ShapeType::kLong:
      if (!value.is_number_integer()) return bad();
      return ordered(value.get<int64_t>());
    case ShapeType::kDouble:
    case ShapeType::kFloat:
      if (!value.is_number()) return bad();
      return ordered(value.get<double>());
  }
  return bad();
}

}  // namespace

StatusOr<Value> DecodeJsonInput(const Shape* input_shape, std::string_view body,
                                const JsonDecodeOptions& options) {
  json doc = body.empty() ? json::object()
                          : json::parse(body.begin(), body.end(), nullptr,
                                        /*allow_exceptions=*/false);
  if (doc.is_discarded()) return SerializationError("The request body is not valid JSON.");
  if (!doc.is_object()) return SerializationError("The request body must be a JSON object.");
  if (input_shape == nullptr) return Value::object();
  Decoder decoder(options);
  SIGIL_ASSIGN_OR_RETURN(Value out, decoder.Decode(*input_shape, doc, ""));
  SIGIL_RETURN_IF_ERROR(decoder.Result());
  return out;
}

StatusOr<std::string> EncodeJsonOutput(const Shape* output_shape, const Value& output) {
  if (output_shape == nullptr) return std::string("{}");
  SIGIL_ASSIGN_OR_RETURN(ordered out, Encode(*output_shape, output, output_shape->name));
  return out.dump(-1, ' ', false, ordered::error_handler_t::replace);
}

Status AsJsonProtocolError(const Status& error) {
  // Query-protocol code -> the JSON services' name for it.
  static const std::map<std::string, std::string, std::less<>> kRenamed = {
      {"AccessDenied", "AccessDeniedException"},
      {"ValidationError", "ValidationException"},
      {"InvalidClientTokenId", "UnrecognizedClientException"},
      {"SignatureDoesNotMatch", "InvalidSignatureException"},
      {"MissingAuthenticationToken", "MissingAuthenticationTokenException"},
      {"IncompleteSignature", "IncompleteSignatureException"},
      {"AuthorizationQueryParametersError", "IncompleteSignatureException"},
      {"ExpiredToken", "ExpiredTokenException"},
  };
  auto it = kRenamed.find(error.aws_code());
  if (it == kRenamed.end()) return error;
  return AwsError(error.code(), it->second, error.message()).WithHttpStatus(400);
}

std::string JsonAwsCodeFor(const Status& error) {
  if (!error.aws_code().empty()) return error.aws_code();
  switch (error.code()) {
    case StatusCode::kInvalidArgument:
      return "ValidationException";
    case StatusCode::kUnauthenticated:
      return "UnrecognizedClientException";
    case StatusCode::kPermissionDenied:
      return "AccessDeniedException";
    case StatusCode::kNotFound:
      return "ResourceNotFoundException";
    case StatusCode::kUnavailable:
      return "ServiceUnavailableException";
    case StatusCode::kUnimplemented:
      return "UnknownOperationException";
    default:
      return "InternalFailure";
  }
}

std::string EncodeJsonError(const Status& error) {
  const bool server_fault = error.http_status() >= 500;
  // Internal errors never leak their detail (it may name files or database state).
  const std::string message = server_fault && error.aws_code().empty()
                                  ? std::string("An internal error occurred.")
                                  : error.message();
  json body = {{"__type", JsonAwsCodeFor(error)}, {"message", message}};
  return body.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string JsonContentType(std::string_view json_version) {
  return "application/x-amz-json-" + std::string(json_version.empty() ? "1.1" : json_version);
}

}  // namespace sigil::protocol
