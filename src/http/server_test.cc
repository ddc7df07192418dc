#include "http/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/file_util.h"
#include "common/strings.h"
#include "common/time_format.h"
#include "common/tls_certs.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace sigil::http {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

using HeaderPairs = std::vector<std::pair<std::string, std::string>>;
HeaderPairs Pairs(const std::vector<Header>& headers) {
  HeaderPairs out;
  for (const Header& h : headers) out.emplace_back(h.name, h.value);
  return out;
}

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// A response as the client parsed it.
struct RawResponse {
  int status = 0;
  std::string head;  // status line and headers, as received
  std::vector<Header> headers;
  std::string body;

  std::optional<std::string> Find(std::string_view name) const {
    for (const Header& h : headers) {
      if (EqualsIgnoreCase(h.name, name)) return h.value;
    }
    return std::nullopt;
  }
};

// A blocking client on plain POSIX sockets, speaking TLS through OpenSSL when given a client
// context; every read gives up after a few seconds so that a server bug fails the test instead of
// hanging it.
class Client {
 public:
  explicit Client(uint16_t port, SSL_CTX* tls = nullptr) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
    connect_errno_ = connected_ ? 0 : errno;
    timeval tv{};
    tv.tv_sec = 5;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    if (connected_ && tls != nullptr) Handshake(tls);
  }
  ~Client() {
    if (ssl_ != nullptr) SSL_free(ssl_);
    ::close(fd_);
  }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }
  int connect_errno() const { return connect_errno_; }
  // TLS: whether the handshake succeeded, and OpenSSL's reason when it did not.
  bool handshake_ok() const { return handshake_ok_; }
  const std::string& handshake_error() const { return handshake_error_; }
  SSL* ssl() const { return ssl_; }

  void Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n;
      if (ssl_ != nullptr) {
        if (!handshake_ok_) return;
        n = SSL_write(ssl_, data.data(), static_cast<int>(data.size()));
      } else {
        n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      }
      if (n <= 0) return;
      data.remove_prefix(static_cast<size_t>(n));
    }
  }

  // Reads n bytes; fewer on EOF, error or timeout.
  std::string ReadExactly(size_t n) {
    while (pending_.size() < n && Fill()) {
    }
    std::string out = pending_.substr(0, n);
    pending_.erase(0, out.size());
    return out;
  }

  // Reads one response framed by Content-Length (none for HEAD); nullopt if the head is cut off.
  std::optional<RawResponse> ReadResponse(bool head_request = false) {
    size_t end;
    while ((end = pending_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return std::nullopt;
    }
    RawResponse r;
    r.head = pending_.substr(0, end + 4);
    pending_.erase(0, end + 4);
    std::vector<std::string_view> lines = Split(std::string_view(r.head).substr(0, end), '\n');
    std::string_view status_line = TrimWhitespace(lines[0]);
    if (status_line.size() < 12) return std::nullopt;
    r.status = std::stoi(std::string(status_line.substr(9, 3)));
    for (size_t i = 1; i < lines.size(); ++i) {
      std::string_view line = TrimWhitespace(lines[i]);
      size_t colon = line.find(':');
      if (colon == std::string_view::npos) return std::nullopt;
      r.headers.push_back({std::string(line.substr(0, colon)),
                           std::string(TrimWhitespace(line.substr(colon + 1)))});
    }
    std::optional<std::string> length = r.Find("Content-Length");
    if (!head_request && length) r.body = ReadExactly(std::stoul(*length));
    return r;
  }

  // Reads everything until the server closes; `closed` tells whether EOF (not a timeout) ended it.
  std::string ReadUntilClose(bool* closed) {
    while (Fill()) {
    }
    *closed = eof_;
    std::string out = std::move(pending_);
    pending_.clear();
    return out;
  }

  // True when the server closes the connection (EOF or reset) before the read timeout.
  bool WaitForClose() {
    bool closed = false;
    ReadUntilClose(&closed);
    return closed;
  }

 private:
  void Handshake(SSL_CTX* tls) {
    // OpenSSL writes with write(2): a server that already closed must not kill the test.
    static const bool sigpipe_ignored = ::signal(SIGPIPE, SIG_IGN) != SIG_ERR;
    (void)sigpipe_ignored;
    ssl_ = SSL_new(tls);
    SSL_set_fd(ssl_, fd_);
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), "127.0.0.1");
    ERR_clear_error();
    handshake_ok_ = SSL_connect(ssl_) == 1;
    if (!handshake_ok_) {
      const unsigned long e = ERR_peek_last_error();
      const char* reason = e != 0 ? ERR_reason_error_string(e) : nullptr;
      handshake_error_ = reason != nullptr ? reason : "connection closed";
      ERR_clear_error();
      eof_ = true;  // the server closed the connection, or the client gave up on it
    }
  }

  bool Fill() {
    char buf[16384];
    if (ssl_ != nullptr) {
      if (!handshake_ok_) return false;
      ERR_clear_error();
      const int n = SSL_read(ssl_, buf, sizeof(buf));
      if (n > 0) {
        pending_.append(buf, static_cast<size_t>(n));
        return true;
      }
      // WANT_READ is the read timeout; close_notify, EOF or a reset mean the server closed.
      eof_ = SSL_get_error(ssl_, n) != SSL_ERROR_WANT_READ;
      ERR_clear_error();
      return false;
    }
    ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
    if (n > 0) {
      pending_.append(buf, static_cast<size_t>(n));
      return true;
    }
    // 0 is EOF; ECONNRESET also means the server closed. EAGAIN is the read timeout.
    eof_ = n == 0 || errno == ECONNRESET;
    return false;
  }

  int fd_ = -1;
  bool connected_ = false;
  int connect_errno_ = 0;
  SSL* ssl_ = nullptr;
  bool handshake_ok_ = false;
  std::string handshake_error_;
  bool eof_ = false;
  std::string pending_;
};

using SslCtxPtr = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;

// A TLS client context that trusts only `ca_pem` and verifies the server's certificate.
SslCtxPtr ClientContext(const std::string& ca_pem) {
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()), &SSL_CTX_free);
  BIO* bio = BIO_new_mem_buf(ca_pem.data(), static_cast<int>(ca_pem.size()));
  X509* ca = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx.get()), ca);
  X509_free(ca);
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  return ctx;
}

