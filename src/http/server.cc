// The HTTP/1.1 server on Boost.Beast + Asio C++20 coroutines, with TLS through Asio's OpenSSL
// streams. One io_context run by the worker threads; one coroutine per connection on its own
// strand, which (after the TLS handshake) reads the head, asks the handler to admit it, reads the
// body within the admitted limit, calls the handler and writes the response. The connection is a
// template over its stream, so plain and TLS connections share every line of HTTP handling. This
// is the only translation unit that includes Beast.
#include "http/server.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/sendfile.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cassert>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <exception>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <unordered_set>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/crypto.h"
#include "common/file_util.h"
#include "common/strings.h"
#include "common/time_format.h"

namespace sigil::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace ssl = boost::asio::ssl;
using tcp = asio::ip::tcp;
using ErrorCode = boost::system::error_code;

// Completion token that reports errors as values: EOF and timeouts are routine, not exceptional.
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

// First read of an idle connection.
constexpr size_t kIdleReadBytes = 16 * 1024;
// A request body larger than this does not keep its buffer for the next request on the
// connection.
constexpr size_t kMaxReusedBodyCapacity = 64 * 1024;
// Content-Length is trusted for preallocation only up to this; beyond, the body grows as it
// arrives, so a client cannot reserve memory it does not send.
constexpr uint64_t kMaxBodyReserve = 16 * 1024 * 1024;
// A streamed body reaches its consumer in pieces of about this size (and a last, smaller one);
// a streamed response is sent in pieces of this size.
constexpr size_t kStreamPieceBytes = 512 * 1024;
// Lingering close: after an error response sent before the request was read whole, unread input
// is drained for a while so that closing does not reset the connection (a reset can destroy the
// response before the client reads it).
constexpr auto kLingerTime = std::chrono::seconds(2);
constexpr size_t kLingerMaxBytes = 4 * 1024 * 1024;
// After the shutdown grace period, how long to wait for force-closed connections to unwind.
constexpr auto kForceCloseWait = std::chrono::seconds(2);
// Back-off when accept fails for lack of resources (e.g. EMFILE), instead of spinning.
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(50);

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// The worker threads mark themselves, so Shutdown() called by the handler does not join itself.
thread_local const ServerImpl* tls_worker_of = nullptr;

// A small XML body for errors the server itself produces (malformed HTTP, limits). The text is
// fixed, never client data, so it needs no escaping. AWS-shaped service errors are made elsewhere.
Response ServerErrorResponse(int status, std::string_view code, std::string_view message) {
  Response r;
  r.status = status;
  r.headers.push_back({"Content-Type", "application/xml"});
  r.body.reserve(96 + code.size() + message.size());
  r.body.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>")
      .append(code)
      .append("</Code><Message>")
      .append(message)
      .append("</Message></Error>");
  return r;
}

// RFC 7231 date for the current second, formatted once per second per thread.
std::string_view CurrentHttpDate() {
  thread_local int64_t cached_second = -1;
  thread_local std::string cached;
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  const int64_t second = now.time_since_epoch().count();
  if (second != cached_second) {
    cached = FormatHttpDate(TimePoint(now));
    cached_second = second;
  }
  return cached;
}

// RFC 7230 tchar.
bool IsTokenChar(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

// A handler header that would break the response framing (CR/LF injection, empty or bad name)
// is a programming error; it is dropped rather than sent.
bool IsSendableHeader(const Header& h) {
  if (h.name.empty()) return false;
  for (char c : h.name) {
    if (!IsTokenChar(static_cast<unsigned char>(c))) return false;
  }
  return h.value.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos;
}

void AppendNumber(std::string& out, uint64_t n) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), n);
  (void)ec;  // 24 digits always suffice for a uint64_t
  out.append(digits, end);
}

std::string AddressString(const asio::ip::address& address) {
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
  }
  return address.to_string();
}

bool IsMalformedRequestError(const ErrorCode& ec) {
  using E = bhttp::error;
  for (E e :
       {E::bad_line_ending, E::bad_method, E::bad_target, E::bad_version, E::bad_field,
        E::bad_value, E::bad_content_length, E::bad_transfer_encoding, E::bad_chunk,
        E::bad_chunk_extension, E::bad_obs_fold, E::multiple_content_length, E::unexpected_body}) {
    if (ec == e) return true;
  }
  return false;
}

// Fills a Request straight from Beast's parser callbacks. Beast's own fields container would
// regroup repeated header names; this keeps the exact arrival order, and appends the body to the
// request without an intermediate copy.
class RequestParser final : public bhttp::basic_parser<true> {
 public:
  // `request`'s method, target and headers are overwritten; its body is appended to.
  explicit RequestParser(Request& request) : request_(request) {}

  int version() const { return version_; }
  bool is_head_method() const { return head_method_; }

 private:
  void on_request_impl(bhttp::verb method, beast::string_view method_string,
                       beast::string_view target, int version, ErrorCode&) override {
    request_.method.assign(method_string.data(), method_string.size());
    request_.target.assign(target.data(), target.size());
    version_ = version;
    head_method_ = method == bhttp::verb::head;
  }
  void on_response_impl(int, beast::string_view, int, ErrorCode& ec) override {
    ec = bhttp::error::bad_version;  // unreachable for a request parser
  }
  void on_field_impl(bhttp::field, beast::string_view name, beast::string_view value,
                     ErrorCode&) override {
    // Chunked trailers arrive after the head was admitted; they are not passed on.
    if (is_header_done()) return;
    // Reuses the strings of the previous request on this connection.
    if (field_count_ < request_.headers.size()) {
      request_.headers[field_count_].name.assign(name.data(), name.size());
      request_.headers[field_count_].value.assign(value.data(), value.size());
    } else {
      request_.headers.push_back(
          {std::string(name.data(), name.size()), std::string(value.data(), value.size())});
    }
    ++field_count_;
  }
  void on_header_impl(ErrorCode&) override { request_.headers.resize(field_count_); }
  // The body's buffer is reserved by the connection once the head is admitted.
  void on_body_init_impl(const boost::optional<uint64_t>&, ErrorCode&) override {}
  size_t on_body_impl(beast::string_view body, ErrorCode&) override {
    request_.body.append(body.data(), body.size());
    return body.size();
  }
  void on_chunk_header_impl(uint64_t, beast::string_view, ErrorCode&) override {}
  size_t on_chunk_body_impl(uint64_t, beast::string_view body, ErrorCode&) override {
    request_.body.append(body.data(), body.size());
    return body.size();
  }
  void on_finish_impl(ErrorCode&) override {}

