#include "policy/document.h"

#include <nlohmann/json.hpp>

#include "common/crypto.h"
#include "common/strings.h"
#include "policy/json_outline.h"

namespace sigil::policy {

using internal::ActionPattern;
using internal::ArnGlob;
using internal::Comparison;
using internal::CompiledStatement;
using internal::Condition;
using internal::ConditionValue;
using internal::ElementMode;
using internal::Glob;
using internal::OperatorFamily;
using internal::PrincipalSet;
using internal::ResourcePattern;
using internal::SetOperator;
using internal::ValueTemplate;
// Keys in document order: errors and ContextKeysUsed follow the text.
using Json = nlohmann::ordered_json;

namespace {

// Far deeper than any valid policy (Condition values sit at depth 6), shallow enough that no
// input can exhaust the stack.
constexpr int kMaxDepth = 32;

constexpr std::string_view kVersion2012 = "2012-10-17";
constexpr std::string_view kVersion2008 = "2008-10-17";

Status Malformed(std::string message) {
  return AwsError(StatusCode::kInvalidArgument, "MalformedPolicyDocument", std::move(message));
}

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// The deepest nesting of objects/arrays, counted without parsing (strings skipped), so absurd
// nesting is refused before any parser sees it.
int MaxNesting(std::string_view text) {
  int depth = 0, max_depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      max_depth = std::max(max_depth, ++depth);
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return max_depth;
}

struct OperatorSpec {
  std::string_view name;
  OperatorFamily family;
  Comparison comparison;
  bool negated;
};

constexpr OperatorSpec kOperators[] = {
    {"StringEquals", OperatorFamily::kString, Comparison::kEquals, false},
    {"StringNotEquals", OperatorFamily::kString, Comparison::kEquals, true},
    {"StringEqualsIgnoreCase", OperatorFamily::kStringIgnoreCase, Comparison::kEquals, false},
    {"StringNotEqualsIgnoreCase", OperatorFamily::kStringIgnoreCase, Comparison::kEquals, true},
    {"StringLike", OperatorFamily::kStringLike, Comparison::kEquals, false},
    {"StringNotLike", OperatorFamily::kStringLike, Comparison::kEquals, true},
    {"NumericEquals", OperatorFamily::kNumeric, Comparison::kEquals, false},
    {"NumericNotEquals", OperatorFamily::kNumeric, Comparison::kEquals, true},
    {"NumericLessThan", OperatorFamily::kNumeric, Comparison::kLessThan, false},
    {"NumericLessThanEquals", OperatorFamily::kNumeric, Comparison::kLessThanEquals, false},
    {"NumericGreaterThan", OperatorFamily::kNumeric, Comparison::kGreaterThan, false},
    {"NumericGreaterThanEquals", OperatorFamily::kNumeric, Comparison::kGreaterThanEquals, false},
    {"DateEquals", OperatorFamily::kDate, Comparison::kEquals, false},
    {"DateNotEquals", OperatorFamily::kDate, Comparison::kEquals, true},
    {"DateLessThan", OperatorFamily::kDate, Comparison::kLessThan, false},
    {"DateLessThanEquals", OperatorFamily::kDate, Comparison::kLessThanEquals, false},
    {"DateGreaterThan", OperatorFamily::kDate, Comparison::kGreaterThan, false},
    {"DateGreaterThanEquals", OperatorFamily::kDate, Comparison::kGreaterThanEquals, false},
    {"Bool", OperatorFamily::kBool, Comparison::kEquals, false},
    {"BinaryEquals", OperatorFamily::kBinary, Comparison::kEquals, false},
    {"IpAddress", OperatorFamily::kIpAddress, Comparison::kEquals, false},
    {"NotIpAddress", OperatorFamily::kIpAddress, Comparison::kEquals, true},
    {"ArnEquals", OperatorFamily::kArn, Comparison::kEquals, false},
    {"ArnLike", OperatorFamily::kArn, Comparison::kEquals, false},
    {"ArnNotEquals", OperatorFamily::kArn, Comparison::kEquals, true},
    {"ArnNotLike", OperatorFamily::kArn, Comparison::kEquals, true},
    {"Null", OperatorFamily::kNull, Comparison::kEquals, false},
};

// Splits "ForAnyValue:StringLikeIfExists" into its parts. Operator names are matched
// case-insensitively: accepting a spelling AWS might refuse is harmless, refusing one it accepts
// is not.
bool ParseOperator(std::string_view name, Condition* out) {
  std::string_view rest = name;
  auto strip_prefix = [&](std::string_view prefix) {
    if (rest.size() >= prefix.size() && EqualsIgnoreCase(rest.substr(0, prefix.size()), prefix)) {
      rest.remove_prefix(prefix.size());
      return true;
    }
    return false;
  };
  if (strip_prefix("ForAllValues:")) {
    out->set = SetOperator::kForAllValues;
  } else if (strip_prefix("ForAnyValue:")) {
    out->set = SetOperator::kForAnyValue;
  }
  constexpr std::string_view kIfExists = "IfExists";
  if (rest.size() > kIfExists.size() &&
      EqualsIgnoreCase(rest.substr(rest.size() - kIfExists.size()), kIfExists)) {
    out->if_exists = true;
    rest.remove_suffix(kIfExists.size());
  }
  for (const OperatorSpec& spec : kOperators) {
    if (!EqualsIgnoreCase(rest, spec.name)) continue;
    if (spec.family == OperatorFamily::kNull &&
        (out->if_exists || out->set != SetOperator::kNone)) {
      return false;  // AWS documents no NullIfExists and no set form of Null
    }
    out->family = spec.family;
    out->comparison = spec.comparison;
    out->negated = spec.negated;
    return true;
  }
  return false;
}

bool IsDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool HasWildcard(std::string_view s) { return s.find_first_of("*?") != std::string_view::npos; }

// Reads an element that is a string or an array of strings. Condition values may also be numbers
// or booleans (read as their JSON text); `allow_scalars` enables that.
bool ReadStringList(const Json& value, bool allow_scalars, std::vector<std::string>* out) {
  auto one = [&](const Json& v) {
    if (v.is_string()) {
      out->push_back(v.get<std::string>());
    } else if (allow_scalars && v.is_boolean()) {
      out->push_back(v.get<bool>() ? "true" : "false");
    } else if (allow_scalars && v.is_number()) {
      out->push_back(v.dump());
    } else {
      return false;
    }
    return true;
  };
  if (value.is_array()) {
    for (const Json& v : value) {
      if (!one(v)) return false;
    }
    return true;
  }
  return one(value);
}

}  // namespace

std::string_view PolicyKindName(PolicyKind kind) {
  switch (kind) {
    case PolicyKind::kIdentity:
      return "identity";
    case PolicyKind::kResource:
      return "resource";
    case PolicyKind::kTrust:
      return "trust";
    case PolicyKind::kBoundary:
      return "boundary";
    case PolicyKind::kSession:
      return "session";
  }
  return "identity";
}

// Builds a Policy from parsed JSON; one instance per ParsePolicy call.
class PolicyCompiler {
 public:
  PolicyCompiler(std::string_view text, PolicyKind kind) : text_(text), kind_(kind) {}

