// The HTTP face of the API (cpp-httplib): routes, bearer authentication,
// the limits on what a client may send (before it authenticates), TLS when
// given a certificate. Handlers are Api's calls.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/log.hpp"
#include "common/result.hpp"
#include "daemon/api/api.hpp"
#include "daemon/api/auth.hpp"
#include "daemon/api/console_session.hpp"

namespace certprint::api {

// An answer as the server wrote it, for HttpConfig::observe.
struct AnswerSeen {
  std::string method;  // empty when no request line arrived whole
  std::string path;    // the request's path: decoded when routed, as sent when refused unread
  int status = 0;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct HttpConfig {
  std::string host = "127.0.0.1";                 // loopback unless told otherwise
  int port = 8631;                                // 0: any free port (see HttpServer::port)
  std::optional<std::filesystem::path> tls_cert;  // PEM; TLS when both are set
  std::optional<std::filesystem::path> tls_key;
  std::size_t max_body_bytes = 64 * 1024;  // a declared Content-Length above: 413 unread
  // The limits below hold before the bearer token is checked and before a
  // body byte is read (see http_connection.hpp and docs/api.md).
  std::size_t max_header_bytes = 16 * 1024;         // request line and headers: 431 above
  std::size_t max_header_count = 64;                // header lines: 431 above
  std::chrono::milliseconds request_timeout{5000};  // one request's head and body, in total
  std::chrono::milliseconds idle_timeout{2000};     // keep-alive wait for the next request
  std::chrono::milliseconds write_timeout{5000};    // one answer, in total
  std::size_t max_connections = 128;                // served at once, a worker thread each
  std::size_t max_requests_per_connection = 100;    // then the connection is closed
  // Print-job event streams open at once (each holds a worker): more get
  // 503 with Retry-After, so streams never take the workers the API needs.
  std::size_t max_event_streams = 16;
  ConsoleSessionConfig console = {};  // the web console's sign-in sessions
  // Where session ids and CSRF tokens come from (a seam for tests); unset:
  // the system's.
  RandomSource session_random = nullptr;
  // Told of every answer written, routed or refused before routing, on the
  // worker thread that wrote it. certprintd leaves it unset; the contract
  // test sets it to check each answer against docs/openapi.yaml
  // (tests/contract/).
  std::function<void(const AnswerSeen&)> observe = nullptr;
};

class HttpServer {
 public:
  // The server never logs bodies; a request's line carries its path (ids,
  // never personal data), status and caller.
  static Result<std::unique_ptr<HttpServer>> create(const HttpConfig& config, Api& api,
                                                    const TokenTable& tokens, LogSink log);
  ~HttpServer();
  // Binds; returns the port (useful with port 0). Then serve() blocks.
  Result<int> bind();
  void serve();
  void stop();
  int port() const { return port_; }

  struct Impl;

 private:
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace certprint::api