// Test certificates: a CA and a server certificate for 127.0.0.1, valid from an hour ago.
LocalCertificates MakeCertificates(TimePoint not_before = SystemClock().Now() -
                                                          std::chrono::hours(1),
                                   std::chrono::hours lifetime = std::chrono::hours(24 * 30)) {
  LocalCaOptions options;
  options.hosts = {"127.0.0.1", "localhost"};
  options.not_before = not_before;
  options.server_lifetime = lifetime;
  StatusOr<LocalCertificates> certs = CreateLocalCertificates(options);
  EXPECT_TRUE(certs.ok()) << certs.status().ToString();
  return certs.ok() ? *certs : LocalCertificates{};
}

// A temporary folder holding a server.pem/server.key pair (the key 0600); removed at the end.
class TlsFilesDir {
 public:
  TlsFilesDir() {
    std::string pattern = ::testing::TempDir() + "sigil-tls-XXXXXX";
    dir_ = ::mkdtemp(pattern.data()) != nullptr ? pattern : std::string();
    EXPECT_FALSE(dir_.empty());
  }
  ~TlsFilesDir() { std::filesystem::remove_all(dir_); }
  TlsFilesDir(const TlsFilesDir&) = delete;
  TlsFilesDir& operator=(const TlsFilesDir&) = delete;

  TlsFiles files() const { return TlsFiles{dir_ + "/server.pem", dir_ + "/server.key"}; }
  void Write(const LocalCertificates& certs) {
    WriteChain(certs.server_chain_pem);
    WriteKey(certs.server_private_key_pem);
  }
  void WriteChain(const std::string& pem) {
    ASSERT_TRUE(WriteFileAtomically(files().certificate_chain_file, pem, 0644).ok());
  }
  void WriteKey(const std::string& pem, mode_t mode = 0600) {
    ASSERT_TRUE(WriteFileAtomically(files().private_key_file, pem, mode).ok());
  }

 private:
  std::string dir_;
};

// The byte at offset i of a "/download" body.
char PatternByte(uint64_t i) { return static_cast<char>('a' + (i * 7 + i / 1000) % 26); }

// Produces `size` pattern bytes in reads of at most 100,000 bytes; with `fail`, errors halfway.
class PatternSource : public BodySource {
 public:
  PatternSource(uint64_t size, bool fail) : size_(size), fail_(fail) {}
  uint64_t size() const override { return size_; }
  StatusOr<size_t> Read(std::span<char> buffer) override {
    if (fail_ && offset_ >= size_ / 2) return InternalError("disk on fire");
    const size_t n =
        static_cast<size_t>(std::min<uint64_t>({buffer.size(), 100000, size_ - offset_}));
    for (size_t i = 0; i < n; ++i) buffer[i] = PatternByte(offset_ + i);
    offset_ += n;
    return n;
  }

 private:
  uint64_t size_;
  bool fail_;
  uint64_t offset_ = 0;
};

// Serves a file through NextFileRegion in regions of at most 300,000 bytes (the sendfile path),
// and through Read otherwise.
class FileSource : public BodySource {
 public:
  FileSource(int fd, uint64_t size) : fd_(fd), size_(size) {}
  ~FileSource() override { ::close(fd_); }
  uint64_t size() const override { return size_; }
  bool file_backed() const override { return true; }
  StatusOr<std::optional<FileRegion>> NextFileRegion(uint64_t max_length) override {
    if (offset_ >= size_) return std::optional<FileRegion>();
    const uint64_t n = std::min<uint64_t>({max_length, 300000, size_ - offset_});
    FileRegion region{fd_, offset_, n};
    offset_ += n;
    return std::optional<FileRegion>(region);
  }
  StatusOr<size_t> Read(std::span<char> buffer) override {
    const ssize_t n = ::pread(fd_, buffer.data(), buffer.size(), static_cast<off_t>(offset_));
    if (n < 0) return InternalError("pread");
    offset_ += static_cast<uint64_t>(n);
    return static_cast<size_t>(n);
  }

 private:
  int fd_;
  uint64_t size_;
  uint64_t offset_ = 0;
};

// Echoes the request: status 200, X-Target = the raw target, body = the request body. Records
// what it saw. "/deny..." is rejected at admission, "/slow" takes 500 ms, "/throw" throws, HEAD
// answers with an object's Content-Length, "/stop" calls Shutdown() on stop_from_handler.
class FakeHandler : public Handler {
 public:
  Admission Admit(const Request& head) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      admitted_.push_back(head);
    }
    if (StartsWith(head.target, "/deny")) {
      Response r;
      r.status = 403;
      r.body = "denied";
      return Admission{r, 0};
    }
    if (StartsWith(head.target, "/stream")) {
      auto consumer = std::make_shared<RecordingConsumer>(*this, head.target == "/stream-stop");
      return Admission{std::nullopt, max_body_bytes.load(), consumer};
    }
    return Admission{std::nullopt, max_body_bytes.load()};
  }

  Response Handle(const Request& request) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      handled_.push_back(request);
    }
    if (request.path() == "/throw") throw std::runtime_error("handler bug");
    if (request.path() == "/stop") stop_from_handler.load()->Shutdown();
    if (request.path() == "/slow") {
      slow_started = true;
      std::this_thread::sleep_for(500ms);
    }
    Response r;
    if (request.target == "/file") {
      // A temporary file of download_bytes pattern bytes, unlinked at once (the fd keeps it).
      std::string path = ::testing::TempDir() + "sigil-file-XXXXXX";
      const int fd = ::mkstemp(path.data());
      ::unlink(path.c_str());
      std::string bytes(download_bytes.load(), '\0');
      for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = PatternByte(i);
      EXPECT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
      r.body_source = std::make_shared<FileSource>(fd, bytes.size());
      return r;
    }
    if (StartsWith(request.target, "/download")) {
      const bool fail = request.target == "/download-fail";
      r.body_source = std::make_shared<PatternSource>(download_bytes.load(), fail);
      return r;
    }
    if (request.method == "HEAD") {
      r.SetHeader("Content-Length", "1234");
      return r;
    }
    r.SetHeader("X-Target", request.target);
    r.body = request.body;
    return r;
  }

  std::vector<Request> admitted() {
    std::lock_guard<std::mutex> lock(mu_);
    return admitted_;
  }
  std::vector<Request> handled() {
    std::lock_guard<std::mutex> lock(mu_);
    return handled_;
  }

  // What streamed bodies ("/stream...") delivered: the size of each piece, whether Finish ran,
  // and how many consumers were destroyed (after Finish or without it).
  struct StreamLog {
    std::vector<size_t> pieces;
    std::string bytes;
    bool finished = false;
    bool destroyed = false;
  };
  std::vector<StreamLog> streams() {
    std::lock_guard<std::mutex> lock(mu_);
    return streams_;
  }

  std::atomic<uint64_t> max_body_bytes{1 << 20};
  // The size of "/download" bodies (a byte pattern, streamed from a BodySource).
  std::atomic<uint64_t> download_bytes{0};
  std::atomic<bool> slow_started{false};
  std::atomic<Server*> stop_from_handler{nullptr};

 private:
  std::mutex mu_;
  std::vector<Request> admitted_;
  std::vector<Request> handled_;
  std::vector<StreamLog> streams_;

  // Records every piece; "/stream-stop" answers 400 after the first one.
  class RecordingConsumer : public BodyConsumer {
   public:
    RecordingConsumer(FakeHandler& owner, bool stop_early) : owner_(owner), stop_(stop_early) {
      std::lock_guard<std::mutex> lock(owner_.mu_);
      index_ = owner_.streams_.size();
      owner_.streams_.emplace_back();
    }
    ~RecordingConsumer() override {
      std::lock_guard<std::mutex> lock(owner_.mu_);
      owner_.streams_[index_].destroyed = true;
    }
    std::optional<Response> Consume(std::string_view piece) override {
      std::lock_guard<std::mutex> lock(owner_.mu_);
      owner_.streams_[index_].pieces.push_back(piece.size());
      owner_.streams_[index_].bytes.append(piece);
      if (!stop_) return std::nullopt;
      Response r;
      r.status = 400;
      r.body = "stopped";
      return r;
    }
    Response Finish() override {
      std::lock_guard<std::mutex> lock(owner_.mu_);
      owner_.streams_[index_].finished = true;
      Response r;
      r.body = "received " + std::to_string(owner_.streams_[index_].bytes.size());
      return r;
    }

   private:
    FakeHandler& owner_;
    bool stop_;
    size_t index_ = 0;
  };
};

