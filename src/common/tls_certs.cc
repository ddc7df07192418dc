#include "common/tls_certs.h"

#include <arpa/inet.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <memory>
#include <optional>

#include "common/crypto.h"
#include "common/strings.h"

namespace sigil {
namespace {

constexpr auto kMaxServerLifetime = std::chrono::hours(24 * 825);
constexpr size_t kMaxCommonName = 64;  // RFC 5280's upper bound for commonName

template <class T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using BignumPtr = std::unique_ptr<BIGNUM, Deleter<BIGNUM, BN_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<GENERAL_NAMES, GENERAL_NAMES_free>>;
using ExtensionPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION, X509_EXTENSION_free>>;

// The one place OpenSSL's error queue becomes a Status.
Status OpenSslFailure(const std::string& what) {
  unsigned long last = 0;
  while (unsigned long e = ERR_get_error()) last = e;
  const char* reason = last != 0 ? ERR_reason_error_string(last) : nullptr;
  return InternalError("OpenSSL could not " + what + ": " +
                       (reason != nullptr ? reason : "unknown error"));
}

// The 4 or 16 address bytes of an IP literal.
std::optional<std::string> IpAddressBytes(const std::string& host) {
  unsigned char bytes[16];
  if (inet_pton(AF_INET, host.c_str(), bytes) == 1) {
    return std::string(reinterpret_cast<const char*>(bytes), 4);
  }
  if (inet_pton(AF_INET6, host.c_str(), bytes) == 1) {
    return std::string(reinterpret_cast<const char*>(bytes), 16);
  }
  return std::nullopt;
}

bool IsDnsName(std::string_view name) {
  if (StartsWith(name, "*.")) name.remove_prefix(2);
  if (name.empty() || name.size() > 253) return false;
  for (std::string_view label : Split(name, '.')) {
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      const bool ok =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
      if (!ok) return false;
    }
  }
  return true;
}

PkeyPtr NewP256Key() { return PkeyPtr(EVP_EC_gen("P-256")); }

// A random positive 127-bit serial number, as CAs use (unpredictable, never zero).
Status SetRandomSerial(X509* cert) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) return OpenSslFailure("draw a serial number");
  bytes[0] = static_cast<unsigned char>((bytes[0] & 0x7f) | 0x40);
  BignumPtr bn(BN_bin2bn(bytes, sizeof(bytes), nullptr));
  if (!bn || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) == nullptr) {
    return OpenSslFailure("set a serial number");
  }
  return OkStatus();
}

Status SetValidity(X509* cert, TimePoint from, std::chrono::hours lifetime) {
  const time_t start = static_cast<time_t>(
      std::chrono::duration_cast<std::chrono::seconds>(from.time_since_epoch()).count());
  const time_t end =
      start +
      static_cast<time_t>(std::chrono::duration_cast<std::chrono::seconds>(lifetime).count());
  if (ASN1_TIME_set(X509_getm_notBefore(cert), start) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert), end) == nullptr) {
    return OpenSslFailure("set a validity period");
  }
  return OkStatus();
}

Status SetSubject(X509* cert, const std::string& common_name) {
  X509_NAME* name = X509_get_subject_name(cert);
  const auto add = [name](const char* field, const std::string& value) {
    return X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                      reinterpret_cast<const unsigned char*>(value.data()),
                                      static_cast<int>(value.size()), -1, 0) == 1;
  };
  if (!add("O", "Sigil") || !add("CN", common_name)) return OpenSslFailure("set a subject name");
  return OkStatus();
}

// Adds an extension written in OpenSSL's configuration syntax (fixed text, never user input).
Status AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) {
    return OpenSslFailure(std::string("add the extension ") + OBJ_nid2sn(nid));
  }
  return OkStatus();
}

Status AddSubjectAltNames(X509* cert, const std::vector<std::string>& hosts) {
  GeneralNamesPtr names(sk_GENERAL_NAME_new_null());
  if (!names) return OpenSslFailure("allocate subject alternative names");
  for (const std::string& host : hosts) {
    GENERAL_NAME* name = GENERAL_NAME_new();
    if (name == nullptr) return OpenSslFailure("allocate a subject alternative name");
    ASN1_STRING* value = nullptr;
    int type = GEN_DNS;
    if (std::optional<std::string> ip = IpAddressBytes(host)) {
      type = GEN_IPADD;
      value = ASN1_OCTET_STRING_new();
      if (value != nullptr)
        ASN1_OCTET_STRING_set(value, reinterpret_cast<const unsigned char*>(ip->data()),
                              static_cast<int>(ip->size()));
    } else {
      value = ASN1_IA5STRING_new();
      if (value != nullptr) ASN1_STRING_set(value, host.data(), static_cast<int>(host.size()));
    }
    if (value == nullptr) {
      GENERAL_NAME_free(name);
      return OpenSslFailure("allocate a subject alternative name");
    }
    GENERAL_NAME_set0_value(name, type, value);
    if (sk_GENERAL_NAME_push(names.get(), name) == 0) {
      GENERAL_NAME_free(name);
      return OpenSslFailure("add a subject alternative name");
    }
  }
  if (X509_add1_ext_i2d(cert, NID_subject_alt_name, names.get(), 0, X509V3_ADD_DEFAULT) != 1) {
    return OpenSslFailure("add the subject alternative names");
  }
  return OkStatus();
}

