#include "common/tls_certs.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sigil {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

using X509Ptr = std::unique_ptr<X509, decltype(&X509_free)>;

// A fixed instant (2030-01-01T00:00:00Z), so validity checks do not depend on today.
const TimePoint kStart{std::chrono::seconds(1893456000)};

std::vector<X509Ptr> ParseCertificates(const std::string& pem) {
  std::vector<X509Ptr> out;
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    out.emplace_back(cert, &X509_free);
  }
  return out;
}

LocalCertificates Create(std::vector<std::string> hosts) {
  LocalCaOptions options;
  options.hosts = std::move(hosts);
  options.not_before = kStart;
  StatusOr<LocalCertificates> certs = CreateLocalCertificates(options);
  EXPECT_TRUE(certs.ok()) << certs.status().ToString();
  return certs.ok() ? *certs : LocalCertificates{};
}

// Verifies `leaf` against `ca` as a TLS client would, a day after kStart, with OpenSSL's strict
// X.509 checks; `host` is a DNS name or an IP literal. Returns the X509_V_ code.
int Verify(X509* leaf, X509* ca, const std::string& host) {
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), &X509_STORE_free);
  X509_STORE_add_cert(store.get(), ca);
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(),
                                                                      &X509_STORE_CTX_free);
  X509_STORE_CTX_init(ctx.get(), store.get(), leaf, nullptr);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT | X509_V_FLAG_USE_CHECK_TIME);
  X509_VERIFY_PARAM_set_time(
      param,
      std::chrono::duration_cast<std::chrono::seconds>(kStart.time_since_epoch()).count() + 86400);
  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
  if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1) {
    X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  }
  X509_verify_cert(ctx.get());
  return X509_STORE_CTX_get_error(ctx.get());
}

std::vector<std::string> SubjectAltNames(X509* cert) {
  std::vector<std::string> out;
  auto* names =
      static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(names, i);
    if (name->type == GEN_DNS) {
      out.push_back("DNS:" + std::string(reinterpret_cast<const char*>(
                                             ASN1_STRING_get0_data(name->d.dNSName)),
                                         ASN1_STRING_length(name->d.dNSName)));
    } else if (name->type == GEN_IPADD) {
      char* text = OPENSSL_buf2hexstr(ASN1_STRING_get0_data(name->d.iPAddress),
                                      ASN1_STRING_length(name->d.iPAddress));
      out.push_back("IP:" + std::string(text));
      OPENSSL_free(text);
    }
  }
  GENERAL_NAMES_free(names);
  return out;
}

bool ExtensionIsCritical(X509* cert, int nid) {
  int index = X509_get_ext_by_NID(cert, nid, -1);
  return index >= 0 && X509_EXTENSION_get_critical(X509_get_ext(cert, index)) == 1;
}

int LifetimeDays(X509* cert) {
  int days = 0;
  int seconds = 0;
  ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(cert), X509_get0_notAfter(cert));
  return seconds == 0 ? days : -1;
}

TEST(TlsCertsTest, ServerCertificateVerifiesAgainstTheCaForEveryHost) {
  LocalCertificates certs = Create({"localhost", "127.0.0.1", "::1"});
  std::vector<X509Ptr> ca = ParseCertificates(certs.ca_certificate_pem);
  std::vector<X509Ptr> chain = ParseCertificates(certs.server_chain_pem);
  ASSERT_EQ(ca.size(), 1u);
  ASSERT_EQ(chain.size(), 2u);
  // The chain is the server certificate followed by the CA.
  EXPECT_EQ(X509_cmp(chain[1].get(), ca[0].get()), 0);
  for (const std::string host : {"localhost", "127.0.0.1", "::1"}) {
    SCOPED_TRACE(host);
    EXPECT_EQ(Verify(chain[0].get(), ca[0].get(), host), X509_V_OK);
  }
  EXPECT_EQ(Verify(chain[0].get(), ca[0].get(), "example.com"), X509_V_ERR_HOSTNAME_MISMATCH);
  EXPECT_EQ(Verify(chain[0].get(), ca[0].get(), "10.0.0.1"), X509_V_ERR_IP_ADDRESS_MISMATCH);
}

