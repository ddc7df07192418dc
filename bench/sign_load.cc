// sigil_sign_load: a closed-loop HTTP/1.1 load generator for STS GetCallerIdentity that signs
// every request afresh with Sigil's own SigV4 functions (current time, fresh signature), over N
// keep-alive connections driven by one epoll thread. Prints requests/s, p50/p99 latency and the
// error count; any response other than a 200 carrying a GetCallerIdentityResult is an error.
// A single-threaded program, not a library. Loopback benchmarking only; the secret is never
// printed.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/sigv4.h"
#include "common/clock.h"
#include "common/crypto.h"
#include "common/status.h"
#include "common/strings.h"
#include "common/time_format.h"
#include "http/message.h"

namespace sigil::bench {
namespace {

constexpr std::string_view kBody = "Action=GetCallerIdentity&Version=2011-06-15";
constexpr std::string_view kContentType = "application/x-www-form-urlencoded; charset=utf-8";
constexpr std::string_view kExpectedElement = "<GetCallerIdentityResult>";
constexpr size_t kMaxResponseBytes = 1 << 20;

struct Options {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string credentials_file;
  std::string profile = "default";
  std::string region = "us-east-1";
  int connections = 32;
  double duration_seconds = 10;
  double warmup_seconds = 1;
};

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
};

// Reads one profile of an AWS credentials file (INI: "[name]" sections, "key = value" lines).
StatusOr<Credentials> ReadCredentials(const std::string& path, const std::string& profile) {
  std::ifstream in(path);
  if (!in) return InvalidArgumentError("cannot open credentials file " + path);
  Credentials creds;
  std::string line;
  bool in_profile = false;
  while (std::getline(in, line)) {
    std::string_view text = TrimWhitespace(line);
    if (text.empty() || text[0] == '#' || text[0] == ';') continue;
    if (text.front() == '[' && text.back() == ']') {
      in_profile = TrimWhitespace(text.substr(1, text.size() - 2)) == profile;
      continue;
    }
    size_t eq = text.find('=');
    if (!in_profile || eq == std::string_view::npos) continue;
    std::string_view key = TrimWhitespace(text.substr(0, eq));
    std::string_view value = TrimWhitespace(text.substr(eq + 1));
    if (key == "aws_access_key_id") creds.access_key_id = value;
    if (key == "aws_secret_access_key") creds.secret_access_key = value;
  }
  if (creds.access_key_id.empty() || creds.secret_access_key.empty()) {
    return InvalidArgumentError("profile [" + profile + "] of " + path +
                                " lacks aws_access_key_id or aws_secret_access_key");
  }
  return creds;
}

// Builds complete wire requests, each signed at the moment it is built, as an SDK does: payload
// hash, canonical request, string to sign, derived signing key and signature, all recomputed.
class RequestSigner {
 public:
  RequestSigner(Credentials creds, std::string host_header, std::string region)
      : creds_(std::move(creds)),
        host_header_(std::move(host_header)),
        region_(std::move(region)) {}

  StatusOr<std::string> Build(TimePoint now) const {
    const std::string amz_date = FormatAmzDate(now);
    const auth::CredentialScope scope{creds_.access_key_id, FormatScopeDate(now), region_, "sts",
                                      std::string(auth::kTerminator)};
    const std::vector<http::Header> headers = {
        {"Host", host_header_},
        {"Content-Type", std::string(kContentType)},
        {"X-Amz-Date", amz_date},
    };
    static const std::vector<std::string> kSignedHeaders = {"content-type", "host", "x-amz-date"};
    const std::string payload_hash = Sha256Hex(kBody);
    auth::CanonicalRequestInput input;
    input.method = "POST";
    input.raw_path = "/";
    input.raw_query = "";
    input.headers = headers;
    input.signed_headers = kSignedHeaders;
    input.payload_hash = payload_hash;
    SIGIL_ASSIGN_OR_RETURN(std::string canonical, auth::CanonicalRequest(input));
    const std::string string_to_sign = auth::StringToSign(amz_date, scope, canonical);
    const Sha256Digest key =
        auth::DeriveSigningKey(creds_.secret_access_key, scope.date, scope.region, scope.service);
    const std::string signature = auth::ComputeSignature(key, string_to_sign);

    std::string wire = "POST / HTTP/1.1\r\n";
    for (const http::Header& h : headers) wire += h.name + ": " + h.value + "\r\n";
    wire += "Authorization: " + auth::AuthorizationHeaderValue(scope, kSignedHeaders, signature) +
            "\r\n";
    wire += "Content-Length: " + std::to_string(kBody.size()) + "\r\n\r\n";
    wire += kBody;
    return wire;
  }

