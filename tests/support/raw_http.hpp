// Raw HTTP/1.1 over a loopback socket, for tests and benchmarks that send
// what a well-behaved client would not: a head without its body, a chunked
// or gzip body, oversized headers, a request dribbled a byte at a time.
// `SlowClients` holds many such connections open from one thread.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace certprint::testing {

// What came back on a raw connection: the status (0 when none), the head,
// the body, and whether the server closed the connection.
struct RawResponse {
  int status = 0;
  std::string head;
  std::string body;
  bool closed = false;
};

class RawConnection {
 public:
  explicit RawConnection(int port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~RawConnection() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool connected() const { return fd_ >= 0; }

  // False once the server has closed or reset the connection.
  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  // Waits up to `timeout` for one response (head and Content-Length body)
  // or for the server to close.
  RawResponse read_response(std::chrono::milliseconds timeout) {
    RawResponse r;
    const auto until = std::chrono::steady_clock::now() + timeout;
    std::string in;
    for (;;) {
      const auto end = in.find("\r\n\r\n");
      if (end != std::string::npos && complete(in, end, r)) return r;
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0) break;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        r.closed = true;
        break;
      }
      in.append(buf, static_cast<std::size_t>(n));
    }
    const auto end = in.find("\r\n\r\n");
    if (end != std::string::npos) complete(in, end, r);
    return r;
  }

  // True when the server closes (or resets) within `timeout`, reading and
  // dropping whatever it sends before.
  bool closed_within(std::chrono::milliseconds timeout) {
    const auto until = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      char buf[4096];
      if (::recv(fd_, buf, sizeof buf, 0) <= 0) return true;
    }
  }

 private:
  static bool complete(const std::string& in, std::size_t end, RawResponse& r) {
    r.head = in.substr(0, end);
    if (r.head.size() > 12) r.status = std::atoi(r.head.c_str() + 9);
    std::size_t length = 0;
    const auto cl = r.head.find("Content-Length: ");
    if (cl != std::string::npos) length = std::stoul(r.head.substr(cl + 16));
    r.body = in.substr(end + 4);
    return r.body.size() >= length;
  }

  int fd_ = -1;
};

// `count` connections that each send a request head a byte at a time, one
// byte per connection every `interval`, for as long as the object lives (a
// connection the server closes is opened again). The slowloris pattern.
class SlowClients {
 public:
  SlowClients(int port, int count, std::chrono::milliseconds interval)
      : port_(port), interval_(interval) {
    for (int i = 0; i < count; ++i) conns_.push_back(open());
    thread_ = std::thread([this] { run(); });
  }
  ~SlowClients() {
    stop_ = true;
    thread_.join();
  }
  // Connections the server closed so far.
  long closed() const { return closed_; }

 private:
  struct Slow {
    std::unique_ptr<RawConnection> conn;
    std::size_t sent = 0;
  };
  Slow open() { return {std::make_unique<RawConnection>(port_), 0}; }

  void run() {
    static const std::string head =
        "POST /v1/issuances HTTP/1.1\r\nHost: x\r\nX-Padding: " + std::string(4000, 'a') +
        "\r\n\r\n";
    while (!stop_) {
      for (auto& s : conns_) {
        if (!s.conn->send(std::string_view(head).substr(s.sent % head.size(), 1))) {
          ++closed_;
          s = open();
          continue;
        }
        ++s.sent;
      }
      std::this_thread::sleep_for(interval_);
    }
  }

  int port_;
  std::chrono::milliseconds interval_;
  std::vector<Slow> conns_;
  std::atomic<bool> stop_{false};
  std::atomic<long> closed_{0};
  std::thread thread_;
};

}  // namespace certprint::testing
