// A private certificate authority and a server certificate it signs, for HTTPS on a machine or
// network without a public CA (`sigil admin tls init`). ECDSA P-256 keys, SHA-256 signatures,
// made with OpenSSL's C API. Pure apart from OpenSSL's random generator; thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace sigil {

struct LocalCaOptions {
  // DNS names and IP addresses (v4 or v6 literals) the server certificate is valid for, e.g.
  // {"localhost", "127.0.0.1", "::1"}. The first one is also the certificate's common name.
  std::vector<std::string> hosts;
  // The start of both validity periods (a few minutes before now allows for clock skew).
  TimePoint not_before;
  // The CA certificate's lifetime.
  std::chrono::hours ca_lifetime = std::chrono::hours(24 * 3650);
  // The server certificate's lifetime; 825 days is the most Apple's TLS clients accept.
  std::chrono::hours server_lifetime = std::chrono::hours(24 * 825);
};

// PEM texts. The server's private key is a secret (PKCS#8, unencrypted); the CA's private key is
// not kept at all, so nobody can issue more certificates under this CA.
struct LocalCertificates {
  std::string ca_certificate_pem;
  std::string server_chain_pem;  // the server certificate, then the CA certificate
  std::string server_private_key_pem;
};

// Creates a new CA (CA:TRUE with path length 0, keyCertSign and cRLSign, a random 16-byte serial
// number) and a server certificate signed by it (CA:FALSE, digitalSignature, serverAuth, the
// hosts as DNS and IP subject alternative names). Errors: kInvalidArgument when `hosts` is empty
// or holds something that is neither an IP literal nor a DNS name (letters, digits, '-' and '.',
// an optional leading "*."), or a lifetime is not positive or the server's exceeds 825 days;
// kInternal when OpenSSL fails.
StatusOr<LocalCertificates> CreateLocalCertificates(const LocalCaOptions& options);

// Splits "a,b, c" into trimmed, non-empty host names (no validation; see above).
std::vector<std::string> SplitHostList(std::string_view text);

}  // namespace sigil