enum class Transport { kPlain, kTls };

// Every HTTP behaviour is tested over plain TCP and over TLS.
class ServerTest : public ::testing::TestWithParam<Transport> {
 protected:
  static void SetUpTestSuite() {
    certs_ = new LocalCertificates(MakeCertificates());
    tls_dir_ = new TlsFilesDir();
    tls_dir_->Write(*certs_);
  }
  static void TearDownTestSuite() {
    delete tls_dir_;
    delete certs_;
  }

  bool tls() const { return GetParam() == Transport::kTls; }

  std::unique_ptr<Server> StartServer(ServerOptions options = {}) {
    if (tls()) options.tls = tls_dir_->files();
    StatusOr<std::unique_ptr<Server>> server = Server::Start(options, handler_);
    EXPECT_TRUE(server.ok()) << server.status().ToString();
    return server.ok() ? std::move(server).value() : nullptr;
  }

  // The client context for this transport (null for plain TCP).
  SSL_CTX* client_tls() {
    if (!tls()) return nullptr;
    if (!client_ctx_) client_ctx_ = ClientContext(certs_->ca_certificate_pem);
    return client_ctx_.get();
  }
  Client Connect(uint16_t port) { return Client(port, client_tls()); }

  FakeHandler handler_;
  SslCtxPtr client_ctx_{nullptr, &SSL_CTX_free};
  static inline LocalCertificates* certs_ = nullptr;
  static inline TlsFilesDir* tls_dir_ = nullptr;
};

INSTANTIATE_TEST_SUITE_P(Transports, ServerTest,
                         ::testing::Values(Transport::kPlain, Transport::kTls),
                         [](const ::testing::TestParamInfo<Transport>& info) {
                           return info.param == Transport::kTls ? "Tls" : "Plain";
                         });

TEST_P(ServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->url(), (tls() ? "https" : "http") + std::string("://127.0.0.1:") +
                               std::to_string(server->port()));
  Client client = Connect(server->port());
  ASSERT_TRUE(client.connected());

  client.Send("GET /one HTTP/1.1\r\nHost: x\r\n\r\n");
  std::optional<RawResponse> first = client.ReadResponse();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->status, 200);
  EXPECT_THAT(first->head, ::testing::StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_EQ(first->Find("X-Target"), "/one");
  EXPECT_EQ(first->Find("Content-Length"), "0");
  EXPECT_EQ(first->Find("Connection"), std::nullopt);
  ASSERT_TRUE(first->Find("Date").has_value());
  EXPECT_TRUE(ParseHttpDate(*first->Find("Date")).has_value()) << *first->Find("Date");

  client.Send("GET /two HTTP/1.1\r\nHost: x\r\n\r\n");
  std::optional<RawResponse> second = client.ReadResponse();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->status, 200);
  EXPECT_EQ(second->Find("X-Target"), "/two");

  std::vector<Request> handled = handler_.handled();
  ASSERT_EQ(handled.size(), 2u);
  EXPECT_EQ(handled[0].method, "GET");
  EXPECT_EQ(handled[0].remote_address, "127.0.0.1");
  EXPECT_EQ(handled[0].secure_transport, tls());
  EXPECT_EQ(handled[1].target, "/two");
}

TEST_P(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  Client client = Connect(server->port());
  client.Send(
      "PUT /p1 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /p2 HTTP/1.1\r\nHost: x\r\n\r\n");
  std::optional<RawResponse> first = client.ReadResponse();
  std::optional<RawResponse> second = client.ReadResponse();
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(first->body, "abc");
  EXPECT_EQ(second->Find("X-Target"), "/p2");
}

TEST_P(ServerTest, RawTargetIsKeptByteExact) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  Client client = Connect(server->port());
  client.Send("GET /a%2Fb/../c?x=%20&y HTTP/1.1\r\nHost: x\r\n\r\n");
  std::optional<RawResponse> response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->Find("X-Target"), "/a%2Fb/../c?x=%20&y");
  ASSERT_EQ(handler_.handled().size(), 1u);
  EXPECT_EQ(handler_.handled()[0].target, "/a%2Fb/../c?x=%20&y");
  EXPECT_EQ(handler_.handled()[0].path(), "/a%2Fb/../c");
}

