#include "protocol/ec2_codec.h"

#include <cctype>
#include <charconv>
#include <cstdlib>
#include <map>
#include <optional>

#include "common/crypto.h"
#include "common/time_format.h"

namespace sigil::protocol {
namespace {

// Parameters as a tree: "TagSpecification.1.Tag.2.Key" → TagSpecification → 1 → Tag → 2 → Key.
// `used` marks the nodes a shape consumed; anything left over is an unknown parameter.
struct ParamNode {
  std::optional<std::string> value;
  std::map<std::string, ParamNode, std::less<>> children;
  bool used = false;
};

Status MissingParameter(const std::string& name) {
  return AwsError(StatusCode::kInvalidArgument, "MissingParameter",
                  "The request must contain the parameter " + name);
}

Status InvalidValue(const std::string& name, const std::string& raw, std::string_view expected) {
  return AwsError(StatusCode::kInvalidArgument, "InvalidParameterValue",
                  "Value (" + raw + ") for parameter " + name + " is invalid. Expected " +
                      std::string(expected) + ".");
}

StatusOr<Value> DecodeScalar(const Shape& shape, const std::string& raw, const std::string& name) {
  switch (shape.type) {
    case ShapeType::kString:
      return Value(raw);
    case ShapeType::kInteger:
    case ShapeType::kLong: {
      int64_t n = 0;
      auto [ptr, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), n);
      if (ec != std::errc() || ptr != raw.data() + raw.size() || raw.empty()) {
        return InvalidValue(name, raw, "an integer");
      }
      if (shape.type == ShapeType::kInteger && (n > INT32_MAX || n < INT32_MIN)) {
        return InvalidValue(name, raw, "an integer");
      }
      return Value(n);
    }
    case ShapeType::kBoolean:
      // EC2 accepts booleans in any case.
      if (EqualsIgnoreCase(raw, "true")) return Value(true);
      if (EqualsIgnoreCase(raw, "false")) return Value(false);
      return InvalidValue(name, raw, "a boolean");
    case ShapeType::kTimestamp: {
      auto t = ParseIso8601(raw);
      if (!t) return InvalidValue(name, raw, "an ISO 8601 timestamp");
      return Value(t->time_since_epoch().count());
    }
    case ShapeType::kBlob: {
      auto bytes = Base64Decode(raw);
      if (!bytes.ok()) return InvalidValue(name, raw, "base64-encoded data");
      return Value(*bytes);
    }
    case ShapeType::kDouble:
    case ShapeType::kFloat: {
      char* end = nullptr;
      double d = std::strtod(raw.c_str(), &end);
      if (raw.empty() || end != raw.c_str() + raw.size())
        return InvalidValue(name, raw, "a number");
      return Value(d);
    }
    default:
      return InvalidValue(name, raw, "a single value");
  }
}

StatusOr<Value> DecodeNode(const Shape& shape, ParamNode& node, const std::string& name, int depth);

// The elements "1", "2", ... of a flattened list node, in numeric order (gaps allowed, as
// botocore never sends them but EC2 tolerates them).
StatusOr<Value> DecodeList(const Shape& shape, ParamNode& node, const std::string& name,
                           int depth) {
  std::map<int64_t, std::pair<std::string, ParamNode*>> by_index;
  for (auto& [k, child] : node.children) {
    int64_t idx = 0;
    auto [ptr, ec] = std::from_chars(k.data(), k.data() + k.size(), idx);
    // Anything but an index is left unused and reported as an unknown parameter.
    if (ec != std::errc() || ptr != k.data() + k.size() || idx < 1) continue;
    by_index[idx] = {k, &child};
  }
  Value arr = Value::array();
  for (auto& [idx, entry] : by_index) {
    SIGIL_ASSIGN_OR_RETURN(Value element, DecodeNode(*shape.member.shape, *entry.second,
                                                     name + "." + entry.first, depth + 1));
    arr.push_back(std::move(element));
  }
  return arr;
}

StatusOr<Value> DecodeNode(const Shape& shape, ParamNode& node, const std::string& name,
                           int depth) {
  // The model nests a few levels; client input cannot make the decoder recurse without bound
  // because it follows the shape, but a recursive shape must not either.
  if (depth > 32) return InvalidValue(name, "...", "a shallower parameter");
  node.used = true;
  switch (shape.type) {
    case ShapeType::kStructure: {
      Value obj = Value::object();
      for (const Member& m : shape.members) {
        const std::string wire = Ec2InputName(m);
        auto it = node.children.find(wire);
        if (it == node.children.end()) continue;
        const std::string child_name = name.empty() ? wire : name + "." + wire;
        SIGIL_ASSIGN_OR_RETURN(Value child,
                               DecodeNode(*m.shape, it->second, child_name, depth + 1));
        obj[m.name] = std::move(child);
      }
      for (const std::string& req : shape.required) {
        if (obj.contains(req)) continue;
        const Member* m = shape.FindMember(req);
        const std::string wire = m != nullptr ? Ec2InputName(*m) : req;
        return MissingParameter(name.empty() ? wire : name + "." + wire);
      }
      return obj;
    }
    case ShapeType::kList:
      return DecodeList(shape, node, name, depth);
    case ShapeType::kMap:
      // The EC2 model sends no maps in the operations Sigil serves; say so rather than guess.
      return InvalidValue(name, "...", "no map parameter");
    default:
      if (!node.value) return InvalidValue(name, "", "a single value");
      return DecodeScalar(shape, *node.value, name);
  }
}

// The first parameter, in name order, that no shape consumed.
std::optional<std::string> FirstUnused(const ParamNode& node, const std::string& name) {
  if (!node.used) return name;
  for (const auto& [k, child] : node.children) {
    if (auto found = FirstUnused(child, name.empty() ? k : name + "." + k)) return found;
  }
  return std::nullopt;
}

}  // namespace

