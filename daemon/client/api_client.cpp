#include "daemon/client/api_client.hpp"

#include <httplib.h>

#include <fstream>

#include "common/secret_file.hpp"

namespace certprint::client {

std::string Answer::error_message() const {
  if (status == 0) return transport_error;
  if (body.is_object() && body.contains("error") && body["error"].is_object())
    return body["error"].value("message", "HTTP " + std::to_string(status));
  return "HTTP " + std::to_string(status);
}

Result<std::string> find_token(const std::string& token_file, const char* from_environment) {
  if (token_file.empty()) {
    if (from_environment && *from_environment) return std::string(from_environment);
    return invalid("give --token-file or set CERTPRINT_TOKEN");
  }
  auto text = read_secret_file(token_file, "token file", 64 * 1024);
  if (!text) return text.error();
  std::string token = text->substr(0, text->find('\n'));
  while (!token.empty() && (token.back() == '\r' || token.back() == ' ' || token.back() == '\t'))
    token.pop_back();
  if (token.empty()) return invalid("no token in " + token_file);
  return token;
}

Answer ApiClient::call(const std::string& method, const std::string& path,
                       const std::string& body) const {
  if (config_.url.rfind("http://", 0) != 0 && config_.url.rfind("https://", 0) != 0) {
    Answer a;  // httplib would throw on another scheme
    a.transport_error =
        "--url \"" + config_.url + "\" is not http://HOST:PORT or https://HOST:PORT";
    return a;
  }
  if (!config_.ca_file.empty()) {
    Answer a;
    if (config_.url.rfind("https://", 0) != 0)
      a.transport_error = "--ca-file \"" + config_.ca_file + "\" is for an https:// daemon; \"" +
                          config_.url + "\" is not encrypted";
    else if (!std::ifstream(config_.ca_file).good())
      a.transport_error = "--ca-file \"" + config_.ca_file + "\" cannot be read";
    if (!a.transport_error.empty()) return a;
  }
  httplib::Client client(config_.url);
  // An https server's certificate is checked, against --ca-file when given.
  client.enable_server_certificate_verification(true);
  if (!config_.ca_file.empty()) client.set_ca_cert_path(config_.ca_file.c_str());
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(30, 0);
  client.set_tcp_nodelay(true);
  const httplib::Headers h = {{"Authorization", "Bearer " + config_.token}};
  httplib::Result r = method == "GET"   ? client.Get(path.c_str(), h)
                      : method == "PUT" ? client.Put(path.c_str(), h, body, "application/json")
                                        : client.Post(path.c_str(), h, body, "application/json");
  Answer a;
  if (!r) {
    a.transport_error =
        "certprintd at " + config_.url + " does not answer (" + httplib::to_string(r.error()) + ")";
    if (r.error() == httplib::Error::SSLServerVerification)
      a.transport_error += ": its certificate is not signed by " +
                           (config_.ca_file.empty() ? std::string("a CA this system trusts")
                                                    : "the CA in " + config_.ca_file) +
                           " (--ca-file)";
    return a;
  }
  a.status = r->status;
  a.raw = r->body;
  a.body = nlohmann::json::parse(r->body, nullptr, false);
  return a;
}

}  // namespace certprint::client
