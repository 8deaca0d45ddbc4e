#include "daemon/api/callback_http.hpp"

#include <httplib.h>

namespace certprint::api {

Result<int> HttpCallbackTransport::post(const std::string& url, const Headers& headers,
                                        const std::string& body,
                                        std::chrono::milliseconds timeout) {
  // scheme://host[:port] and the path.
  const auto scheme_end = url.find("://");
  const auto path_start = url.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  const std::string origin = url.substr(0, path_start);
  const std::string path = path_start == std::string::npos ? "/" : url.substr(path_start);
  httplib::Client client(origin);
  client.set_connection_timeout(timeout);
  client.set_read_timeout(timeout);
  client.set_write_timeout(timeout);
  client.set_tcp_nodelay(true);
  httplib::Headers h;
  for (const auto& [k, v] : headers) h.emplace(k, v);
  auto res = client.Post(path, h, body, "application/json");
  if (!res) return unavailable(httplib::to_string(res.error()));
  return res->status;
}

}  // namespace certprint::api
