// Sigil's own HTTP request and response types. Everything outside src/http sees only these,
// never Beast, so Beast's compile cost stays inside this folder. Plain values; thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sigil::http {

struct Header {
  std::string name;   // as received (case preserved)
  std::string value;  // as received (not trimmed)
};

// A request as it arrived. `target` is the raw request-target (path and query, not decoded):
// signature checks need the exact bytes the client signed.
struct Request {
  std::string method;
  std::string target;
  std::vector<Header> headers;  // in arrival order; repeated names kept as separate entries
  std::string body;
  std::string remote_address;  // peer IP, no port
  bool secure_transport = false;
  // Over TLS: the negotiated version ("TLSv1.3") and cipher suite (OpenSSL's name), for the
  // audit trail's tlsDetails; empty otherwise.
  std::string tls_version;
  std::string tls_cipher;

  // First header with this name (case-insensitive), if any.
  std::optional<std::string_view> FindHeader(std::string_view name) const;
  std::string_view path() const;   // target up to '?'
  std::string_view query() const;  // after '?', or empty
};

struct Response {
  int status = 200;
  std::vector<Header> headers;
  std::string body;

  void SetHeader(std::string name, std::string value);
};

// Decides, from the request head alone (body not yet read), whether to read the body and how
// much of it. Lets a handler reject a request, e.g. an unauthenticated upload, before the client
// sends the body (the 100-continue is answered only after admission).
struct Admission {
  std::optional<Response> reject;  // set: answer with this and close the body unread
  uint64_t max_body_bytes = 0;     // used when not rejected
};

// The interface the HTTP server drives. Implementations must be thread-safe: the server calls
// them concurrently from its worker threads.
class Handler {
 public:
  virtual ~Handler() = default;
  // `head` has no body yet.
  virtual Admission Admit(const Request& head) = 0;
  virtual Response Handle(const Request& request) = 0;
};

}  // namespace sigil::http
