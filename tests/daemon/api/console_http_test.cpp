// The web console over real HTTP: its embedded files with their security
// headers, signing in with a token (the cookie's flags, Secure under TLS),
// the roles that have no console, the CSRF token every state-changing call
// through the cookie needs, signing out, and sessions that end.
#include <httplib.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "daemon/api/console_session.hpp"
#include "support/api_world.hpp"
#include "support/fake_clock.hpp"

using namespace certprint;
using namespace certprint::api;
using namespace certprint::testing;
using nlohmann::json;

namespace {

const std::string kClerkSecret(36, 'c');
const std::string kTechSecret(36, 't');

httplib::Headers bearer(const std::string& secret) {
  return {{"Authorization", "Bearer " + secret}};
}

// Signs in over `c`; the session cookie ("certprint_session=...") and the
// answer's body.
std::pair<std::string, json> sign_in(httplib::Client& c, const std::string& secret) {
  auto r = c.Post("/console/session", bearer(secret), "", "application/json");
  REQUIRE(r);
  REQUIRE(r->status == 201);
  const std::string set = r->get_header_value("Set-Cookie");
  return {set.substr(0, set.find(';')), json::parse(r->body)};
}

// Queues the sample marriage one-click on "desk"; the path of its print
// job's event stream.
std::string queued_job_events(ApiWorld& w) {
  REQUIRE(w.api->submit_issuance(kRegistry, w.sample("marriage.json")).status == 201);
  auto job = w.api->print(kClerk, "440106-20260512-0001", R"({"printer":"desk"})");
  REQUIRE(job.status == 202);
  return "/v1/print-jobs/" + std::to_string(job.body["print_job_id"].get<long>()) + "/events";
}

}  // namespace

TEST_CASE("console: its files are embedded and served with a strict policy", "[daemon][api]") {
  ApiWorld w;
  auto tokens = TokenTable::parse(kTokenFile, "tokens");
  REQUIRE(tokens.ok());
  Served served(*w.api, *tokens);
  httplib::Client c("127.0.0.1", served.port);
  auto page = c.Get("/");
  REQUIRE(page);
  CHECK(page->status == 200);
  CHECK(page->get_header_value("Content-Type") == "text/html; charset=utf-8");
  CHECK_THAT(page->body,
             Catch::Contains("<html lang=\"zh-CN\">") && Catch::Contains("/console/console.js"));
  CHECK_THAT(page->get_header_value("Content-Security-Policy"),
             Catch::Contains("default-src 'self'") && Catch::Contains("frame-ancestors 'none'"));
  CHECK(page->get_header_value("X-Content-Type-Options") == "nosniff");
  auto js = c.Get("/console/console.js");
  REQUIRE(js);
  CHECK(js->status == 200);
  CHECK(js->get_header_value("Content-Type") == "text/javascript; charset=utf-8");
  CHECK_THAT(js->body, Catch::Contains("/console/clerk.js"));
  // Every module the page imports is served.
  for (const char* file : {"common.js", "clerk.js", "technician.js", "i18n.js", "console.css"}) {
    auto f = c.Get(std::string("/console/") + file);
    REQUIRE(f);
    CHECK(f->status == 200);
  }
  CHECK_THAT(c.Get("/console/common.js")->body, Catch::Contains("X-CSRF-Token"));
  auto missing = c.Get("/console/nothing.js");
  REQUIRE(missing);
  CHECK(missing->status == 404);
  CHECK(json::parse(missing->body)["error"]["code"] == "not_found");
}

