#include "daemon/client/api_client.hpp"

#include <httplib.h>

namespace certprint::client {

std::string Answer::error_message() const {
  if (status == 0) return transport_error;
  if (body.is_object() && body.contains("error") && body["error"].is_object())
    return body["error"].value("message", "HTTP " + std::to_string(status));
  return "HTTP " + std::to_string(status);
}

Answer ApiClient::call(const std::string& method, const std::string& path,
                       const std::string& body) const {
  httplib::Client client(config_.url);
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
    return a;
  }
  a.status = r->status;
  a.raw = r->body;
  a.body = nlohmann::json::parse(r->body, nullptr, false);
  return a;
}

}  // namespace certprint::client
