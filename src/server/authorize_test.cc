#include "server/authorize.h"

#include <gtest/gtest.h>

namespace sigil::server {
namespace {

http::Request From(std::string peer, std::vector<http::Header> headers = {}) {
  http::Request r;
  r.remote_address = std::move(peer);
  r.headers = std::move(headers);
  return r;
}

TEST(SourceIp, PeerUnlessATrustedProxyForwards) {
  auto none = ParseTrustedProxies("");
  ASSERT_TRUE(none.ok());
  // Without trusted proxies, X-Forwarded-For is never believed.
  EXPECT_EQ(SourceIp(From("203.0.113.9", {{"X-Forwarded-For", "10.9.9.9"}}), *none), "203.0.113.9");

  auto trusted = ParseTrustedProxies("127.0.0.1, 10.0.0.0/8");
  ASSERT_TRUE(trusted.ok());
  EXPECT_EQ(SourceIp(From("127.0.0.1", {{"X-Forwarded-For", "198.51.100.7, 10.1.2.3"}}), *trusted),
            "198.51.100.7");
  // A client-supplied left-most entry cannot win over the address the proxy appended.
  EXPECT_EQ(SourceIp(From("127.0.0.1", {{"X-Forwarded-For", "1.1.1.1, 198.51.100.7"}}), *trusted),
            "198.51.100.7");
  // An untrusted peer's header is ignored.
  EXPECT_EQ(SourceIp(From("192.0.2.1", {{"X-Forwarded-For", "1.1.1.1"}}), *trusted), "192.0.2.1");
  // Garbage stops the walk at the last believable hop.
  EXPECT_EQ(SourceIp(From("127.0.0.1", {{"X-Forwarded-For", "not-an-ip"}}), *trusted), "127.0.0.1");
}

TEST(SourceIp, BadTrustedProxyIsRejected) {
  auto bad = ParseTrustedProxies("10.0.0.0/8,nonsense");
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sigil::server