std::string Ec2InputName(const Member& member) {
  if (!member.query_name.empty()) return member.query_name;
  if (!member.location_name.empty()) {
    std::string name = member.location_name;
    name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
    return name;
  }
  return member.name;
}

StatusOr<Value> DecodeEc2Input(const Shape* input_shape, const std::vector<QueryParam>& params) {
  ParamNode root;
  bool any = false;
  for (const QueryParam& p : params) {
    if (p.key == "Action" || p.key == "Version" || StartsWith(p.key, "X-Amz-")) continue;
    ParamNode* node = &root;
    for (std::string_view part : Split(p.key, '.')) {
      node = &node->children[std::string(part)];
    }
    node->value = p.value;
    any = true;
  }
  if (input_shape == nullptr) {
    if (!any) return Value::object();
    root.used = true;
    std::optional<std::string> unknown = FirstUnused(root, "");
    return AwsError(StatusCode::kInvalidArgument, "UnknownParameter",
                    "The parameter " + unknown.value_or("") + " is not recognized");
  }
  SIGIL_ASSIGN_OR_RETURN(Value out, DecodeNode(*input_shape, root, "", 0));
  if (std::optional<std::string> unknown = FirstUnused(root, "")) {
    return AwsError(StatusCode::kInvalidArgument, "UnknownParameter",
                    "The parameter " + *unknown + " is not recognized");
  }
  return out;
}

StatusOr<std::string> EncodeEc2Response(const ServiceModel& model, const Operation& op,
                                        const Value& output, std::string_view request_id) {
  // The model says ".../doc/2016-11-15"; EC2 answers with a trailing slash.
  std::string ns = model.xml_namespace();
  if (!ns.empty() && ns.back() != '/') ns += '/';
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<" + op.name +
                    "Response xmlns=\"" + ns + "\"><requestId>" + XmlEscape(request_id) +
                    "</requestId>";
  if (op.output != nullptr) {
    SIGIL_RETURN_IF_ERROR(AppendXmlMembers(*op.output, output, &out));
  } else {
    out += "<return>true</return>";
  }
  out += "</" + op.name + "Response>\n";
  return out;
}

Status AsEc2Error(const Status& error) {
  if (error.aws_code() == "InvalidClientTokenId") {
    return AwsError(StatusCode::kUnauthenticated, "AuthFailure",
                    "AWS was not able to validate the provided access credentials")
        .WithHttpStatus(401);
  }
  return error;
}

std::string EncodeEc2Error(const Status& error, std::string_view request_id) {
  const bool server_fault = error.http_status() >= 500;
  const std::string message = server_fault && error.aws_code().empty()
                                  ? std::string("An internal error occurred.")
                                  : error.message();
  return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>" +
         XmlEscape(AwsCodeFor(error)) + "</Code><Message>" + XmlEscape(message) +
         "</Message></Error></Errors><RequestID>" + XmlEscape(request_id) +
         "</RequestID></Response>\n";
}

}  // namespace sigil::protocol
