// Who made a request, once its signature has verified: the authenticated principal handed to
// authorization and to the handlers. A plain value; thread-compatible.
#pragma once

#include <string>

namespace sigil {

enum class PrincipalType { kRoot, kUser };

struct Principal {
  PrincipalType type = PrincipalType::kUser;
  std::string account_id;
  std::string arn;           // arn:aws:iam::ACCOUNT:root | arn:aws:iam::ACCOUNT:user/PATH/NAME
  std::string principal_id;  // the user id (AIDA...), or the account id for root
  std::string user_name;     // empty for root
  std::string user_id;       // empty for root
  std::string access_key_id;
};

// "arn:aws:iam::123456789012:user/division/name" for path "/division/".
std::string UserArn(const std::string& account_id, const std::string& path,
                    const std::string& name);
std::string RootArn(const std::string& account_id);

}  // namespace sigil
