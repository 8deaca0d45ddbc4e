#include "daemon/api/http_server.hpp"

#include <httplib.h>

#include "common/text.hpp"

namespace certprint::api {

struct HttpServer::Impl {
  HttpConfig config;
  Api* api = nullptr;
  const TokenTable* tokens = nullptr;
  LogSink log;
  std::unique_ptr<httplib::Server> server;
};

namespace {

using Req = const httplib::Request&;

void send(httplib::Response& res, const Reply& r) {
  res.status = r.status;
  if (!r.raw.empty() || r.body.is_null())
    res.set_content(r.raw, r.content_type.c_str());
  else
    // Never throws: text that is not UTF-8 becomes U+FFFD.
    res.set_content(r.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                    "application/json");
}

// A decoded path that is well-formed UTF-8 without control characters.
bool is_text(const std::string& path) {
  if (valid_utf8(path) != path) return false;
  for (unsigned char c : path)
    if (c < 0x20 || c == 0x7F) return false;
  return true;
}

Reply unauthorized() {
  return {401,
          {{"error",
            {{"code", "unauthorized"},
             {"message", "a valid bearer token is required (Authorization: Bearer ...)"}}}},
          "application/json",
          {}};
}

// Every route goes through here: authenticate, count, call, log.
template <class Call>
httplib::Server::Handler route(HttpServer::Impl* self, Call call) {
  return [self, call](Req req, httplib::Response& res) {
    self->api->requests++;
    const auto caller = self->tokens->find(bearer_secret(req.get_header_value("Authorization")));
    Reply r = !caller              ? unauthorized()
              : !is_text(req.path) ? error_reply(invalid("the path is not valid UTF-8 text"))
                                   : call(*self->api, *caller, req);
    if (r.status >= 400) self->api->request_errors++;
    send(res, r);
    // Paths carry issuance ids and printer names, never personal data; they
    // are escaped, so no request can write a line of its own.
    self->log(r.status >= 500 ? Priority::error : Priority::info,
              req.method + " " + loggable(req.path) + " " + std::to_string(r.status) +
                  (caller ? " by " + caller->name : ""));
  };
}

void add_routes(httplib::Server& s, HttpServer::Impl* self) {
  s.Post("/v1/issuances",
         route(self, [](Api& a, const Caller& c, Req q) { return a.submit_issuance(c, q.body); }));
  s.Get(R"(/v1/issuances/([^/]+))", route(self, [](Api& a, const Caller& c, Req q) {
          return a.issuance_status(c, q.matches[1]);
        }));
  s.Post(R"(/v1/issuances/([^/]+)/print)", route(self, [](Api& a, const Caller& c, Req q) {
           return a.print(c, q.matches[1], q.body);
         }));
  s.Post("/v1/print-batches",
         route(self, [](Api& a, const Caller& c, Req q) { return a.print_batch(c, q.body); }));
  s.Get(R"(/v1/print-jobs/([^/]+))",
        route(self, [](Api& a, const Caller& c, Req q) { return a.print_job(c, q.matches[1]); }));
  s.Post(R"(/v1/issuances/([^/]+)/booklets/([^/]+)/confirm)",
         route(self, [](Api& a, const Caller& c, Req q) {
           return a.confirm(c, q.matches[1], q.matches[2]);
         }));
  s.Post(R"(/v1/issuances/([^/]+)/booklets/([^/]+)/void)",
         route(self, [](Api& a, const Caller& c, Req q) {
           return a.void_booklet(c, q.matches[1], q.matches[2], q.body);
         }));
  s.Get(R"(/v1/issuances/([^/]+)/booklets/([^/]+)/preview/(info|page5)\.png)",
        route(self, [](Api& a, const Caller& c, Req q) {
          return a.preview(c, q.matches[1], q.matches[2], q.matches[3]);
        }));
  s.Get("/v1/printers", route(self, [](Api& a, const Caller& c, Req) { return a.printers(c); }));
  s.Post(R"(/v1/printers/([^/]+)/release)", route(self, [](Api& a, const Caller& c, Req q) {
           return a.release_printer(c, q.matches[1]);
         }));
  s.Get(R"(/v1/printers/([^/]+)/calibration)",
        route(self, [](Api& a, const Caller& c, Req q) { return a.calibration(c, q.matches[1]); }));
  s.Put(R"(/v1/printers/([^/]+)/calibration)", route(self, [](Api& a, const Caller& c, Req q) {
          return a.set_calibration(c, q.matches[1], q.body);
        }));
  s.Post(R"(/v1/printers/([^/]+)/calibration/target)",
         route(self, [](Api& a, const Caller& c, Req q) {
           return a.print_target(c, q.matches[1], q.body);
         }));
  s.Post("/v1/verify",
         route(self, [](Api& a, const Caller& c, Req q) { return a.verify(c, q.body); }));
  s.Get("/healthz", route(self, [](Api& a, const Caller& c, Req) { return a.health(c); }));
  s.Get("/metrics", route(self, [](Api& a, const Caller& c, Req) { return a.metrics(c); }));
}

// httplib's own answers (404, 413) keep the JSON error shape.
void json_errors(httplib::Server& s) {
  s.set_error_handler([](Req, httplib::Response& res) {
    if (!res.body.empty()) return;
    const std::string code = res.status == 404   ? "not_found"
                             : res.status == 413 ? "too_large"
                                                 : "http";
    const std::string message = res.status == 404   ? "no such endpoint"
                                : res.status == 413 ? "the body is larger than the daemon accepts"
                                                    : "HTTP error " + std::to_string(res.status);
    res.set_content(nlohmann::json{{"error", {{"code", code}, {"message", message}}}}.dump(),
                    "application/json");
  });
}

}  // namespace

HttpServer::HttpServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
HttpServer::~HttpServer() { stop(); }

Result<std::unique_ptr<HttpServer>> HttpServer::create(const HttpConfig& config, Api& api,
                                                       const TokenTable& tokens, LogSink log) {
  auto impl = std::make_unique<Impl>();
  impl->config = config;
  impl->api = &api;
  impl->tokens = &tokens;
  impl->log = std::move(log);
  if (config.tls_cert.has_value() != config.tls_key.has_value())
    return invalid("TLS needs both a certificate and a key");
  if (config.tls_cert) {
    auto ssl =
        std::make_unique<httplib::SSLServer>(config.tls_cert->c_str(), config.tls_key->c_str());
    if (!ssl->is_valid())
      return invalid("TLS certificate " + config.tls_cert->string() + " or key " +
                     config.tls_key->string() + " cannot be used");
    impl->server = std::move(ssl);
  } else {
    impl->server = std::make_unique<httplib::Server>();
  }
  httplib::Server& s = *impl->server;
  s.set_payload_max_length(config.max_body_bytes);
  // Small JSON answers must not wait for Nagle and delayed ACKs (~40 ms each).
  s.set_tcp_nodelay(true);
  s.set_read_timeout(10, 0);
  s.set_write_timeout(10, 0);
  add_routes(s, impl.get());
  json_errors(s);
  return std::unique_ptr<HttpServer>(new HttpServer(std::move(impl)));
}

Result<int> HttpServer::bind() {
  auto& s = *impl_->server;
  if (impl_->config.port == 0) {
    port_ = s.bind_to_any_port(impl_->config.host);
    if (port_ <= 0) return unavailable("cannot listen on " + impl_->config.host);
  } else {
    if (!s.bind_to_port(impl_->config.host, impl_->config.port))
      return unavailable("cannot listen on " + impl_->config.host + ":" +
                         std::to_string(impl_->config.port));
    port_ = impl_->config.port;
  }
  return port_;
}

void HttpServer::serve() { impl_->server->listen_after_bind(); }

void HttpServer::stop() {
  if (impl_ && impl_->server) impl_->server->stop();
}

}  // namespace certprint::api