TEST_CASE("console: a clerk signs in with a token; the session is a cookie, with CSRF",
          "[daemon][api]") {
  ApiWorld w;
  auto tokens = TokenTable::parse(kTokenFile, "tokens");
  REQUIRE(tokens.ok());
  Served served(*w.api, *tokens);
  httplib::Client c("127.0.0.1", served.port);
  auto r = c.Post("/console/session", bearer(kClerkSecret), "", "application/json");
  REQUIRE(r);
  REQUIRE(r->status == 201);
  const std::string set = r->get_header_value("Set-Cookie");
  CHECK_THAT(set, Catch::StartsWith("certprint_session=") && Catch::Contains("; HttpOnly") &&
                      Catch::Contains("; SameSite=Strict") && Catch::Contains("; Path=/") &&
                      Catch::Contains("; Max-Age=28800") && !Catch::Contains("Secure"));
  const json s = json::parse(r->body);
  CHECK(s["name"] == "clerk-1");
  CHECK(s["role"] == "clerk");
  const std::string cookie = set.substr(0, set.find(';'));
  CHECK(cookie.size() == std::string("certprint_session=").size() + 64);

  // The cookie alone reads; the session tells the page who and its CSRF.
  auto me = c.Get("/console/session", {{"Cookie", cookie}});
  REQUIRE(me);
  CHECK(me->status == 200);
  CHECK(json::parse(me->body)["csrf"] == s["csrf"]);
  auto printers = c.Get("/v1/printers", {{"Cookie", cookie}});
  REQUIRE(printers);
  CHECK(printers->status == 200);

  // A call that changes state needs the session's CSRF token as well.
  REQUIRE(w.api->submit_issuance(kRegistry, w.sample("marriage.json")).status == 201);
  const std::string confirm = "/v1/issuances/440106-20260512-0001/booklets/male/confirm";
  auto no_csrf = c.Post(confirm, {{"Cookie", cookie}}, "", "application/json");
  REQUIRE(no_csrf);
  CHECK(no_csrf->status == 403);
  CHECK(json::parse(no_csrf->body)["error"]["code"] == "csrf");
  auto wrong = c.Post(confirm, {{"Cookie", cookie}, {"X-CSRF-Token", std::string(64, '0')}}, "",
                      "application/json");
  REQUIRE(wrong);
  CHECK(wrong->status == 403);
  auto with = c.Post(confirm, {{"Cookie", cookie}, {"X-CSRF-Token", s["csrf"].get<std::string>()}},
                     "", "application/json");
  REQUIRE(with);
  CHECK(with->status == 409);  // through to the call: the booklet is not printed yet
  CHECK(json::parse(with->body)["error"]["code"] == "booklet_state");
  // The clerk's session may do a clerk's calls only.
  auto stock = c.Post(
      "/v1/stock/movements", {{"Cookie", cookie}, {"X-CSRF-Token", s["csrf"].get<std::string>()}},
      R"({"kind":"received","first_serial":"4400260101","last_serial":"4400260110",)"
      R"("reference":"d"})",
      "application/json");
  REQUIRE(stock);
  CHECK(stock->status == 403);
  CHECK(json::parse(stock->body)["error"]["code"] == "forbidden");

  // Signing out needs the CSRF token, ends the session and clears the cookie.
  auto out_no_csrf = c.Delete("/console/session", {{"Cookie", cookie}});
  REQUIRE(out_no_csrf);
  CHECK(out_no_csrf->status == 403);
  auto out = c.Delete("/console/session",
                      {{"Cookie", cookie}, {"X-CSRF-Token", s["csrf"].get<std::string>()}});
  REQUIRE(out);
  CHECK(out->status == 200);
  CHECK_THAT(out->get_header_value("Set-Cookie"), Catch::Contains("Max-Age=0"));
  auto after = c.Get("/v1/printers", {{"Cookie", cookie}});
  REQUIRE(after);
  CHECK(after->status == 401);
  auto gone = c.Get("/console/session", {{"Cookie", cookie}});
  REQUIRE(gone);
  CHECK(gone->status == 401);
}

TEST_CASE("console: registry, verifier and monitor tokens have no console; bad tokens none",
          "[daemon][api]") {
  ApiWorld w;
  auto tokens = TokenTable::parse(
      std::string(kTokenFile) + "monitor mon-1 " + std::string(36, 'm') + "\n", "tokens");
  REQUIRE(tokens.ok());
  Served served(*w.api, *tokens);
  httplib::Client c("127.0.0.1", served.port);
  for (char k : {'r', 'v', 'm'}) {
    auto r = c.Post("/console/session", bearer(std::string(36, k)), "", "application/json");
    REQUIRE(r);
    CHECK(r->status == 403);
    CHECK(json::parse(r->body)["error"]["code"] == "forbidden");
    CHECK_FALSE(r->has_header("Set-Cookie"));
  }
  auto bad = c.Post("/console/session", bearer(std::string(36, 'x')), "", "application/json");
  REQUIRE(bad);
  CHECK(bad->status == 401);
  CHECK_FALSE(bad->has_header("Set-Cookie"));
  // A made-up cookie is no session.
  auto forged = c.Get("/v1/printers", {{"Cookie", "certprint_session=" + std::string(64, 'a')}});
  REQUIRE(forged);
  CHECK(forged->status == 401);
  // A technician signs in and may do a technician's calls through the cookie.
  auto [cookie, s] = sign_in(c, kTechSecret);
  CHECK(s["role"] == "technician");
  auto stock = c.Post(
      "/v1/stock/movements", {{"Cookie", cookie}, {"X-CSRF-Token", s["csrf"].get<std::string>()}},
      R"({"kind":"received","first_serial":"4400260101","last_serial":"4400260110",)"
      R"("reference":"delivery 1"})",
      "application/json");
  REQUIRE(stock);
  CHECK(stock->status == 201);
  CHECK(json::parse(stock->body)["by"] == "tech-1");
}