TEST_P(ServerTest, HeadersKeepArrivalOrderCaseAndRepeats) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  Client client = Connect(server->port());
  client.Send(
      "PUT /h HTTP/1.1\r\nHost: example.com\r\nX-Amz-Meta-B: 1\r\nx-amz-meta-a: two\r\n"
      "X-AMZ-META-B: 3\r\nContent-Length: 0\r\n\r\n");
  ASSERT_TRUE(client.ReadResponse().has_value());
  std::vector<Request> admitted = handler_.admitted();
  ASSERT_EQ(admitted.size(), 1u);
  EXPECT_EQ(Pairs(admitted[0].headers), (HeaderPairs{{"Host", "example.com"},
                                                     {"X-Amz-Meta-B", "1"},
                                                     {"x-amz-meta-a", "two"},
                                                     {"X-AMZ-META-B", "3"},
                                                     {"Content-Length", "0"}}));
  EXPECT_EQ(admitted[0].body, "");
  EXPECT_EQ(admitted[0].method, "PUT");
}

TEST_P(ServerTest, ReadsContentLengthBody) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  Client client = Connect(server->port());
  client.Send("PUT /b HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world");
  std::optional<RawResponse> response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "hello world");
  EXPECT_EQ(response->Find("Content-Length"), "11");
  ASSERT_EQ(handler_.handled().size(), 1u);
  EXPECT_EQ(handler_.handled()[0].body, "hello world");
  // Admission saw the head only.
  EXPECT_EQ(handler_.admitted()[0].body, "");
}

TEST_P(ServerTest, DecodesChunkedBodyAndKeepsTheConnection) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  Client client = Connect(server->port());
  client.Send(
      "PUT /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n");
  std::optional<RawResponse> response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "hello world");

  client.Send("PUT /d HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok");
  std::optional<RawResponse> next = client.ReadResponse();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->body, "ok");
}

TEST_P(ServerTest, ExpectContinueGets100BeforeTheBodyIsSent) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  Client client = Connect(server->port());
  client.Send("PUT /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  EXPECT_EQ(client.ReadExactly(kContinue.size()), kContinue);
  client.Send("hello");
  std::optional<RawResponse> response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "hello");
}

TEST_P(ServerTest, RejectedAdmissionAnswersWithoutContinueAndCloses) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  Client client = Connect(server->port());
  client.Send("PUT /deny HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  bool closed = false;
  std::string raw = client.ReadUntilClose(&closed);
  EXPECT_TRUE(closed);
  EXPECT_THAT(raw, ::testing::StartsWith("HTTP/1.1 403 Forbidden\r\n"));
  EXPECT_THAT(raw, Not(HasSubstr("100 Continue")));
  EXPECT_THAT(raw, HasSubstr("\r\nConnection: close\r\n"));
  EXPECT_THAT(raw, HasSubstr("\r\nContent-Length: 6\r\n"));
  EXPECT_THAT(raw, ::testing::EndsWith("\r\n\r\ndenied"));
  EXPECT_EQ(handler_.admitted().size(), 1u);
  EXPECT_TRUE(handler_.handled().empty());
}

// A body of n bytes that differ from one position to the next.
std::string PatternBody(size_t n) {
  std::string body(n, '\0');
  for (size_t i = 0; i < n; ++i) body[i] = PatternByte(i);
  return body;
}

TEST_P(ServerTest, StreamedBodyArrivesInBoundedPiecesThenFinishAnswers) {
  handler_.max_body_bytes = 8 << 20;
  auto server = StartServer();
  Client c = Connect(server->port());
  const std::string body = PatternBody(3 * 1024 * 1024 + 17);
  c.Send("PUT /stream HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n");
  c.Send(body);
  std::optional<RawResponse> r = c.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "received " + std::to_string(body.size()));
  std::vector<FakeHandler::StreamLog> streams = handler_.streams();
  ASSERT_EQ(streams.size(), 1u);
  EXPECT_TRUE(streams[0].finished);
  EXPECT_TRUE(streams[0].destroyed);
  EXPECT_TRUE(streams[0].bytes == body);
  EXPECT_GE(streams[0].pieces.size(), 4u);
  for (size_t piece : streams[0].pieces) EXPECT_LE(piece, 640u * 1024);
  EXPECT_TRUE(handler_.handled().empty());  // Finish answered, not Handle
  // The connection stays usable.
  c.Send("GET /next HTTP/1.1\r\nHost: x\r\n\r\n");
  r = c.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Find("X-Target"), "/next");
}

TEST_P(ServerTest, StreamedChunkedBodyIsDechunked) {
  auto server = StartServer();
  Client c = Connect(server->port());
  c.Send(
      "PUT /stream HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  std::optional<RawResponse> r = c.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "received 11");
  EXPECT_EQ(handler_.streams().at(0).bytes, "hello world");
}

TEST_P(ServerTest, StreamedRequestWithoutBodyGoesStraightToFinish) {
  auto server = StartServer();
  Client c = Connect(server->port());
  c.Send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
  std::optional<RawResponse> r = c.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "received 0");
  EXPECT_TRUE(handler_.streams().at(0).pieces.empty());
}

TEST_P(ServerTest, ConsumerThatStopsIsAnsweredAndTheConnectionClosed) {
  handler_.max_body_bytes = 8 << 20;
  auto server = StartServer();
  Client c = Connect(server->port());
  const std::string body = PatternBody(2 * 1024 * 1024);
  c.Send("PUT /stream-stop HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n");
  c.Send(body);
  std::optional<RawResponse> r = c.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(r->body, "stopped");
  EXPECT_EQ(r->Find("Connection"), "close");
  EXPECT_TRUE(c.WaitForClose());
  std::vector<FakeHandler::StreamLog> streams = handler_.streams();
  EXPECT_EQ(streams.at(0).pieces.size(), 1u);
  EXPECT_FALSE(streams.at(0).finished);
}

TEST_P(ServerTest, TruncatedStreamedBodyDestroysTheConsumerWithoutFinish) {
  handler_.max_body_bytes = 8 << 20;
  auto server = StartServer();
  {
    Client c = Connect(server->port());
    c.Send("PUT /stream HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n");
    c.Send(PatternBody(1000));
  }  // the client goes away mid-body
  for (int i = 0; i < 200 && !(handler_.streams().size() == 1 && handler_.streams()[0].destroyed);
       ++i) {
    std::this_thread::sleep_for(10ms);
  }
  std::vector<FakeHandler::StreamLog> streams = handler_.streams();
  ASSERT_EQ(streams.size(), 1u);
  EXPECT_TRUE(streams[0].destroyed);
  EXPECT_FALSE(streams[0].finished);
}

