#include "client/credentials.h"

#include "common/crypto.h"

namespace sigil::client {

void Credentials::Wipe() {
  SecureWipe(secret_access_key);
  SecureWipe(session_token);
}

const char* KeyType(const Credentials& credentials) {
  return credentials.access_key_id.rfind("ASIA", 0) == 0 || credentials.IsTemporary() ? "temporary"
                                                                                      : "long-term";
}

}  // namespace sigil::client