TEST_CASE("console: under TLS the session cookie is Secure", "[daemon][api]") {
  ApiWorld w;
  REQUIRE(make_tls_certificate(w.dir.path()));
  auto tokens = TokenTable::parse(kTokenFile, "tokens");
  REQUIRE(tokens.ok());
  Served served(*w.api, *tokens,
                {"127.0.0.1", 0, w.dir / "cert.pem", w.dir / "key.pem", 64 * 1024});
  httplib::SSLClient tls("127.0.0.1", served.port);
  tls.enable_server_certificate_verification(false);
  auto r = tls.Post("/console/session", bearer(kClerkSecret), "", "application/json");
  REQUIRE(r);
  REQUIRE(r->status == 201);
  CHECK_THAT(r->get_header_value("Set-Cookie"),
             Catch::Contains("; Secure") && Catch::Contains("; HttpOnly"));
}

TEST_CASE("console sessions: they end after their lifetime; the oldest makes room",
          "[daemon][api]") {
  FakeClock clock;
  ConsoleSessions sessions(clock, system_random(), {std::chrono::seconds(3600), 2});
  auto a = sessions.open({"clerk-1", Role::clerk});
  REQUIRE(a.ok());
  CHECK(sessions.find(a->id).has_value());
  CHECK(a->id != a->csrf);
  clock.advance(std::chrono::minutes(59));
  CHECK(sessions.find(a->id).has_value());
  clock.advance(std::chrono::minutes(2));
  CHECK_FALSE(sessions.find(a->id).has_value());

  auto b = sessions.open({"clerk-1", Role::clerk});
  clock.advance(std::chrono::seconds(1));
  auto c = sessions.open({"tech-1", Role::technician});
  clock.advance(std::chrono::seconds(1));
  auto d = sessions.open({"clerk-2", Role::clerk});
  REQUIRE((b.ok() && c.ok() && d.ok()));
  CHECK_FALSE(sessions.find(b->id).has_value());  // the oldest, past max_sessions
  CHECK(sessions.find(c->id).has_value());
  CHECK(sessions.find(d->id).has_value());
  sessions.close(c->id);
  CHECK_FALSE(sessions.find(c->id).has_value());

  auto registry = sessions.open({"registry-1", Role::registry});
  REQUIRE_FALSE(registry.ok());
  CHECK_THAT(registry.error().message, Catch::Contains("registry") && Catch::Contains("clerk"));
}

TEST_CASE("console sessions: one token signing in again and again ends only its own sessions",
          "[daemon][api]") {
  FakeClock clock;
  ConsoleSessions sessions(clock, system_random());
  auto tech = sessions.open({"tech-1", Role::technician});
  REQUIRE(tech.ok());
  clock.advance(std::chrono::seconds(1));
  std::vector<std::string> clerk;
  for (int i = 0; i < 3000; ++i) {
    auto s = sessions.open({"clerk-1", Role::clerk});
    REQUIRE(s.ok());
    clerk.push_back(s->id);
  }
  // The technician at the next desk is still signed in.
  CHECK(sessions.find(tech->id).has_value());
  CHECK(sessions.find(clerk.back())->caller.name == "clerk-1");
  CHECK_FALSE(sessions.find(clerk.front()).has_value());
}

TEST_CASE("console sessions: cookies read from a Cookie header", "[daemon][api]") {
  CHECK(cookie_value("a=1; certprint_session=abc; b=2", "certprint_session") == "abc");
  CHECK(cookie_value("certprint_session=abc", "certprint_session") == "abc");
  CHECK(cookie_value("xcertprint_session=abc", "certprint_session").empty());
  CHECK(cookie_value("", "certprint_session").empty());
  CHECK(same_secret("abc", "abc"));
  CHECK_FALSE(same_secret("abc", "abd"));
  CHECK_FALSE(same_secret("abc", "ab"));
}