StatusOr<std::string> CertificatePem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) {
    return OpenSslFailure("write a certificate");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

StatusOr<std::string> PrivateKeyPem(EVP_PKEY* key) {
  // Secure-heap memory is wiped when the BIO is freed.
  BioPtr bio(BIO_new(BIO_s_secmem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return OpenSslFailure("write a private key");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

// A certificate with its serial number, validity, subject and public key; no extensions yet.
StatusOr<X509Ptr> NewCertificate(EVP_PKEY* key, const std::string& common_name, TimePoint from,
                                 std::chrono::hours lifetime) {
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return OpenSslFailure("allocate a certificate");
  }
  SIGIL_RETURN_IF_ERROR(SetRandomSerial(cert.get()));
  SIGIL_RETURN_IF_ERROR(SetValidity(cert.get(), from, lifetime));
  SIGIL_RETURN_IF_ERROR(SetSubject(cert.get(), common_name));
  if (X509_set_pubkey(cert.get(), key) != 1) return OpenSslFailure("set a public key");
  return cert;
}

Status ValidateOptions(const LocalCaOptions& options) {
  if (options.hosts.empty()) {
    return InvalidArgumentError("the server certificate needs at least one host name or address");
  }
  for (const std::string& host : options.hosts) {
    if (!IpAddressBytes(host) && !IsDnsName(host)) {
      return InvalidArgumentError("\"" + host +
                                  "\" is neither an IP address nor a DNS name (letters, digits, "
                                  "'-' and '.', optionally starting with \"*.\")");
    }
  }
  if (options.ca_lifetime.count() <= 0 || options.server_lifetime.count() <= 0) {
    return InvalidArgumentError("certificate lifetimes must be positive");
  }
  if (options.server_lifetime > kMaxServerLifetime) {
    return InvalidArgumentError(
        "a server certificate may be valid for at most 825 days (TLS clients refuse longer)");
  }
  return OkStatus();
}

}  // namespace

std::vector<std::string> SplitHostList(std::string_view text) {
  std::vector<std::string> out;
  for (std::string_view part : Split(text, ',')) {
    part = TrimWhitespace(part);
    if (!part.empty()) out.emplace_back(part);
  }
  return out;
}

StatusOr<LocalCertificates> CreateLocalCertificates(const LocalCaOptions& options) {
  SIGIL_RETURN_IF_ERROR(ValidateOptions(options));
  ERR_clear_error();

  // The CA: self-signed, its name made unique so that several Sigil CAs in one trust store can
  // be told apart.
  PkeyPtr ca_key = NewP256Key();
  if (!ca_key) return OpenSslFailure("generate the CA's key");
  unsigned char tag[6];
  if (RAND_bytes(tag, sizeof(tag)) != 1) return OpenSslFailure("draw the CA's name");
  const std::string ca_name =
      "Sigil local CA " +
      HexEncode(std::string_view(reinterpret_cast<const char*>(tag), sizeof(tag)));
  SIGIL_ASSIGN_OR_RETURN(
      X509Ptr ca, NewCertificate(ca_key.get(), ca_name, options.not_before, options.ca_lifetime));
  if (X509_set_issuer_name(ca.get(), X509_get_subject_name(ca.get())) != 1) {
    return OpenSslFailure("set the CA's issuer");
  }
  SIGIL_RETURN_IF_ERROR(
      AddExtension(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0"));
  SIGIL_RETURN_IF_ERROR(
      AddExtension(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign"));
  // The subject key identifier first: the authority key identifier is copied from it.
  SIGIL_RETURN_IF_ERROR(AddExtension(ca.get(), ca.get(), NID_subject_key_identifier, "hash"));
  SIGIL_RETURN_IF_ERROR(
      AddExtension(ca.get(), ca.get(), NID_authority_key_identifier, "keyid:always"));
  if (X509_sign(ca.get(), ca_key.get(), EVP_sha256()) == 0) return OpenSslFailure("sign the CA");

  // The server certificate.
  PkeyPtr server_key = NewP256Key();
  if (!server_key) return OpenSslFailure("generate the server's key");
  const std::string& first = options.hosts.front();
  SIGIL_ASSIGN_OR_RETURN(
      X509Ptr server,
      NewCertificate(server_key.get(), first.size() <= kMaxCommonName ? first : "sigil",
                     options.not_before, options.server_lifetime));
  if (X509_set_issuer_name(server.get(), X509_get_subject_name(ca.get())) != 1) {
    return OpenSslFailure("set the server certificate's issuer");
  }
  SIGIL_RETURN_IF_ERROR(
      AddExtension(server.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE"));
  SIGIL_RETURN_IF_ERROR(
      AddExtension(server.get(), ca.get(), NID_key_usage, "critical,digitalSignature"));
  SIGIL_RETURN_IF_ERROR(AddExtension(server.get(), ca.get(), NID_ext_key_usage, "serverAuth"));
  SIGIL_RETURN_IF_ERROR(AddExtension(server.get(), ca.get(), NID_subject_key_identifier, "hash"));
  SIGIL_RETURN_IF_ERROR(
      AddExtension(server.get(), ca.get(), NID_authority_key_identifier, "keyid:always"));
  SIGIL_RETURN_IF_ERROR(AddSubjectAltNames(server.get(), options.hosts));
  if (X509_sign(server.get(), ca_key.get(), EVP_sha256()) == 0) {
    return OpenSslFailure("sign the server certificate");
  }

  LocalCertificates out;
  SIGIL_ASSIGN_OR_RETURN(out.ca_certificate_pem, CertificatePem(ca.get()));
  SIGIL_ASSIGN_OR_RETURN(std::string server_pem, CertificatePem(server.get()));
  out.server_chain_pem = server_pem + out.ca_certificate_pem;
  SIGIL_ASSIGN_OR_RETURN(out.server_private_key_pem, PrivateKeyPem(server_key.get()));
  return out;
}

}  // namespace sigil