 private:
  Credentials creds_;
  std::string host_header_;
  std::string region_;
};

// One parsed HTTP/1.1 response at the front of a buffer.
struct ParsedResponse {
  bool complete = false;
  size_t consumed = 0;  // bytes of the buffer this response occupies
  int status = 0;
  bool close = false;  // "Connection: close"
  std::string body;
};

// Parses the response at the front of `buf`: status line, headers, then a Content-Length or
// chunked body. Incomplete input gives complete=false; malformed input is kInvalidArgument.
StatusOr<ParsedResponse> ParseResponse(std::string_view buf) {
  ParsedResponse r;
  const size_t head_end = buf.find("\r\n\r\n");
  if (head_end == std::string_view::npos) {
    if (buf.size() > kMaxResponseBytes) return InvalidArgumentError("response head too long");
    return r;
  }
  const std::string_view head = buf.substr(0, head_end);
  if (head.size() < 12 || !StartsWith(head, "HTTP/1.")) {
    return InvalidArgumentError("malformed status line");
  }
  r.status = std::atoi(std::string(head.substr(9, 3)).c_str());
  std::optional<size_t> content_length;
  bool chunked = false;
  for (std::string_view line : Split(head, '\n')) {
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view name = TrimWhitespace(line.substr(0, colon));
    const std::string_view value = TrimWhitespace(line.substr(colon + 1));
    if (EqualsIgnoreCase(name, "content-length")) {
      content_length = std::strtoull(std::string(value).c_str(), nullptr, 10);
    } else if (EqualsIgnoreCase(name, "transfer-encoding")) {
      chunked = AsciiLower(value).find("chunked") != std::string::npos;
    } else if (EqualsIgnoreCase(name, "connection")) {
      r.close = EqualsIgnoreCase(value, "close");
    }
  }
  size_t pos = head_end + 4;
  if (chunked) {
    while (true) {
      const size_t line_end = buf.find("\r\n", pos);
      if (line_end == std::string_view::npos) return r;
      const size_t size =
          std::strtoull(std::string(buf.substr(pos, line_end - pos)).c_str(), nullptr, 16);
      pos = line_end + 2;
      if (size == 0) {
        // No trailers expected: the last chunk is followed by an empty line.
        if (buf.size() < pos + 2) return r;
        pos += 2;
        break;
      }
      if (buf.size() < pos + size + 2) return r;
      r.body.append(buf.substr(pos, size));
      pos += size + 2;
    }
  } else {
    const size_t length = content_length.value_or(0);
    if (buf.size() < pos + length) return r;
    r.body.assign(buf.substr(pos, length));
    pos += length;
  }
  r.complete = true;
  r.consumed = pos;
  return r;
}

Status ErrnoError(const std::string& what) {
  return UnavailableError(what + ": " + std::strerror(errno));
}

int64_t MonotonicNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct Connection {
  int fd = -1;
  std::string out;
  size_t out_offset = 0;
  std::string in;
  int64_t sent_at_ns = 0;
  bool want_write = false;
};

struct Results {
  uint64_t completed = 0;  // responses inside the measured window
  uint64_t errors = 0;     // inside the measured window
  uint64_t warmup_requests = 0;
  uint64_t reconnects = 0;
  std::map<std::string, uint64_t> error_kinds;
  std::vector<int64_t> latencies_ns;  // measured window only
};

class LoadGenerator {
 public:
  LoadGenerator(const Options& options, const RequestSigner& signer)
      : options_(options), signer_(signer) {}
  ~LoadGenerator() {
    for (Connection& c : connections_) {
      if (c.fd >= 0) close(c.fd);
    }
    if (epoll_fd_ >= 0) close(epoll_fd_);
  }