TEST_P(ServerTest, ExpectContinueWithoutBodyStillGets100) {
  auto server = StartServer();
  Client c = Connect(server->port());
  c.Send("PUT /empty HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(c.ReadExactly(kContinue.size()), kContinue);
  std::optional<RawResponse> r = c.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  c.Send("GET /next HTTP/1.1\r\nHost: x\r\n\r\n");
  r = c.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Find("X-Target"), "/next");
}

TEST_P(ServerTest, StreamedUploadGetsContinueOnlyAfterAdmission) {
  handler_.max_body_bytes = 8 << 20;
  auto server = StartServer();
  Client c = Connect(server->port());
  c.Send("PUT /stream HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(c.ReadExactly(kContinue.size()), kContinue);
  c.Send("data");
  std::optional<RawResponse> r = c.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "received 4");
}

TEST_P(ServerTest, LargeEchoedBodyArrivesWhole) {
  auto server = StartServer();
  Client c = Connect(server->port());
  const std::string body = PatternBody(300 * 1000);
  c.Send("PUT /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n");
  c.Send(body);
  std::optional<RawResponse> r = c.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body.size(), body.size());
  EXPECT_TRUE(r->body == body);
}

TEST_P(ServerTest, BodySourceIsStreamedWithItsLength) {
  handler_.download_bytes = 5 * 1024 * 1024 + 3;
  auto server = StartServer();
  Client c = Connect(server->port());
  c.Send("GET /download HTTP/1.1\r\nHost: x\r\n\r\n");
  std::optional<RawResponse> r = c.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Find("Content-Length"), std::to_string(5 * 1024 * 1024 + 3));
  EXPECT_EQ(r->body.size(), 5u * 1024 * 1024 + 3);
  EXPECT_TRUE(r->body == PatternBody(5 * 1024 * 1024 + 3));
  // HEAD describes the same body without sending it, and the connection stays in sync.
  c.Send("HEAD /download HTTP/1.1\r\nHost: x\r\n\r\n");
  r = c.ReadResponse(/*head_request=*/true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Find("Content-Length"), std::to_string(5 * 1024 * 1024 + 3));
  c.Send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n");
  r = c.ReadResponse();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->Find("X-Target"), "/after");
}

TEST_P(ServerTest, FileBackedBodyIsSentWhole) {
  // Plain TCP takes the sendfile path; TLS reads through Read.
  handler_.download_bytes = 3 * 1024 * 1024 + 11;
  auto server = StartServer();
  Client c = Connect(server->port());
  for (int i = 0; i < 2; ++i) {  // twice on one connection: the framing stays in sync
    c.Send("GET /file HTTP/1.1\r\nHost: x\r\n\r\n");
    std::optional<RawResponse> r = c.ReadResponse();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->Find("Content-Length"), std::to_string(3 * 1024 * 1024 + 11));
    EXPECT_TRUE(r->body == PatternBody(3 * 1024 * 1024 + 11));
  }
}

TEST_P(ServerTest, BodySourceFailureCutsTheConnectionShort) {
  handler_.download_bytes = 2 * 1024 * 1024;
  auto server = StartServer();
  Client c = Connect(server->port());
  c.Send("GET /download-fail HTTP/1.1\r\nHost: x\r\n\r\n");
  bool closed = false;
  const std::string all = c.ReadUntilClose(&closed);
  EXPECT_TRUE(closed);
  EXPECT_THAT(all, HasSubstr("Content-Length: 2097152"));
  const size_t head_end = all.find("\r\n\r\n");
  ASSERT_NE(head_end, std::string::npos);
  EXPECT_LT(all.size() - head_end - 4, 2u * 1024 * 1024);
}

TEST_P(ServerTest, ContentLengthOverTheAdmittedLimitIs413WithoutContinue) {
  handler_.max_body_bytes = 10;
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  Client client = Connect(server->port());
  client.Send("PUT /big HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\n");
  bool closed = false;
  std::string raw = client.ReadUntilClose(&closed);
  EXPECT_TRUE(closed);
  EXPECT_THAT(raw, ::testing::StartsWith("HTTP/1.1 413 Payload Too Large\r\n"));
  EXPECT_THAT(raw, Not(HasSubstr("100 Continue")));
  EXPECT_THAT(raw, HasSubstr("\r\nConnection: close\r\n"));
  EXPECT_THAT(raw, HasSubstr("<Error><Code>EntityTooLarge</Code>"));
  EXPECT_TRUE(handler_.handled().empty());
}

TEST_P(ServerTest, ChunkedBodyOverTheLimitIs413) {
  handler_.max_body_bytes = 10;
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  Client client = Connect(server->port());
  client.Send(
      "PUT /big HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "6\r\nhello \r\n6\r\nworld!\r\n0\r\n\r\n");
  std::optional<RawResponse> response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(response->Find("Connection"), "close");
  EXPECT_THAT(response->body, HasSubstr("<Code>EntityTooLarge</Code>"));
  EXPECT_TRUE(client.WaitForClose());
  EXPECT_TRUE(handler_.handled().empty());
}

TEST_P(ServerTest, ServerWideBodyCeilingBeatsALargerAdmission) {
  ServerOptions options;
  options.max_body_bytes = 4;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  Client client = Connect(server->port());
  client.Send("PUT /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
  std::optional<RawResponse> response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 413);
  EXPECT_TRUE(handler_.handled().empty());
}

TEST_P(ServerTest, HeaderOverTheLimitIs431) {
  ServerOptions options;
  options.max_header_bytes = 1024;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  Client client = Connect(server->port());
  client.Send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(2000, 'a') + "\r\n\r\n");
  std::optional<RawResponse> response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 431);
  EXPECT_EQ(response->Find("Connection"), "close");
  EXPECT_EQ(response->Find("Content-Type"), "application/xml");
  EXPECT_THAT(response->body,
              ::testing::StartsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>"
                                    "RequestHeaderSectionTooLarge</Code>"));
  EXPECT_TRUE(client.WaitForClose());
  EXPECT_TRUE(handler_.admitted().empty());
}

TEST_P(ServerTest, MalformedRequestsAre400AndClose) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  for (std::string_view bad :
       {"GET / HTTQ/1.1\r\nHost: x\r\n\r\n", "GET  HTTP/1.1\r\n\r\n", "GET / HTTP/2.0\r\n\r\n",
        "PUT / HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
        "PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}) {
    SCOPED_TRACE(bad);
    Client client = Connect(server->port());
    client.Send(bad);
    std::optional<RawResponse> response = client.ReadResponse();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 400);
    EXPECT_EQ(response->Find("Connection"), "close");
    EXPECT_THAT(response->body, HasSubstr("<Code>BadRequest</Code>"));
    EXPECT_TRUE(client.WaitForClose());
  }
  EXPECT_TRUE(handler_.handled().empty());
}

