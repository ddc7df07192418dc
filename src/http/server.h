// The HTTP/1.1 server: owns the listening sockets, TLS, connections, limits, timeouts and worker
// threads, and drives an http::Handler (Admit on the head, Handle on the whole request). Beast,
// Asio and OpenSSL's TLS stay inside server.cc. Server's methods are thread-safe unless noted.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "common/status.h"
#include "http/message.h"

namespace sigil::http {

class ServerImpl;  // defined in server.cc

// The PEM files of an HTTPS listener. They are read at Start() and again by ReloadTls().
struct TlsFiles {
  // The server certificate followed by any intermediates (the root may follow too).
  std::string certificate_chain_file;
  // Its private key, unencrypted; the file must not be readable by group or others.
  std::string private_key_file;
};

struct ListenEndpoint {
  std::string address;  // an IP literal, or "localhost" for 127.0.0.1
  uint16_t port = 0;    // 0 picks a free port
};

struct ServerOptions {
  // IP literal to listen on ("127.0.0.1", "0.0.0.0", "::"); "localhost" means 127.0.0.1.
  std::string listen_address = "127.0.0.1";
  // TCP port; 0 picks a free one (read it back with Server::port()).
  uint16_t port = 0;
  // Threads running the I/O loop; the handler is called on them, one request per thread at a time.
  int worker_threads = 2;
  // Limit on the request line plus headers; a bigger head is answered 431 and the connection
  // closed.
  size_t max_header_bytes = 16 * 1024;
  // Server-wide ceiling on a request body, applied on top of the handler's
  // Admission::max_body_bytes (the smaller wins). Bodies are held in memory.
  uint64_t max_body_bytes = uint64_t{5} * 1024 * 1024 * 1024;
  // How long a keep-alive connection may wait for the first byte of its next request.
  std::chrono::milliseconds idle_timeout = std::chrono::seconds(60);
  // How long a request may take to arrive whole, from its first byte to its last body byte; also
  // the bound on sending one response.
  std::chrono::milliseconds request_timeout = std::chrono::seconds(300);
  // Open connections beyond this are accepted and closed at once.
  size_t max_connections = 1024;
  // Shutdown() lets in-flight requests finish for at most this long, then closes what remains.
  std::chrono::milliseconds shutdown_grace = std::chrono::seconds(10);
  // Set: the listener above serves HTTPS only (TLS 1.2 with ECDHE and AES-GCM or ChaCha20-Poly1305
  // ciphers, or TLS 1.3; no compression, no renegotiation), and its requests have
  // secure_transport. Unset: it serves plain HTTP.
  std::optional<TlsFiles> tls;
  // How long a new TLS connection may take to complete its handshake.
  std::chrono::milliseconds tls_handshake_timeout = std::chrono::seconds(10);
  // A second listener serving plain HTTP beside the HTTPS one; only valid together with `tls`.
  std::optional<ListenEndpoint> plain_http;
};

class Server {
 public:
  // Loads the TLS files (if any), binds, listens and starts the worker threads: when this returns
  // OK the ports accept connections. `handler` must outlive the Server. Errors: kInvalidArgument
  // for a listen address that is not an IP literal or bad options; the errors of ReloadTls() for
  // the TLS files; kUnavailable when a socket cannot be opened, bound or put in listening state
  // (the message carries the OS error text, e.g. "Address already in use").
  static StatusOr<std::unique_ptr<Server>> Start(const ServerOptions& options, Handler& handler);

  // Calls Shutdown().
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The bound port of the main listener (the real one when options.port was 0).
  uint16_t port() const;
  // "https://HOST:PORT" with TLS, else "http://HOST:PORT", with 127.0.0.1 (or [::1]) standing in
  // for a wildcard listen address.
  std::string url() const;
  // The second, plain HTTP listener's port and "http://HOST:PORT"; 0 and "" when there is none.
  uint16_t plain_http_port() const;
  std::string plain_http_url() const;

  // Reads the certificate chain and key files again and serves new TLS connections with them;
  // connections already open keep the certificate they started with. On any error the files in
  // use stay in use. Errors: kFailedPrecondition when the server has no TLS, or the key file is
  // readable by group or others, or the key does not match the certificate, or the certificate
  // has expired; kNotFound/kPermissionDenied/... (from errno) when a file cannot be read;
  // kInvalidArgument when a file holds no usable PEM certificate or key. The message names the
  // file and never contains key material.
  Status ReloadTls();

  // Connections currently open (accepted and registered, TLS handshakes included).
  size_t open_connections() const;
  // TLS connections closed because their handshake failed or timed out (e.g. plain HTTP sent to
  // the HTTPS port, an unsupported protocol version, a client that refused the certificate).
  uint64_t tls_handshake_failures() const;

  // Graceful shutdown: stops accepting, closes idle keep-alive connections, lets in-flight
  // requests finish (each answered with "Connection: close"), closes whatever is left after
  // options.shutdown_grace, then stops the worker threads and releases the port. Idempotent.
  // Blocks until done, except when called from inside the handler (a worker thread): then it only
  // starts the shutdown, and Wait() or the destructor completes it.
  void Shutdown();

  // Blocks until the server has been shut down (by Shutdown() on another thread) and its threads
  // have stopped. Must not be called from inside the handler.
  void Wait();

 private:
  explicit Server(std::unique_ptr<ServerImpl> impl);
  std::unique_ptr<ServerImpl> impl_;
};

}  // namespace sigil::http