  Request& request_;
  size_t field_count_ = 0;
  int version_ = 0;
  bool head_method_ = false;
};

class ConnectionBase;

// The TLS 1.2 cipher suites offered: forward-secret key exchange with AEAD ciphers only. TLS 1.3
// keeps OpenSSL's defaults, which are all AEAD.
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr const char* kTlsGroups = "X25519:P-256:P-384";

// OpenSSL's reason for the last error on this thread's queue (and clears the queue).
std::string TakeOpenSslError() {
  unsigned long last = 0;
  while (unsigned long e = ERR_get_error()) last = e;
  if (last == 0) return "unknown OpenSSL error";
  const char* reason = ERR_reason_error_string(last);
  return reason != nullptr ? reason : "OpenSSL error " + std::to_string(last);
}

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

// Never prompts on a terminal for an encrypted key's passphrase (OpenSSL's default would).
int NoPassphrase(char*, int, int, void*) { return 0; }

// Offers HTTP/1.1 when the client uses ALPN; a client that offers only other protocols gets no
// ALPN answer rather than a failed handshake.
int SelectAlpn(SSL*, const unsigned char** out, unsigned char* out_len, const unsigned char* in,
               unsigned int in_len, void*) {
  static constexpr unsigned char kHttp11[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
  unsigned char* selected = nullptr;
  if (SSL_select_next_proto(&selected, out_len, kHttp11, sizeof(kHttp11), in, in_len) !=
      OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_NOACK;
  }
  *out = selected;
  return SSL_TLSEXT_ERR_OK;
}

// Builds a server context from the PEM files, with Sigil's protocol and cipher policy.
StatusOr<std::shared_ptr<ssl::context>> MakeTlsContext(const TlsFiles& files) {
  const std::string& cert_path = files.certificate_chain_file;
  const std::string& key_path = files.private_key_file;
  if (cert_path.empty() || key_path.empty()) {
    return InvalidArgumentError("TLS needs both a certificate chain file and a private key file");
  }
  const auto unreadable = [](std::string_view what, const Status& s) {
    return Status(s.code(), "cannot read the TLS " + std::string(what) + ": " + s.message());
  };
  StatusOr<mode_t> key_mode = FileMode(key_path);
  if (!key_mode.ok()) return unreadable("private key file", key_mode.status());
  if ((*key_mode & 077) != 0) {
    return FailedPreconditionError("the TLS private key file " + key_path +
                                   " may be read by other users; run: chmod 600 " + key_path);
  }
  StatusOr<std::string> chain_pem = ReadFile(cert_path);
  if (!chain_pem.ok()) return unreadable("certificate file", chain_pem.status());
  StatusOr<std::string> key_pem = ReadFile(key_path);
  if (!key_pem.ok()) return unreadable("private key file", key_pem.status());
  struct Wiper {
    std::string& s;
    ~Wiper() { SecureWipe(s); }
  } wipe_key{*key_pem};
  ERR_clear_error();

  std::shared_ptr<ssl::context> context;
  try {
    context = std::make_shared<ssl::context>(ssl::context::tls_server);
  } catch (const std::exception& e) {
    return InternalError(std::string("cannot create a TLS context: ") + e.what());
  }
  SSL_CTX* ctx = context->native_handle();
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  // Idle keep-alive connections give their TLS buffers back.
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1 ||
      SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1 ||
      SSL_CTX_set1_groups_list(ctx, kTlsGroups) != 1) {
    return InternalError("cannot configure the TLS protocol policy: " + TakeOpenSslError());
  }
  SSL_CTX_set_alpn_select_cb(ctx, SelectAlpn, nullptr);

  std::unique_ptr<BIO, BioDeleter> chain_bio(
      BIO_new_mem_buf(chain_pem->data(), static_cast<int>(chain_pem->size())));
  if (!chain_bio) return InternalError("out of memory reading " + cert_path);
  std::unique_ptr<X509, X509Deleter> leaf(
      PEM_read_bio_X509_AUX(chain_bio.get(), nullptr, NoPassphrase, nullptr));
  if (!leaf) {
    ERR_clear_error();
    return InvalidArgumentError("the TLS certificate file " + cert_path +
                                " holds no PEM certificate (\"-----BEGIN CERTIFICATE-----\")");
  }
  if (X509_cmp_current_time(X509_get0_notAfter(leaf.get())) <= 0) {
    return FailedPreconditionError("the TLS certificate in " + cert_path + " has expired");
  }
  if (SSL_CTX_use_certificate(ctx, leaf.get()) != 1) {
    return InvalidArgumentError("the TLS certificate in " + cert_path +
                                " cannot be used: " + TakeOpenSslError());
  }
  for (;;) {
    X509* next = PEM_read_bio_X509(chain_bio.get(), nullptr, NoPassphrase, nullptr);
    if (next == nullptr) break;
    if (SSL_CTX_add0_chain_cert(ctx, next) != 1) {  // takes ownership only on success
      X509_free(next);
      return InvalidArgumentError("a chain certificate in " + cert_path +
                                  " cannot be used: " + TakeOpenSslError());
    }
  }
  ERR_clear_error();  // the end of the PEM data is reported as an error

  std::unique_ptr<BIO, BioDeleter> key_bio(
      BIO_new_mem_buf(key_pem->data(), static_cast<int>(key_pem->size())));
  if (!key_bio) return InternalError("out of memory reading " + key_path);
  std::unique_ptr<EVP_PKEY, PkeyDeleter> key(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, NoPassphrase, nullptr));
  if (!key) {
    ERR_clear_error();
    return InvalidArgumentError("the TLS private key file " + key_path +
                                " holds no unencrypted PEM private key");
  }
  if (SSL_CTX_use_PrivateKey(ctx, key.get()) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    ERR_clear_error();
    return FailedPreconditionError("the TLS private key in " + key_path +
                                   " does not match the certificate in " + cert_path);
  }
  return context;
}

}  // namespace

