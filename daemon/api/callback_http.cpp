#include "daemon/api/callback_http.hpp"

#include <httplib.h>

#include <exception>

namespace certprint::api {

Result<int> HttpCallbackTransport::post(const std::string& url, const Headers& headers,
                                        const std::string& body,
                                        std::chrono::milliseconds timeout) {
  // certprintd checks the URL at start; still, httplib throws on a URL it
  // cannot use (a scheme it lacks, a port out of range), and an exception
  // here would end the daemon: it becomes an error naming the URL.
  try {
    // scheme://host[:port] and the path.
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string::npos)
      return invalid("callback URL \"" + url + "\": expected http:// or https://");
    const auto path_start = url.find('/', scheme_end + 3);
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
    if (!res) return unavailable("POST " + url + ": " + httplib::to_string(res.error()));
    return res->status;
  } catch (const std::exception& e) {
    return invalid("callback URL \"" + url + "\" cannot be used: " + e.what());
  }
}

}  // namespace certprint::api
