// The STS and IAM operations the client commands use, as typed functions over QueryClient.
// Each states the AWS operation it calls; errors are QueryClient's. Thread-compatible.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "client/credentials.h"
#include "client/endpoints.h"
#include "client/query_client.h"
#include "common/status.h"

namespace sigil::client {

// Where and how to call: one endpoint per service, resolved once per command.
struct AwsApi {
  QueryClient& client;
  ResolvedEndpoint sts;
  ResolvedEndpoint iam;
};

struct CallerIdentity {
  std::string account;
  std::string arn;
  std::string user_id;
  bool IsRoot() const { return arn.size() > 5 && arn.ends_with(":root"); }
  // The user name of an IAM user ARN ("arn:aws:iam::1:user/path/alice" -> "alice"); empty
  // for anything else.
  std::string UserName() const;
};

StatusOr<CallerIdentity> GetCallerIdentity(const AwsApi& api, const Credentials& c);

struct MfaInput {
  std::string serial_number;  // empty: no MFA
  std::string token_code;
};

// sts:GetSessionToken. `duration_seconds` 0 leaves it to the service.
StatusOr<Credentials> GetSessionToken(const AwsApi& api, const Credentials& c, int duration_seconds,
                                      const MfaInput& mfa);

struct AssumeRoleInput {
  std::string role_arn;
  std::string session_name;
  std::string external_id;
  int duration_seconds = 0;
  MfaInput mfa;
  std::vector<std::pair<std::string, std::string>> tags;
};
// sts:AssumeRole.
StatusOr<Credentials> AssumeRole(const AwsApi& api, const Credentials& c,
                                 const AssumeRoleInput& input);

struct AccessKeyInfo {
  std::string access_key_id;
  std::string status;  // "Active" | "Inactive"
  std::string create_date;
  std::string user_name;
};
// iam:ListAccessKeys (of `user`, or the caller's own when empty).
StatusOr<std::vector<AccessKeyInfo>> ListAccessKeys(const AwsApi& api, const Credentials& c,
                                                    const std::string& user);
// iam:CreateAccessKey; the new secret is in the returned Credentials.
StatusOr<Credentials> CreateAccessKey(const AwsApi& api, const Credentials& c,
                                      const std::string& user);
// iam:UpdateAccessKey to "Active" or "Inactive".
Status UpdateAccessKey(const AwsApi& api, const Credentials& c, const std::string& user,
                       const std::string& key_id, const std::string& status);
// iam:DeleteAccessKey.
Status DeleteAccessKey(const AwsApi& api, const Credentials& c, const std::string& user,
                       const std::string& key_id);
// iam:GetAccessKeyLastUsed: the LastUsedDate, empty when never used.
StatusOr<std::string> GetAccessKeyLastUsed(const AwsApi& api, const Credentials& c,
                                           const std::string& key_id);
// iam:ListMFADevices: the serial numbers of the user's (or the caller's) devices.
StatusOr<std::vector<std::string>> ListMfaDevices(const AwsApi& api, const Credentials& c,
                                                  const std::string& user);

struct VirtualMfaDevice {
  std::string serial_number;
  std::string base32_seed;
};
// iam:CreateVirtualMFADevice.
StatusOr<VirtualMfaDevice> CreateVirtualMfaDevice(const AwsApi& api, const Credentials& c,
                                                  const std::string& name);
// iam:EnableMFADevice with two consecutive codes.
Status EnableMfaDevice(const AwsApi& api, const Credentials& c, const std::string& user,
                       const std::string& serial, const std::string& code1,
                       const std::string& code2);
// iam:DeleteVirtualMFADevice (cleanup after a failed enrollment).
Status DeleteVirtualMfaDevice(const AwsApi& api, const Credentials& c, const std::string& serial);
// iam:GenerateCredentialReport until COMPLETE (a few polls), then iam:GetCredentialReport: the
// CSV text.
StatusOr<std::string> FetchCredentialReport(const AwsApi& api, const Credentials& c);

}  // namespace sigil::client