// Owns the io_context, the listeners, the worker threads, the TLS context and the registry of
// open connections (for the connection limit and for shutdown).
class ServerImpl {
 public:
  ServerImpl(const ServerOptions& options, Handler& handler);
  ~ServerImpl();

  // Builds (again) the TLS context from options.tls's files; see Server::ReloadTls.
  Status ReloadTls();
  Status Listen();
  void StartThreads();
  void Shutdown();
  void Wait();

  uint16_t port() const { return listeners_[0].port; }
  const std::string& url() const { return listeners_[0].url; }
  uint16_t plain_http_port() const { return listeners_.size() > 1 ? listeners_[1].port : 0; }
  std::string plain_http_url() const { return listeners_.size() > 1 ? listeners_[1].url : ""; }
  size_t open_connections() const {
    std::lock_guard<std::mutex> lock(mu_);
    return connections_.size();
  }
  uint64_t tls_handshake_failures() const {
    return handshake_failures_.load(std::memory_order_relaxed);
  }

  // For connections.
  const ServerOptions& options() const { return options_; }
  Handler& handler() { return handler_; }
  bool shutting_down() const { return shutting_down_.load(std::memory_order_acquire); }
  // False when the connection must be closed instead: over the limit or shutting down.
  bool Register(ConnectionBase* connection);
  void Unregister(ConnectionBase* connection);
  void CountHandshakeFailure() { handshake_failures_.fetch_add(1, std::memory_order_relaxed); }

 private:
  struct Listener {
    std::unique_ptr<tcp::acceptor> acceptor;
    bool tls = false;
    uint16_t port = 0;
    std::string url;
  };

  Status Bind(const std::string& address, uint16_t port, Listener& listener);
  asio::awaitable<void> AcceptLoop(Listener& listener);
  void BeginShutdown();
  // Drains connections (bounded), stops the threads, closes the acceptors. Idempotent.
  void Finish();

  const ServerOptions options_;
  Handler& handler_;
  // Pointers so that ~ServerImpl can destroy them in order: the acceptors before the io_context,
  // and the io_context (with any coroutine frames it still holds, which unregister themselves)
  // while mu_ and connections_ are still alive.
  std::unique_ptr<asio::io_context> ioc_;
  std::vector<Listener> listeners_;  // [0] the main one; [1] the plain HTTP one, if any
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::vector<std::thread> threads_;

  // Each new TLS connection takes the current context; a reload swaps in a new one and the
  // connections already open keep theirs.
  std::atomic<std::shared_ptr<ssl::context>> tls_context_;
  std::mutex reload_mu_;  // one reload at a time
  std::atomic<uint64_t> handshake_failures_{0};

  mutable std::mutex mu_;
  std::condition_variable cv_;                       // connections_ emptied, or shutdown began
  std::unordered_set<ConnectionBase*> connections_;  // guarded by mu_
  std::atomic<bool> shutting_down_{false};           // written under mu_

  std::mutex finish_mu_;
  bool finished_ = false;  // guarded by finish_mu_
};

namespace {

// What the registry and shutdown need from a connection, whatever its stream.
class ConnectionBase : public std::enable_shared_from_this<ConnectionBase> {
 public:
  explicit ConnectionBase(asio::any_io_executor executor) : executor_(std::move(executor)) {}
  virtual ~ConnectionBase() = default;

  // The connection's strand; safe to read from any thread.
  const asio::any_io_executor& executor() const { return executor_; }

  // Serves requests until the connection closes.
  virtual asio::awaitable<void> Run() = 0;
  // Shutdown began: an idle connection closes now; a busy one closes after its response.
  virtual void OnShutdown() = 0;
  // The shutdown grace period is over.
  virtual void ForceClose() = 0;

 private:
  const asio::any_io_executor executor_;
};

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// One client connection over a PlainStream or a TlsStream. All of its members are touched only on
// its strand: by Run(), and by OnShutdown()/ForceClose(), which are posted to that strand.
template <class Stream>
class Connection final : public ConnectionBase {
 public:
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

  // `tls_context` is used (and kept alive) by TLS connections only.
  Connection(ServerImpl& server, tcp::socket socket, std::string remote_address,
             std::shared_ptr<ssl::context> tls_context)
      : ConnectionBase(socket.get_executor()),
        server_(server),
        tls_context_(std::move(tls_context)),
        stream_(MakeStream(std::move(socket), tls_context_.get())) {
    request_.remote_address = std::move(remote_address);
    request_.secure_transport = kTls;
  }

  asio::awaitable<void> Run() override;
  void OnShutdown() override {
    if (idle_) {
      ErrorCode ignored;
      tcp().socket().cancel(ignored);
    }
  }
  void ForceClose() override { tcp().close(); }

