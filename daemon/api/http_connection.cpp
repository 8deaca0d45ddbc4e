#include "daemon/api/http_connection.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>

namespace certprint::api {

namespace {

using Clock = std::chrono::steady_clock;
using Until = Clock::time_point;

// The socket, plain or TLS, non-blocking; every wait ends at a deadline.
class Wire {
 public:
  Wire(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
    if (ssl_) SSL_set_fd(ssl_, fd_);
  }
  ~Wire() {
    if (ssl_) SSL_free(ssl_);
    ::close(fd_);
  }
  Wire(const Wire&) = delete;
  Wire& operator=(const Wire&) = delete;
  int fd() const { return fd_; }
  // Bytes TLS has decrypted and not yet handed out (the socket may be quiet).
  bool pending() const { return ssl_ && SSL_pending(ssl_) > 0; }

  // False when `until` passed first (or the socket failed).
  bool wait(short events, Until until) const {
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now()).count();
      if (left <= 0) return false;
      pollfd p{fd_, events, 0};
      const int n = ::poll(&p, 1, static_cast<int>(std::min<long>(left, INT_MAX)));
      if (n > 0) return true;
      if (n < 0 && errno != EINTR) return false;
    }
  }

  bool handshake(Until until) {
    for (;;) {
      const int r = SSL_accept(ssl_);
      if (r == 1) return true;
      if (!wait_for_tls(SSL_get_error(ssl_, r), until)) return false;
    }
  }

  // >0 bytes read; 0 the peer closed; -1 failed or `until` passed.
  ssize_t read(char* p, std::size_t n, Until until) {
    n = std::min<std::size_t>(n, INT_MAX);
    for (;;) {
      if (ssl_) {
        const int r = SSL_read(ssl_, p, static_cast<int>(n));
        if (r > 0) return r;
        const int e = SSL_get_error(ssl_, r);
        if (e == SSL_ERROR_ZERO_RETURN) return 0;
        if (!wait_for_tls(e, until)) return -1;
        continue;
      }
      const ssize_t r = ::recv(fd_, p, n, 0);
      if (r >= 0) return r;
      if (errno == EINTR) continue;
      if ((errno != EAGAIN && errno != EWOULDBLOCK) || !wait(POLLIN, until)) return -1;
    }
  }

  // All of `n` bytes, or -1.
  ssize_t write(const char* p, std::size_t n, Until until) {
    std::size_t done = 0;
    while (done < n) {
      const std::size_t chunk = std::min<std::size_t>(n - done, INT_MAX);
      ssize_t r;
      if (ssl_) {
        r = SSL_write(ssl_, p + done, static_cast<int>(chunk));
        if (r <= 0 && !wait_for_tls(SSL_get_error(ssl_, static_cast<int>(r)), until)) return -1;
      } else {
        r = ::send(fd_, p + done, chunk, MSG_NOSIGNAL);
        if (r < 0 && errno != EINTR &&
            ((errno != EAGAIN && errno != EWOULDBLOCK) || !wait(POLLOUT, until)))
          return -1;
      }
      if (r > 0) done += static_cast<std::size_t>(r);
    }
    return static_cast<ssize_t>(n);
  }

  // Ends the connection so that an answer already written reaches a client
  // still sending: our side is shut, and what the client sends meanwhile is
  // read and dropped (briefly) so that closing does not reset the answer.
  void close_gracefully() {
    if (ssl_) SSL_shutdown(ssl_);
    ::shutdown(fd_, SHUT_WR);
    const Until until = Clock::now() + std::chrono::milliseconds(250);
    char sink[4096];
    for (int i = 0; i < 64 && wait(POLLIN, until); ++i)
      if (::recv(fd_, sink, sizeof sink, 0) <= 0) break;
  }

 private:
  bool wait_for_tls(int error, Until until) const {
    if (error == SSL_ERROR_WANT_READ) return wait(POLLIN, until);
    if (error == SSL_ERROR_WANT_WRITE) return wait(POLLOUT, until);
    return false;
  }

  int fd_;
  SSL* ssl_;
};

enum class HeadFault { none, closed, timeout, too_large };

// A request's head in the connection's buffer: its length in bytes (with
// the blank line), and the body its headers declare.
struct Head {
  HeadFault fault = HeadFault::none;
  std::size_t length = 0;
  std::optional<std::uint64_t> content_length;
  bool other_framing = false;    // Transfer-Encoding, Content-Encoding, a garbled length
  bool bodiless_method = false;  // GET or HEAD
};

bool header_is(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() || line[name.size()] != ':') return false;
  for (std::size_t i = 0; i < name.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return false;
  return true;
}