  StatusOr<Results> Run() {
    epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
    if (epoll_fd_ < 0) return ErrnoError("epoll_create1");
    connections_.resize(options_.connections);
    for (size_t i = 0; i < connections_.size(); ++i) SIGIL_RETURN_IF_ERROR(Connect(i));

    const int64_t start = MonotonicNanos();
    measure_start_ = start + static_cast<int64_t>(options_.warmup_seconds * 1e9);
    measure_end_ = measure_start_ + static_cast<int64_t>(options_.duration_seconds * 1e9);
    results_.latencies_ns.reserve(1 << 20);
    for (size_t i = 0; i < connections_.size(); ++i) SIGIL_RETURN_IF_ERROR(SendNext(i));

    std::vector<epoll_event> events(connections_.size());
    while (true) {
      const int64_t now = MonotonicNanos();
      if (now >= measure_end_) break;
      const int timeout_ms = static_cast<int>((measure_end_ - now) / 1000000) + 1;
      const int n =
          epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), timeout_ms);
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoError("epoll_wait");
      }
      for (int e = 0; e < n; ++e) {
        SIGIL_RETURN_IF_ERROR(OnEvent(events[e].data.u32, events[e].events));
      }
    }
    return std::move(results_);
  }

 private:
  Status Connect(size_t index) {
    Connection& c = connections_[index];
    if (c.fd >= 0) close(c.fd);
    c = Connection();
    c.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c.fd < 0) return ErrnoError("socket");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(options_.port);
    if (inet_pton(AF_INET, options_.host.c_str(), &addr.sin_addr) != 1) {
      return InvalidArgumentError("not an IPv4 address: " + options_.host);
    }
    // Blocking connect on loopback is immediate; the socket turns non-blocking afterwards.
    if (connect(c.fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      return ErrnoError("connect to " + options_.host + ":" + std::to_string(options_.port));
    }
    const int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    const int flags = fcntl(c.fd, F_GETFL);
    if (flags < 0 || fcntl(c.fd, F_SETFL, flags | O_NONBLOCK) != 0) return ErrnoError("fcntl");
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u32 = static_cast<uint32_t>(index);
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, c.fd, &ev) != 0) return ErrnoError("epoll_ctl");
    return OkStatus();
  }

  Status SetWriteInterest(size_t index, bool want_write) {
    Connection& c = connections_[index];
    if (c.want_write == want_write) return OkStatus();
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP | (want_write ? EPOLLOUT : 0u);
    ev.data.u32 = static_cast<uint32_t>(index);
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c.fd, &ev) != 0) return ErrnoError("epoll_ctl");
    c.want_write = want_write;
    return OkStatus();
  }

  // Signs a fresh request and starts writing it.
  Status SendNext(size_t index) {
    Connection& c = connections_[index];
    SIGIL_ASSIGN_OR_RETURN(c.out, signer_.Build(clock_.Now()));
    c.out_offset = 0;
    c.sent_at_ns = MonotonicNanos();
    return Flush(index);
  }

  Status Flush(size_t index) {
    Connection& c = connections_[index];
    while (c.out_offset < c.out.size()) {
      const ssize_t n =
          send(c.fd, c.out.data() + c.out_offset, c.out.size() - c.out_offset, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) return SetWriteInterest(index, true);
        if (errno == EINTR) continue;
        return Reconnect(index, "send failed");
      }
      c.out_offset += static_cast<size_t>(n);
    }
    return SetWriteInterest(index, false);
  }

  // Counts an error (in the measured window), reopens the connection and sends again.
  Status Reconnect(size_t index, const std::string& kind) {
    RecordError(kind);
    ++results_.reconnects;
    SIGIL_RETURN_IF_ERROR(Connect(index));
    return SendNext(index);
  }

  void RecordError(const std::string& kind) {
    const int64_t now = MonotonicNanos();
    if (now < measure_start_ || now >= measure_end_) return;
    ++results_.errors;
    ++results_.error_kinds[kind];
  }

  Status OnEvent(size_t index, uint32_t events) {
    Connection& c = connections_[index];
    if (events & EPOLLOUT) SIGIL_RETURN_IF_ERROR(Flush(index));
    if (!(events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) return OkStatus();
    char buf[16384];
    bool peer_closed = false;
    while (true) {
      const ssize_t n = recv(c.fd, buf, sizeof(buf), 0);
      if (n > 0) {
        c.in.append(buf, static_cast<size_t>(n));
        continue;
      }
      if (n == 0) peer_closed = true;
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) peer_closed = true;
      break;
    }
    StatusOr<ParsedResponse> parsed = ParseResponse(c.in);
    if (!parsed.ok()) return Reconnect(index, "malformed response");
    if (!parsed->complete) {
      if (peer_closed) return Reconnect(index, "connection closed by server");
      return OkStatus();
    }
    const int64_t done = MonotonicNanos();
    const bool good =
        parsed->status == 200 && parsed->body.find(kExpectedElement) != std::string::npos;
    if (done >= measure_start_ && done < measure_end_) {
      if (good) {
        ++results_.completed;
        results_.latencies_ns.push_back(done - c.sent_at_ns);
      } else {
        RecordError(parsed->status == 200 ? "200 without GetCallerIdentityResult"
                                          : "HTTP " + std::to_string(parsed->status));
      }
    } else if (done < measure_start_) {
      ++results_.warmup_requests;
      if (!good)
        return InvalidArgumentError("warm-up request failed: HTTP " +
                                    std::to_string(parsed->status) + ": " +
                                    parsed->body.substr(0, 400));
    }
    c.in.erase(0, parsed->consumed);
    if (parsed->close || peer_closed) {
      ++results_.reconnects;
      SIGIL_RETURN_IF_ERROR(Connect(index));
    }
    if (done >= measure_end_) return OkStatus();
    return SendNext(index);
  }

  const Options& options_;
  const RequestSigner& signer_;
  SystemClock clock_;
  int epoll_fd_ = -1;
  std::vector<Connection> connections_;
  int64_t measure_start_ = 0;
  int64_t measure_end_ = 0;
  Results results_;
};