 private:
  enum class Next {
    kKeepAlive,    // response sent; read the next request
    kClose,        // response sent and the request read whole; close
    kCloseLinger,  // response sent before the request was read whole; drain, then close
    kDrop,         // the connection is unusable (EOF, timeout, write error); close
  };

  static Stream MakeStream(tcp::socket socket, ssl::context* tls_context) {
    if constexpr (kTls) {
      return Stream(std::move(socket), *tls_context);
    } else {
      (void)tls_context;
      return Stream(std::move(socket));
    }
  }
  // The TCP layer, which carries the timeouts.
  beast::tcp_stream& tcp() { return beast::get_lowest_layer(stream_); }

  asio::awaitable<Next> ServeOne();
  // Answers a read error: 431/413/400 for what the client got wrong, nothing for EOF/timeouts.
  asio::awaitable<Next> OnReadError(const ErrorCode& ec);
  asio::awaitable<Next> SendError(int status, std::string_view code, std::string_view message);
  // Writes `response`, framed by the server: Content-Length, Date, Connection.
  asio::awaitable<bool> Write(Response& response, bool keep_alive);
  // Sends the head in out_ followed by `body`.
  asio::awaitable<bool> WriteHeadAndBody(std::string_view body);
  // Plain TCP: sends the file regions `source` offers with sendfile(2), counting into *sent;
  // stops (true) when it offers none. False on any error.
  asio::awaitable<bool> SendFileRegions(BodySource& source, uint64_t total, uint64_t* sent);
  // Sends the head in out_ and then the body `source` produces, piece by piece.
  asio::awaitable<bool> WriteStreamedBody(BodySource& source);
  // TLS: sends close_notify, so the client can tell the end of the data from a cut connection.
  asio::awaitable<void> SendCloseNotify();
  asio::awaitable<void> LingeringClose();
  bool ExpectsContinue() const;

  ServerImpl& server_;
  const std::shared_ptr<ssl::context> tls_context_;  // before stream_, which uses it
  Stream stream_;
  beast::flat_buffer buffer_;  // reused across requests; may hold the start of the next request
  Request request_;            // reused across requests so that its strings keep their capacity
  std::optional<RequestParser> parser_;  // one per request, filling request_
  std::string out_;                      // the serialized response head, reused
  bool idle_ = false;
};

template <class Stream>
asio::awaitable<void> Connection<Stream>::Run() {
  const ServerOptions& options = server_.options();
  if constexpr (kTls) {
    // A connection waiting for its handshake counts as idle: shutdown closes it.
    idle_ = true;
    tcp().expires_after(options.tls_handshake_timeout);
    auto [ec] = co_await stream_.async_handshake(ssl::stream_base::server, kNoThrow);
    idle_ = false;
    if (ec) {
      // Plain HTTP on the HTTPS port, an old protocol, a client refusing the certificate:
      // closed without an answer (the client has no TLS session to read one in).
      if (!server_.shutting_down()) server_.CountHandshakeFailure();
      tcp().close();
      co_return;
    }
    request_.tls_version = SSL_get_version(stream_.native_handle());
    request_.tls_cipher = SSL_get_cipher_name(stream_.native_handle());
  }
  Next next = Next::kDrop;
  for (;;) {
    if (server_.shutting_down()) break;
    if (buffer_.size() == 0) {
      // Idle: waiting for the first byte of the next request (shutdown may cancel this read).
      idle_ = true;
      tcp().expires_after(options.idle_timeout);
      auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(kIdleReadBytes), kNoThrow);
      idle_ = false;
      if (ec) break;
      buffer_.commit(n);
    }
    next = co_await ServeOne();
    if (next != Next::kKeepAlive) break;
  }
  if (next == Next::kCloseLinger) {
    co_await LingeringClose();
  } else if (next == Next::kClose) {
    co_await SendCloseNotify();
    ErrorCode ignored;
    tcp().socket().shutdown(tcp::socket::shutdown_send, ignored);
  }
  tcp().close();
}

