#include "client/aws_api.h"

#include <chrono>
#include <thread>

#include "common/crypto.h"
#include "common/time_format.h"

namespace sigil::client {
namespace {

std::vector<QueryParam> WithUser(const std::string& user, std::vector<QueryParam> params = {}) {
  if (!user.empty()) params.push_back({"UserName", user});
  return params;
}

void AddMfa(const MfaInput& mfa, std::vector<QueryParam>& params) {
  if (mfa.serial_number.empty()) return;
  params.push_back({"SerialNumber", mfa.serial_number});
  params.push_back({"TokenCode", mfa.token_code});
}

StatusOr<Credentials> CredentialsFrom(const pugi::xml_document& doc, std::string_view action,
                                      std::string source) {
  Credentials out;
  out.access_key_id = ResultText(doc, action, "Credentials/AccessKeyId");
  out.secret_access_key = ResultText(doc, action, "Credentials/SecretAccessKey");
  out.session_token = ResultText(doc, action, "Credentials/SessionToken");
  out.expiration = ParseIso8601(ResultText(doc, action, "Credentials/Expiration"));
  out.source = std::move(source);
  if (out.access_key_id.empty() || out.secret_access_key.empty() || out.session_token.empty() ||
      !out.expiration) {
    return InternalError(std::string(action) + " answered without complete credentials");
  }
  return out;
}

}  // namespace

std::string CallerIdentity::UserName() const {
  size_t pos = arn.find(":user/");
  if (pos == std::string::npos) return "";
  std::string path_and_name = arn.substr(pos + 6);
  return path_and_name.substr(path_and_name.rfind('/') + 1);
}

StatusOr<CallerIdentity> GetCallerIdentity(const AwsApi& api, const Credentials& c) {
  SIGIL_ASSIGN_OR_RETURN(auto doc, api.client.Call(api.sts, c, "GetCallerIdentity", {}));
  return CallerIdentity{ResultText(*doc, "GetCallerIdentity", "Account"),
                        ResultText(*doc, "GetCallerIdentity", "Arn"),
                        ResultText(*doc, "GetCallerIdentity", "UserId")};
}

StatusOr<Credentials> GetSessionToken(const AwsApi& api, const Credentials& c, int duration_seconds,
                                      const MfaInput& mfa) {
  std::vector<QueryParam> params;
  if (duration_seconds > 0) params.push_back({"DurationSeconds", std::to_string(duration_seconds)});
  AddMfa(mfa, params);
  SIGIL_ASSIGN_OR_RETURN(auto doc, api.client.Call(api.sts, c, "GetSessionToken", params));
  SIGIL_ASSIGN_OR_RETURN(Credentials out,
                         CredentialsFrom(*doc, "GetSessionToken", "sts:GetSessionToken"));
  out.mfa = !mfa.serial_number.empty();
  return out;
}

StatusOr<Credentials> AssumeRole(const AwsApi& api, const Credentials& c,
                                 const AssumeRoleInput& input) {
  std::vector<QueryParam> params{{"RoleArn", input.role_arn},
                                 {"RoleSessionName", input.session_name}};
  if (input.duration_seconds > 0) {
    params.push_back({"DurationSeconds", std::to_string(input.duration_seconds)});
  }
  if (!input.external_id.empty()) params.push_back({"ExternalId", input.external_id});
  AddMfa(input.mfa, params);
  for (size_t i = 0; i < input.tags.size(); ++i) {
    const std::string prefix = "Tags.member." + std::to_string(i + 1);
    params.push_back({prefix + ".Key", input.tags[i].first});
    params.push_back({prefix + ".Value", input.tags[i].second});
  }
  SIGIL_ASSIGN_OR_RETURN(auto doc, api.client.Call(api.sts, c, "AssumeRole", params));
  SIGIL_ASSIGN_OR_RETURN(Credentials out, CredentialsFrom(*doc, "AssumeRole", "sts:AssumeRole"));
  out.mfa = !input.mfa.serial_number.empty() || c.mfa;
  return out;
}

StatusOr<std::vector<AccessKeyInfo>> ListAccessKeys(const AwsApi& api, const Credentials& c,
                                                    const std::string& user) {
  SIGIL_ASSIGN_OR_RETURN(auto doc, api.client.Call(api.iam, c, "ListAccessKeys", WithUser(user)));
  std::vector<AccessKeyInfo> out;
  for (pugi::xml_node m :
       ResultNode(*doc, "ListAccessKeys").child("AccessKeyMetadata").children("member")) {
    out.push_back({m.child_value("AccessKeyId"), m.child_value("Status"),
                   m.child_value("CreateDate"), m.child_value("UserName")});
  }
  return out;
}

StatusOr<Credentials> CreateAccessKey(const AwsApi& api, const Credentials& c,
                                      const std::string& user) {
  SIGIL_ASSIGN_OR_RETURN(auto doc, api.client.Call(api.iam, c, "CreateAccessKey", WithUser(user)));
  Credentials out;
  out.access_key_id = ResultText(*doc, "CreateAccessKey", "AccessKey/AccessKeyId");
  out.secret_access_key = ResultText(*doc, "CreateAccessKey", "AccessKey/SecretAccessKey");
  out.source = "iam:CreateAccessKey";
  if (out.access_key_id.empty() || out.secret_access_key.empty()) {
    return InternalError("CreateAccessKey answered without a key");
  }
  return out;
}

Status UpdateAccessKey(const AwsApi& api, const Credentials& c, const std::string& user,
                       const std::string& key_id, const std::string& status) {
  return api.client
      .Call(api.iam, c, "UpdateAccessKey",
            WithUser(user, {{"AccessKeyId", key_id}, {"Status", status}}))
      .status();
}

Status DeleteAccessKey(const AwsApi& api, const Credentials& c, const std::string& user,
                       const std::string& key_id) {
  return api.client.Call(api.iam, c, "DeleteAccessKey", WithUser(user, {{"AccessKeyId", key_id}}))
      .status();
}

StatusOr<std::string> GetAccessKeyLastUsed(const AwsApi& api, const Credentials& c,
                                           const std::string& key_id) {
  SIGIL_ASSIGN_OR_RETURN(
      auto doc, api.client.Call(api.iam, c, "GetAccessKeyLastUsed", {{"AccessKeyId", key_id}}));
  return ResultText(*doc, "GetAccessKeyLastUsed", "AccessKeyLastUsed/LastUsedDate");
}

StatusOr<std::vector<std::string>> ListMfaDevices(const AwsApi& api, const Credentials& c,
                                                  const std::string& user) {
  SIGIL_ASSIGN_OR_RETURN(auto doc, api.client.Call(api.iam, c, "ListMFADevices", WithUser(user)));
  std::vector<std::string> out;
  for (pugi::xml_node m :
       ResultNode(*doc, "ListMFADevices").child("MFADevices").children("member")) {
    out.push_back(m.child_value("SerialNumber"));
  }
  return out;
}

StatusOr<VirtualMfaDevice> CreateVirtualMfaDevice(const AwsApi& api, const Credentials& c,
                                                  const std::string& name) {
  SIGIL_ASSIGN_OR_RETURN(auto doc, api.client.Call(api.iam, c, "CreateVirtualMFADevice",
                                                   {{"VirtualMFADeviceName", name}}));
  VirtualMfaDevice out;
  out.serial_number = ResultText(*doc, "CreateVirtualMFADevice", "VirtualMFADevice/SerialNumber");
  // A blob in the model: the base32 seed arrives base64-encoded.
  std::string encoded =
      ResultText(*doc, "CreateVirtualMFADevice", "VirtualMFADevice/Base32StringSeed");
  SIGIL_ASSIGN_OR_RETURN(out.base32_seed, Base64Decode(encoded));
  SecureWipe(encoded);
  if (out.serial_number.empty() || out.base32_seed.empty()) {
    return InternalError("CreateVirtualMFADevice answered without a serial number or seed");
  }
  return out;
}

Status EnableMfaDevice(const AwsApi& api, const Credentials& c, const std::string& user,
                       const std::string& serial, const std::string& code1,
                       const std::string& code2) {
  return api.client
      .Call(api.iam, c, "EnableMFADevice",
            WithUser(user, {{"SerialNumber", serial},
                            {"AuthenticationCode1", code1},
                            {"AuthenticationCode2", code2}}))
      .status();
}

Status DeleteVirtualMfaDevice(const AwsApi& api, const Credentials& c, const std::string& serial) {
  return api.client.Call(api.iam, c, "DeleteVirtualMFADevice", {{"SerialNumber", serial}}).status();
}

StatusOr<std::string> FetchCredentialReport(const AwsApi& api, const Credentials& c) {
  for (int attempt = 0; attempt < 10; ++attempt) {
    SIGIL_ASSIGN_OR_RETURN(auto doc, api.client.Call(api.iam, c, "GenerateCredentialReport", {}));
    if (ResultText(*doc, "GenerateCredentialReport", "State") == "COMPLETE") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  SIGIL_ASSIGN_OR_RETURN(auto doc, api.client.Call(api.iam, c, "GetCredentialReport", {}));
  SIGIL_ASSIGN_OR_RETURN(std::string csv,
                         Base64Decode(ResultText(*doc, "GetCredentialReport", "Content")));
  return csv;
}

}  // namespace sigil::client
