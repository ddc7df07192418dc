#include "protocol/query_codec.h"

#include <charconv>
#include <map>

#include "common/crypto.h"
#include "common/time_format.h"
#include "protocol/constraints.h"

namespace sigil::protocol {
namespace {

// Parameters as a tree: "Tags.member.1.Key" → Tags → member → 1 → Key.
struct ParamNode {
  std::optional<std::string> value;
  std::map<std::string, ParamNode, std::less<>> children;
};

StatusOr<Value> DecodeNode(const Shape& shape, const ParamNode& node, const std::string& path,
                           ConstraintViolations* v);

StatusOr<Value> DecodeScalar(const Shape& shape, const std::string& raw, const std::string& path,
                             ConstraintViolations* v) {
  auto malformed = [&](std::string_view what) {
    return AwsError(StatusCode::kInvalidArgument, "MalformedInput",
                    "Invalid " + std::string(what) + " value for parameter " + path);
  };
  switch (shape.type) {
    case ShapeType::kString:
      v->CheckString(path, shape, raw);
      return Value(raw);
    case ShapeType::kInteger:
    case ShapeType::kLong: {
      int64_t n = 0;
      auto [ptr, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), n);
      if (ec != std::errc() || ptr != raw.data() + raw.size()) return malformed("integer");
      v->CheckRange(path, shape, n, raw);
      return Value(n);
    }
    case ShapeType::kBoolean:
      if (raw == "true") return Value(true);
      if (raw == "false") return Value(false);
      return malformed("boolean");
    case ShapeType::kTimestamp: {
      auto t = ParseIso8601(raw);
      if (!t) return malformed("timestamp");
      return Value(t->time_since_epoch().count());
    }
    case ShapeType::kBlob: {
      auto bytes = Base64Decode(raw);
      if (!bytes.ok()) return malformed("base64");
      return Value(*bytes);
    }
    case ShapeType::kDouble:
    case ShapeType::kFloat: {
      char* end = nullptr;
      double d = std::strtod(raw.c_str(), &end);
      if (end != raw.c_str() + raw.size() || raw.empty()) return malformed("number");
      return Value(d);
    }
    default:
      return malformed("scalar");
  }
}

// Children "1", "2", ... of a list or map node, in numeric order.
StatusOr<std::vector<const ParamNode*>> IndexedChildren(const ParamNode& node,
                                                        const std::string& path) {
  std::map<int64_t, const ParamNode*> by_index;
  for (const auto& [k, child] : node.children) {
    int64_t idx = 0;
    auto [ptr, ec] = std::from_chars(k.data(), k.data() + k.size(), idx);
    if (ec != std::errc() || ptr != k.data() + k.size() || idx < 1) {
      return AwsError(StatusCode::kInvalidArgument, "MalformedInput",
                      "Invalid list index '" + k + "' for parameter " + path);
    }
    by_index[idx] = &child;
  }
  std::vector<const ParamNode*> out;
  for (const auto& [idx, child] : by_index) out.push_back(child);
  return out;
}

StatusOr<Value> DecodeNode(const Shape& shape, const ParamNode& node, const std::string& path,
                           ConstraintViolations* v) {
  switch (shape.type) {
    case ShapeType::kStructure: {
      Value obj = Value::object();
      for (const Member& m : shape.members) {
        auto it = node.children.find(m.WireName());
        std::string child_path =
            path.empty() ? LowerFirst(m.name) : path + "." + LowerFirst(m.name);
        if (it == node.children.end()) continue;
        SIGIL_ASSIGN_OR_RETURN(Value child, DecodeNode(*m.shape, it->second, child_path, v));
        obj[m.name] = std::move(child);
      }
      for (const std::string& req : shape.required) {
        if (!obj.contains(req))
          v->AddNull(path.empty() ? LowerFirst(req) : path + "." + LowerFirst(req));
      }
      return obj;
    }
    case ShapeType::kList: {
      Value arr = Value::array();
      // "Tags=" (empty) is how an empty list is sent.
      const ParamNode* items = &node;
      std::string element_name =
          shape.member.location_name.empty() ? "member" : shape.member.location_name;
      if (!shape.flattened) {
        auto it = node.children.find(element_name);
        if (it == node.children.end()) {
          v->CheckCount(path, shape, "[]", 0);
          return arr;
        }
        items = &it->second;
      }
      SIGIL_ASSIGN_OR_RETURN(auto children, IndexedChildren(*items, path));
      for (size_t i = 0; i < children.size(); ++i) {
        std::string child_path = path + "." + std::to_string(i + 1) + ".member";
        SIGIL_ASSIGN_OR_RETURN(Value child,
                               DecodeNode(*shape.member.shape, *children[i], child_path, v));
        arr.push_back(std::move(child));
      }
      v->CheckCount(path, shape, "[...]", static_cast<int64_t>(arr.size()));
      return arr;
    }
    case ShapeType::kMap: {
      Value obj = Value::object();
      const ParamNode* entries = &node;
      if (!shape.flattened) {
        auto it = node.children.find("entry");
        if (it == node.children.end()) return obj;
        entries = &it->second;
      }
      SIGIL_ASSIGN_OR_RETURN(auto children, IndexedChildren(*entries, path));
      for (const ParamNode* e : children) {
        auto k = e->children.find(shape.key.WireName());
        auto val = e->children.find(shape.value.WireName());
        if (k == e->children.end() || !k->second.value) {
          v->AddNull(path + ".key");
          continue;
        }
        if (val == e->children.end()) {
          v->AddNull(path + ".value");
          continue;
        }
        SIGIL_ASSIGN_OR_RETURN(Value decoded, DecodeNode(*shape.value.shape, val->second, path, v));
        obj[*k->second.value] = std::move(decoded);
      }
      return obj;
    }
    default:
      if (!node.value) {
        return AwsError(StatusCode::kInvalidArgument, "MalformedInput",
                        "Parameter " + path + " must be a single value");
      }
      return DecodeScalar(shape, *node.value, path, v);
  }
}

void AppendScalar(const Shape& shape, const Value& value, std::string* out) {
  switch (shape.type) {
    case ShapeType::kBoolean:
      *out += value.get<bool>() ? "true" : "false";
      return;
    case ShapeType::kTimestamp:
      if (value.is_string()) {
        *out += XmlEscape(value.get<std::string>());
      } else {
        *out += FormatIso8601(TimePoint(std::chrono::milliseconds(value.get<int64_t>())));
      }
      return;
    case ShapeType::kBlob:
      *out += Base64Encode(value.get<std::string>());
      return;
    default:
      if (value.is_string()) {
        *out += XmlEscape(value.get<std::string>());
      } else {
        *out += value.dump();
      }
  }
}

Status AppendStructure(const Shape& shape, const Value& value, std::string* out);

Status AppendElement(const std::string& name, const Shape& shape, const Value& value,
                     bool member_flattened, std::string* out) {
  if (shape.type == ShapeType::kList) {
    if (!value.is_array()) return InternalError("output " + name + " must be a list");
    const std::string element =
        shape.member.location_name.empty() ? "member" : shape.member.location_name;
    bool flat = shape.flattened || member_flattened;
    if (!flat) *out += "<" + name + ">";
    for (const Value& item : value) {
      SIGIL_RETURN_IF_ERROR(
          AppendElement(flat ? name : element, *shape.member.shape, item, false, out));
    }
    if (!flat) *out += "</" + name + ">";
    return OkStatus();
  }
  if (shape.type == ShapeType::kMap) {
    if (!value.is_object()) return InternalError("output " + name + " must be a map");
    *out += "<" + name + ">";
    for (const auto& [k, v] : value.items()) {
      *out += "<entry><" + shape.key.WireName() + ">" + XmlEscape(k) + "</" + shape.key.WireName() +
              ">";
      SIGIL_RETURN_IF_ERROR(
          AppendElement(shape.value.WireName(), *shape.value.shape, v, false, out));
      *out += "</entry>";
    }
    *out += "</" + name + ">";
    return OkStatus();
  }
  *out += "<" + name + ">";
  if (shape.type == ShapeType::kStructure) {
    SIGIL_RETURN_IF_ERROR(AppendStructure(shape, value, out));
  } else {
    AppendScalar(shape, value, out);
  }
  *out += "</" + name + ">";
  return OkStatus();
}

Status AppendStructure(const Shape& shape, const Value& value, std::string* out) {
  if (!value.is_object()) return InternalError("output " + shape.name + " must be a structure");
  for (const auto& [k, v] : value.items()) {
    if (shape.FindMember(k) == nullptr) {
      return InternalError("output member " + k + " is not in shape " + shape.name);
    }
  }
  for (const Member& m : shape.members) {
    auto it = value.find(m.name);
    if (it == value.end() || it->is_null()) continue;
    SIGIL_RETURN_IF_ERROR(AppendElement(m.WireName(), *m.shape, *it, m.flattened, out));
  }
  return OkStatus();
}

}  // namespace

