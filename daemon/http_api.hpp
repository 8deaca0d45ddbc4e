// The HTTP face of the API (cpp-httplib): routes, bearer authentication,
// body limits, TLS when given a certificate. Handlers are Api's calls.
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/result.hpp"
#include "daemon/api.hpp"
#include "daemon/auth.hpp"

namespace certprint::daemon {

struct HttpConfig {
  std::string host = "127.0.0.1";                 // loopback unless told otherwise
  int port = 8631;                                // 0: any free port (see HttpServer::port)
  std::optional<std::filesystem::path> tls_cert;  // PEM; TLS when both are set
  std::optional<std::filesystem::path> tls_key;
  std::size_t max_body_bytes = 64 * 1024;
};

// Log lines (journald style "<N>text"); the server never logs bodies.
using LogSink = std::function<void(int priority, const std::string& line)>;

class HttpServer {
 public:
  static Result<std::unique_ptr<HttpServer>> create(const HttpConfig& config, Api& api,
                                                    const TokenTable& tokens, LogSink log);
  ~HttpServer();
  // Binds; returns the port (useful with port 0). Then serve() blocks.
  Result<int> bind();
  void serve();
  void stop();
  int port() const { return port_; }

 private:
  struct Impl;
  explicit HttpServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace certprint::daemon