// What the head's headers say of the body; the pre-routing check refuses
// the same requests with an answer, this only bounds what httplib reads.
void read_framing(std::string_view head, Head& h) {
  std::size_t at = head.find('\n') + 1;
  while (at < head.size()) {
    const std::size_t end = head.find('\n', at);
    const std::string_view line = head.substr(at, end - at);
    at = end + 1;
    if (header_is(line, "transfer-encoding") || header_is(line, "content-encoding")) {
      h.other_framing = true;
    } else if (header_is(line, "content-length")) {
      std::string_view v = line.substr(15);
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      while (!v.empty() && (v.back() == '\r' || v.back() == ' ' || v.back() == '\t'))
        v.remove_suffix(1);
      // Digits only, at most 18 (no overflow), and only one such header.
      bool digits = !v.empty() && v.size() <= 18 && !h.content_length;
      std::uint64_t n = 0;
      for (char c : v) {
        digits = digits && c >= '0' && c <= '9';
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
      }
      if (digits)
        h.content_length = n;
      else
        h.other_framing = true;
    }
  }
}

// Scans `buf` from `scanned` for the blank line that ends the head,
// counting lines; false while the head is incomplete.
bool scan_head(const std::string& buf, std::size_t& scanned, std::size_t& line_start,
               std::size_t& lines, Head& h, const HttpConfig& c) {
  for (; scanned < buf.size(); ++scanned) {
    if (scanned >= c.max_header_bytes || lines > c.max_header_count + 1) {
      h.fault = HeadFault::too_large;
      return true;
    }
    if (buf[scanned] != '\n') continue;
    const bool blank =
        scanned == line_start || (scanned == line_start + 1 && buf[line_start] == '\r');
    if (blank && lines > 0) {
      h.length = scanned + 1;
      return true;
    }
    ++lines;
    line_start = scanned + 1;
  }
  return false;
}

// Reads until the head is whole, within the head's bounds and `until`.
// Bytes after the head (the body's start) stay in `buf`.
Head read_head(Wire& w, std::string& buf, const HttpConfig& c, Until until) {
  Head h;
  std::size_t scanned = 0, line_start = 0, lines = 0;
  char chunk[4096];
  while (!scan_head(buf, scanned, line_start, lines, h, c)) {
    const ssize_t n = w.read(chunk, sizeof chunk, until);
    if (n <= 0) {
      h.fault = n == 0 ? HeadFault::closed : HeadFault::timeout;
      return h;
    }
    buf.append(chunk, static_cast<std::size_t>(n));
  }
  if (h.fault != HeadFault::none) return h;
  read_framing(std::string_view(buf).substr(0, h.length), h);
  h.bodiless_method = buf.compare(0, 4, "GET ") == 0 || buf.compare(0, 5, "HEAD ") == 0;
  return h;
}

// Set by answer_is_a_stream() for the request this worker thread serves.
thread_local bool g_streaming = false;

// What httplib reads of one request: the head from the buffer, then the
// body from the socket, `budget` bytes in all and nothing past `until`.
class RequestStream final : public httplib::Stream {
 public:
  RequestStream(Wire& w, const std::string& buf, std::size_t budget, Until until,
                std::chrono::milliseconds write_timeout)
      : w_(w), buf_(buf), budget_(budget), until_(until), write_timeout_(write_timeout) {}

  bool is_readable() const override { return consumed_ < budget_; }
  bool is_writable() const override { return true; }  // write() waits, up to its deadline
  ssize_t read(char* p, std::size_t n) override {
    n = std::min(n, budget_ - consumed_);
    if (n == 0) return 0;
    if (consumed_ < buf_.size()) {
      n = std::min(n, buf_.size() - consumed_);
      std::memcpy(p, buf_.data() + consumed_, n);
      consumed_ += n;
      return static_cast<ssize_t>(n);
    }
    const ssize_t r = w_.read(p, n, until_);
    if (r > 0)
      consumed_ += static_cast<std::size_t>(r), from_socket_ += static_cast<std::size_t>(r);
    return r;
  }
  // The answer has `write_timeout` in all from its first byte; a stream of
  // events, each write its own.
  ssize_t write(const char* p, std::size_t n) override {
    if (g_streaming) return w_.write(p, n, Clock::now() + write_timeout_);
    if (!write_until_) write_until_ = Clock::now() + write_timeout_;
    return w_.write(p, n, *write_until_);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    address(::getpeername, ip, port);
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    address(::getsockname, ip, port);
  }
  socket_t socket() const override { return w_.fd(); }

  bool read_all() const { return consumed_ == budget_; }
  // Bytes of the buffer httplib took; the rest belongs to the next request.
  std::size_t taken_from_buffer() const { return consumed_ - from_socket_; }

 private:
  template <class Get>
  void address(Get get, std::string& ip, int& port) const {
    sockaddr_storage a{};
    socklen_t len = sizeof a;
    char text[INET6_ADDRSTRLEN] = "";
    port = 0;
    if (get(w_.fd(), reinterpret_cast<sockaddr*>(&a), &len) != 0) return;
    if (a.ss_family == AF_INET) {
      const auto* v4 = reinterpret_cast<const sockaddr_in*>(&a);
      ::inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
      port = ntohs(v4->sin_port);
    } else if (a.ss_family == AF_INET6) {
      const auto* v6 = reinterpret_cast<const sockaddr_in6*>(&a);
      ::inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
      port = ntohs(v6->sin6_port);
    }
    ip = text;
  }

