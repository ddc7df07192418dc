// Sigil's own HTTP request and response types. Everything outside src/http sees only these,
// never Beast, so Beast's compile cost stays inside this folder. Plain values; thread-compatible.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

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

// A response body produced piece by piece (an S3 object's bytes), so memory stays bounded
// whatever its size. Used by one connection at a time; called on a worker thread.
class BodySource {
 public:
  virtual ~BodySource() = default;
  // The exact number of bytes Read will produce in total (sent as Content-Length).
  virtual uint64_t size() const = 0;
  // Fills the front of `buffer` with the next bytes and returns how many (0 only at the end).
  // An error (or a premature 0) ends the response: the connection is closed mid-body, so the
  // client sees a short read rather than wrong data.
  virtual StatusOr<size_t> Read(std::span<char> buffer) = 0;

  // Whether NextFileRegion may offer regions (checked once, before the body is sent).
  virtual bool file_backed() const { return false; }
  // Where the next bytes lie in an open file, when they do: lets a plain-TCP connection send
  // them with sendfile(2) instead of Read (no copy through user space). `fd` stays open and
  // owned by the source until the next call or its destruction. Consuming a region advances
  // the source as Read would. Sources that are not file-backed keep the default (nullopt).
  struct FileRegion {
    int fd = -1;
    uint64_t offset = 0;
    uint64_t length = 0;  // > 0
  };
  virtual StatusOr<std::optional<FileRegion>> NextFileRegion(uint64_t max_length) {
    (void)max_length;
    return std::optional<FileRegion>();
  }
};

struct Response {
  int status = 200;
  std::vector<Header> headers;
  std::string body;
  // Set: the body comes from here instead of `body` (which must be empty).
  std::shared_ptr<BodySource> body_source;

  void SetHeader(std::string name, std::string value);
};

// Receives a request body piece by piece as it arrives, instead of the server holding it whole
// (S3 uploads: memory stays bounded whatever the size). Called on a worker thread, one call at a
// time. Destroyed without Finish() when the body does not arrive whole (the client went away,
// timed out, or broke the framing): the consumer then discards whatever it kept.
class BodyConsumer {
 public:
  virtual ~BodyConsumer() = default;
  // The next piece of the body (de-chunked when Transfer-Encoding is chunked), in order; pieces
  // are at most a few hundred KiB. Returning a response stops reading: it is sent, and the
  // connection closed with the rest of the body unread.
  virtual std::optional<Response> Consume(std::string_view piece) = 0;
  // The whole body has arrived (possibly empty): the answer to the request.
  virtual Response Finish() = 0;
};

// Decides, from the request head alone (body not yet read), whether to read the body and how
// much of it. Lets a handler reject a request, e.g. an unauthenticated upload, before the client
// sends the body (the 100-continue is answered only after admission).
struct Admission {
  std::optional<Response> reject;  // set: answer with this and close the body unread
  uint64_t max_body_bytes = 0;     // used when not rejected
  // Set: the body streams to this consumer, whose Finish() answers the request; Handle() is not
  // called.
  std::shared_ptr<BodyConsumer> consumer;
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