Status AppendXmlMembers(const Shape& shape, const Value& value, std::string* out) {
  return AppendStructure(shape, value, out);
}

std::string XmlEscape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // Other control characters (\r, and those S3 keys may hold) as character references;
        // tab and newline stay as they are.
        if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n') {
          static constexpr char kHex[] = "0123456789ABCDEF";
          out += "&#x";
          if (static_cast<unsigned char>(c) >= 0x10) out += '1';
          out += kHex[c & 0xF];
          out += ';';
        } else {
          out.push_back(c);
        }
    }
  }
  return out;
}

StatusOr<Value> DecodeQueryInput(const Shape* input_shape, const std::vector<QueryParam>& params) {
  if (input_shape == nullptr) return Value::object();
  ParamNode root;
  for (const QueryParam& p : params) {
    if (p.key == "Action" || p.key == "Version") continue;
    ParamNode* node = &root;
    for (std::string_view part : Split(p.key, '.')) {
      node = &node->children[std::string(part)];
    }
    node->value = p.value;
  }
  ConstraintViolations v;
  SIGIL_ASSIGN_OR_RETURN(Value out, DecodeNode(*input_shape, root, "", &v));
  SIGIL_RETURN_IF_ERROR(v.Result("ValidationError"));
  return out;
}

StatusOr<std::string> EncodeQueryResponse(const ServiceModel& model, const Operation& op,
                                          const Value& output, std::string_view request_id) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<" + op.name +
                    "Response xmlns=\"" + model.xml_namespace() + "\">";
  if (op.output != nullptr) {
    const std::string wrapper = op.result_wrapper.empty() ? op.name + "Result" : op.result_wrapper;
    out += "<" + wrapper + ">";
    SIGIL_RETURN_IF_ERROR(AppendXmlMembers(*op.output, output, &out));
    out += "</" + wrapper + ">";
  }
  out += "<ResponseMetadata><RequestId>" + XmlEscape(request_id) +
         "</RequestId></ResponseMetadata></" + op.name + "Response>\n";
  return out;
}