TEST_P(ServerTest, HeadResponseKeepsTheHandlersContentLengthAndSendsNoBody) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  Client client = Connect(server->port());
  client.Send("HEAD /obj HTTP/1.1\r\nHost: x\r\n\r\n");
  std::optional<RawResponse> head = client.ReadResponse(/*head_request=*/true);
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Find("Content-Length"), "1234");
  // The next response starts right after the head: no body bytes were sent.
  client.Send("GET /after HTTP/1.1\r\nHost: x\r\n\r\n");
  std::optional<RawResponse> next = client.ReadResponse();
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->Find("X-Target"), "/after");
}

TEST_P(ServerTest, Http10ClosesUnlessKeepAliveIsAsked) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  {
    Client client = Connect(server->port());
    client.Send("GET /old HTTP/1.0\r\n\r\n");
    std::optional<RawResponse> response = client.ReadResponse();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->Find("Connection"), "close");
    EXPECT_TRUE(client.WaitForClose());
  }
  Client client = Connect(server->port());
  client.Send("GET /ka1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  std::optional<RawResponse> first = client.ReadResponse();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->Find("Connection"), "keep-alive");
  client.Send("GET /ka2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  std::optional<RawResponse> second = client.ReadResponse();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->Find("X-Target"), "/ka2");
}

TEST_P(ServerTest, HandlerExceptionBecomes500AndClose) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  Client client = Connect(server->port());
  client.Send("GET /throw HTTP/1.1\r\nHost: x\r\n\r\n");
  std::optional<RawResponse> response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 500);
  EXPECT_THAT(response->body, HasSubstr("<Code>InternalError</Code>"));
  EXPECT_TRUE(client.WaitForClose());
}

TEST_P(ServerTest, IdleKeepAliveConnectionTimesOut) {
  ServerOptions options;
  options.idle_timeout = 200ms;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  Client client = Connect(server->port());
  client.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(client.ReadResponse().has_value());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.WaitForClose());
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, 150ms);
  EXPECT_LT(elapsed, 3s);
}

TEST_P(ServerTest, RequestThatNeverCompletesTimesOut) {
  ServerOptions options;
  options.request_timeout = 300ms;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  Client client = Connect(server->port());
  client.Send("PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
  const auto start = std::chrono::steady_clock::now();
  bool closed = false;
  std::string raw = client.ReadUntilClose(&closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(raw, "");  // the stream expiry closes the socket: no response
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_TRUE(handler_.handled().empty());
}

TEST_P(ServerTest, ConnectionsBeyondTheLimitAreClosed) {
  ServerOptions options;
  options.max_connections = 1;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  auto first = std::make_unique<Client>(server->port(), client_tls());
  first->Send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(first->ReadResponse().has_value());

  Client second = Connect(server->port());
  second.Send("GET /2 HTTP/1.1\r\nHost: x\r\n\r\n");
  bool closed = false;
  EXPECT_EQ(second.ReadUntilClose(&closed), "");
  EXPECT_TRUE(closed);

  // Once the first connection is gone, a new one is served.
  first.reset();
  std::optional<RawResponse> response;
  for (int attempt = 0; attempt < 50 && !response; ++attempt) {
    std::this_thread::sleep_for(20ms);
    Client third = Connect(server->port());
    third.Send("GET /3 HTTP/1.1\r\nHost: x\r\n\r\n");
    response = third.ReadResponse();
  }
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->Find("X-Target"), "/3");
}

TEST_P(ServerTest, GracefulShutdownFinishesTheInFlightRequest) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  const uint16_t port = server->port();
  Client idle = Connect(port);
  idle.Send("GET /idle HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(idle.ReadResponse().has_value());

  Client slow = Connect(port);
  slow.Send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
  for (int i = 0; i < 200 && !handler_.slow_started; ++i) std::this_thread::sleep_for(5ms);
  ASSERT_TRUE(handler_.slow_started);

  const auto start = std::chrono::steady_clock::now();
  server->Shutdown();  // returns once the slow request is answered
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);

  std::optional<RawResponse> response = slow.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->Find("X-Target"), "/slow");
  EXPECT_EQ(response->Find("Connection"), "close");
  EXPECT_TRUE(slow.WaitForClose());
  EXPECT_TRUE(idle.WaitForClose());

  Client late = Connect(port);
  EXPECT_FALSE(late.connected());
  EXPECT_EQ(late.connect_errno(), ECONNREFUSED);
  server->Shutdown();  // idempotent
}

TEST_P(ServerTest, WaitReturnsAfterShutdownFromAnotherThread) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  std::atomic<bool> waited{false};
  std::thread waiter([&] {
    server->Wait();
    waited = true;
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(waited);
  server->Shutdown();
  waiter.join();
  EXPECT_TRUE(waited);
}

TEST_P(ServerTest, ShutdownFromInsideTheHandlerDoesNotDeadlock) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  handler_.stop_from_handler = server.get();
  Client client = Connect(server->port());
  client.Send("GET /stop HTTP/1.1\r\nHost: x\r\n\r\n");
  std::optional<RawResponse> response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->Find("Connection"), "close");
  EXPECT_TRUE(client.WaitForClose());
  server->Wait();  // completes the shutdown the handler started
  Client late = Connect(server->port());
  EXPECT_FALSE(late.connected());
}

