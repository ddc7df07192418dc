#include "client/request_signer.h"

#include <algorithm>

#include "auth/sigv4.h"
#include "common/strings.h"
#include "common/time_format.h"

namespace sigil::client {

Status SignRequest(HttpCall& call, const Credentials& credentials, const ResolvedEndpoint& endpoint,
                   TimePoint now) {
  size_t scheme_end = call.url.find("://");
  if (scheme_end == std::string::npos) return InvalidArgumentError("not an absolute URL");
  std::string_view rest = std::string_view(call.url).substr(scheme_end + 3);
  size_t path_start = rest.find('/');
  std::string_view host = rest.substr(0, path_start);
  std::string_view target = path_start == std::string_view::npos ? "/" : rest.substr(path_start);
  if (host.empty()) return InvalidArgumentError("the URL " + call.url + " has no host");
  std::string_view path = target.substr(0, target.find('?'));
  std::string_view query =
      target.find('?') == std::string_view::npos ? "" : target.substr(target.find('?') + 1);
  // Default ports are not part of Host (curl leaves them out too).
  std::string host_header(host);
  if (StartsWith(call.url, "https://") && host_header.ends_with(":443"))
    host_header.resize(host_header.size() - 4);
  if (StartsWith(call.url, "http://") && host_header.ends_with(":80"))
    host_header.resize(host_header.size() - 3);

  const std::string amz_date = FormatAmzDate(now);
  call.headers.push_back({"Host", host_header});
  call.headers.push_back({"X-Amz-Date", amz_date});
  if (credentials.IsTemporary()) {
    call.headers.push_back({"X-Amz-Security-Token", credentials.session_token});
  }
  std::vector<std::string> signed_headers;
  for (const http::Header& h : call.headers) signed_headers.push_back(AsciiLower(h.name));
  std::sort(signed_headers.begin(), signed_headers.end());
  signed_headers.erase(std::unique(signed_headers.begin(), signed_headers.end()),
                       signed_headers.end());

  auth::CredentialScope scope{credentials.access_key_id, FormatScopeDate(now), endpoint.region,
                              endpoint.service, std::string(auth::kTerminator)};
  const std::string payload_hash = Sha256Hex(call.body);
  auth::CanonicalRequestInput input{
      call.method, path.empty() ? "/" : path, query, call.headers, signed_headers, payload_hash};
  SIGIL_ASSIGN_OR_RETURN(std::string canonical, auth::CanonicalRequest(input));
  Sha256Digest key = auth::DeriveSigningKey(credentials.secret_access_key, scope.date, scope.region,
                                            scope.service);
  std::string signature =
      auth::ComputeSignature(key, auth::StringToSign(amz_date, scope, canonical));
  std::fill(key.begin(), key.end(), 0);
  call.headers.push_back(
      {"Authorization", auth::AuthorizationHeaderValue(scope, signed_headers, signature)});
  return OkStatus();
}

}  // namespace sigil::client