double PercentileMillis(std::vector<int64_t>& sorted_ns, double p) {
  if (sorted_ns.empty()) return 0;
  const size_t rank = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted_ns.size() - 1));
  return static_cast<double>(sorted_ns[rank]) / 1e6;
}

int Main(int argc, char** argv) {
  Options options;
  CLI::App app{
      "Closed-loop load of SigV4-signed STS GetCallerIdentity requests, each signed afresh.\n"
      "Prints one result line: requests, errors, rps, p50_ms, p99_ms."};
  app.add_option("--host", options.host, "IPv4 address of the server")->capture_default_str();
  app.add_option("--port", options.port, "Port of the server")->required();
  app.add_option("--credentials", options.credentials_file,
                 "AWS credentials file (e.g. DATA_DIR/root-credentials)")
      ->required();
  app.add_option("--profile", options.profile, "Profile in the credentials file")
      ->capture_default_str();
  app.add_option("--region", options.region, "Signing region")->capture_default_str();
  app.add_option("-c,--connections", options.connections, "Concurrent keep-alive connections")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  app.add_option("-d,--duration", options.duration_seconds, "Measured seconds")
      ->check(CLI::Range(0.1, 3600.0))
      ->capture_default_str();
  app.add_option("--warmup", options.warmup_seconds, "Unmeasured seconds before measuring")
      ->check(CLI::Range(0.0, 600.0))
      ->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  StatusOr<Credentials> creds = ReadCredentials(options.credentials_file, options.profile);
  if (!creds.ok()) {
    std::fprintf(stderr, "sigil_sign_load: %s\n", creds.status().message().c_str());
    return 2;
  }
  const RequestSigner signer(*creds, options.host + ":" + std::to_string(options.port),
                             options.region);
  LoadGenerator generator(options, signer);
  StatusOr<Results> results = generator.Run();
  if (!results.ok()) {
    std::fprintf(stderr, "sigil_sign_load: %s\n", results.status().message().c_str());
    return 2;
  }
  std::vector<int64_t>& lat = results->latencies_ns;
  std::sort(lat.begin(), lat.end());
  const double rps = static_cast<double>(results->completed) / options.duration_seconds;
  std::printf(
      "connections=%d duration_s=%.1f requests=%llu errors=%llu reconnects=%llu rps=%.1f "
      "p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
      options.connections, options.duration_seconds,
      static_cast<unsigned long long>(results->completed),
      static_cast<unsigned long long>(results->errors),
      static_cast<unsigned long long>(results->reconnects), rps, PercentileMillis(lat, 50),
      PercentileMillis(lat, 90), PercentileMillis(lat, 99),
      lat.empty() ? 0.0 : static_cast<double>(lat.back()) / 1e6);
  for (const auto& [kind, count] : results->error_kinds) {
    std::printf("error: %s x%llu\n", kind.c_str(), static_cast<unsigned long long>(count));
  }
  if (results->completed == 0 || results->errors != 0) return 1;
  return 0;
}

}  // namespace
}  // namespace sigil::bench

int main(int argc, char** argv) { return sigil::bench::Main(argc, argv); }
