// Row 4: 100 slow clients and 100 chunked or gzip bodies without a token,
// while /healthz is timed and certprintd's memory watched.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <thread>

#include "bench_support.hpp"
#include "reliability/rows.hpp"

namespace certprint::reliability {
namespace {

using Clock = std::chrono::steady_clock;

int connect_to(int port) {
  const int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{5, 0};
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    close(s);
    return -1;
  }
  return s;
}

bool send_all(int s, const std::string& bytes) {
  std::size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = send(s, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

// `n` clients that each send a request one byte every half second, half of
// them in the headers, half in a declared body; a client the server drops
// connects again.
void slow_clients(int port, int n, const std::atomic<bool>& stop, std::atomic<int>& dropped) {
  const std::string head =
      "POST /v1/issuances HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Content-Length: 100000\r\n\r\n";
  std::vector<int> socks(n, -1);
  std::vector<std::size_t> sent(n, 0);
  while (!stop) {
    for (int i = 0; i < n; ++i) {
      if (socks[i] < 0) {
        socks[i] = connect_to(port);
        // Odd clients send their headers at once and dribble the body.
        sent[i] = i % 2 ? (send_all(socks[i], head) ? head.size() : 0) : 0;
      }
      const char byte = sent[i] < head.size() ? head[sent[i]] : '{';
      if (socks[i] < 0 || send(socks[i], &byte, 1, MSG_NOSIGNAL | MSG_DONTWAIT) != 1) {
        if (socks[i] >= 0) close(socks[i]), ++dropped;
        socks[i] = -1;
        continue;
      }
      ++sent[i];
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  for (int s : socks)
    if (s >= 0) close(s);
}

std::string gzip_of_zeros(std::size_t bytes) {
  z_stream z{};
  deflateInit2(&z, 9, Z_DEFLATED, 31, 9, Z_DEFAULT_STRATEGY);
  const std::string zeros(1 << 20, '\0');
  std::string out;
  char buf[1 << 16];
  for (std::size_t left = bytes; left > 0 || z.avail_in > 0;) {
    if (z.avail_in == 0 && left > 0) {
      const std::size_t take = std::min(left, zeros.size());
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(zeros.data()));
      z.avail_in = static_cast<uInt>(take);
      left -= take;
    }
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    deflate(&z, left == 0 ? Z_FINISH : Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
    if (left == 0 && z.avail_out != 0) break;
  }
  deflateEnd(&z);
  return out;
}

// Request `i`: even ones a 4 MiB chunked body, odd ones 64 MiB of zeros
// gzipped; no Authorization header. Reads the answer's status line.
int send_body(int port, int i, const std::string& gz) {
  const int s = connect_to(port);
  if (s < 0) return -1;
  std::string req =
      "POST /v1/issuances HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Content-Type: application/json\r\n";
  bool ok = true;
  if (i % 2 == 0) {
    ok = send_all(s, req + "Transfer-Encoding: chunked\r\n\r\n");
    const std::string chunk = "10000\r\n" + std::string(0x10000, ' ') + "\r\n";
    for (int c = 0; ok && c < 64; ++c) ok = send_all(s, chunk);
    if (ok) send_all(s, "0\r\n\r\n");
  } else {
    ok =
        send_all(s, req + "Content-Encoding: gzip\r\nContent-Length: " + std::to_string(gz.size()) +
                        "\r\n\r\n" + gz);
  }
  char status[16] = {};
  const ssize_t n = recv(s, status, sizeof status - 1, 0);
  close(s);
  return n >= 12 ? std::atoi(status + 9) : 0;
}

}  // namespace

Row http_row(const Settings& s, const Cups& cups) {
  const int n = s.slow_clients;
  Row row{std::to_string(n) + " slow clients and " + std::to_string(n) +
              " chunked or gzip bodies without a token",
          "/healthz p99 < 100 ms throughout; RSS < 64 MiB", "", false};
  progress("row 4: " + row.what + " for " + std::to_string(s.http_seconds) + " s");
  Daemon d(cups, s.work / "http");
  if (!d.start()) return row.measured = "certprintd did not start", row;
  std::atomic<bool> stop{false};
  std::atomic<int> dropped{0}, bodies{0}, answered{0};
  std::thread slow([&] { slow_clients(d.port(), n, stop, dropped); });
  const std::string gz = gzip_of_zeros(std::size_t(64) << 20);
  std::vector<std::thread> senders;
  for (int t = 0; t < 10; ++t)
    senders.emplace_back([&, t] {
      for (int i = t; !stop; i += 10) {
        if (send_body(d.port(), i, gz) > 0) ++answered;
        ++bodies;
      }
    });
  std::vector<double> ms;
  long peak_kib = 0;
  httplib::Client probe("127.0.0.1", d.port());
  probe.set_connection_timeout(2, 0);
  probe.set_read_timeout(2, 0);
  const auto until = Clock::now() + std::chrono::seconds(s.http_seconds);
  while (Clock::now() < until) {
    const auto t0 = Clock::now();
    auto r = probe.Get("/healthz", {{"Authorization", "Bearer " + kClerkSecret}});
    const double took = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    ms.push_back(r && r->status == 200 ? took : std::max(took, 2000.0));
    peak_kib = std::max(peak_kib, bench::proc_kib(d.pid(), "VmRSS"));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  stop = true;
  slow.join();
  for (auto& t : senders) t.join();
  const double p99 = bench::percentile(ms, 0.99), p50 = bench::percentile(ms, 0.5);
  char text[256];
  std::snprintf(text, sizeof text,
                "/healthz p50 %.1f ms, p99 %.1f ms (%zu probes); peak RSS %.1f MiB; %d bodies "
                "sent, %d answered; slow clients dropped by the server %d times",
                p50, p99, ms.size(), peak_kib / 1024.0, bodies.load(), answered.load(),
                dropped.load());
  row.measured = text;
  row.pass = p99 < 100 && peak_kib < 64 * 1024 && d.running();
  if (!d.running()) row.measured += "; certprintd DIED";
  d.stop();
  return row;
}

}  // namespace certprint::reliability