template <class Stream>
asio::awaitable<typename Connection<Stream>::Next> Connection<Stream>::ServeOne() {
  const ServerOptions& options = server_.options();
  if (request_.body.capacity() > kMaxReusedBodyCapacity) {
    std::string().swap(request_.body);
  } else {
    request_.body.clear();
  }
  parser_.emplace(request_);
  parser_->header_limit(static_cast<uint32_t>(options.max_header_bytes));
  // Content-Length is checked against the admitted limit after Admit, not while parsing the head.
  parser_->body_limit(boost::none);
  // One deadline for the whole request: head, 100-continue and body.
  tcp().expires_at(std::chrono::steady_clock::now() + options.request_timeout);
  {
    auto [ec, n] = co_await bhttp::async_read_header(stream_, buffer_, *parser_, kNoThrow);
    if (ec) co_return co_await OnReadError(ec);
  }
  if (parser_->version() != 10 && parser_->version() != 11) {
    co_return co_await SendError(400, "BadRequest", "Unsupported HTTP version.");
  }
  bool keep_alive = parser_->keep_alive();

  Handler& handler = server_.handler();
  Admission admission;
  bool handler_failed = false;  // no co_await inside a catch block
  try {
    admission = handler.Admit(request_);
  } catch (...) {
    handler_failed = true;
  }
  if (handler_failed) co_return co_await SendError(500, "InternalError", "Internal server error.");
  if (admission.reject) {
    if (!co_await Write(*admission.reject, /*keep_alive=*/false)) co_return Next::kDrop;
    co_return parser_->is_done() ? Next::kClose : Next::kCloseLinger;
  }

  const uint64_t limit = std::min(admission.max_body_bytes, options.max_body_bytes);
  const boost::optional<uint64_t> content_length = parser_->content_length();
  if (!parser_->is_done()) {
    if (content_length && *content_length > limit) {
      co_return co_await SendError(413, "EntityTooLarge",
                                   "The request body exceeds the maximum allowed size.");
    }
  }
  // Answered even for an empty body: botocore waits for it (an empty PutObject with
  // Expect: 100-continue), and a client that gets the final answer instead loses track of the
  // connection's next response.
  if (parser_->version() == 11 && ExpectsContinue()) {
    auto [ec, n] = co_await asio::async_write(
        stream_, asio::const_buffer(kContinue.data(), kContinue.size()), kNoThrow);
    if (ec) co_return Next::kDrop;
  }
  if (!parser_->is_done()) {
    parser_->body_limit(limit);  // enforced chunk by chunk for chunked bodies
    if (admission.consumer) {
      request_.body.reserve(kStreamPieceBytes + kIdleReadBytes);
    } else if (content_length) {
      request_.body.reserve(std::min(*content_length, kMaxBodyReserve));
    }
    if (admission.consumer) {
      // Streams the body to the consumer in pieces: memory stays bounded whatever its size.
      while (!parser_->is_done()) {
        auto [ec, n] = co_await bhttp::async_read_some(stream_, buffer_, *parser_, kNoThrow);
        if (ec) co_return co_await OnReadError(ec);
        if (request_.body.size() < kStreamPieceBytes && !parser_->is_done()) continue;
        std::optional<Response> stop;
        try {
          stop = admission.consumer->Consume(request_.body);
        } catch (...) {
          handler_failed = true;
        }
        request_.body.clear();
        if (handler_failed) {
          co_return co_await SendError(500, "InternalError", "Internal server error.");
        }
        if (stop) {
          if (!co_await Write(*stop, /*keep_alive=*/false)) co_return Next::kDrop;
          co_return parser_->is_done() ? Next::kClose : Next::kCloseLinger;
        }
      }
    } else {
      auto [ec, n] = co_await bhttp::async_read(stream_, buffer_, *parser_, kNoThrow);
      if (ec) co_return co_await OnReadError(ec);
    }
  }

  Response response;
  try {
    response = admission.consumer ? admission.consumer->Finish() : handler.Handle(request_);
  } catch (...) {
    handler_failed = true;
  }
  admission.consumer.reset();
  if (handler_failed) co_return co_await SendError(500, "InternalError", "Internal server error.");
  keep_alive = keep_alive && !server_.shutting_down();
  if (!co_await Write(response, keep_alive)) co_return Next::kDrop;
  co_return keep_alive ? Next::kKeepAlive : Next::kClose;
}

template <class Stream>
asio::awaitable<typename Connection<Stream>::Next> Connection<Stream>::OnReadError(
    const ErrorCode& ec) {
  if (ec == bhttp::error::header_limit) {
    co_return co_await SendError(431, "RequestHeaderSectionTooLarge",
                                 "The request header section exceeds the maximum allowed size.");
  }
  if (ec == bhttp::error::body_limit) {
    co_return co_await SendError(413, "EntityTooLarge",
                                 "The request body exceeds the maximum allowed size.");
  }
  if (IsMalformedRequestError(ec)) {
    co_return co_await SendError(400, "BadRequest", "The request is not valid HTTP/1.1.");
  }
  // EOF, a reset, a timeout (Beast has already closed the socket) or a shutdown cancel.
  co_return Next::kDrop;
}

template <class Stream>
asio::awaitable<typename Connection<Stream>::Next> Connection<Stream>::SendError(
    int status, std::string_view code, std::string_view message) {
  Response response = ServerErrorResponse(status, code, message);
  if (!co_await Write(response, /*keep_alive=*/false)) co_return Next::kDrop;
  co_return Next::kCloseLinger;
}

template <class Stream>
asio::awaitable<bool> Connection<Stream>::Write(Response& response, bool keep_alive) {
  int status = response.status;
  // A handler cannot send an interim (1xx) response: it would leave the client waiting.
  if (status < 200 || status > 999) status = 500;
  // 204 has no Content-Length; HEAD and 304 describe a body they do not carry, so the handler's
  // Content-Length (e.g. of an object) is kept for them.
  const bool no_length = status == 204;
  const bool head_request = parser_ && parser_->is_head_method();
  const bool describes_unsent_body = head_request || status == 304;
  const bool send_body = !no_length && !describes_unsent_body;

  out_.clear();
  out_.append("HTTP/1.1 ");
  AppendNumber(out_, static_cast<uint64_t>(status));
  out_.push_back(' ');
  const bhttp::status known = bhttp::int_to_status(static_cast<unsigned>(status));
  if (known == bhttp::status::unknown) {
    out_.append("Unknown");
  } else {
    const auto reason = bhttp::obsolete_reason(known);
    out_.append(reason.data(), reason.size());
  }
  out_.append("\r\n");

  bool has_date = false;
  const std::string* handler_length = nullptr;
  for (const Header& h : response.headers) {
    // The server owns the framing headers.
    if (EqualsIgnoreCase(h.name, "Content-Length")) {
      handler_length = &h.value;
      continue;
    }
    if (EqualsIgnoreCase(h.name, "Connection") || EqualsIgnoreCase(h.name, "Transfer-Encoding") ||
        EqualsIgnoreCase(h.name, "Keep-Alive")) {
      continue;
    }
    if (!IsSendableHeader(h)) continue;
    if (!has_date && EqualsIgnoreCase(h.name, "Date")) has_date = true;
    out_.append(h.name).append(": ").append(h.value).append("\r\n");
  }
  if (!has_date) out_.append("Date: ").append(CurrentHttpDate()).append("\r\n");
  const uint64_t body_size =
      response.body_source ? response.body_source->size() : response.body.size();
  if (!no_length && describes_unsent_body && handler_length != nullptr &&
      IsSendableHeader(Header{"Content-Length", *handler_length})) {
    out_.append("Content-Length: ").append(*handler_length).append("\r\n");
  } else if (!no_length && status != 304) {
    out_.append("Content-Length: ");
    AppendNumber(out_, body_size);
    out_.append("\r\n");
  }
  if (!keep_alive) {
    out_.append("Connection: close\r\n");
  } else if (parser_ && parser_->version() == 10) {
    out_.append("Connection: keep-alive\r\n");
  }
  out_.append("\r\n");

  tcp().expires_after(server_.options().request_timeout);
  if (!send_body || !response.body_source) {
    co_return co_await WriteHeadAndBody(send_body ? std::string_view(response.body)
                                                  : std::string_view());
  }
  co_return co_await WriteStreamedBody(*response.body_source);
}