TEST_P(ServerTest, StartOnABusyPortFails) {
  auto first = StartServer();
  ASSERT_NE(first, nullptr);
  ServerOptions options;
  options.port = first->port();
  StatusOr<std::unique_ptr<Server>> second = Server::Start(options, handler_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(second.status().message(),
            "cannot bind 127.0.0.1:" + std::to_string(first->port()) + ": Address already in use");
}

TEST_P(ServerTest, StartRejectsAListenAddressThatIsNotAnIp) {
  ServerOptions options;
  options.listen_address = "not.an.ip";
  StatusOr<std::unique_ptr<Server>> server = Server::Start(options, handler_);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(server.status().message(), "listen address \"not.an.ip\" is not an IP address");
}

TEST_P(ServerTest, StartRejectsZeroWorkerThreads) {
  ServerOptions options;
  options.worker_threads = 0;
  StatusOr<std::unique_ptr<Server>> server = Server::Start(options, handler_);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(server.status().message(), "worker_threads must be at least 1");
}

TEST_P(ServerTest, OpenConnectionsCountsRegisteredConnections) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->open_connections(), 0u);
  {
    Client first = Connect(server->port());
    Client second = Connect(server->port());
    first.Send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n");
    second.Send("GET /2 HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(first.ReadResponse().has_value());
    ASSERT_TRUE(second.ReadResponse().has_value());
    EXPECT_EQ(server->open_connections(), 2u);
  }
  for (int i = 0; i < 200 && server->open_connections() != 0; ++i) {
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_EQ(server->open_connections(), 0u);
}

// TLS specifics: protocol policy, the second plain listener, handshake failures, reload.
class TlsServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    certs_a_ = MakeCertificates();
    dir_.Write(certs_a_);
    ctx_a_ = ClientContext(certs_a_.ca_certificate_pem);
  }

  std::unique_ptr<Server> StartServer(ServerOptions options = {}) {
    options.tls = dir_.files();
    StatusOr<std::unique_ptr<Server>> server = Server::Start(options, handler_);
    EXPECT_TRUE(server.ok()) << server.status().ToString();
    return server.ok() ? std::move(server).value() : nullptr;
  }

  // Waits (briefly) for the server's count of failed handshakes to reach `n`.
  static uint64_t WaitForHandshakeFailures(const Server& server, uint64_t n) {
    for (int i = 0; i < 200 && server.tls_handshake_failures() < n; ++i) {
      std::this_thread::sleep_for(10ms);
    }
    return server.tls_handshake_failures();
  }

  // One GET on `client`; the X-Target header of the answer, or "" when there was none.
  static std::string Get(Client& client, std::string_view target) {
    client.Send("GET " + std::string(target) + " HTTP/1.1\r\nHost: x\r\n\r\n");
    std::optional<RawResponse> response = client.ReadResponse();
    if (!response) return "";
    return response->Find("X-Target").value_or("");
  }

  FakeHandler handler_;
  TlsFilesDir dir_;
  LocalCertificates certs_a_;
  SslCtxPtr ctx_a_{nullptr, &SSL_CTX_free};
};

TEST_F(TlsServerTest, PlainHttpOnTheTlsPortIsClosedWithoutAnAnswerAndCounted) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->tls_handshake_failures(), 0u);
  Client plain(server->port());
  plain.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  bool closed = false;
  std::string raw = plain.ReadUntilClose(&closed);
  EXPECT_TRUE(closed);
  EXPECT_THAT(raw, Not(HasSubstr("HTTP/1.1")));
  EXPECT_EQ(WaitForHandshakeFailures(*server, 1), 1u);
  EXPECT_TRUE(handler_.admitted().empty());
}

TEST_F(TlsServerTest, HandshakeThatNeverStartsTimesOut) {
  ServerOptions options;
  options.tls_handshake_timeout = 200ms;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  Client silent(server->port());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(silent.WaitForClose());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_EQ(WaitForHandshakeFailures(*server, 1), 1u);
}

TEST_F(TlsServerTest, Tls13IsNegotiatedByDefaultWithoutCompression) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  Client client(server->port(), ctx_a_.get());
  ASSERT_TRUE(client.handshake_ok()) << client.handshake_error();
  EXPECT_EQ(SSL_version(client.ssl()), TLS1_3_VERSION);
  EXPECT_EQ(SSL_get_current_compression(client.ssl()), nullptr);
  EXPECT_EQ(SSL_get_verify_result(client.ssl()), X509_V_OK);
  EXPECT_EQ(Get(client, "/t13"), "/t13");
}

TEST_F(TlsServerTest, Tls12NegotiatesAnEcdheAeadCipher) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  SSL_CTX_set_max_proto_version(ctx_a_.get(), TLS1_2_VERSION);
  Client client(server->port(), ctx_a_.get());
  ASSERT_TRUE(client.handshake_ok()) << client.handshake_error();
  EXPECT_EQ(SSL_version(client.ssl()), TLS1_2_VERSION);
  EXPECT_THAT(std::string(SSL_get_cipher_name(client.ssl())),
              ::testing::AnyOf("ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
                               "ECDHE-ECDSA-CHACHA20-POLY1305"));
  EXPECT_EQ(Get(client, "/t12"), "/t12");
}

TEST_F(TlsServerTest, Tls12WithoutAnAeadCipherIsRefused) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  SSL_CTX_set_max_proto_version(ctx_a_.get(), TLS1_2_VERSION);
  ASSERT_EQ(
      SSL_CTX_set_cipher_list(ctx_a_.get(), "ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA"), 1);
  Client client(server->port(), ctx_a_.get());
  EXPECT_FALSE(client.handshake_ok());
  EXPECT_EQ(client.handshake_error(), "sslv3 alert handshake failure");
  EXPECT_EQ(WaitForHandshakeFailures(*server, 1), 1u);
}

TEST_F(TlsServerTest, TlsOlderThan12IsRefusedByTheServer) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  // A client willing to speak TLS 1.0 and 1.1 only (which takes lowering its own security level).
  SslCtxPtr old(SSL_CTX_new(TLS_client_method()), &SSL_CTX_free);
  SSL_CTX_set_security_level(old.get(), 0);
  ASSERT_EQ(SSL_CTX_set_cipher_list(old.get(), "DEFAULT:@SECLEVEL=0"), 1);
  SSL_CTX_set_min_proto_version(old.get(), TLS1_VERSION);
  SSL_CTX_set_max_proto_version(old.get(), TLS1_1_VERSION);
  Client client(server->port(), old.get());
  EXPECT_FALSE(client.handshake_ok());
  // The refusal comes from the server, as an alert.
  EXPECT_EQ(client.handshake_error(), "tlsv1 alert protocol version");
  EXPECT_EQ(WaitForHandshakeFailures(*server, 1), 1u);
}

TEST_F(TlsServerTest, RenegotiationIsRefused) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  SSL_CTX_set_max_proto_version(ctx_a_.get(), TLS1_2_VERSION);
  Client client(server->port(), ctx_a_.get());
  ASSERT_TRUE(client.handshake_ok()) << client.handshake_error();
  EXPECT_EQ(Get(client, "/before"), "/before");
  ASSERT_EQ(SSL_renegotiate(client.ssl()), 1);
  EXPECT_NE(SSL_do_handshake(client.ssl()), 1);
  const unsigned long e = ERR_peek_last_error();
  ERR_clear_error();
  ASSERT_NE(e, 0u);
  EXPECT_STREQ(ERR_reason_error_string(e), "no renegotiation");
}

