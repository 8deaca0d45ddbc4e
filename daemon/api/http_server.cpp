#include "daemon/api/http_server.hpp"

#include <httplib.h>

#include <atomic>
#include <thread>

#include "common/text.hpp"
#include "daemon/api/console_session.hpp"
#include "daemon/api/http_connection.hpp"
#include "daemon/console/assets.hpp"

namespace certprint::api {

struct HttpServer::Impl {
  HttpConfig config;
  Api* api = nullptr;
  const TokenTable* tokens = nullptr;
  LogSink log;
  std::unique_ptr<ConsoleSessions> sessions;
  std::unique_ptr<GuardedServer> server;
  std::atomic<bool> stopping{false};    // ends the event streams
  std::atomic<std::size_t> streams{0};  // event streams open now
};

namespace {

using Req = const httplib::Request&;

void send(httplib::Response& res, const Reply& r) {
  res.status = r.status;
  if (r.status == 429 && r.body.contains("error") && r.body["error"].contains("retry_after_s"))
    res.set_header("Retry-After", r.body["error"]["retry_after_s"].dump());
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

Reply refusal(int status, const char* code, const std::string& message) {
  return {status, {{"error", {{"code", code}, {"message", message}}}}, "application/json", {}};
}

// Counts and logs an answer.
void count(HttpServer::Impl* self, Req req, int status, const std::optional<Caller>& caller) {
  self->api->requests++;
  if (status >= 400) self->api->request_errors++;
  // Paths carry issuance ids and printer names, never personal data; they
  // are escaped, so no request can write a line of its own.
  self->log(status >= 500 ? Priority::error : Priority::info,
            req.method + " " + loggable(req.path) + " " + std::to_string(status) +
                (caller ? " by " + caller->name : ""));
}

// Counts, answers and logs a request.
void answer(HttpServer::Impl* self, Req req, httplib::Response& res, const Reply& r,
            const std::optional<Caller>& caller) {
  send(res, r);
  count(self, req, r.status, caller);
}

// Who calls: a bearer token, or else the console's session cookie (then with
// the session, whose CSRF token a state-changing call must echo).
struct Auth {
  std::optional<Caller> caller;
  std::optional<ConsoleSession> session;
};
Auth authenticate(const HttpServer::Impl& self, Req req) {
  const std::string authorization = req.get_header_value("Authorization");
  if (!authorization.empty()) return {self.tokens->find(bearer_secret(authorization)), {}};
  const std::string id = cookie_value(req.get_header_value("Cookie"), kSessionCookie);
  if (id.empty()) return {};
  auto session = self.sessions->find(id);
  if (!session) return {};
  return {session->caller, session};
}

// A call through the console's cookie that changes state without the
// session's CSRF token (a page of another site riding on the cookie).
std::optional<Reply> csrf_refusal(const Auth& auth, Req req) {
  if (!auth.session || req.method == "GET" || req.method == "HEAD") return std::nullopt;
  if (same_secret(req.get_header_value("X-CSRF-Token"), auth.session->csrf)) return std::nullopt;
  return Reply{403,
               {{"error",
                 {{"code", "csrf"},
                  {"message",
                   "a call that changes state through the console's session needs its "
                   "X-CSRF-Token header"}}}},
               "application/json",
               {}};
}

// Runs after the head and before any body byte is read (httplib's pre-routing
// and 100-continue handlers): a body is read only for a known caller, with a
// Content-Length within the limit, neither chunked nor encoded. Its role is
// checked by the call, after the (bounded) body.
std::optional<Reply> refuse_before_body(const HttpServer::Impl& self, Req req) {
  const bool framed = req.has_header("Content-Length") || req.has_header("Transfer-Encoding") ||
                      req.has_header("Content-Encoding");
  if (!framed && req.method != "POST" && req.method != "PUT") return std::nullopt;
  const Auth auth = authenticate(self, req);
  if (!auth.caller) return unauthorized();
  if (auto r = csrf_refusal(auth, req)) return r;
  if (req.has_header("Transfer-Encoding"))
    return refusal(411, "length_required",
                   "send the body with a Content-Length; Transfer-Encoding is not accepted");
  if (req.has_header("Content-Encoding"))
    return refusal(415, "unsupported_encoding",
                   "send the body as is; Content-Encoding (gzip, br, ...) is not accepted");
  if (!req.has_header("Content-Length"))
    return refusal(411, "length_required", "a " + req.method + " needs a Content-Length");
  const std::string length = req.get_header_value("Content-Length");
  if (length.empty() || length.size() > 18 ||
      length.find_first_not_of("0123456789") != std::string::npos)
    return refusal(400, "invalid", "Content-Length is not a number of bytes");
  if (std::stoull(length) > self.config.max_body_bytes)
    return refusal(413, "too_large",
                   "the body of " + length + " bytes is larger than the " +
                       std::to_string(self.config.max_body_bytes) + " the daemon accepts");
  return std::nullopt;
}

// Every route goes through here: authenticate, call, answer.
template <class Call>
httplib::Server::Handler route(HttpServer::Impl* self, Call call) {
  return [self, call](Req req, httplib::Response& res) {
    const Auth auth = authenticate(*self, req);
    const auto csrf = csrf_refusal(auth, req);
    answer(self, req, res,
           !auth.caller         ? unauthorized()
           : csrf               ? *csrf
           : !is_text(req.path) ? error_reply(invalid("the path is not valid UTF-8 text"))
                                : call(*self->api, *auth.caller, req),
           auth.caller);
  };
}

void check_before_body(httplib::Server& s, HttpServer::Impl* self) {
  s.set_pre_routing_handler([self](Req req, httplib::Response& res) {
    auto r = refuse_before_body(*self, req);
    if (!r) return httplib::Server::HandlerResponse::Unhandled;
    answer(self, req, res, *r, std::nullopt);
    return httplib::Server::HandlerResponse::Handled;
  });
  // "Expect: 100-continue" is answered before pre-routing: the same check,
  // so that a refused client never sends its body.
  s.set_expect_100_continue_handler([self](Req req, httplib::Response& res) {
    auto r = refuse_before_body(*self, req);
    if (!r) return 100;
    answer(self, req, res, *r, std::nullopt);
    return r->status;
  });
}

// The console's answers: its files only, never inside a frame, never kept.
void console_headers(httplib::Response& res) {
  res.set_header("Content-Security-Policy", std::string(console::content_security_policy()));
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_header("X-Frame-Options", "DENY");
  res.set_header("Referrer-Policy", "no-referrer");
  res.set_header("Cache-Control", "no-store");
}

// The console's page ("/") and its files ("/console/NAME"): no sign-in, as
// they hold no data.
void serve_asset(HttpServer::Impl* self, Req req, httplib::Response& res) {
  console_headers(res);
  auto a = console::find_asset(req.path);
  answer(self, req, res,
         a ? Reply{200, nullptr, a->content_type, std::string(a->bytes)}
           : error_reply(not_found("the console has no file " + loggable(req.path))),
         std::nullopt);
}

Reply session_reply(int status, const ConsoleSession& s) {
  return {status,
          {{"name", s.caller.name},
           {"role", std::string(to_string(s.caller.role))},
           {"csrf", s.csrf},
           {"expires_at_ms", s.expires_at}},
          "application/json",
          {}};
}

// Signing in: the token in the Authorization header, as for any call; the
// answer sets the session cookie.
void sign_in(HttpServer::Impl* self, Req req, httplib::Response& res) {
  console_headers(res);
  const auto caller = self->tokens->find(bearer_secret(req.get_header_value("Authorization")));
  if (!caller) return answer(self, req, res, unauthorized(), std::nullopt);
  auto s = self->sessions->open(*caller);
  if (!s && s.error().code == ErrorCode::refused)
    return answer(self, req, res, refusal(403, "forbidden", s.error().message), caller);
  if (!s) return answer(self, req, res, error_reply(s.error()), caller);
  res.set_header("Set-Cookie", session_cookie(*s, self->sessions->config().lifetime,
                                              self->config.tls_cert.has_value()));
  answer(self, req, res, session_reply(201, *s), caller);
}

void session_of(HttpServer::Impl* self, Req req, httplib::Response& res) {
  console_headers(res);
  const Auth auth = authenticate(*self, req);
  if (!auth.session)
    return answer(self, req, res, refusal(401, "unauthorized", "not signed in to the console"),
                  std::nullopt);
  answer(self, req, res, session_reply(200, *auth.session), auth.caller);
}

void sign_out(HttpServer::Impl* self, Req req, httplib::Response& res) {
  console_headers(res);
  const Auth auth = authenticate(*self, req);
  if (!auth.session)
    return answer(self, req, res, refusal(401, "unauthorized", "not signed in to the console"),
                  std::nullopt);
  if (auto r = csrf_refusal(auth, req)) return answer(self, req, res, *r, auth.caller);
  self->sessions->close(auth.session->id);
  res.set_header("Set-Cookie", expired_session_cookie(self->config.tls_cert.has_value()));
  answer(self, req, res, Reply{200, {{"signed_out", true}}, "application/json", {}}, auth.caller);
}

// A print job's progress as server-sent events: `progress` with the job as
// GET /v1/print-jobs/{n} answers it, each time it changes, then `end` when
// the job is done or failed. A comment line every 15 s keeps proxies from
// closing a quiet stream. Ends too after kStreamLimit, or when the server
// stops; EventSource opens it again for more. At most max_event_streams are
// open at once (each holds a worker): more get 503.
constexpr auto kStreamPoll = std::chrono::milliseconds(200);
constexpr auto kStreamKeepAlive = std::chrono::seconds(15);
constexpr auto kStreamLimit = std::chrono::minutes(2);

struct JobStream {
  HttpServer::Impl* self;
  Caller caller;
  std::string job;
  std::string last;
  std::chrono::steady_clock::time_point started, last_write;
  std::shared_ptr<void> slot;  // frees its place among the open streams when gone

  // One look at the job; false when the stream is over.
  bool step(httplib::DataSink& sink) {
    const auto now = std::chrono::steady_clock::now();
    const Reply r = self->api->print_job(caller, job);
    if (r.status != 200 || self->stopping || now - started > kStreamLimit) {
      sink.done();
      return false;
    }
    const std::string data = r.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (data != last) {
      last = data;
      const std::string event = "event: progress\ndata: " + data + "\n\n";
      if (!sink.write(event.data(), event.size())) return false;
      last_write = now;
    } else if (now - last_write > kStreamKeepAlive) {
      if (!sink.write(": still here\n\n", 14)) return false;
      last_write = now;
    }
    const std::string state = r.body.value("state", "");
    if (state == "done" || state == "failed") {
      const std::string end = "event: end\ndata: {}\n\n";
      sink.write(end.data(), end.size());
      sink.done();
      return false;
    }
    std::this_thread::sleep_for(kStreamPoll);
    return true;
  }
};

void print_job_events(HttpServer::Impl* self, Req req, httplib::Response& res) {
  const Auth auth = authenticate(*self, req);
  if (!auth.caller) return answer(self, req, res, unauthorized(), std::nullopt);
  const std::string job = req.matches[1];
  // The first look answers refusals (role, unknown job) as JSON.
  Reply first = self->api->print_job(*auth.caller, job);
  if (first.status != 200) return answer(self, req, res, first, auth.caller);
  if (self->streams.fetch_add(1) >= self->config.max_event_streams) {
    self->streams--;
    res.set_header("Retry-After", "5");
    return answer(self, req, res,
                  refusal(503, "unavailable",
                          "too many progress streams are open; ask again in a few seconds"),
                  auth.caller);
  }
  std::shared_ptr<void> slot(nullptr, [self](void*) { self->streams--; });
  answer_is_a_stream();
  count(self, req, 200, auth.caller);
  res.status = 200;
  res.set_header("Cache-Control", "no-store");
  const auto now = std::chrono::steady_clock::now();
  auto stream = std::make_shared<JobStream>(
      JobStream{self, *auth.caller, job, {}, now, now, std::move(slot)});
  res.set_chunked_content_provider(
      "text/event-stream",
      [stream](std::size_t, httplib::DataSink& sink) { return stream->step(sink); });
}

void add_console_routes(httplib::Server& s, HttpServer::Impl* self) {
  // The session's routes first: httplib takes the first route that matches.
  s.Post("/console/session", [self](Req q, httplib::Response& r) { sign_in(self, q, r); });
  s.Get("/console/session", [self](Req q, httplib::Response& r) { session_of(self, q, r); });
  s.Delete("/console/session", [self](Req q, httplib::Response& r) { sign_out(self, q, r); });
  s.Get("/", [self](Req q, httplib::Response& r) { serve_asset(self, q, r); });
  s.Get(R"(/console/([^/]+))", [self](Req q, httplib::Response& r) { serve_asset(self, q, r); });
}

// The registry's and the clerk's routes (then add_more_routes).
void add_routes(httplib::Server& s, HttpServer::Impl* self) {
  add_console_routes(s, self);
  s.Post("/v1/issuances",
         route(self, [](Api& a, const Caller& c, Req q) { return a.submit_issuance(c, q.body); }));
  s.Get("/v1/issuances", route(self, [](Api& a, const Caller& c, Req q) {
          return a.issuances(c, q.get_param_value("day"), q.get_param_value("state"));
        }));
  s.Get(R"(/v1/issuances/([^/]+))", route(self, [](Api& a, const Caller& c, Req q) {
          return a.issuance_status(c, q.matches[1]);
        }));
  s.Post(R"(/v1/issuances/([^/]+)/print)", route(self, [](Api& a, const Caller& c, Req q) {
           return a.print(c, q.matches[1], q.body);
         }));
  s.Post("/v1/print-batches",
         route(self, [](Api& a, const Caller& c, Req q) { return a.print_batch(c, q.body); }));
  s.Get(R"(/v1/print-jobs/([^/]+)/events)",
        [self](Req q, httplib::Response& r) { print_job_events(self, q, r); });
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
}

// The technician's, the ledger's, the verifier's and everyone's routes.
void add_more_routes(httplib::Server& s, HttpServer::Impl* self) {
  s.Get("/v1/outbox", route(self, [](Api& a, const Caller& c, Req) { return a.outbox(c); }));
  s.Post(R"(/v1/events/([^/]+)/retry)", route(self, [](Api& a, const Caller& c, Req q) {
           return a.retry_event(c, q.matches[1]);
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
  s.Post(R"(/v1/printers/([^/]+)/calibration/fit)", route(self, [](Api& a, const Caller& c, Req q) {
           return a.fit_calibration(c, q.matches[1], q.body);
         }));
  s.Post(R"(/v1/printers/([^/]+)/calibration/bidi-pattern)",
         route(self, [](Api& a, const Caller& c, Req q) {
           return a.print_bidi_pattern(c, q.matches[1], q.body);
         }));
  s.Post(R"(/v1/printers/([^/]+)/calibration/bidi)",
         route(self, [](Api& a, const Caller& c, Req q) {
           return a.align_bidi(c, q.matches[1], q.body);
         }));
  s.Get("/v1/calibration/chart", route(self, [](Api& a, const Caller& c, Req q) {
          return a.target_chart(c, q.get_param_value("page"));
        }));
  s.Post("/v1/stock/movements",
         route(self, [](Api& a, const Caller& c, Req q) { return a.record_stock(c, q.body); }));
  s.Get("/v1/stock/movements",
        route(self, [](Api& a, const Caller& c, Req) { return a.stock_movements(c); }));
  s.Get(R"(/v1/stock/serials/([^/]+))", route(self, [](Api& a, const Caller& c, Req q) {
          return a.stock_serial(c, q.matches[1]);
        }));
  s.Get("/v1/stock/reconciliation", route(self, [](Api& a, const Caller& c, Req q) {
          return a.stock_reconciliation(
              c, q.get_param_value("from"), q.get_param_value("to"),
              q.has_param("format") ? q.get_param_value("format") : std::string("json"));
        }));
  s.Post("/v1/verify",
         route(self, [](Api& a, const Caller& c, Req q) { return a.verify(c, q.body); }));
  s.Get("/healthz", route(self, [](Api& a, const Caller& c, Req) { return a.health(c); }));
  s.Get("/metrics", route(self, [](Api& a, const Caller& c, Req) { return a.metrics(c); }));
}

// What HttpConfig::observe is told of an answer httplib wrote.
AnswerSeen seen(Req req, const httplib::Response& res) {
  AnswerSeen a{req.method, req.path, res.status, res.get_header_value("Content-Type"),
               res.body,   {}};
  for (const auto& [name, value] : res.headers) a.headers.emplace_back(name, value);
  return a;
}

// ... and of a refusal written before httplib read the request: its method
// and path from the request line ("GET /healthz HTTP/1.1"), when it came.
AnswerSeen seen_refusal(int status, const std::string& body, const std::string& line) {
  AnswerSeen a{{}, {}, status, "application/json", body, {}};
  const std::size_t method_end = line.find(' ');
  const std::size_t target_end =
      method_end == std::string::npos ? method_end : line.find(' ', method_end + 1);
  if (target_end == std::string::npos) return a;
  a.method = line.substr(0, method_end);
  const std::string target = line.substr(method_end + 1, target_end - method_end - 1);
  a.path = target.substr(0, target.find('?'));
  return a;
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
  impl->sessions = std::make_unique<ConsoleSessions>(
      system_clock(), config.session_random ? config.session_random : system_random(),
      config.console);
  if (config.tls_cert.has_value() != config.tls_key.has_value())
    return invalid("TLS needs both a certificate and a key");
  SSL_CTX* tls = nullptr;
  if (config.tls_cert) {
    tls = tls_server_context(config.tls_cert->string(), config.tls_key->string());
    if (!tls)
      return invalid("TLS certificate " + config.tls_cert->string() + " or key " +
                     config.tls_key->string() + " cannot be used");
  }
  Impl* self = impl.get();
  impl->server = std::make_unique<GuardedServer>(
      config, tls,
      [self](int status, const std::string& why, const std::string& body, const std::string& line) {
        self->api->requests++;
        self->api->request_errors++;
        self->log(Priority::info,
                  "HTTP " + std::to_string(status) + " before a request was read: " + why);
        if (self->config.observe) self->config.observe(seen_refusal(status, body, line));
      });
  httplib::Server& s = *impl->server;
  if (config.observe)
    s.set_logger(
        [self](Req req, const httplib::Response& res) { self->config.observe(seen(req, res)); });
  s.set_payload_max_length(config.max_body_bytes);
  // Small JSON answers must not wait for Nagle and delayed ACKs (~40 ms each).
  s.set_tcp_nodelay(true);
  check_before_body(s, self);
  add_routes(s, self);
  add_more_routes(s, self);
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
  if (!s.widen_backlog())
    return unavailable("cannot listen on " + impl_->config.host + ":" + std::to_string(port_) +
                       " with a longer queue");
  return port_;
}

void HttpServer::serve() { impl_->server->listen_after_bind(); }

void HttpServer::stop() {
  if (impl_) impl_->stopping = true;
  if (impl_ && impl_->server) impl_->server->stop();
}

}  // namespace certprint::api
