// The HTTP server's limits hold before authentication and before a body
// byte is read (issue 10.10): raw sockets against a real HttpServer send
// what httplib's client never would. Every request here sends its head
// only; a server that tried to read the body would not answer in time.
#include <catch2/catch.hpp>

#include <httplib.h>

#include "support/api_world.hpp"
#include "support/raw_http.hpp"

using namespace certprint;
using namespace certprint::testing;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const std::string kRegistryAuth = "Authorization: Bearer " + std::string(36, 'r') + "\r\n";
const std::string kClerkAuth = "Authorization: Bearer " + std::string(36, 'c') + "\r\n";

struct Limits {
  ApiWorld w;
  api::TokenTable tokens = *api::TokenTable::parse(kTokenFile, "tokens");
  Served served{*w.api, tokens};

  // Sends `head` (and nothing after it) on a fresh connection; the answer
  // must come within 3 s, without the body.
  RawResponse ask(const std::string& head) {
    RawConnection c(served.port);
    REQUIRE(c.connected());
    REQUIRE(c.send(head));
    return c.read_response(3s);
  }
};

std::string error_code(const RawResponse& r) {
  const json j = json::parse(r.body, nullptr, false);
  return j.is_object() && j.contains("error") ? j["error"].value("code", "") : "";
}

std::string post(const std::string& headers) {
  return "POST /v1/issuances HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + headers +
         "\r\n";
}

}  // namespace

TEST_CASE("a chunked body is refused before it is read, with or without a token",
          "[daemon][api][http]") {
  Limits l;
  // A chunk announced at 16 MiB, of which nothing follows.
  auto none = l.ask(post("Transfer-Encoding: chunked\r\n") + "1000000\r\n");
  CHECK(none.status == 401);
  CHECK(error_code(none) == "unauthorized");
  auto token = l.ask(post(kRegistryAuth + "Transfer-Encoding: chunked\r\n") + "1000000\r\n");
  CHECK(token.status == 411);
  CHECK(error_code(token) == "length_required");
}

TEST_CASE("a body without a length is refused before it is read", "[daemon][api][http]") {
  Limits l;
  auto none = l.ask(post(""));
  CHECK(none.status == 401);
  auto token = l.ask(post(kRegistryAuth));
  CHECK(token.status == 411);
  CHECK(error_code(token) == "length_required");
}

TEST_CASE("a gzip or br body is refused before it is read or inflated", "[daemon][api][http]") {
  Limits l;
  auto none = l.ask(post("Content-Encoding: gzip\r\nContent-Length: 2000\r\n"));
  CHECK(none.status == 401);
  auto gzip = l.ask(post(kRegistryAuth + "Content-Encoding: gzip\r\nContent-Length: 2000\r\n"));
  CHECK(gzip.status == 415);
  CHECK(error_code(gzip) == "unsupported_encoding");
  auto br = l.ask(post(kRegistryAuth + "Content-Encoding: br\r\nContent-Length: 2000\r\n"));
  CHECK(br.status == 415);
}

TEST_CASE("a Content-Length over the limit is refused before the body is read",
          "[daemon][api][http]") {
  Limits l;
  auto none = l.ask(post("Content-Length: 100000000\r\n"));
  CHECK(none.status == 401);
  auto token = l.ask(post(kRegistryAuth + "Content-Length: 100000000\r\n"));
  CHECK(token.status == 413);
  CHECK(error_code(token) == "too_large");
  auto garbled = l.ask(post(kRegistryAuth + "Content-Length: 12abc\r\n"));
  CHECK(garbled.status == 400);
}

TEST_CASE("too many headers, or one too long, are refused with 431", "[daemon][api][http]") {
  Limits l;
  std::string many;
  for (int i = 0; i < 200; ++i) many += "X-Header-" + std::to_string(i) + ": v\r\n";
  auto count = l.ask("GET /healthz HTTP/1.1\r\nHost: x\r\n" + kClerkAuth + many + "\r\n");
  CHECK(count.status == 431);
  CHECK(error_code(count) == "headers_too_large");

  // The line is refused as it arrives: no end of line, no end of head needed.
  RawConnection c(l.served.port);
  REQUIRE(c.connected());
  c.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Long: " + std::string(100 * 1024, 'a'));
  auto line = c.read_response(3s);
  CHECK(line.status == 431);
  CHECK(c.closed_within(3s));
}

TEST_CASE("a request dribbled a byte at a time is cut off after a bound in total",
          "[daemon][api][http]") {
  Limits l;
  RawConnection c(l.served.port);
  REQUIRE(c.connected());
  const std::string head = "GET /healthz HTTP/1.1\r\nX-Slow: " + std::string(10000, 'a');
  const auto start = std::chrono::steady_clock::now();
  bool cut = false;
  for (std::size_t i = 0; i < head.size() && !cut; ++i) {
    // Each byte well within any per-read timeout; the whole far beyond 12 s.
    cut = !c.send(head.substr(i, 1)) || c.closed_within(100ms);
    if (std::chrono::steady_clock::now() - start > 12s) break;
  }
  CHECK(cut);
}

TEST_CASE("/healthz answers while 100 slow clients hold connections", "[daemon][api][http]") {
  Limits l;
  SlowClients slow(l.served.port, 100, 100ms);
  std::this_thread::sleep_for(1s);  // every slow client connected and started
  httplib::Client client("127.0.0.1", l.served.port);
  client.set_connection_timeout(5, 0);
  client.set_read_timeout(5, 0);
  for (int i = 0; i < 5; ++i) {
    auto r = client.Get("/healthz", {{"Authorization", "Bearer " + std::string(36, 'c')}});
    REQUIRE(r);
    CHECK(r->status == 200);
  }
}

TEST_CASE("a body within the limits is still read and answered, over keep-alive",
          "[daemon][api][http]") {
  Limits l;
  httplib::Client client("127.0.0.1", l.served.port);
  client.set_keep_alive(true);
  const httplib::Headers registry = {{"Authorization", "Bearer " + std::string(36, 'r')}};
  auto created =
      client.Post("/v1/issuances", registry, l.w.sample("marriage.json"), "application/json");
  REQUIRE(created);
  CHECK(created->status == 201);
  for (int i = 0; i < 3; ++i) {
    auto again = client.Get("/v1/issuances/440106-20260512-0001", registry);
    REQUIRE(again);
    CHECK(again->status == 200);
  }
}