TEST_F(TlsServerTest, SecondListenerServesPlainHttp) {
  ServerOptions options;
  options.plain_http = ListenEndpoint{"127.0.0.1", 0};
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  ASSERT_NE(server->plain_http_port(), 0);
  EXPECT_NE(server->plain_http_port(), server->port());
  EXPECT_EQ(server->url(), "https://127.0.0.1:" + std::to_string(server->port()));
  EXPECT_EQ(server->plain_http_url(),
            "http://127.0.0.1:" + std::to_string(server->plain_http_port()));

  Client secure(server->port(), ctx_a_.get());
  ASSERT_TRUE(secure.handshake_ok()) << secure.handshake_error();
  EXPECT_EQ(Get(secure, "/secure"), "/secure");
  Client plain(server->plain_http_port());
  EXPECT_EQ(Get(plain, "/plain"), "/plain");

  std::vector<Request> handled = handler_.handled();
  ASSERT_EQ(handled.size(), 2u);
  EXPECT_EQ(handled[0].target, "/secure");
  EXPECT_TRUE(handled[0].secure_transport);
  EXPECT_EQ(handled[1].target, "/plain");
  EXPECT_FALSE(handled[1].secure_transport);

  server->Shutdown();
  Client late(server->plain_http_port());
  EXPECT_FALSE(late.connected());
}

TEST_F(TlsServerTest, WithoutTlsThereIsNoSecondListenerAndNothingToReload) {
  ServerOptions options;
  options.plain_http = ListenEndpoint{"127.0.0.1", 0};
  StatusOr<std::unique_ptr<Server>> refused = Server::Start(options, handler_);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.status().message(),
            "a second plain HTTP listener needs TLS on the main one (which otherwise serves plain "
            "HTTP already)");

  StatusOr<std::unique_ptr<Server>> plain = Server::Start(ServerOptions{}, handler_);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ((*plain)->plain_http_port(), 0);
  EXPECT_EQ((*plain)->plain_http_url(), "");
  Status reload = (*plain)->ReloadTls();
  EXPECT_EQ(reload.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(reload.message(), "this server does not serve TLS");
}

TEST_F(TlsServerTest, ReloadKeepsOpenConnectionsAndServesNewOnesWithTheNewCertificate) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  Client before(server->port(), ctx_a_.get());
  ASSERT_TRUE(before.handshake_ok()) << before.handshake_error();
  EXPECT_EQ(Get(before, "/1"), "/1");

  LocalCertificates certs_b = MakeCertificates();
  dir_.Write(certs_b);
  ASSERT_TRUE(server->ReloadTls().ok());

  // The open keep-alive connection carries on with its session.
  EXPECT_EQ(Get(before, "/2"), "/2");
  // New connections get the new certificate: CA A no longer verifies it, CA B does.
  Client old_trust(server->port(), ctx_a_.get());
  EXPECT_FALSE(old_trust.handshake_ok());
  EXPECT_EQ(old_trust.handshake_error(), "certificate verify failed");
  SslCtxPtr ctx_b = ClientContext(certs_b.ca_certificate_pem);
  Client after(server->port(), ctx_b.get());
  ASSERT_TRUE(after.handshake_ok()) << after.handshake_error();
  EXPECT_EQ(Get(after, "/3"), "/3");
  EXPECT_EQ(Get(before, "/4"), "/4");
}

TEST_F(TlsServerTest, BadFilesAreRefusedAndTheOldCertificateStays) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  const TlsFiles files = dir_.files();
  LocalCertificates other = MakeCertificates();

  dir_.WriteChain("not a certificate\n");
  Status s = server->ReloadTls();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "the TLS certificate file " + files.certificate_chain_file +
                             " holds no PEM certificate (\"-----BEGIN CERTIFICATE-----\")");

  dir_.WriteChain(certs_a_.server_chain_pem);
  dir_.WriteKey(other.server_private_key_pem);
  s = server->ReloadTls();
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "the TLS private key in " + files.private_key_file +
                             " does not match the certificate in " + files.certificate_chain_file);

  dir_.WriteKey("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  s = server->ReloadTls();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "the TLS private key file " + files.private_key_file +
                             " holds no unencrypted PEM private key");

  dir_.WriteKey(certs_a_.server_private_key_pem, 0640);
  s = server->ReloadTls();
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(s.message(), "the TLS private key file " + files.private_key_file +
                             " may be read by other users; run: chmod 600 " +
                             files.private_key_file);
  // Secrets stay out of messages.
  EXPECT_THAT(s.message(), Not(HasSubstr("PRIVATE KEY")));

  ASSERT_EQ(::unlink(files.certificate_chain_file.c_str()), 0);
  dir_.WriteKey(certs_a_.server_private_key_pem);
  s = server->ReloadTls();
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "cannot read the TLS certificate file: opening " +
                             files.certificate_chain_file + ": No such file or directory");

  // Throughout, new connections got the original certificate.
  Client client(server->port(), ctx_a_.get());
  ASSERT_TRUE(client.handshake_ok()) << client.handshake_error();
  EXPECT_EQ(Get(client, "/still"), "/still");
}

TEST_F(TlsServerTest, StartRefusesAnExpiredCertificate) {
  LocalCertificates expired =
      MakeCertificates(SystemClock().Now() - std::chrono::hours(24 * 10), std::chrono::hours(24));
  dir_.Write(expired);
  ServerOptions options;
  options.tls = dir_.files();
  StatusOr<std::unique_ptr<Server>> server = Server::Start(options, handler_);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(server.status().message(),
            "the TLS certificate in " + dir_.files().certificate_chain_file + " has expired");
}

TEST_F(TlsServerTest, StartRefusesAMissingKeyFile) {
  ServerOptions options;
  options.tls = TlsFiles{dir_.files().certificate_chain_file, "/nonexistent/server.key"};
  StatusOr<std::unique_ptr<Server>> server = Server::Start(options, handler_);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(server.status().message(),
            "cannot read the TLS private key file: checking /nonexistent/server.key: No such file "
            "or directory");
}

TEST_F(TlsServerTest, ShutdownClosesAConnectionStillInItsHandshake) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  Client silent(server->port());
  for (int i = 0; i < 200 && server->open_connections() == 0; ++i) std::this_thread::sleep_for(5ms);
  ASSERT_EQ(server->open_connections(), 1u);
  const auto start = std::chrono::steady_clock::now();
  server->Shutdown();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_TRUE(silent.WaitForClose());
}

}  // namespace
}  // namespace sigil::http
