// The one client of certprintd's API, used by `certprint` and `certcal`:
// a bearer token, JSON in and out, and answers that say what went wrong.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/result.hpp"

namespace certprint::client {

struct ClientConfig {
  std::string url = "http://127.0.0.1:8631";  // certprintd's API
  std::string token;                          // bearer secret
  bool json = false;                          // print the daemon's JSON instead of tables
  int poll_ms = 300;                          // progress refresh while printing
  // https: the CA certificates (PEM) the server's certificate must chain to;
  // empty: the system's (/etc/ssl/certs).
  std::string ca_file;
};

struct Answer {
  int status = 0;  // 0: no answer
  nlohmann::json body;
  std::string raw;
  std::string transport_error;  // when status is 0
  bool ok(int expected) const { return status == expected; }
  // The daemon's error message, the transport's, or "HTTP N".
  std::string error_message() const;
};

// The bearer token: the first line of `token_file` when one is given (a
// trailing "\r" or blanks dropped), else `from_environment` ($CERTPRINT_TOKEN,
// read by main). Fails naming the file, or saying where a token can come from.
Result<std::string> find_token(const std::string& token_file, const char* from_environment);

class ApiClient {
 public:
  explicit ApiClient(const ClientConfig& config) : config_(config) {}
  Answer get(const std::string& path) const { return call("GET", path, ""); }
  Answer post(const std::string& path, const std::string& body = "") const {
    return call("POST", path, body);
  }
  Answer put(const std::string& path, const std::string& body) const {
    return call("PUT", path, body);
  }

 private:
  Answer call(const std::string& method, const std::string& path, const std::string& body) const;
  ClientConfig config_;
};

}  // namespace certprint::client