  StatusOr<std::shared_ptr<const Policy>> Compile() {
    if (MaxNesting(text_) > kMaxDepth) {
      return Malformed("Syntax errors in policy. The document is nested more than " +
                       std::to_string(kMaxDepth) + " levels deep.");
    }
    Json doc;
    try {
      doc = Json::parse(text_);
    } catch (const Json::parse_error& e) {
      const TextPosition at = internal::PositionAt(text_, e.byte > 0 ? e.byte - 1 : 0);
      return Malformed("Syntax errors in policy. Invalid JSON at line " + std::to_string(at.line) +
                       ", column " + std::to_string(at.column) + ".");
    } catch (const Json::exception&) {
      return Malformed("Syntax errors in policy.");
    }
    outline_ = internal::OutlineJson(text_, kMaxDepth);
    if (!outline_.ok) {
      const TextPosition at = internal::PositionAt(text_, outline_.error_offset);
      return Malformed("Syntax errors in policy. " + outline_.error + " at line " +
                       std::to_string(at.line) + ", column " + std::to_string(at.column) + ".");
    }
    if (!doc.is_object())
      return Malformed("Syntax errors in policy. The policy must be an object.");

    auto policy = std::make_shared<Policy>();
    policy->kind_ = kind_;
    policy->version_ = std::string(kVersion2008);  // AWS's default when Version is absent
    const Json* statements = nullptr;
    for (const auto& [key, value] : doc.items()) {
      if (key == "Version") {
        if (!value.is_string())
          return Malformed("Syntax errors in policy. Version must be a string.");
        const std::string v = value.get<std::string>();
        if (v != kVersion2012 && v != kVersion2008) {
          return Malformed("The policy failed legacy parsing: Version " + Quoted(v) +
                           " is not supported; use " + std::string(kVersion2012) + ".");
        }
        policy->version_ = v;
      } else if (key == "Id") {
        if (!value.is_string()) return Malformed("Syntax errors in policy. Id must be a string.");
        policy->id_ = value.get<std::string>();
      } else if (key == "Statement") {
        statements = &value;
      } else {
        return Malformed("Unknown field " + key);
      }
    }
    variables_ = policy->version_ == kVersion2012;
    if (statements == nullptr) return Malformed("Missing required field Statement");

    if (statements->is_object()) {
      SIGIL_RETURN_IF_ERROR(AddStatement(*statements, 0, policy.get()));
    } else if (statements->is_array()) {
      if (statements->empty()) return Malformed("Missing required field Statement: it is empty.");
      size_t index = 0;
      for (const Json& s : *statements)
        SIGIL_RETURN_IF_ERROR(AddStatement(s, index++, policy.get()));
    } else {
      return Malformed("Syntax errors in policy. Statement must be an object or an array.");
    }
    return std::shared_ptr<const Policy>(std::move(policy));
  }

