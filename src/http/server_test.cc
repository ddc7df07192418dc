#include "http/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "common/strings.h"
#include "common/time_format.h"
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

// A blocking TCP client on plain POSIX sockets; every read gives up after a few seconds so that
// a server bug fails the test instead of hanging it.
class Client {
 public:
  explicit Client(uint16_t port) {
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
  }
  ~Client() { ::close(fd_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return connected_; }
  int connect_errno() const { return connect_errno_; }

  void Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
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
  bool Fill() {
    char buf[16384];
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
  bool eof_ = false;
  std::string pending_;
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

  std::atomic<uint64_t> max_body_bytes{1 << 20};
  std::atomic<bool> slow_started{false};
  std::atomic<Server*> stop_from_handler{nullptr};

 private:
  std::mutex mu_;
  std::vector<Request> admitted_;
  std::vector<Request> handled_;
};

class ServerTest : public ::testing::Test {
 protected:
  std::unique_ptr<Server> StartServer(ServerOptions options = {}) {
    StatusOr<std::unique_ptr<Server>> server = Server::Start(options, handler_);
    EXPECT_TRUE(server.ok()) << server.status().ToString();
    return server.ok() ? std::move(server).value() : nullptr;
  }

  FakeHandler handler_;
};

TEST_F(ServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(server->url(), "http://127.0.0.1:" + std::to_string(server->port()));
  Client client(server->port());
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
  EXPECT_FALSE(handled[0].secure_transport);
  EXPECT_EQ(handled[1].target, "/two");
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  client.Send(
      "PUT /p1 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcGET /p2 HTTP/1.1\r\nHost: x\r\n\r\n");
  std::optional<RawResponse> first = client.ReadResponse();
  std::optional<RawResponse> second = client.ReadResponse();
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(first->body, "abc");
  EXPECT_EQ(second->Find("X-Target"), "/p2");
}

TEST_F(ServerTest, RawTargetIsKeptByteExact) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  client.Send("GET /a%2Fb/../c?x=%20&y HTTP/1.1\r\nHost: x\r\n\r\n");
  std::optional<RawResponse> response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->Find("X-Target"), "/a%2Fb/../c?x=%20&y");
  ASSERT_EQ(handler_.handled().size(), 1u);
  EXPECT_EQ(handler_.handled()[0].target, "/a%2Fb/../c?x=%20&y");
  EXPECT_EQ(handler_.handled()[0].path(), "/a%2Fb/../c");
}

TEST_F(ServerTest, HeadersKeepArrivalOrderCaseAndRepeats) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  Client client(server->port());
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

TEST_F(ServerTest, ReadsContentLengthBody) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  Client client(server->port());
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

TEST_F(ServerTest, DecodesChunkedBodyAndKeepsTheConnection) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  Client client(server->port());
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

TEST_F(ServerTest, ExpectContinueGets100BeforeTheBodyIsSent) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  client.Send("PUT /e HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
  EXPECT_EQ(client.ReadExactly(kContinue.size()), kContinue);
  client.Send("hello");
  std::optional<RawResponse> response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "hello");
}

TEST_F(ServerTest, RejectedAdmissionAnswersWithoutContinueAndCloses) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  Client client(server->port());
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

