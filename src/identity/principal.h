// Who made a request, once its signature has verified: the authenticated principal handed to
// authorization and to the handlers. Long-term access keys authenticate as the root user or an
// IAM user; STS session tokens as a user or root session (GetSessionToken), a role session
// (AssumeRole) or a federated user (GetFederationToken). A plain value; thread-compatible.
#pragma once

#include <optional>
#include <string>

#include "auth/session_token.h"

namespace sigil {

enum class PrincipalType { kRoot, kUser, kAssumedRole, kFederatedUser };

struct Principal {
  PrincipalType type = PrincipalType::kUser;
  std::string account_id;
  // arn:aws:iam::ACCOUNT:root | arn:aws:iam::ACCOUNT:user/PATH/NAME |
  // arn:aws:sts::ACCOUNT:assumed-role/NAME/SESSION | arn:aws:sts::ACCOUNT:federated-user/NAME
  std::string arn;
  // aws:userid: the user id (AIDA...), the account id for root, "AROA...:SESSION" for a role
  // session, "ACCOUNT:NAME" for a federated user.
  std::string principal_id;
  // The IAM user: the caller (kUser) or the user who federated (kFederatedUser); empty otherwise.
  std::string user_name;
  std::string user_id;
  // The role of a role session (kAssumedRole); empty otherwise.
  std::string role_id;
  std::string role_name;
  std::string access_key_id;
  // Present for temporary credentials (the session token's claims, with the secret wiped);
  // absent for long-term access keys.
  std::optional<auth::SessionClaims> session;

  bool temporary() const { return session.has_value(); }
  bool mfa_authenticated() const { return session && session->mfa_authenticated; }
};

// "arn:aws:iam::123456789012:user/division/name" for path "/division/".
std::string UserArn(const std::string& account_id, const std::string& path,
                    const std::string& name);
std::string RootArn(const std::string& account_id);
// "arn:aws:iam::123456789012:role/PATH/NAME".
std::string RoleArn(const std::string& account_id, const std::string& path,
                    const std::string& name);
// "arn:aws:sts::123456789012:assumed-role/NAME/SESSION" (the role's path is not part of it).
std::string AssumedRoleArn(const std::string& account_id, const std::string& role_name,
                           const std::string& session_name);
// "arn:aws:sts::123456789012:federated-user/NAME".
std::string FederatedUserArn(const std::string& account_id, const std::string& name);

}  // namespace sigil