 private:
  // "Statement 2 (Sid Foo) at line 7, column 5": where a statement-level error is.
  std::string Where(size_t index, const std::string& sid) const {
    std::string where = " (Statement " + std::to_string(index + 1);
    if (!sid.empty()) where += ", Sid " + sid;
    if (index < outline_.statements.size() &&
        outline_.statements[index].begin != std::string_view::npos) {
      const TextPosition at = internal::PositionAt(text_, outline_.statements[index].begin);
      where += ", line " + std::to_string(at.line) + ", column " + std::to_string(at.column);
    }
    return where + ")";
  }

  bool IamStored() const { return kind_ != PolicyKind::kResource; }

  Status AddStatement(const Json& s, size_t index, Policy* policy) {
    if (!s.is_object()) {
      return Malformed("Syntax errors in policy. Each statement must be an object." +
                       Where(index, ""));
    }
    StatementInfo info;
    info.index = index;
    if (index < outline_.statements.size() &&
        outline_.statements[index].begin != std::string_view::npos) {
      info.start = internal::PositionAt(text_, outline_.statements[index].begin);
      info.end = internal::PositionAt(text_, outline_.statements[index].end);
    }
    if (auto it = s.find("Sid"); it != s.end()) {
      if (!it->is_string()) {
        return Malformed("Syntax errors in policy. Sid must be a string." + Where(index, ""));
      }
      info.sid = it->get<std::string>();
    }
    const std::string where = Where(index, info.sid);

    CompiledStatement out;
    bool has_effect = false;
    const Json* action = nullptr;
    const Json* resource = nullptr;
    const Json* principal = nullptr;
    const Json* condition = nullptr;
    for (const auto& [key, value] : s.items()) {
      if (key == "Sid") continue;
      if (key == "Effect") {
        const std::string effect = value.is_string() ? value.get<std::string>() : value.dump();
        if (effect != "Allow" && effect != "Deny") {
          return Malformed(
              "The policy failed legacy parsing: Effect must be \"Allow\" or "
              "\"Deny\", not " +
              Quoted(effect) + where);
        }
        has_effect = true;
        out.allow = effect == "Allow";
      } else if (key == "Action" || key == "NotAction") {
        if (action != nullptr) {
          return Malformed(
              "Syntax errors in policy. A statement cannot have both Action and "
              "NotAction." +
              where);
        }
        action = &value;
        out.action_mode = key == "Action" ? ElementMode::kPositive : ElementMode::kNegated;
      } else if (key == "Resource" || key == "NotResource") {
        if (kind_ == PolicyKind::kTrust) return Malformed("Has prohibited field " + key + where);
        if (resource != nullptr) {
          return Malformed(
              "Syntax errors in policy. A statement cannot have both Resource and "
              "NotResource." +
              where);
        }
        resource = &value;
        out.resource_mode = key == "Resource" ? ElementMode::kPositive : ElementMode::kNegated;
      } else if (key == "Principal" || key == "NotPrincipal") {
        if (kind_ != PolicyKind::kResource && kind_ != PolicyKind::kTrust) {
          return Malformed("Policy document should not specify a principal." + where);
        }
        if (principal != nullptr) {
          return Malformed(
              "Syntax errors in policy. A statement cannot have both Principal and "
              "NotPrincipal." +
              where);
        }
        principal = &value;
        out.principal_mode = key == "Principal" ? ElementMode::kPositive : ElementMode::kNegated;
      } else if (key == "Condition") {
        condition = &value;
      } else {
        return Malformed("Unknown field " + key + where);
      }
    }

    if (IamStored() && !info.sid.empty()) {
      for (char c : info.sid) {
        const bool alnum =
            (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
        if (!alnum) {
          return Malformed(
              "Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the "
              "regular expression [0-9A-Za-z]*" +
              where);
        }
      }
      for (const StatementInfo& other : policy->info_) {
        if (other.sid == info.sid) {
          return Malformed("Statement IDs (SID) in a single policy must be unique." + where);
        }
      }
    }
    if (!has_effect) return Malformed("Missing required field Effect" + where);
    if (action == nullptr) return Malformed("Policy statement must contain actions." + where);
    SIGIL_RETURN_IF_ERROR(CompileActions(*action, where, &out));
    if (kind_ != PolicyKind::kTrust) {
      if (resource == nullptr) return Malformed("Policy statement must contain resources." + where);
      SIGIL_RETURN_IF_ERROR(CompileResources(*resource, where, &out));
    }
    if (kind_ == PolicyKind::kResource || kind_ == PolicyKind::kTrust) {
      if (principal == nullptr) return Malformed("Missing required field Principal" + where);
      SIGIL_RETURN_IF_ERROR(CompilePrincipal(*principal, where, &out.principals));
    }
    if (condition != nullptr) SIGIL_RETURN_IF_ERROR(CompileConditions(*condition, where, &out));

    info.allow = out.allow;
    policy->info_.push_back(std::move(info));
    policy->compiled_.push_back(std::move(out));
    return OkStatus();
  }

  Status CompileActions(const Json& value, const std::string& where, CompiledStatement* out) {
    std::vector<std::string> actions;
    const std::string element = out->action_mode == ElementMode::kPositive ? "Action" : "NotAction";
    if (!ReadStringList(value, false, &actions)) {
      return Malformed("Syntax errors in policy. " + element +
                       " must be a string or an array of strings." + where);
    }
    if (actions.empty()) return Malformed("Policy statement must contain actions." + where);
    for (const std::string& raw : actions) {
      ActionPattern p;
      const std::string a = AsciiLower(raw);
      if (a == "*") {
        p.all = true;
        out->actions.push_back(std::move(p));
        continue;
      }
      const size_t colon = a.find(':');
      if (colon == std::string::npos || colon == 0 || colon + 1 == a.size()) {
        return Malformed(
            "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc. (" +
            element + " " + Quoted(raw) + " in " + where.substr(2));
      }
      const std::string_view vendor = std::string_view(a).substr(0, colon);
      p.vendor_literal = !HasWildcard(vendor);
      p.vendor = std::string(vendor);
      p.name = Glob(internal::GlobFromPolicyText(std::string_view(a).substr(colon + 1)));
      p.whole = Glob(internal::GlobFromPolicyText(a));
      out->actions.push_back(std::move(p));
    }
    return OkStatus();
  }

  Status CompileResources(const Json& value, const std::string& where, CompiledStatement* out) {
    std::vector<std::string> resources;
    const std::string element =
        out->resource_mode == ElementMode::kPositive ? "Resource" : "NotResource";
    if (!ReadStringList(value, false, &resources)) {
      return Malformed("Syntax errors in policy. " + element +
                       " must be a string or an array of strings." + where);
    }
    if (resources.empty()) return Malformed("Policy statement must contain resources." + where);
    for (const std::string& raw : resources) {
      size_t resource_part = 0;  // variables are allowed only after the fifth colon
      if (raw != "*") {
        size_t colons = 0;
        for (size_t i = 0; i < raw.size() && colons < 5; ++i) {
          if (raw[i] == ':' && ++colons == 5) resource_part = i + 1;
        }
        if (raw.compare(0, 4, "arn:") != 0 || colons < 5) {
          return Malformed("Resource " + raw + " must be in ARN format or \"*\"." + where);
        }
      }
      ResourcePattern p;
      p.text = ValueTemplate::Compile(raw, ValueTemplate::Mode::kGlob, variables_, resource_part);
      if (!p.text.has_variables()) p.glob = ArnGlob(p.text.fixed());
      out->resources.push_back(std::move(p));
    }
    return OkStatus();
  }

  // Accepts the principal forms AWS documents; anything else is "Invalid principal in policy".
  Status CompilePrincipal(const Json& value, const std::string& where, PrincipalSet* out) {
    auto invalid = [&](std::string_view type, std::string_view v) {
      return Malformed("Invalid principal in policy: " + Quoted(type) + ":" + Quoted(v) + where);
    };
    if (value.is_string()) {
      if (value.get<std::string>() != "*") return invalid("Principal", value.get<std::string>());
      out->everyone = true;
      return OkStatus();
    }
    if (!value.is_object() || value.empty()) {
      return Malformed("Syntax errors in policy. Principal must be \"*\" or an object." + where);
    }
    for (const auto& [type, entries] : value.items()) {
      std::vector<std::string> ids;
      if (!ReadStringList(entries, false, &ids) || ids.empty()) {
        return Malformed("Invalid principal in policy: " + Quoted(type) + ":" + entries.dump() +
                         where);
      }
      for (const std::string& id : ids) {
        if (id.empty()) return invalid(type, id);
        if (type == "AWS") {
          SIGIL_RETURN_IF_ERROR(AddAwsPrincipal(id, where, out));
        } else if (type == "Service") {
          if (HasWildcard(id)) return invalid(type, id);
          out->services.push_back(AsciiLower(id));
        } else if (type == "Federated") {
          if (HasWildcard(id)) return invalid(type, id);
          out->federated.push_back(id);
        } else if (type == "CanonicalUser") {
          if (HasWildcard(id)) return invalid(type, id);
          out->canonical_users.push_back(id);
        } else {
          return invalid(type, id);
        }
      }
    }
    return OkStatus();
  }

  Status AddAwsPrincipal(const std::string& id, const std::string& where, PrincipalSet* out) {
    auto invalid = [&]() {
      return Malformed("Invalid principal in policy: \"AWS\":" + Quoted(id) + where);
    };
    if (id == "*") {
      out->everyone = true;
      return OkStatus();
    }
    if (HasWildcard(id)) return invalid();  // no partial wildcards in principals
    if (id.size() == 12 && IsDigits(id)) {
      out->accounts.push_back(id);
      return OkStatus();
    }
    if (id.compare(0, 4, "arn:") != 0) {
      // A unique id (AIDA..., AROA...): what AWS shows once a named principal is deleted.
      if (id.size() >= 16 && id.size() <= 128 &&
          (id.compare(0, 4, "AIDA") == 0 || id.compare(0, 4, "AROA") == 0)) {
        out->unique_ids.push_back(id);
        return OkStatus();
      }
      return invalid();
    }
    internal::ArnParts arn = internal::SplitArn(id);
    if (!arn.ok || arn.part[1].empty() || !arn.part[3].empty() || arn.part[4].size() != 12 ||
        !IsDigits(arn.part[4])) {
      return invalid();
    }
    const std::string_view service = arn.part[2];
    const std::string_view resource = arn.part[5];
    auto has_name = [&](std::string_view prefix) {
      return resource.size() > prefix.size() && resource.compare(0, prefix.size(), prefix) == 0;
    };
    if (service == "iam" && resource == "root") {
      out->accounts.push_back(std::string(arn.part[4]));
    } else if ((service == "iam" && (has_name("user/") || has_name("role/"))) ||
               (service == "sts" && (has_name("assumed-role/") || has_name("federated-user/")))) {
      out->arns.push_back(id);
    } else {
      return invalid();
    }
    return OkStatus();
  }

  Status CompileConditions(const Json& value, const std::string& where, CompiledStatement* out) {
    if (!value.is_object()) {
      return Malformed("Syntax errors in policy. Condition must be an object." + where);
    }
    for (const auto& [op_name, block] : value.items()) {
      Condition proto;
      proto.operator_name = op_name;
      if (!ParseOperator(op_name, &proto)) {
        return Malformed("Invalid Condition type : " + op_name + where);
      }
      if (!block.is_object()) {
        return Malformed("Syntax errors in policy. Condition operator " + op_name +
                         " must map condition keys to values." + where);
      }
      for (const auto& [key, raw_values] : block.items()) {
        const size_t colon = key.find(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == key.size()) {
          return Malformed(
              "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc. "
              "(condition key " +
              Quoted(key) + " in " + where.substr(2));
        }
        std::vector<std::string> values;
        if (!ReadStringList(raw_values, true, &values)) {
          return Malformed("Syntax errors in policy. The values of condition key " + key +
                           " must be strings, numbers, booleans or an array of them." + where);
        }
        Condition c = proto;
        c.key = key;
        for (const std::string& v : values) c.values.push_back(CompileValue(c.family, v));
        out->conditions.push_back(std::move(c));
      }
    }
    return OkStatus();
  }

  ConditionValue CompileValue(OperatorFamily family, const std::string& v) {
    ConditionValue out;
    switch (family) {
      case OperatorFamily::kString:
      case OperatorFamily::kStringIgnoreCase:
        out.text = ValueTemplate::Compile(v, ValueTemplate::Mode::kLiteral, variables_);
        break;
      case OperatorFamily::kStringLike:
        out.text = ValueTemplate::Compile(v, ValueTemplate::Mode::kGlob, variables_);
        if (!out.text.has_variables()) out.glob = Glob(out.text.fixed());
        break;
      case OperatorFamily::kArn:
        out.text = ValueTemplate::Compile(v, ValueTemplate::Mode::kGlob, variables_);
        if (!out.text.has_variables()) out.arn = ArnGlob(out.text.fixed());
        break;
      case OperatorFamily::kBool:
        out.text = ValueTemplate::Compile(v, ValueTemplate::Mode::kLiteral, variables_);
        if (!out.text.has_variables()) out.boolean = internal::ParseBool(v);
        break;
      case OperatorFamily::kNull:
        out.boolean = internal::ParseBool(v);
        break;
      case OperatorFamily::kNumeric:
        out.number = internal::ParseNumber(v);
        break;
      case OperatorFamily::kDate:
        out.millis = internal::ParseDateMillis(v);
        break;
      case OperatorFamily::kBinary: {
        StatusOr<std::string> bytes = Base64Decode(v);
        if (bytes.ok()) out.bytes = std::move(bytes).value();
        break;
      }
      case OperatorFamily::kIpAddress:
        out.ip = internal::ParseCidr(v);
        break;
    }
    return out;
  }

  std::string_view text_;
  PolicyKind kind_;
  bool variables_ = false;
  internal::JsonOutline outline_;
};

StatusOr<std::shared_ptr<const Policy>> ParsePolicy(std::string_view json, PolicyKind kind) {
  PolicyCompiler compiler(json, kind);
  return compiler.Compile();
}

size_t PolicySizeWithoutWhitespace(std::string_view json) {
  size_t size = 0;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const auto c = static_cast<unsigned char>(json[i]);
    if ((c & 0xC0) == 0x80) continue;  // a UTF-8 continuation byte: counted with its lead
    if (in_string) {
      if (c == '\\' && i + 1 < json.size()) {
        ++size;  // the backslash; the escaped character is counted on the next turn
        ++i;
        if ((static_cast<unsigned char>(json[i]) & 0xC0) != 0x80) ++size;
        continue;
      }
      if (c == '"') in_string = false;
      ++size;
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    if (c == '"') in_string = true;
    ++size;
  }
  return size;
}

std::vector<std::string> ContextKeysUsed(const Policy& policy) {
  std::vector<std::string_view> all;
  for (const CompiledStatement& s : policy.compiled()) {
    for (const ResourcePattern& r : s.resources) r.text.AppendVariableKeys(&all);
    for (const Condition& c : s.conditions) {
      all.push_back(c.key);
      for (const ConditionValue& v : c.values) v.text.AppendVariableKeys(&all);
    }
  }
  std::vector<std::string> out;
  for (std::string_view key : all) {
    bool seen = false;
    for (const std::string& k : out) seen |= EqualsIgnoreCase(k, key);
    if (!seen) out.push_back(std::string(key));
  }
  return out;
}

}  // namespace sigil::policy