TEST_F(ServerTest, ContentLengthOverTheAdmittedLimitIs413WithoutContinue) {
  handler_.max_body_bytes = 10;
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  Client client(server->port());
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

TEST_F(ServerTest, ChunkedBodyOverTheLimitIs413) {
  handler_.max_body_bytes = 10;
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  Client client(server->port());
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

TEST_F(ServerTest, ServerWideBodyCeilingBeatsALargerAdmission) {
  ServerOptions options;
  options.max_body_bytes = 4;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  client.Send("PUT /b HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
  std::optional<RawResponse> response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 413);
  EXPECT_TRUE(handler_.handled().empty());
}

TEST_F(ServerTest, HeaderOverTheLimitIs431) {
  ServerOptions options;
  options.max_header_bytes = 1024;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  Client client(server->port());
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

TEST_F(ServerTest, MalformedRequestsAre400AndClose) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  for (std::string_view bad :
       {"GET / HTTQ/1.1\r\nHost: x\r\n\r\n", "GET  HTTP/1.1\r\n\r\n", "GET / HTTP/2.0\r\n\r\n",
        "PUT / HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
        "PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}) {
    SCOPED_TRACE(bad);
    Client client(server->port());
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

TEST_F(ServerTest, HeadResponseKeepsTheHandlersContentLengthAndSendsNoBody) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  Client client(server->port());
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

TEST_F(ServerTest, Http10ClosesUnlessKeepAliveIsAsked) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  {
    Client client(server->port());
    client.Send("GET /old HTTP/1.0\r\n\r\n");
    std::optional<RawResponse> response = client.ReadResponse();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->Find("Connection"), "close");
    EXPECT_TRUE(client.WaitForClose());
  }
  Client client(server->port());
  client.Send("GET /ka1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  std::optional<RawResponse> first = client.ReadResponse();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->Find("Connection"), "keep-alive");
  client.Send("GET /ka2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  std::optional<RawResponse> second = client.ReadResponse();
  ASSERT_TRUE(second.has_value());
  EXPECT_EQ(second->Find("X-Target"), "/ka2");
}

TEST_F(ServerTest, HandlerExceptionBecomes500AndClose) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  client.Send("GET /throw HTTP/1.1\r\nHost: x\r\n\r\n");
  std::optional<RawResponse> response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 500);
  EXPECT_THAT(response->body, HasSubstr("<Code>InternalError</Code>"));
  EXPECT_TRUE(client.WaitForClose());
}

TEST_F(ServerTest, IdleKeepAliveConnectionTimesOut) {
  ServerOptions options;
  options.idle_timeout = 200ms;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  client.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(client.ReadResponse().has_value());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.WaitForClose());
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, 150ms);
  EXPECT_LT(elapsed, 3s);
}

TEST_F(ServerTest, RequestThatNeverCompletesTimesOut) {
  ServerOptions options;
  options.request_timeout = 300ms;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  Client client(server->port());
  client.Send("PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
  const auto start = std::chrono::steady_clock::now();
  bool closed = false;
  std::string raw = client.ReadUntilClose(&closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(raw, "");  // the stream expiry closes the socket: no response
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  EXPECT_TRUE(handler_.handled().empty());
}

TEST_F(ServerTest, ConnectionsBeyondTheLimitAreClosed) {
  ServerOptions options;
  options.max_connections = 1;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  auto first = std::make_unique<Client>(server->port());
  first->Send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(first->ReadResponse().has_value());

  Client second(server->port());
  second.Send("GET /2 HTTP/1.1\r\nHost: x\r\n\r\n");
  bool closed = false;
  EXPECT_EQ(second.ReadUntilClose(&closed), "");
  EXPECT_TRUE(closed);

  // Once the first connection is gone, a new one is served.
  first.reset();
  std::optional<RawResponse> response;
  for (int attempt = 0; attempt < 50 && !response; ++attempt) {
    std::this_thread::sleep_for(20ms);
    Client third(server->port());
    third.Send("GET /3 HTTP/1.1\r\nHost: x\r\n\r\n");
    response = third.ReadResponse();
  }
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->Find("X-Target"), "/3");
}

TEST_F(ServerTest, GracefulShutdownFinishesTheInFlightRequest) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  const uint16_t port = server->port();
  Client idle(port);
  idle.Send("GET /idle HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(idle.ReadResponse().has_value());

  Client slow(port);
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

  Client late(port);
  EXPECT_FALSE(late.connected());
  EXPECT_EQ(late.connect_errno(), ECONNREFUSED);
  server->Shutdown();  // idempotent
}

TEST_F(ServerTest, WaitReturnsAfterShutdownFromAnotherThread) {
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

TEST_F(ServerTest, ShutdownFromInsideTheHandlerDoesNotDeadlock) {
  auto server = StartServer();
  ASSERT_NE(server, nullptr);
  handler_.stop_from_handler = server.get();
  Client client(server->port());
  client.Send("GET /stop HTTP/1.1\r\nHost: x\r\n\r\n");
  std::optional<RawResponse> response = client.ReadResponse();
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->Find("Connection"), "close");
  EXPECT_TRUE(client.WaitForClose());
  server->Wait();  // completes the shutdown the handler started
  Client late(server->port());
  EXPECT_FALSE(late.connected());
}

TEST_F(ServerTest, StartOnABusyPortFails) {
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

TEST_F(ServerTest, StartRejectsAListenAddressThatIsNotAnIp) {
  ServerOptions options;
  options.listen_address = "not.an.ip";
  StatusOr<std::unique_ptr<Server>> server = Server::Start(options, handler_);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(server.status().message(), "listen address \"not.an.ip\" is not an IP address");
}

TEST_F(ServerTest, StartRejectsZeroWorkerThreads) {
  ServerOptions options;
  options.worker_threads = 0;
  StatusOr<std::unique_ptr<Server>> server = Server::Start(options, handler_);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(server.status().message(), "worker_threads must be at least 1");
}

}  // namespace
}  // namespace sigil::http