template <class Stream>
asio::awaitable<bool> Connection<Stream>::WriteHeadAndBody(std::string_view body) {
  const asio::const_buffer head(out_.data(), out_.size());
  ErrorCode ec;
  if (body.empty()) {
    std::tie(ec, std::ignore) = co_await asio::async_write(stream_, head, kNoThrow);
  } else if constexpr (kTls) {
    // Asio's TLS stream loses the second buffer of a gathered write whose first buffer it
    // wrote alone (seen with bodies over one TLS record): write the two in turn.
    std::tie(ec, std::ignore) = co_await asio::async_write(stream_, head, kNoThrow);
    if (!ec) {
      std::tie(ec, std::ignore) = co_await asio::async_write(
          stream_, asio::const_buffer(body.data(), body.size()), kNoThrow);
    }
  } else {
    const std::array<asio::const_buffer, 2> buffers = {
        head, asio::const_buffer(body.data(), body.size())};
    std::tie(ec, std::ignore) = co_await asio::async_write(stream_, buffers, kNoThrow);
  }
  co_return !ec;
}

template <class Stream>
asio::awaitable<bool> Connection<Stream>::SendFileRegions(BodySource& source, uint64_t total,
                                                          uint64_t* sent) {
  // Plain TCP only: the kernel copies file pages to the socket (sendfile(2)).
  tcp::socket& socket = tcp().socket();
  ErrorCode ec;
  socket.native_non_blocking(true, ec);
  if (ec) co_return false;
  while (*sent < total) {
    StatusOr<std::optional<BodySource::FileRegion>> region = source.NextFileRegion(total - *sent);
    if (!region.ok()) co_return false;
    if (!*region) co_return true;  // the rest comes through Read
    uint64_t offset = (*region)->offset;
    uint64_t left = std::min((*region)->length, total - *sent);
    while (left > 0) {
      off_t file_offset = static_cast<off_t>(offset);
      const ssize_t n = ::sendfile(socket.native_handle(), (*region)->fd, &file_offset,
                                   static_cast<size_t>(std::min<uint64_t>(left, 1 << 30)));
      if (n > 0) {
        offset += static_cast<uint64_t>(n);
        left -= static_cast<uint64_t>(n);
        *sent += static_cast<uint64_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        tcp().expires_after(server_.options().request_timeout);
        auto [wait_ec] = co_await tcp().socket().async_wait(tcp::socket::wait_write, kNoThrow);
        if (wait_ec) co_return false;
        continue;
      }
      co_return false;  // n == 0 (the file is shorter than promised) or a socket error
    }
  }
  co_return true;
}

template <class Stream>
asio::awaitable<bool> Connection<Stream>::WriteStreamedBody(BodySource& source) {
  // The head goes out with the first piece. Each piece gets the request timeout afresh: a large
  // body to a slow client is legitimate, a stalled client is not.
  const uint64_t total = source.size();
  uint64_t sent = 0;
  if constexpr (!kTls) {
    if (source.file_backed()) {
      // A file-backed body: the head alone, then the file through the kernel.
      tcp().expires_after(server_.options().request_timeout);
      if (!co_await WriteHeadAndBody(std::string_view())) co_return false;
      if (!co_await SendFileRegions(source, total, &sent)) co_return false;
      if (sent == total) co_return true;
      // Whatever remains goes through Read below, without a second head.
      std::unique_ptr<char[]> rest(new char[kStreamPieceBytes]);
      while (sent < total) {
        const size_t want =
            static_cast<size_t>(std::min<uint64_t>(kStreamPieceBytes, total - sent));
        StatusOr<size_t> got = source.Read(std::span<char>(rest.get(), want));
        if (!got.ok() || *got == 0 || *got > want) co_return false;
        tcp().expires_after(server_.options().request_timeout);
        auto [ec, n] =
            co_await asio::async_write(stream_, asio::const_buffer(rest.get(), *got), kNoThrow);
        if (ec) co_return false;
        sent += *got;
      }
      co_return true;
    }
  }
  std::unique_ptr<char[]> piece(new char[kStreamPieceBytes]);
  bool head_pending = true;
  while (sent < total || head_pending) {
    size_t n = 0;
    if (sent < total) {
      const size_t want = static_cast<size_t>(std::min<uint64_t>(kStreamPieceBytes, total - sent));
      bool failed = false;
      try {
        StatusOr<size_t> got = source.Read(std::span<char>(piece.get(), want));
        failed = !got.ok() || *got == 0 || *got > want;
        if (!failed) n = *got;
      } catch (...) {
        failed = true;
      }
      // Closing mid-body is the only honest signal once the head promised a length.
      if (failed) co_return false;
    }
    tcp().expires_after(server_.options().request_timeout);
    const std::string_view data(piece.get(), n);
    if (head_pending) {
      if (!co_await WriteHeadAndBody(data)) co_return false;
    } else {
      auto [ec, written] =
          co_await asio::async_write(stream_, asio::const_buffer(data.data(), n), kNoThrow);
      if (ec) co_return false;
    }
    head_pending = false;
    sent += n;
  }
  co_return true;
}