  Wire& w_;
  const std::string& buf_;
  std::size_t budget_;
  std::size_t consumed_ = 0, from_socket_ = 0;
  Until until_;
  std::chrono::milliseconds write_timeout_;
  std::optional<Until> write_until_;
};

// Writes the refusal; returns its body.
std::string write_refusal(Wire& w, int status, const char* reason, const char* code,
                          const std::string& message, std::chrono::milliseconds timeout) {
  const std::string body = nlohmann::json{{"error", {{"code", code}, {"message", message}}}}.dump();
  const std::string bytes =
      "HTTP/1.1 " + std::to_string(status) + " " + reason +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\nConnection: close\r\n\r\n" + body;
  w.write(bytes.data(), bytes.size(), Clock::now() + timeout);
  return body;
}

// The request line at the start of `buf`, without its end; empty until it
// arrived whole.
std::string request_line(const std::string& buf) {
  const std::size_t end = buf.find('\n');
  if (end == std::string::npos) return {};
  return buf.substr(0, end > 0 && buf[end - 1] == '\r' ? end - 1 : end);
}

}  // namespace

GuardedServer::GuardedServer(const HttpConfig& config, SSL_CTX* tls, Refusal refused)
    : config_(config), tls_(tls), refused_(std::move(refused)) {
  const std::size_t workers = config_.max_connections;
  new_task_queue = [workers] { return new httplib::ThreadPool(workers); };
  // Only what httplib says in its Keep-Alive header; the waits are ours.
  set_keep_alive_timeout(std::max<time_t>(
      1, std::chrono::duration_cast<std::chrono::seconds>(config_.idle_timeout).count()));
  set_keep_alive_max_count(config_.max_requests_per_connection);
}

GuardedServer::~GuardedServer() {
  if (tls_) SSL_CTX_free(tls_);
}

bool GuardedServer::widen_backlog() { return ::listen(svr_sock_, SOMAXCONN) == 0; }

bool GuardedServer::process_and_close_socket(socket_t sock) {
  Wire w(sock, tls_ ? SSL_new(tls_) : nullptr);
  if (tls_ && !w.handshake(Clock::now() + config_.request_timeout)) return false;
  std::string buf;
  for (std::size_t n = 0; n < config_.max_requests_per_connection && is_running(); ++n) {
    // Between requests, wait for the next one (or the server's stop).
    const Until idle_until =
        Clock::now() + (n == 0 ? config_.request_timeout : config_.idle_timeout);
    bool ready = !buf.empty() || w.pending();
    while (!ready && is_running() && Clock::now() < idle_until)
      ready = w.wait(POLLIN, std::min(idle_until, Clock::now() + std::chrono::milliseconds(100)));
    if (!ready) break;

    const Until until = Clock::now() + config_.request_timeout;
    const Head h = read_head(w, buf, config_, until);
    if (h.fault == HeadFault::too_large) {
      const std::string why = "the request's headers exceed " +
                              std::to_string(config_.max_header_bytes) + " bytes or " +
                              std::to_string(config_.max_header_count) + " lines";
      refused_(431, why,
               write_refusal(w, 431, "Request Header Fields Too Large", "headers_too_large", why,
                             config_.write_timeout),
               request_line(buf));
    } else if (h.fault == HeadFault::timeout && !buf.empty()) {
      const std::string why = "the request did not arrive within " +
                              std::to_string(config_.request_timeout.count()) + " ms";
      refused_(408, why,
               write_refusal(w, 408, "Request Timeout", "timeout", why, config_.write_timeout),
               request_line(buf));
    }
    if (h.fault != HeadFault::none) break;

    // Only a GET or HEAD without a body keeps the connection: a refused body
    // is never read, so nothing after it could be told from it.
    const bool body = h.other_framing || h.content_length.value_or(0) > 0 || !h.bodiless_method;
    const std::size_t allowed =
        !h.other_framing && h.content_length && *h.content_length <= config_.max_body_bytes
            ? static_cast<std::size_t>(*h.content_length)
            : 0;
    g_streaming = false;
    RequestStream strm(w, buf, h.length + allowed, until, config_.write_timeout);
    bool closed = false;
    const bool last = body || n + 1 == config_.max_requests_per_connection;
    if (!process_request(strm, last, closed, nullptr) || closed || last || !strm.read_all()) break;
    buf.erase(0, strm.taken_from_buffer());
  }
  w.close_gracefully();
  return true;
}

void answer_is_a_stream() { g_streaming = true; }

SSL_CTX* tls_server_context(const std::string& cert, const std::string& key) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (!ctx) return nullptr;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, key.c_str(), SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1) {
    SSL_CTX_free(ctx);
    return nullptr;
  }
  return ctx;
}

}  // namespace certprint::api