TEST_CASE("print job events: progress as it happens, then the end, then the stream closes",
          "[daemon][api]") {
  ApiWorld w(/*start_printing=*/false);
  auto tokens = TokenTable::parse(kTokenFile, "tokens");
  REQUIRE(tokens.ok());
  Served served(*w.api, *tokens);
  const std::string path = queued_job_events(w);

  std::string stream;
  int status = 0;
  std::string type;
  std::thread follower([&] {
    httplib::Client c("127.0.0.1", served.port);
    c.set_read_timeout(20, 0);
    auto r = c.Get(
        path, bearer(kClerkSecret),
        [&](const httplib::Response& res) {
          status = res.status;
          type = res.get_header_value("Content-Type");
          return true;
        },
        [&](const char* data, std::size_t n) {
          stream.append(data, n);
          return true;
        });
    if (!r) status = -1;
  });
  // The first event shows the job waiting; then the engine prints it.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  w.engine->start();
  follower.join();
  CHECK(status == 200);
  CHECK(type == "text/event-stream");
  INFO(stream);
  const auto first = stream.find("event: progress\ndata: ");
  REQUIRE(first != std::string::npos);
  const auto first_end = stream.find("\n\n", first);
  const json first_job = json::parse(stream.substr(first + 22, first_end - first - 22));
  CHECK(first_job["state"] == "queued");
  CHECK(first_job["pages_done"] == 0);
  // The last progress before the end: all four pages done.
  const auto end = stream.rfind("event: end\n");
  REQUIRE(end != std::string::npos);
  CHECK(end + std::string("event: end\ndata: {}\n\n").size() == stream.size());
  const auto last = stream.rfind("event: progress\ndata: ", end);
  const json last_job = json::parse(stream.substr(last + 22, end - last - 22 - 2));
  CHECK(last_job["state"] == "done");
  CHECK(last_job["pages_done"] == 4);

  // Refusals come as JSON, before any event.
  httplib::Client c("127.0.0.1", served.port);
  auto registry = c.Get(path, bearer(std::string(36, 'r')));
  REQUIRE(registry);
  CHECK(registry->status == 403);
  CHECK(json::parse(registry->body)["error"]["code"] == "forbidden");
  auto unknown = c.Get("/v1/print-jobs/999/events", bearer(kClerkSecret));
  REQUIRE(unknown);
  CHECK(unknown->status == 404);
  auto none = c.Get(path);
  REQUIRE(none);
  CHECK(none->status == 401);
}

TEST_CASE("print job events: a stream stops when the server stops", "[daemon][api]") {
  ApiWorld w(/*start_printing=*/false);  // the job never moves
  auto tokens = TokenTable::parse(kTokenFile, "tokens");
  REQUIRE(tokens.ok());
  auto served = std::make_unique<Served>(*w.api, *tokens);
  const std::string path = queued_job_events(w);
  std::string stream;
  std::thread follower([&, port = served->port] {
    httplib::Client c("127.0.0.1", port);
    c.set_read_timeout(20, 0);
    c.Get(path, bearer(kClerkSecret), [&](const char* data, std::size_t n) {
      stream.append(data, n);
      return true;
    });
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  const auto start = std::chrono::steady_clock::now();
  served.reset();  // stops the server and joins its thread
  follower.join();
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  CHECK_THAT(stream, Catch::StartsWith("event: progress\n"));
  CHECK_THAT(stream, !Catch::Contains("event: end"));
}

TEST_CASE("print job events: streams beyond the limit are refused, never taking every worker",
          "[daemon][api]") {
  ApiWorld w(/*start_printing=*/false);  // the job never moves: its stream stays open
  auto tokens = TokenTable::parse(kTokenFile, "tokens");
  REQUIRE(tokens.ok());
  HttpConfig config{"127.0.0.1", 0, std::nullopt, std::nullopt, 64 * 1024};
  config.max_event_streams = 1;
  Served served(*w.api, *tokens, config);
  const std::string path = queued_job_events(w);
  std::atomic<bool> first_open{false};
  std::thread first([&] {
    httplib::Client c("127.0.0.1", served.port);
    c.set_read_timeout(20, 0);
    c.Get(path, bearer(kClerkSecret), [&](const char*, std::size_t) {
      first_open = true;
      return false;  // hang up after the first event
    });
  });
  for (int i = 0; i < 100 && !first_open; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(first_open);
  httplib::Client c("127.0.0.1", served.port);
  auto second = c.Get(path, bearer(kClerkSecret));
  first.join();
  REQUIRE(second);
  CHECK(second->status == 503);
  CHECK(second->has_header("Retry-After"));
  CHECK(json::parse(second->body)["error"]["code"] == "unavailable");
  // The API itself still answers.
  auto printers = c.Get("/v1/printers", bearer(kClerkSecret));
  REQUIRE(printers);
  CHECK(printers->status == 200);
}

TEST_CASE("console: a session that cannot be made is the server's fault, not the caller's",
          "[daemon][api]") {
  ApiWorld w;
  auto tokens = TokenTable::parse(kTokenFile, "tokens");
  REQUIRE(tokens.ok());
  api::HttpConfig config{"127.0.0.1", 0, std::nullopt, std::nullopt, 64 * 1024};
  config.session_random = [](std::span<std::uint8_t>) -> Status {
    return Error{"the random source failed"};
  };
  Served served(*w.api, *tokens, config);
  httplib::Client c("127.0.0.1", served.port);
  auto r = c.Post("/console/session", bearer(kClerkSecret), "", "application/json");
  REQUIRE(r);
  CHECK(r->status == 500);
  CHECK(json::parse(r->body)["error"]["code"] == "internal");
  CHECK(r->get_header_value("Set-Cookie").empty());
}
