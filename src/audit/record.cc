#include "audit/record.h"

#include <array>

#include "common/strings.h"
#include "common/time_format.h"

namespace sigil::audit {
namespace {

using protocol::Shape;
using protocol::ShapeType;
using protocol::Value;

// The calls whose response names new temporary credentials: kept although read-only by name.
bool IssuesCredentials(std::string_view service, std::string_view action) {
  if (service != "sts") return false;
  return action == "GetSessionToken" || action == "GetFederationToken" || action == "AssumeRole" ||
         action == "AssumeRoleWithSAML" || action == "AssumeRoleWithWebIdentity";
}

std::string LowerFirst(std::string_view name) {
  std::string out(name);
  if (!out.empty() && out[0] >= 'A' && out[0] <= 'Z')
    out[0] = static_cast<char>(out[0] - 'A' + 'a');
  return out;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

Record SessionAttributes(const auth::SessionClaims& session) {
  Record attributes = Record::object();
  attributes["creationDate"] = FormatIso8601(session.issued_at);
  attributes["mfaAuthenticated"] = session.mfa_authenticated ? "true" : "false";
  return attributes;
}

}  // namespace

std::string EventSource(std::string_view service) {
  if (service.empty()) return "unknown";
  return std::string(service) + ".amazonaws.com";
}

bool IsReadOnly(std::string_view service, std::string_view action) {
  for (std::string_view prefix : {"Get", "List", "Describe", "Lookup", "Simulate"}) {
    // "Get" must start a word: "GetUser", not "Getaway".
    if (StartsWith(action, prefix) && action.size() > prefix.size() &&
        action[prefix.size()] >= 'A' && action[prefix.size()] <= 'Z') {
      return true;
    }
  }
  return service == "sts" && action == "DecodeAuthorizationMessage";
}

bool IsSecretMember(std::string_view name) {
  static constexpr std::array<std::string_view, 14> kSecrets = {
      "SecretAccessKey",  "SessionToken",        "Base32StringSeed",    "QRCodePNG",
      "TokenCode",        "AuthenticationCode1", "AuthenticationCode2", "Password",
      "OldPassword",      "NewPassword",         "PrivateKey",          "SAMLAssertion",
      "WebIdentityToken", "ServicePassword"};
  for (std::string_view s : kSecrets) {
    if (EqualsIgnoreCase(name, s)) return true;
  }
  const std::string lower = AsciiLower(name);
  return EndsWith(lower, "password") || EndsWith(lower, "secret");
}

Record CloudTrailValue(const Value& value, const Shape* shape) {
  switch (value.type()) {
    case Value::value_t::object: {
      Record out = Record::object();
      if (shape != nullptr && shape->type == ShapeType::kMap) {
        for (auto it = value.begin(); it != value.end(); ++it) {
          out[it.key()] = CloudTrailValue(it.value(), shape->value.shape);
        }
        return out;
      }
      auto add = [&](const std::string& name, const Value& v, const Shape* member_shape) {
        const bool secret =
            IsSecretMember(name) || (member_shape != nullptr && member_shape->sensitive);
        out[LowerFirst(name)] = secret ? Record(kRedacted) : CloudTrailValue(v, member_shape);
      };
      const bool structure = shape != nullptr && shape->type == ShapeType::kStructure;
      // A structure's members in model order (the wire order), then anything the shape lacks.
      if (structure) {
        for (const protocol::Member& m : shape->members) {
          auto it = value.find(m.name);
          if (it != value.end()) add(m.name, *it, m.shape);
        }
      }
      for (auto it = value.begin(); it != value.end(); ++it) {
        if (!structure || shape->FindMember(it.key()) == nullptr)
          add(it.key(), it.value(), nullptr);
      }
      return out;
    }
    case Value::value_t::array: {
      Record out = Record::array();
      const Shape* element =
          shape != nullptr && shape->type == ShapeType::kList ? shape->member.shape : nullptr;
      for (const Value& v : value) out.push_back(CloudTrailValue(v, element));
      return out;
    }
    case Value::value_t::number_integer:
    case Value::value_t::number_unsigned:
      if (shape != nullptr && shape->type == ShapeType::kTimestamp) {
        return Record(FormatIso8601(TimePoint(std::chrono::milliseconds(value.get<int64_t>()))));
      }
      return Record(value);
    default:
      return Record(value);
  }
}

Record UserIdentity(const Principal& p, std::string_view session_issuer_arn) {
  Record id = Record::object();
  switch (p.type) {
    case PrincipalType::kRoot:
      id["type"] = "Root";
      break;
    case PrincipalType::kUser:
      id["type"] = "IAMUser";
      break;
    case PrincipalType::kAssumedRole:
      id["type"] = "AssumedRole";
      break;
    case PrincipalType::kFederatedUser:
      id["type"] = "FederatedUser";
      break;
  }
  id["principalId"] = p.principal_id;
  id["arn"] = p.arn;
  id["accountId"] = p.account_id;
  id["accessKeyId"] = p.access_key_id;
  if (p.type == PrincipalType::kUser) id["userName"] = p.user_name;
  if (!p.session) return id;

  Record context = Record::object();
  if (p.type == PrincipalType::kAssumedRole) {
    Record issuer = Record::object();
    issuer["type"] = "Role";
    issuer["principalId"] = p.role_id;
    issuer["arn"] = session_issuer_arn.empty() ? RoleArn(p.account_id, "/", p.role_name)
                                               : std::string(session_issuer_arn);
    issuer["accountId"] = p.account_id;
    issuer["userName"] = p.role_name;
    context["sessionIssuer"] = std::move(issuer);
  } else if (p.type == PrincipalType::kFederatedUser) {
    // The user (or root) whose credentials called GetFederationToken.
    Record issuer = Record::object();
    const bool by_root = p.user_name.empty();
    issuer["type"] = by_root ? "Root" : "IAMUser";
    issuer["principalId"] = by_root ? p.account_id : p.user_id;
    issuer["arn"] = !session_issuer_arn.empty() ? std::string(session_issuer_arn)
                    : by_root                   ? RootArn(p.account_id)
                                                : UserArn(p.account_id, "/", p.user_name);
    issuer["accountId"] = p.account_id;
    if (!by_root) issuer["userName"] = p.user_name;
    context["sessionIssuer"] = std::move(issuer);
  }
  context["attributes"] = SessionAttributes(*p.session);
  if (!p.session->source_identity.empty()) context["sourceIdentity"] = p.session->source_identity;
  id["sessionContext"] = std::move(context);
  return id;
}

Record BuildRecord(const RecordInput& in) {
  Record r = Record::object();
  r["eventVersion"] = kEventVersion;

  std::string recipient;
  if (in.principal != nullptr) {
    r["userIdentity"] = UserIdentity(*in.principal, in.session_issuer_arn);
    recipient = in.principal->account_id;
  } else {
    // Not authenticated: only what the request claimed, and whose key that is if it exists.
    Record id = Record::object();
    id["type"] = "Unknown";
    if (const Principal* owner = in.claimed_key_owner; owner != nullptr) {
      id["principalId"] = owner->principal_id;
      id["arn"] = owner->arn;
      id["accountId"] = owner->account_id;
      if (owner->type == PrincipalType::kUser) id["userName"] = owner->user_name;
      recipient = owner->account_id;
    }
    if (!in.claimed_access_key_id.empty()) id["accessKeyId"] = in.claimed_access_key_id;
    r["userIdentity"] = std::move(id);
  }

  r["eventTime"] = FormatIso8601(in.event_time);
  r["eventSource"] = EventSource(in.service);
  r["eventName"] = in.action;
  r["awsRegion"] = in.region.empty() ? std::string_view("us-east-1") : in.region;
  r["sourceIPAddress"] = in.source_ip;
  r["userAgent"] = in.user_agent;
  const bool failed = !in.error_code.empty();
  if (failed) {
    r["errorCode"] = in.error_code;
    r["errorMessage"] = in.error_message;
  }

  const bool read_only = IsReadOnly(in.service, in.action);
  if (in.input != nullptr && !in.input->empty()) {
    r["requestParameters"] = CloudTrailValue(*in.input, in.input_shape);
  } else {
    r["requestParameters"] = nullptr;
  }
  const bool keep_response = !failed && in.output != nullptr && !in.output->empty() &&
                             (!read_only || IssuesCredentials(in.service, in.action));
  if (keep_response) {
    r["responseElements"] = CloudTrailValue(*in.output, in.output_shape);
  } else {
    r["responseElements"] = nullptr;
  }

  r["requestID"] = in.request_id;
  r["eventID"] = in.event_id;
  r["readOnly"] = read_only;
  r["eventType"] = "AwsApiCall";
  r["managementEvent"] = true;
  if (!recipient.empty()) r["recipientAccountId"] = recipient;
  r["eventCategory"] = "Management";
  if (in.tls) {
    Record tls = Record::object();
    if (!in.tls->tls_version.empty()) tls["tlsVersion"] = in.tls->tls_version;
    if (!in.tls->cipher_suite.empty()) tls["cipherSuite"] = in.tls->cipher_suite;
    tls["clientProvidedHostHeader"] = in.tls->host_header;
    r["tlsDetails"] = std::move(tls);
  }
  return r;
}

}  // namespace sigil::audit