TEST(TlsCertsTest, AnotherCaDoesNotVerifyTheServerCertificate) {
  LocalCertificates first = Create({"localhost"});
  LocalCertificates second = Create({"localhost"});
  std::vector<X509Ptr> leaf = ParseCertificates(first.server_chain_pem);
  std::vector<X509Ptr> other_ca = ParseCertificates(second.ca_certificate_pem);
  ASSERT_FALSE(leaf.empty());
  ASSERT_FALSE(other_ca.empty());
  EXPECT_EQ(Verify(leaf[0].get(), other_ca[0].get(), "localhost"),
            X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
  // Each CA has its own name and serial number.
  std::vector<X509Ptr> first_ca = ParseCertificates(first.ca_certificate_pem);
  EXPECT_NE(X509_NAME_cmp(X509_get_subject_name(first_ca[0].get()),
                          X509_get_subject_name(other_ca[0].get())),
            0);
  EXPECT_NE(ASN1_INTEGER_cmp(X509_get0_serialNumber(first_ca[0].get()),
                             X509_get0_serialNumber(other_ca[0].get())),
            0);
}

TEST(TlsCertsTest, SubjectAltNamesHoldDnsNamesAndIpAddresses) {
  LocalCertificates certs = Create({"localhost", "127.0.0.1", "::1", "sigil.internal"});
  std::vector<X509Ptr> chain = ParseCertificates(certs.server_chain_pem);
  ASSERT_FALSE(chain.empty());
  EXPECT_THAT(
      SubjectAltNames(chain[0].get()),
      ElementsAre("DNS:localhost", "IP:7F:00:00:01",
                  "IP:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:01", "DNS:sigil.internal"));
  char common_name[128] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(chain[0].get()), NID_commonName, common_name,
                            sizeof(common_name));
  EXPECT_STREQ(common_name, "localhost");
}

TEST(TlsCertsTest, CaIsACaThatOnlySignsCertificates) {
  LocalCertificates certs = Create({"localhost"});
  std::vector<X509Ptr> ca = ParseCertificates(certs.ca_certificate_pem);
  ASSERT_EQ(ca.size(), 1u);
  X509* c = ca[0].get();
  EXPECT_EQ(X509_check_ca(c), 1);
  EXPECT_TRUE(ExtensionIsCritical(c, NID_basic_constraints));
  EXPECT_TRUE(ExtensionIsCritical(c, NID_key_usage));
  EXPECT_EQ(X509_get_key_usage(c), static_cast<uint32_t>(KU_KEY_CERT_SIGN | KU_CRL_SIGN));
  EXPECT_EQ(X509_get_pathlen(c), 0);
  EXPECT_EQ(X509_get_version(c), X509_VERSION_3);
  EXPECT_EQ(X509_NAME_cmp(X509_get_subject_name(c), X509_get_issuer_name(c)), 0);
  EXPECT_EQ(LifetimeDays(c), 3650);
  EXPECT_EQ(ASN1_TIME_cmp_time_t(X509_get0_notBefore(c), 1893456000), 0);
  // Its authority key identifier names its own key.
  ASSERT_NE(X509_get0_subject_key_id(c), nullptr);
  ASSERT_NE(X509_get0_authority_key_id(c), nullptr);
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(X509_get0_subject_key_id(c), X509_get0_authority_key_id(c)), 0);
  EVP_PKEY* key = X509_get0_pubkey(c);
  char group[64] = {};
  EVP_PKEY_get_group_name(key, group, sizeof(group), nullptr);
  EXPECT_STREQ(group, "prime256v1");
}