template <class Stream>
asio::awaitable<void> Connection<Stream>::SendCloseNotify() {
  if constexpr (kTls) {
    // Marking the client's close_notify as already received makes OpenSSL's shutdown complete
    // once ours is written, instead of waiting for the client's.
    SSL_set_shutdown(stream_.native_handle(), SSL_RECEIVED_SHUTDOWN);
    tcp().expires_after(kLingerTime);
    auto [ec] = co_await stream_.async_shutdown(kNoThrow);
    (void)ec;  // the connection closes either way
  }
  co_return;
}

template <class Stream>
asio::awaitable<void> Connection<Stream>::LingeringClose() {
  co_await SendCloseNotify();
  beast::tcp_stream& raw = tcp();
  ErrorCode ignored;
  raw.socket().shutdown(tcp::socket::shutdown_send, ignored);
  // Drains raw TCP bytes: with TLS they need no decrypting to be discarded.
  raw.expires_after(kLingerTime);
  size_t drained = 0;
  while (drained < kLingerMaxBytes) {
    buffer_.clear();
    auto [ec, n] = co_await raw.async_read_some(buffer_.prepare(kIdleReadBytes), kNoThrow);
    if (ec) break;
    drained += n;
  }
  buffer_.clear();
}

template <class Stream>
bool Connection<Stream>::ExpectsContinue() const {
  std::optional<std::string_view> expect = request_.FindHeader("Expect");
  return expect && EqualsIgnoreCase(TrimWhitespace(*expect), "100-continue");
}

// Keeps the connection alive while it runs and unregisters it at the end, also when the frame is
// destroyed unfinished (the io_context going away).
asio::awaitable<void> RunConnection(ServerImpl& server,
                                    std::shared_ptr<ConnectionBase> connection) {
  struct Unregisterer {
    ServerImpl& server;
    ConnectionBase* connection;
    ~Unregisterer() { server.Unregister(connection); }
  } unregisterer{server, connection.get()};
  try {
    co_await connection->Run();
  } catch (...) {
    // Only allocation failure can get here; the connection is dropped.
  }
}

}  // namespace

ServerImpl::ServerImpl(const ServerOptions& options, Handler& handler)
    : options_(options),
      handler_(handler),
      ioc_(std::make_unique<asio::io_context>(options.worker_threads)) {}

ServerImpl::~ServerImpl() {
  assert(tls_worker_of != this && "a Server must not be destroyed by its own handler");
  Finish();
  listeners_.clear();
  ioc_.reset();
}

Status ServerImpl::ReloadTls() {
  if (!options_.tls) return FailedPreconditionError("this server does not serve TLS");
  std::lock_guard<std::mutex> lock(reload_mu_);
  SIGIL_ASSIGN_OR_RETURN(std::shared_ptr<ssl::context> context, MakeTlsContext(*options_.tls));
  tls_context_.store(std::move(context));
  return OkStatus();
}

Status ServerImpl::Listen() {
  listeners_.reserve(2);
  listeners_.emplace_back().tls = options_.tls.has_value();
  SIGIL_RETURN_IF_ERROR(Bind(options_.listen_address, options_.port, listeners_[0]));
  if (options_.plain_http) {
    listeners_.emplace_back().tls = false;
    SIGIL_RETURN_IF_ERROR(
        Bind(options_.plain_http->address, options_.plain_http->port, listeners_[1]));
  }
  return OkStatus();
}

Status ServerImpl::Bind(const std::string& address_text, uint16_t port, Listener& listener) {
  // Created first: Finish() closes every listener's acceptor, also after a failed Bind.
  listener.acceptor = std::make_unique<tcp::acceptor>(asio::make_strand(*ioc_));
  const std::string host = address_text == "localhost" ? "127.0.0.1" : address_text;
  ErrorCode ec;
  const asio::ip::address address = asio::ip::make_address(host, ec);
  if (ec) {
    return InvalidArgumentError("listen address \"" + host + "\" is not an IP address");
  }
  tcp::acceptor& acceptor = *listener.acceptor;
  const tcp::endpoint endpoint(address, port);
  const std::string where =
      (address.is_v6() ? "[" + host + "]" : host) + ":" + std::to_string(port);
  if (acceptor.open(endpoint.protocol(), ec); ec) {
    return UnavailableError("cannot open a socket for " + where + ": " + ec.message());
  }
  // Lets a restarted server rebind while old connections sit in TIME_WAIT; a port with a live
  // listener still fails with EADDRINUSE.
  if (acceptor.set_option(asio::socket_base::reuse_address(true), ec); ec) {
    return UnavailableError("cannot set SO_REUSEADDR on " + where + ": " + ec.message());
  }
  if (acceptor.bind(endpoint, ec); ec) {
    return UnavailableError("cannot bind " + where + ": " + ec.message());
  }
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec); ec) {
    return UnavailableError("cannot listen on " + where + ": " + ec.message());
  }
  const tcp::endpoint local = acceptor.local_endpoint(ec);
  if (ec) return UnavailableError("cannot read the bound port: " + ec.message());
  listener.port = local.port();

  std::string url_host = host;
  if (address.is_unspecified()) url_host = address.is_v6() ? "::1" : "127.0.0.1";
  if (address.is_v6()) url_host = "[" + url_host + "]";
  listener.url =
      (listener.tls ? "https://" : "http://") + url_host + ":" + std::to_string(listener.port);
  return OkStatus();
}

void ServerImpl::StartThreads() {
  work_.emplace(ioc_->get_executor());
  for (Listener& listener : listeners_) {
    asio::co_spawn(listener.acceptor->get_executor(), AcceptLoop(listener), asio::detached);
  }
  threads_.reserve(static_cast<size_t>(options_.worker_threads));
  for (int i = 0; i < options_.worker_threads; ++i) {
    threads_.emplace_back([this] {
      tls_worker_of = this;
      for (;;) {
        try {
          ioc_->run();
          return;
        } catch (...) {
          // A completion handler threw (only allocation failure can); keep serving.
        }
      }
    });
  }
}