std::string AwsCodeFor(const Status& status) {
  if (!status.aws_code().empty()) return status.aws_code();
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
      return "InvalidParameterValue";
    case StatusCode::kUnauthenticated:
      return "InvalidClientTokenId";
    case StatusCode::kPermissionDenied:
      return "AccessDenied";
    case StatusCode::kUnavailable:
      return "ServiceUnavailable";
    case StatusCode::kUnimplemented:
      return "NotImplemented";
    default:
      return "InternalFailure";
  }
}

std::string EncodeQueryError(std::string_view xml_namespace, const Status& error,
                             std::string_view request_id) {
  const bool server_fault = error.http_status() >= 500;
  // Internal errors never leak their detail (it may name files or database state).
  const std::string message = server_fault && error.aws_code().empty()
                                  ? std::string("An internal error occurred.")
                                  : error.message();
  std::string out =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ErrorResponse xmlns=\"" +
      std::string(xml_namespace) + "\"><Error><Type>" + (server_fault ? "Receiver" : "Sender") +
      "</Type><Code>" + XmlEscape(AwsCodeFor(error)) + "</Code><Message>" + XmlEscape(message) +
      "</Message></Error><RequestId>" + XmlEscape(request_id) + "</RequestId></ErrorResponse>\n";
  return out;
}

}  // namespace sigil::protocol