TEST(TlsCertsTest, ServerCertificateIsForServerAuthOnly) {
  LocalCertificates certs = Create({"localhost"});
  std::vector<X509Ptr> chain = ParseCertificates(certs.server_chain_pem);
  ASSERT_EQ(chain.size(), 2u);
  X509* s = chain[0].get();
  EXPECT_EQ(X509_check_ca(s), 0);
  EXPECT_TRUE(ExtensionIsCritical(s, NID_basic_constraints));
  EXPECT_TRUE(ExtensionIsCritical(s, NID_key_usage));
  EXPECT_EQ(X509_get_key_usage(s), static_cast<uint32_t>(KU_DIGITAL_SIGNATURE));
  EXPECT_EQ(X509_get_extended_key_usage(s), static_cast<uint32_t>(XKU_SSL_SERVER));
  EXPECT_EQ(LifetimeDays(s), 825);
  EXPECT_EQ(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(s),
                                  X509_get0_subject_key_id(chain[1].get())),
            0);
  EXPECT_EQ(X509_check_issued(chain[1].get(), s), X509_V_OK);
}

TEST(TlsCertsTest, PrivateKeyIsAnUnencryptedP256KeyMatchingTheCertificate) {
  LocalCertificates certs = Create({"localhost"});
  EXPECT_THAT(certs.server_private_key_pem, StartsWith("-----BEGIN PRIVATE KEY-----\n"));
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(certs.server_private_key_pem.data(),
                      static_cast<int>(certs.server_private_key_pem.size())),
      &BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  ASSERT_NE(key, nullptr);
  char group[64] = {};
  EVP_PKEY_get_group_name(key.get(), group, sizeof(group), nullptr);
  EXPECT_STREQ(group, "prime256v1");
  std::vector<X509Ptr> chain = ParseCertificates(certs.server_chain_pem);
  ASSERT_FALSE(chain.empty());
  EXPECT_EQ(X509_check_private_key(chain[0].get(), key.get()), 1);
  // The CA's key is not handed out: the chain's CA does not match the server's key.
  EXPECT_EQ(X509_check_private_key(chain[1].get(), key.get()), 0);
}

TEST(TlsCertsTest, WildcardNameVerifiesForASubdomain) {
  LocalCertificates certs = Create({"*.sigil.test"});
  std::vector<X509Ptr> chain = ParseCertificates(certs.server_chain_pem);
  ASSERT_EQ(chain.size(), 2u);
  EXPECT_EQ(Verify(chain[0].get(), chain[1].get(), "node1.sigil.test"), X509_V_OK);
  EXPECT_EQ(Verify(chain[0].get(), chain[1].get(), "sigil.test"), X509_V_ERR_HOSTNAME_MISMATCH);
}

TEST(TlsCertsTest, RejectsBadHostsAndLifetimes) {
  LocalCaOptions options;
  options.not_before = kStart;
  StatusOr<LocalCertificates> none = CreateLocalCertificates(options);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(none.status().message(),
            "the server certificate needs at least one host name or address");

  for (const std::string& bad :
       std::vector<std::string>{"bad host", "-x.example", "a..b", "x_y.example", "1.2.3.4:80",
                                std::string(64, 'a') + ".example"}) {
    SCOPED_TRACE(bad);
    options.hosts = {"localhost", bad};
    StatusOr<LocalCertificates> result = CreateLocalCertificates(options);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(result.status().message(),
              "\"" + bad +
                  "\" is neither an IP address nor a DNS name (letters, digits, '-' and '.', "
                  "optionally starting with \"*.\")");
  }

  options.hosts = {"localhost"};
  options.server_lifetime = std::chrono::hours(24 * 826);
  StatusOr<LocalCertificates> too_long = CreateLocalCertificates(options);
  ASSERT_FALSE(too_long.ok());
  EXPECT_EQ(too_long.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(too_long.status().message(), HasSubstr("at most 825 days"));

  options.server_lifetime = std::chrono::hours(0);
  StatusOr<LocalCertificates> zero = CreateLocalCertificates(options);
  ASSERT_FALSE(zero.ok());
  EXPECT_EQ(zero.status().message(), "certificate lifetimes must be positive");
}

TEST(TlsCertsTest, SplitHostListTrimsAndSkipsEmptyEntries) {
  EXPECT_THAT(SplitHostList(" localhost, 127.0.0.1,,::1 "),
              ElementsAre("localhost", "127.0.0.1", "::1"));
  EXPECT_TRUE(SplitHostList(" , ").empty());
}

}  // namespace
}  // namespace sigil