asio::awaitable<void> ServerImpl::AcceptLoop(Listener& listener) {
  tcp::acceptor& acceptor = *listener.acceptor;
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(asio::make_strand(*ioc_), kNoThrow);
    if (shutting_down()) co_return;
    if (ec) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      asio::steady_timer delay(co_await asio::this_coro::executor, kAcceptRetryDelay);
      co_await delay.async_wait(kNoThrow);
      continue;
    }
    ErrorCode ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    const tcp::endpoint remote = socket.remote_endpoint(ec);
    std::string remote_address = ec ? std::string() : AddressString(remote.address());
    std::shared_ptr<ConnectionBase> connection;
    if (listener.tls) {
      connection = std::make_shared<Connection<TlsStream>>(
          *this, std::move(socket), std::move(remote_address), tls_context_.load());
    } else {
      connection = std::make_shared<Connection<PlainStream>>(*this, std::move(socket),
                                                             std::move(remote_address), nullptr);
    }
    // Over the limit or shutting down: dropping the connection closes it.
    if (!Register(connection.get())) continue;
    const asio::any_io_executor executor = connection->executor();
    asio::co_spawn(executor, RunConnection(*this, std::move(connection)), asio::detached);
  }
}

bool ServerImpl::Register(ConnectionBase* connection) {
  std::lock_guard<std::mutex> lock(mu_);
  if (shutting_down() || connections_.size() >= options_.max_connections) return false;
  connections_.insert(connection);
  return true;
}

void ServerImpl::Unregister(ConnectionBase* connection) {
  std::lock_guard<std::mutex> lock(mu_);
  if (connections_.erase(connection) > 0 && connections_.empty()) cv_.notify_all();
}

void ServerImpl::BeginShutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shutting_down()) return;
    shutting_down_.store(true, std::memory_order_release);
    for (ConnectionBase* connection : connections_) {
      asio::post(connection->executor(),
                 [self = connection->shared_from_this()] { self->OnShutdown(); });
    }
  }
  cv_.notify_all();
  for (Listener& listener : listeners_) {
    tcp::acceptor* acceptor = listener.acceptor.get();
    asio::post(acceptor->get_executor(), [acceptor] {
      ErrorCode ignored;
      acceptor->close(ignored);
    });
  }
}

void ServerImpl::Finish() {
  std::lock_guard<std::mutex> finish_lock(finish_mu_);
  if (finished_) return;
  {
    std::unique_lock<std::mutex> lock(mu_);
    const auto drained = [this] { return connections_.empty(); };
    if (!threads_.empty() && !cv_.wait_for(lock, options_.shutdown_grace, drained)) {
      for (ConnectionBase* connection : connections_) {
        asio::post(connection->executor(),
                   [self = connection->shared_from_this()] { self->ForceClose(); });
      }
      cv_.wait_for(lock, kForceCloseWait, drained);
    }
  }
  // A handler that never returns keeps its thread busy; then join blocks with it. Connections
  // still registered here are destroyed with the io_context.
  work_.reset();
  ioc_->stop();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
  for (Listener& listener : listeners_) {
    ErrorCode ignored;
    listener.acceptor->close(ignored);  // no thread runs the io_context any more
  }
  finished_ = true;
}

void ServerImpl::Shutdown() {
  BeginShutdown();
  if (tls_worker_of == this) return;  // cannot join our own thread; Wait()/~Server finish it
  Finish();
}

void ServerImpl::Wait() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return shutting_down(); });
  }
  Finish();
}

StatusOr<std::unique_ptr<Server>> Server::Start(const ServerOptions& options, Handler& handler) {
  if (options.worker_threads < 1) {
    return InvalidArgumentError("worker_threads must be at least 1");
  }
  if (options.max_header_bytes == 0 ||
      options.max_header_bytes > std::numeric_limits<uint32_t>::max()) {
    return InvalidArgumentError("max_header_bytes must be between 1 and 2^32-1");
  }
  if (options.idle_timeout.count() <= 0 || options.request_timeout.count() <= 0 ||
      options.tls_handshake_timeout.count() <= 0) {
    return InvalidArgumentError(
        "idle_timeout, request_timeout and tls_handshake_timeout must be positive");
  }
  if (options.max_connections == 0) {
    return InvalidArgumentError("max_connections must be at least 1");
  }
  if (options.plain_http && !options.tls) {
    return InvalidArgumentError(
        "a second plain HTTP listener needs TLS on the main one (which otherwise serves plain "
        "HTTP already)");
  }
  auto impl = std::make_unique<ServerImpl>(options, handler);
  if (options.tls) SIGIL_RETURN_IF_ERROR(impl->ReloadTls());
  SIGIL_RETURN_IF_ERROR(impl->Listen());
  impl->StartThreads();
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<ServerImpl> impl) : impl_(std::move(impl)) {}

Server::~Server() { impl_->Shutdown(); }

uint16_t Server::port() const { return impl_->port(); }

std::string Server::url() const { return impl_->url(); }

uint16_t Server::plain_http_port() const { return impl_->plain_http_port(); }

std::string Server::plain_http_url() const { return impl_->plain_http_url(); }

Status Server::ReloadTls() { return impl_->ReloadTls(); }

size_t Server::open_connections() const { return impl_->open_connections(); }

uint64_t Server::tls_handshake_failures() const { return impl_->tls_handshake_failures(); }

void Server::Shutdown() { impl_->Shutdown(); }

void Server::Wait() { impl_->Wait(); }

}  // namespace sigil::http
