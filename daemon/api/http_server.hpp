// The HTTP face of the API (cpp-httplib): routes, bearer authentication,
// body limits, TLS when given a certificate. Handlers are Api's calls.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "common/log.hpp"
#include "common/result.hpp"
#include "daemon/api/api.hpp"
#include "daemon/api/auth.hpp"

namespace certprint::api {

struct HttpConfig {
  std::string host = "127.0.0.1";                 // loopback unless told otherwise
  int port = 8631;                                // 0: any free port (see HttpServer::port)
  std::optional<std::filesystem::path> tls_cert;  // PEM; TLS when both are set
  std::optional<std::filesystem::path> tls_key;
  std::size_t max_body_bytes = 64 * 1024;
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
