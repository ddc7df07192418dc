#include "sts/sts_service.h"

#include <optional>

#include "auth/totp.h"
#include "common/strings.h"
#include "policy/document.h"
#include "sts/session_rules.h"

namespace sigil::sts {
namespace {

using api::AuthzRequest;
using api::CallContext;
using protocol::Value;

constexpr std::string_view kAllowsNothingTrust =
    R"({"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","NotAction":"*"}]})";

int64_t MillisOf(TimePoint t) { return t.time_since_epoch().count(); }

std::optional<int64_t> OptInt(const Value& in, const char* name) {
  if (!in.contains(name)) return std::nullopt;
  return in[name].get<int64_t>();
}
std::string OptString(const Value& in, const char* name) {
  return in.contains(name) ? in[name].get<std::string>() : std::string();
}

Status MfaFailed() {
  return AwsError(StatusCode::kPermissionDenied, "AccessDenied",
                  "MultiFactorAuthentication failed with invalid MFA one time pass code. ");
}

std::vector<auth::SessionTag> TagsOf(const Value& in) {
  std::vector<auth::SessionTag> tags;
  if (!in.contains("Tags")) return tags;
  for (const Value& t : in["Tags"]) {
    tags.push_back({t["Key"].get<std::string>(), t["Value"].get<std::string>()});
  }
  return tags;
}

std::vector<std::string> StringsOf(const Value& in, const char* name) {
  std::vector<std::string> out;
  if (!in.contains(name)) return out;
  for (const Value& v : in[name]) out.push_back(v.get<std::string>());
  return out;
}

std::vector<std::string> PolicyArnsOf(const Value& in) {
  std::vector<std::string> out;
  if (!in.contains("PolicyArns")) return out;
  for (const Value& v : in["PolicyArns"]) out.push_back(v["arn"].get<std::string>());
  return out;
}

// aws:RequestTag/KEY and aws:TagKeys for a call that sets session tags, plus sts:TagSession.
void AddSessionTagKeys(const Value& in, AuthzRequest* req) {
  if (!in.contains("Tags")) return;
  std::vector<std::string> keys;
  for (const Value& t : in["Tags"]) {
    std::string key = t["Key"].get<std::string>();
    req->condition_keys["aws:RequestTag/" + key] = {t["Value"].get<std::string>()};
    keys.push_back(std::move(key));
  }
  req->condition_keys["aws:TagKeys"] = keys;
  req->also_actions.push_back("sts:TagSession");
}

// A role named by ARN, "arn:aws:iam::ACCOUNT:role/PATH/NAME", and its account.
struct RoleRef {
  std::string account_id;
  const Role* role = nullptr;  // null when no such role
};

std::optional<RoleRef> ParseRoleArn(const IdentitySnapshot& snapshot, std::string_view arn) {
  constexpr std::string_view kPrefix = "arn:aws:iam::";
  if (!StartsWith(arn, kPrefix)) return std::nullopt;
  std::string_view rest = arn.substr(kPrefix.size());
  size_t colon = rest.find(':');
  if (colon != 12) return std::nullopt;
  RoleRef ref;
  ref.account_id = std::string(rest.substr(0, colon));
  std::string_view resource = rest.substr(colon + 1);
  if (!StartsWith(resource, "role/")) return std::nullopt;
  size_t slash = resource.rfind('/');
  std::string_view name = resource.substr(slash + 1);
  std::string_view path = resource.substr(4, slash - 4 + 1);
  const Role* role = snapshot.FindRole(ref.account_id, name);
  if (role != nullptr && role->path == path) ref.role = role;
  return ref;
}

Status InvalidRoleArn(std::string_view arn) {
  return AwsError(StatusCode::kInvalidArgument, "ValidationError",
                  std::string(arn) + " is invalid");
}

// The caller's own MFA device check, shared by GetSessionToken and AssumeRole. The device must
// belong to the caller: an IAM user's, or the root user's (its user_id is the account id).
Status VerifyCallerMfa(IdentityService& identity, const CallContext& ctx, const Value& in) {
  const std::string serial = OptString(in, "SerialNumber");
  const std::string code = OptString(in, "TokenCode");
  if (serial.empty() && code.empty()) return OkStatus();
  if (serial.empty() || code.empty()) return MfaFailed();
  const Principal& p = ctx.principal;
  std::string owner;
  if (p.type == PrincipalType::kUser) owner = p.user_id;
  if (p.type == PrincipalType::kRoot) owner = p.account_id;
  if (owner.empty()) return MfaFailed();
  Status verified = identity.VerifyMfaCode(p.account_id, owner, serial, code, ctx.now);
  if (verified.code() == StatusCode::kPermissionDenied) return MfaFailed();
  return verified;
}

// Whether an MFA code would pass, without consuming it: the trust policy sees
// aws:MultiFactorAuthPresent before the handler spends the code.
bool MfaCodeLooksValid(const CallContext& ctx, const Value& in) {
  const std::string serial = OptString(in, "SerialNumber");
  const std::string code = OptString(in, "TokenCode");
  if (serial.empty() || code.empty()) return false;
  const MfaDevice* device = ctx.snapshot.FindMfaDevice(serial);
  if (device == nullptr || device->account_id != ctx.principal.account_id) return false;
  const std::string& owner =
      ctx.principal.type == PrincipalType::kRoot ? ctx.principal.account_id : ctx.principal.user_id;
  if (owner.empty() || device->user_id != owner) return false;
  return auth::MatchTotp(ctx.snapshot.MfaSeed(serial), code, ctx.now, 1, device->last_accepted_step)
      .has_value();
}

struct Issued {
  std::string token;
  std::string secret;
};

StatusOr<Issued> Issue(const StsDeps& deps, auth::SessionClaims claims) {
  Issued out;
  out.secret = NewSecretAccessKey(deps.random);
  claims.secret_access_key = out.secret;
  auto token = deps.sealer.Seal(claims, deps.random);
  SecureWipe(claims.secret_access_key);
  if (!token.ok()) {
    if (token.status().code() == StatusCode::kInvalidArgument) {
      return AwsError(StatusCode::kInvalidArgument, "PackedPolicyTooLarge",
                      "The session's policies and tags are too large to carry in a token.");
    }
    return token.status();
  }
  out.token = std::move(token).value();
  return out;
}

Value CredentialsValue(const auth::SessionClaims& claims, const Issued& issued) {
  return Value{{"AccessKeyId", claims.access_key_id},
               {"SecretAccessKey", issued.secret},
               {"SessionToken", issued.token},
               {"Expiration", MillisOf(claims.expiration)}};
}

// Session policies of a request: the inline document (validated as a session policy) and the
// managed ARNs, and the packed size they and the tags take.
struct SessionPolicyInput {
  std::vector<std::string> documents;
  std::vector<std::string> arns;
  std::optional<int> packed_percent;  // set when the request has policies or tags
};

StatusOr<SessionPolicyInput> SessionPoliciesOf(const StsDeps& deps, const Value& in,
                                               const std::vector<auth::SessionTag>& tags) {
  SessionPolicyInput out;
  size_t policy_bytes = 0;
  if (in.contains("Policy")) {
    std::string document = in["Policy"].get<std::string>();
    SIGIL_RETURN_IF_ERROR(deps.policies.Parse(document).status());
    policy_bytes = policy::PolicySizeWithoutWhitespace(document);
    out.documents.push_back(std::move(document));
  }
  out.arns = PolicyArnsOf(in);
  for (const std::string& arn : out.arns) {
    if (!StartsWith(arn, "arn:aws:iam::") || arn.find(":policy/") == std::string::npos) {
      return AwsError(StatusCode::kInvalidArgument, "ValidationError",
                      "The policy ARN " + arn + " is invalid.");
    }
  }
  if (in.contains("Policy") || !out.arns.empty() || !tags.empty()) {
    SIGIL_ASSIGN_OR_RETURN(int percent, PackedPolicyPercent(policy_bytes, out.arns, tags));
    out.packed_percent = percent;
  }
  return out;
}

// ---- GetSessionToken ------------------------------------------------------------------------

StatusOr<Value> GetSessionToken(const StsDeps& deps, const CallContext& ctx, const Value& in) {
  const Principal& p = ctx.principal;
  SIGIL_RETURN_IF_ERROR(VerifyCallerMfa(deps.identity, ctx, in));
  const bool mfa = in.contains("SerialNumber");
  auth::SessionClaims claims;
  claims.access_key_id = NewTemporaryAccessKeyId(p.account_id, deps.random);
  claims.account_id = p.account_id;
  claims.kind = p.type == PrincipalType::kRoot ? auth::SessionPrincipalKind::kRoot
                                               : auth::SessionPrincipalKind::kUser;
  claims.principal_arn = p.arn;
  claims.principal_id = p.principal_id;
  claims.entity_id = p.user_id;
  claims.entity_name = p.user_name;
  claims.mfa_authenticated = mfa;
  if (mfa) claims.mfa_auth_time = ctx.now;
  claims.issued_at = ctx.now;
  claims.expiration = ctx.now + std::chrono::seconds(SessionTokenDuration(
                                    OptInt(in, "DurationSeconds"), p.type == PrincipalType::kRoot));
  SIGIL_ASSIGN_OR_RETURN(Issued issued, Issue(deps, claims));
  return Value{{"Credentials", CredentialsValue(claims, issued)}};
}

// ---- AssumeRole -----------------------------------------------------------------------------

AuthzRequest DescribeAssumeRole(const StsDeps& deps, const CallContext& ctx, const Value& in) {
  const std::string arn = in["RoleArn"].get<std::string>();
  AuthzRequest req{"sts:AssumeRole", arn, {}};
  std::optional<RoleRef> ref = ParseRoleArn(ctx.snapshot, arn);
  std::shared_ptr<const policy::Policy> trust;
  if (ref && ref->role != nullptr) {
    req.resource_account = ref->account_id;
    auto parsed = deps.policies.Parse(ref->role->assume_role_policy, policy::PolicyKind::kTrust);
    if (parsed.ok()) trust = *parsed;
  } else if (ref) {
    req.resource_account = ref->account_id;
  }
  if (trust == nullptr) {
    // No such role (or an unreadable trust policy): denied like a role that trusts no one, so
    // the answer does not reveal whether the role exists.
    auto nothing = deps.policies.Parse(kAllowsNothingTrust, policy::PolicyKind::kTrust);
    if (nothing.ok()) trust = *nothing;
  }
  req.resource_policy = trust;
  req.resource_policy_label = "trust policy of " + arn;
  req.condition_keys["sts:RoleSessionName"] = {in["RoleSessionName"].get<std::string>()};
  if (in.contains("ExternalId"))
    req.condition_keys["sts:ExternalId"] = {OptString(in, "ExternalId")};
  std::string source_identity = OptString(in, "SourceIdentity");
  if (source_identity.empty() && ctx.principal.session) {
    source_identity = ctx.principal.session->source_identity;
  }
  if (!source_identity.empty()) req.condition_keys["sts:SourceIdentity"] = {source_identity};
  if (in.contains("SourceIdentity")) req.also_actions.push_back("sts:SetSourceIdentity");
  AddSessionTagKeys(in, &req);
  if (in.contains("TransitiveTagKeys")) {
    req.condition_keys["sts:TransitiveTagKeys"] = StringsOf(in, "TransitiveTagKeys");
  }
  if (MfaCodeLooksValid(ctx, in)) {
    req.condition_keys["aws:MultiFactorAuthPresent"] = {"true"};
    req.condition_keys["aws:MultiFactorAuthAge"] = {"0"};
  }
  return req;
}

StatusOr<Value> AssumeRole(const StsDeps& deps, const CallContext& ctx, const Value& in) {
  const Principal& p = ctx.principal;
  const std::string arn = in["RoleArn"].get<std::string>();
  std::optional<RoleRef> ref = ParseRoleArn(ctx.snapshot, arn);
  if (!ref) return InvalidRoleArn(arn);
  if (ref->role == nullptr) {
    // Authorization already refused a missing role; this is a race with DeleteRole.
    return AwsError(StatusCode::kPermissionDenied, "AccessDenied",
                    "User: " + p.arn +
                        " is not authorized to perform: sts:AssumeRole on "
                        "resource: " +
                        arn);
  }
  const Role& role = *ref->role;
  const bool chaining = p.type == PrincipalType::kAssumedRole;
  SIGIL_ASSIGN_OR_RETURN(int64_t duration, AssumeRoleDuration(OptInt(in, "DurationSeconds"),
                                                              role.max_session_duration, chaining));

  const auth::SessionClaims* caller = p.session ? &*p.session : nullptr;
  SIGIL_ASSIGN_OR_RETURN(SessionTagSet tags,
                         SessionTagsFor(caller, TagsOf(in), StringsOf(in, "TransitiveTagKeys")));
  SIGIL_ASSIGN_OR_RETURN(SessionPolicyInput policies, SessionPoliciesOf(deps, in, tags.tags));

  // A source identity, once set, stays with every session chained from it.
  std::string source_identity = caller != nullptr ? caller->source_identity : "";
  if (in.contains("SourceIdentity")) {
    std::string requested = in["SourceIdentity"].get<std::string>();
    if (!source_identity.empty() && requested != source_identity) {
      return AwsError(StatusCode::kPermissionDenied, "AccessDenied",
                      "The source identity of a role session cannot be changed.");
    }
    source_identity = std::move(requested);
  }

  SIGIL_RETURN_IF_ERROR(VerifyCallerMfa(deps.identity, ctx, in));
  const bool mfa = in.contains("SerialNumber");

  const std::string session_name = in["RoleSessionName"].get<std::string>();
  auth::SessionClaims claims;
  claims.access_key_id = NewTemporaryAccessKeyId(role.account_id, deps.random);
  claims.account_id = role.account_id;
  claims.kind = auth::SessionPrincipalKind::kAssumedRole;
  claims.principal_arn = AssumedRoleArn(role.account_id, role.name, session_name);
  claims.principal_id = role.role_id + ":" + session_name;
  claims.entity_id = role.role_id;
  claims.entity_name = role.name;
  claims.session_name = session_name;
  claims.source_identity = source_identity;
  claims.tags = std::move(tags.tags);
  claims.transitive_tag_keys = std::move(tags.transitive_keys);
  claims.session_policies = std::move(policies.documents);
  claims.session_policy_arns = std::move(policies.arns);
  claims.mfa_authenticated = mfa;
  if (mfa) claims.mfa_auth_time = ctx.now;
  claims.role_chained = chaining;
  claims.issued_at = ctx.now;
  claims.expiration = ctx.now + std::chrono::seconds(duration);
  SIGIL_ASSIGN_OR_RETURN(Issued issued, Issue(deps, claims));

  Value out{
      {"Credentials", CredentialsValue(claims, issued)},
      {"AssumedRoleUser", {{"AssumedRoleId", claims.principal_id}, {"Arn", claims.principal_arn}}}};
  if (policies.packed_percent) out["PackedPolicySize"] = *policies.packed_percent;
  if (!source_identity.empty()) out["SourceIdentity"] = source_identity;
  return out;
}

// ---- GetFederationToken ---------------------------------------------------------------------

StatusOr<Value> GetFederationToken(const StsDeps& deps, const CallContext& ctx, const Value& in) {
  const Principal& p = ctx.principal;
  const std::string name = in["Name"].get<std::string>();
  std::vector<auth::SessionTag> tags = TagsOf(in);
  SIGIL_ASSIGN_OR_RETURN(SessionTagSet tag_set, SessionTagsFor(nullptr, tags, {}));
  SIGIL_ASSIGN_OR_RETURN(SessionPolicyInput policies, SessionPoliciesOf(deps, in, tag_set.tags));

  auth::SessionClaims claims;
  claims.access_key_id = NewTemporaryAccessKeyId(p.account_id, deps.random);
  claims.account_id = p.account_id;
  claims.kind = auth::SessionPrincipalKind::kFederatedUser;
  claims.principal_arn = FederatedUserArn(p.account_id, name);
  claims.principal_id = p.account_id + ":" + name;
  claims.entity_id = p.user_id;
  claims.entity_name = p.user_name;
  claims.session_name = name;
  claims.tags = std::move(tag_set.tags);
  claims.session_policies = std::move(policies.documents);
  claims.session_policy_arns = std::move(policies.arns);
  claims.issued_at = ctx.now;
  claims.expiration = ctx.now + std::chrono::seconds(SessionTokenDuration(
                                    OptInt(in, "DurationSeconds"), p.type == PrincipalType::kRoot));
  SIGIL_ASSIGN_OR_RETURN(Issued issued, Issue(deps, claims));
  Value out{
      {"Credentials", CredentialsValue(claims, issued)},
      {"FederatedUser", {{"FederatedUserId", claims.principal_id}, {"Arn", claims.principal_arn}}}};
  if (policies.packed_percent) out["PackedPolicySize"] = *policies.packed_percent;
  return out;
}

// ---- GetAccessKeyInfo, DecodeAuthorizationMessage -------------------------------------------

StatusOr<Value> GetAccessKeyInfo(const CallContext& ctx, const Value& in) {
  const std::string id = in["AccessKeyId"].get<std::string>();
  if (auto account = AccountOfTemporaryKeyId(id)) return Value{{"Account", *account}};
  if (const KeyEntry* key = ctx.snapshot.FindKey(id))
    return Value{{"Account", key->key.account_id}};
  return AwsError(StatusCode::kInvalidArgument, "InvalidParameterValue",
                  "The access key ID " + id + " is not known to this deployment.");
}

StatusOr<Value> DecodeAuthorizationMessage(const StsDeps& deps, const Value& in) {
  auto decoded = deps.sealer.OpenMessage(kAuthorizationMessagePurpose,
                                         in["EncodedMessage"].get<std::string>());
  if (!decoded) {
    return AwsError(StatusCode::kInvalidArgument, "InvalidAuthorizationMessageException",
                    "The message is not a valid encoded authorization message.");
  }
  return Value{{"DecodedMessage", *decoded}};
}

}  // namespace

std::unique_ptr<api::QueryService> MakeStsService(const StsDeps& deps) {
  auto svc = std::make_unique<api::QueryService>("sts", protocol::StsModel());
  // GetCallerIdentity and GetSessionToken need no permission: AWS answers them for every
  // authenticated principal, even under an explicit deny.
  svc->Register(
      "GetCallerIdentity",
      [](const CallContext&, const Value&) {
        AuthzRequest req{"sts:GetCallerIdentity", "*", {}};
        req.exempt = true;
        return req;
      },
      [](const CallContext& ctx, const Value&) -> StatusOr<Value> {
        return Value{{"UserId", ctx.principal.principal_id},
                     {"Account", ctx.principal.account_id},
                     {"Arn", ctx.principal.arn}};
      });
  svc->Register(
      "GetSessionToken",
      [](const CallContext&, const Value&) {
        AuthzRequest req{"sts:GetSessionToken", "*", {}};
        req.exempt = true;
        return req;
      },
      [deps](const CallContext& ctx, const Value& in) { return GetSessionToken(deps, ctx, in); });
  svc->Register(
      "AssumeRole",
      [deps](const CallContext& ctx, const Value& in) { return DescribeAssumeRole(deps, ctx, in); },
      [deps](const CallContext& ctx, const Value& in) { return AssumeRole(deps, ctx, in); });
  svc->Register(
      "GetFederationToken",
      [](const CallContext& ctx, const Value& in) {
        AuthzRequest req{"sts:GetFederationToken",
                         FederatedUserArn(ctx.principal.account_id, in["Name"].get<std::string>()),
                         {}};
        AddSessionTagKeys(in, &req);
        return req;
      },
      [deps](const CallContext& ctx, const Value& in) {
        return GetFederationToken(deps, ctx, in);
      });
  svc->Register(
      "GetAccessKeyInfo",
      [](const CallContext&, const Value&) {
        return AuthzRequest{"sts:GetAccessKeyInfo", "*", {}};
      },
      [](const CallContext& ctx, const Value& in) { return GetAccessKeyInfo(ctx, in); });
  svc->Register(
      "DecodeAuthorizationMessage",
      [](const CallContext&, const Value&) {
        return AuthzRequest{"sts:DecodeAuthorizationMessage", "*", {}};
      },
      [deps](const CallContext&, const Value& in) { return DecodeAuthorizationMessage(deps, in); });
  return svc;
}

}  // namespace sigil::sts
