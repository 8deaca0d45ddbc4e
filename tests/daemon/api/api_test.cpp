// The API's contract, called directly and over HTTP, with a real store and
// a printer that completes every job at once (the CUPS path has its own
// tests).
#include <catch2/catch.hpp>

#include <httplib.h>

#include "layout/template.hpp"
#include "support/api_world.hpp"
#include "support/faulty_store.hpp"
#include "support/pdf_text.hpp"
#include "support/qr_decode.hpp"

using namespace certprint;
using namespace certprint::api;
using namespace certprint::testing;
using engine::mask_id_number;
using engine::mask_name;
using nlohmann::json;
using World = ApiWorld;

TEST_CASE("submission: created, idempotent, conflicting", "[daemon][api]") {
  World w;
  const std::string doc = w.sample("marriage.json");
  auto first = w.api->submit_issuance(kRegistry, doc);
  REQUIRE(first.status == 201);
  CHECK(first.body["issuance_id"] == "440106-20260512-0001");
  REQUIRE(first.body["booklets"].size() == 2);
  CHECK(first.body["booklets"][0]["state"] == "ready");
  CHECK(first.body["events"][0]["type"] == "accepted");

  // The same document again (whitespace aside) returns the stored record.
  json reformatted = json::parse(doc);
  auto again = w.api->submit_issuance(kRegistry, reformatted.dump(4));
  CHECK(again.status == 200);
  CHECK(again.body["booklets"] == first.body["booklets"]);

  // The same id with other content is a conflict, and nothing changes.
  reformatted["remarks"] = "changed";
  auto conflict = w.api->submit_issuance(kRegistry, reformatted.dump());
  CHECK(conflict.status == 409);
  CHECK(conflict.body["error"]["code"] == "conflict");
  CHECK(w.api->issuance_status(kRegistry, "440106-20260512-0001").body["booklets"] ==
        first.body["booklets"]);
}

TEST_CASE("submission: bad input is a 4xx naming the field, and nothing is stored",
          "[daemon][api]") {
  World w;
  json doc = json::parse(w.sample("marriage.json"));
  doc["issuance_id"] = "bad-one";
  doc["parties"]["male"]["id_number"] = "44010619900315123X";
  auto r = w.api->submit_issuance(kRegistry, doc.dump());
  REQUIRE(r.status == 400);
  CHECK(r.body["error"]["code"] == "invalid");
  CHECK(r.body["error"]["fields"][0]["field"] == "parties.male.id_number");
  CHECK_THAT(r.body["error"]["message"].get<std::string>(), Catch::Contains("check character"));
  CHECK(w.api->issuance_status(kRegistry, "bad-one").status == 404);

  CHECK(w.api->submit_issuance(kRegistry, "{not json").status == 400);
  CHECK(w.api->submit_issuance(kRegistry, "[]").status == 400);
  doc = json::parse(w.sample("marriage.json"));
  doc["colour"] = "red";
  auto unknown = w.api->submit_issuance(kRegistry, doc.dump());
  CHECK(unknown.status == 400);
  CHECK(unknown.body["error"]["fields"][0]["field"] == "colour");
  CHECK(w.api->submit_issuance(kRegistry, std::string(70 * 1024, ' ')).status == 413);

  // A stock serial already on a live booklet of another issuance.
  REQUIRE(w.api->submit_issuance(kRegistry, w.sample("marriage.json")).status == 201);
  json dup = json::parse(w.sample("divorce.json"));
  dup["booklets"]["male"]["stock_serial"] =
      json::parse(w.sample("marriage.json"))["booklets"]["male"]["stock_serial"];
  auto serial = w.api->submit_issuance(kRegistry, dup.dump());
  CHECK(serial.status == 409);
  CHECK(serial.body["error"]["code"] == "stock_serial");
  CHECK(w.api->issuance_status(kRegistry, dup["issuance_id"]).status == 404);
}

TEST_CASE("every role is refused outside its own calls", "[daemon][api]") {
  World w;
  REQUIRE(w.api->submit_issuance(kRegistry, w.sample("marriage.json")).status == 201);
  const std::string id = "440106-20260512-0001";
  struct Call {
    const char* name;
    std::vector<Role> allowed;
    std::function<Reply(const Caller&)> run;
  };
  const std::vector<Call> calls = {
      {"submit",
       {Role::registry},
       [&](const Caller& c) { return w.api->submit_issuance(c, "{}"); }},
      {"status",
       {Role::registry, Role::clerk},
       [&](const Caller& c) { return w.api->issuance_status(c, id); }},
      {"print", {Role::clerk}, [&](const Caller& c) { return w.api->print(c, id, "{}"); }},
      {"batch", {Role::clerk}, [&](const Caller& c) { return w.api->print_batch(c, "{}"); }},
      {"print job", {Role::clerk}, [&](const Caller& c) { return w.api->print_job(c, "1"); }},
      {"confirm", {Role::clerk}, [&](const Caller& c) { return w.api->confirm(c, id, "male"); }},
      {"void",
       {Role::clerk},
       [&](const Caller& c) { return w.api->void_booklet(c, id, "male", "{}"); }},
      {"printers",
       {Role::clerk, Role::technician},
       [&](const Caller& c) { return w.api->printers(c); }},
      {"release printer",
       {Role::clerk, Role::technician},
       [&](const Caller& c) { return w.api->release_printer(c, "desk"); }},
      {"preview",
       {Role::clerk},
       [&](const Caller& c) { return w.api->preview(c, id, "male", "info"); }},
      {"calibration",
       {Role::technician},
       [&](const Caller& c) { return w.api->calibration(c, "desk"); }},
      {"set calibration",
       {Role::technician},
       [&](const Caller& c) { return w.api->set_calibration(c, "desk", "{}"); }},
      {"fit calibration",
       {Role::technician},
       [&](const Caller& c) { return w.api->fit_calibration(c, "desk", "{}"); }},
      {"calibration chart",
       {Role::technician},
       [&](const Caller& c) { return w.api->target_chart(c, "info"); }},
      {"stock movement",
       {Role::technician},
       [&](const Caller& c) { return w.api->record_stock(c, "{}"); }},
      {"issuances",
       {Role::clerk},
       [&](const Caller& c) { return w.api->issuances(c, "2026-11-28", ""); }},
      {"stock movements",
       {Role::technician},
       [&](const Caller& c) { return w.api->stock_movements(c); }},
      {"stock serial",
       {Role::technician},
       [&](const Caller& c) { return w.api->stock_serial(c, "4400260101"); }},
      {"stock reconciliation",
       {Role::technician},
       [&](const Caller& c) {
         return w.api->stock_reconciliation(c, "2026-11-01", "2026-11-30", "json");
       }},
      {"verify", {Role::verifier}, [&](const Caller& c) { return w.api->verify(c, "{}"); }},
      // Every role, and the monitor (a scraper's or a health check's token)
      // only these two.
      {"health",
       {Role::registry, Role::clerk, Role::technician, Role::verifier, Role::monitor},
       [&](const Caller& c) { return w.api->health(c); }},
      {"metrics",
       {Role::registry, Role::clerk, Role::technician, Role::verifier, Role::monitor},
       [&](const Caller& c) { return w.api->metrics(c); }},
  };
  for (const auto& call : calls)
    for (const Caller& who : {kRegistry, kClerk, kTech, kVerifier, kMonitor}) {
      INFO(call.name << " as " << to_string(who.role));
      const bool ok =
          std::find(call.allowed.begin(), call.allowed.end(), who.role) != call.allowed.end();
      const Reply r = call.run(who);
      if (ok)
        CHECK(r.status != 403);
      else
        CHECK(r.status == 403);
    }
}

TEST_CASE("print, confirm, and the order of pages and events", "[daemon][api]") {
  World w;
  REQUIRE(w.api->submit_issuance(kRegistry, w.sample("marriage.json")).status == 201);
  const std::string id = "440106-20260512-0001";
  CHECK(w.api->print(kClerk, id, R"({"printer":"nowhere"})").status == 404);
  CHECK(w.api->print(kClerk, id, R"({"printer":"desk","holder":"both"})").status == 400);
  auto queued = w.api->print(kClerk, id, R"({"printer":"desk"})");
  REQUIRE(queued.status == 202);
  CHECK(queued.body["pages"] == 4);
  json job = w.wait_job(queued.body["print_job_id"]);
  CHECK(job["state"] == "done");
  CHECK(job["pages_done"] == 4);

  // What reached the printer: male info, male page 5, female info, female
  // page 5, the QR being each booklet's stored token.
  REQUIRE(w.tray.pages.size() == 4);
  CHECK_THAT(pdf_text(w.tray.pages[0].document), Catch::Contains("张伟"));
  CHECK(decode_qr(rasterize_pdf(w.tray.pages[1].document, 360)) == token_of(*w.store, id, "male"));
  CHECK(decode_qr(rasterize_pdf(w.tray.pages[3].document, 360)) ==
        token_of(*w.store, id, "female"));
  for (const auto& p : w.tray.pages) CHECK(p.job_name.rfind("cp-", 0) == 0);

  auto status = w.api->issuance_status(kClerk, id);
  CHECK(status.body["booklets"][0]["state"] == "printed");
  std::vector<std::string> types;
  std::int64_t last = 0;
  for (const auto& e : status.body["events"]) {
    types.push_back(e["type"]);
    CHECK(e["sequence"].get<std::int64_t>() == last + 1);
    last = e["sequence"];
  }
  CHECK(std::count(types.begin(), types.end(), "page_printed") == 4);
  CHECK(std::count(types.begin(), types.end(), "booklet_printed") == 2);
  CHECK(std::count(types.begin(), types.end(), "booklet_printing") == 2);

  // Printing a printed booklet again is refused; confirming works once.
  CHECK(w.api->print(kClerk, id, R"({"printer":"desk","holder":"male"})").status == 409);
  CHECK(w.api->confirm(kClerk, id, "male").status == 200);
  CHECK(w.api->confirm(kClerk, id, "male").status == 409);
  CHECK(w.api->issuance_status(kClerk, id).body["booklets"][0]["state"] == "confirmed");
}

TEST_CASE("void and reprint: the old token verifies as voided, the new one matches",
          "[daemon][api]") {
  World w;
  REQUIRE(w.api->submit_issuance(kRegistry, w.sample("marriage.json")).status == 201);
  const std::string id = "440106-20260512-0001";
  auto job = w.api->print(kClerk, id, R"({"printer":"desk"})");
  REQUIRE(job.status == 202);
  w.wait_job(job.body["print_job_id"]);
  const std::string old_token = token_of(*w.store, id, "female");

  CHECK(w.api->void_booklet(kClerk, id, "female", R"({"new_stock_serial":"4400269999"})").status ==
        400);
  CHECK(
      w.api
          ->void_booklet(kClerk, id, "female", R"({"reason":"ink smudge","new_stock_serial":"12"})")
          .status == 400);
  auto voided = w.api->void_booklet(kClerk, id, "female",
                                    R"({"reason":"ink smudge","new_stock_serial":"4400269999"})");
  REQUIRE(voided.status == 200);
  CHECK(voided.body["booklet"]["state"] == "ready");
  CHECK(voided.body["booklet"]["stock_serial"] == "4400269999");
  const std::string new_token = token_of(*w.store, id, "female");
  CHECK(new_token != old_token);

  auto v_old = w.api->verify(kVerifier, json{{"token", old_token}}.dump());
  CHECK(v_old.body == json{{"result", "voided"}});
  auto v_new = w.api->verify(kVerifier, json{{"token", new_token}}.dump());
  CHECK(v_new.body["result"] == "match");
  CHECK(v_new.body["holder"]["name"] == "李*");
  CHECK(v_new.body["holder"]["id_number"] == "4401**********1247");
  CHECK(v_new.body.dump().find("李娜") == std::string::npos);

  // One-click is refused while the male booklet is printed; the new female
  // booklet prints on its own, its QR the new token.
  CHECK(w.api->print(kClerk, id, R"({"printer":"desk"})").status == 409);
  const std::size_t before = w.tray.pages.size();
  auto again = w.api->print(kClerk, id, R"({"printer":"desk","holder":"female"})");
  REQUIRE(again.status == 202);
  CHECK(again.body["pages"] == 2);
  w.wait_job(again.body["print_job_id"]);
  REQUIRE(w.tray.pages.size() == before + 2);
  CHECK(decode_qr(rasterize_pdf(w.tray.pages.back().document, 360)) == new_token);
}

TEST_CASE("verify: unknown and tampered tokens reveal nothing", "[daemon][api]") {
  World w;
  REQUIRE(w.api->submit_issuance(kRegistry, w.sample("marriage.json")).status == 201);
  std::string tok = token_of(*w.store, "440106-20260512-0001", "male");
  CHECK(w.api->verify(kVerifier, json{{"token", tok}}.dump()).body["result"] == "match");
  tok[10] = tok[10] == 'A' ? 'B' : 'A';
  CHECK(w.api->verify(kVerifier, json{{"token", tok}}.dump()).body == json{{"result", "unknown"}});
  CHECK(w.api->verify(kVerifier, R"({"token":"hello"})").body == json{{"result", "unknown"}});
  CHECK(w.api->verify(kVerifier, R"({"token":5})").status == 400);
  CHECK(w.api->verify(kVerifier, R"({"token":"x","extra":1})").status == 400);
  CHECK(mask_name("Anna Schmidt") == "A*");
  CHECK(mask_id_number("C01X00T47") == "C01X*0T47");
}

TEST_CASE("calibration: versioned, validated, refused when the QR would leave its zone",
          "[daemon][api]") {
  World w;
  CHECK(w.api->calibration(kTech, "desk").body["current"].is_null());
  auto v1 =
      w.api->set_calibration(kTech, "desk", R"({"pages":{"info":{"offset_mm":[0.5,-0.25]}}})");
  REQUIRE(v1.status == 200);
  CHECK(v1.body["version"] == 1);
  auto v2 = w.api->set_calibration(kTech, "desk", R"({"pages":{"page5":{"offset_mm":[0.2,0.3]}}})");
  CHECK(v2.body["version"] == 2);
  CHECK(w.api->set_calibration(kTech, "desk", R"({"pages":{"info":{"scale":[1.5,1]}}})").status ==
        400);
  CHECK(w.api->set_calibration(kTech, "nowhere", "{}").status == 404);
  auto got = w.api->calibration(kTech, "desk");
  CHECK(got.body["current"]["version"] == 2);
  CHECK(got.body["versions"].size() == 2);
  CHECK(got.body["versions"][1]["set_by"] == "tech-1");
}

TEST_CASE("calibration: refused when it would draw off the page, invalid when turned",
          "[daemon][api]") {
  World w;
  // 19 mm down keeps page 5's QR in its zone on paper, but the printer would
  // be told to draw it past the page's bottom edge.
  auto down = w.api->set_calibration(kTech, "desk", R"({"pages":{"page5":{"offset_mm":[0,19]}}})");
  CHECK(down.status == 422);
  CHECK(down.body["error"]["code"] == "refused");
  CHECK_THAT(down.body["error"]["message"].get<std::string>(),
             Catch::Contains("page5 QR: would end") && Catch::Contains("bottom edge"));
  // The info page's field boxes are checked too.
  auto info = w.api->set_calibration(kTech, "desk", R"({"pages":{"info":{"offset_mm":[0,7]}}})");
  CHECK(info.status == 422);
  CHECK_THAT(info.body["error"]["message"].get<std::string>(),
             Catch::Contains("info field \"female.id_number\""));
  // A quarter turn is no printer's feed error.
  auto turned =
      w.api->set_calibration(kTech, "desk", R"({"pages":{"page5":{"matrix":[0,1,-1,0,0,0]}}})");
  CHECK(turned.status == 400);
  CHECK_THAT(turned.body["error"]["message"].get<std::string>(),
             Catch::Contains("rotated by 90.0°"));
  CHECK(w.api->calibration(kTech, "desk").body["versions"].empty());
}

TEST_CASE("HTTP: bearer tokens, JSON errors, metrics", "[daemon][api]") {
  World w;
  auto tokens = TokenTable::parse(
      "# role name secret\n"
      "registry registry-1 rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr\n"
      "clerk clerk-1 cccccccccccccccccccccccccccccccccccc\n",
      "tokens");
  REQUIRE(tokens.ok());
  std::vector<std::string> lines;
  std::mutex log_mutex;
  auto server =
      HttpServer::create(loopback_http(), *w.api, *tokens, [&](Priority, const std::string& l) {
        std::lock_guard g(log_mutex);
        lines.push_back(l);
      });
  REQUIRE(server.ok());
  auto port = (*server)->bind();
  REQUIRE(port.ok());
  std::thread serving([&] { (*server)->serve(); });
  httplib::Client client("127.0.0.1", *port);
  const httplib::Headers registry = {
      {"Authorization", "Bearer rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr"}};
  const httplib::Headers clerk = {{"Authorization", "Bearer cccccccccccccccccccccccccccccccccccc"}};

  auto none = client.Post("/v1/issuances", w.sample("marriage.json"), "application/json");
  REQUIRE(none);
  CHECK(none->status == 401);
  auto wrong = client.Post("/v1/issuances", {{"Authorization", "Bearer nope"}},
                           w.sample("marriage.json"), "application/json");
  CHECK(wrong->status == 401);
  auto created =
      client.Post("/v1/issuances", registry, w.sample("marriage.json"), "application/json");
  REQUIRE(created);
  CHECK(created->status == 201);
  CHECK(json::parse(created->body)["issuance_id"] == "440106-20260512-0001");
  auto as_clerk =
      client.Post("/v1/issuances", clerk, w.sample("marriage.json"), "application/json");
  CHECK(as_clerk->status == 403);
  auto status = client.Get("/v1/issuances/440106-20260512-0001", clerk);
  CHECK(status->status == 200);
  auto missing = client.Get("/v1/nothing", clerk);
  CHECK(missing->status == 404);
  CHECK(json::parse(missing->body)["error"]["code"] == "not_found");
  auto huge =
      client.Post("/v1/issuances", registry, std::string(100 * 1024, ' '), "application/json");
  CHECK(huge->status == 413);
  auto metrics = client.Get("/metrics", clerk);
  CHECK(metrics->status == 200);
  CHECK_THAT(metrics->body, Catch::Contains("certprint_http_requests_total"));
  auto png =
      client.Get("/v1/issuances/440106-20260512-0001/booklets/male/preview/page5.png", clerk);
  CHECK(png->status == 200);
  CHECK(png->get_header_value("Content-Type") == "image/png");

  (*server)->stop();
  serving.join();
  // The log names calls and callers, never the personal data in bodies.
  std::string all;
  for (const auto& l : lines) all += l + "\n";
  CHECK_THAT(all, Catch::Contains("POST /v1/issuances 201 by registry-1"));
  CHECK(all.find("张伟") == std::string::npos);
  CHECK(all.find("440106199003151231") == std::string::npos);
}

TEST_CASE("a replacement supersedes the lost booklet's token", "[daemon][api]") {
  World w;
  REQUIRE(w.api->submit_issuance(kRegistry, w.sample("marriage.json")).status == 201);
  const std::string lost = token_of(*w.store, "440106-20260512-0001", "female");
  const std::string kept = token_of(*w.store, "440106-20260512-0001", "male");
  json replacement = json::parse(w.sample("replacement.json"));
  replacement["supersedes"] = "440106-20990101-0000";
  auto unknown = w.api->submit_issuance(kRegistry, replacement.dump());
  CHECK(unknown.status == 409);
  CHECK(unknown.body["error"]["code"] == "supersedes");
  CHECK(w.api->issuance_status(kRegistry, replacement["issuance_id"]).status == 404);

  replacement["supersedes"] = "440106-20260512-0001";
  REQUIRE(w.api->submit_issuance(kRegistry, replacement.dump()).status == 201);
  CHECK(w.api->verify(kVerifier, json{{"token", lost}}.dump()).body ==
        json{{"result", "superseded"}});
  CHECK(w.api->verify(kVerifier, json{{"token", kept}}.dump()).body["result"] == "match");
  const std::string fresh = token_of(*w.store, replacement["issuance_id"], "female");
  CHECK(w.api->verify(kVerifier, json{{"token", fresh}}.dump()).body["result"] == "match");
  auto old_status = w.api->issuance_status(kRegistry, "440106-20260512-0001");
  CHECK(old_status.body["booklets"][1]["state"] == "superseded");
  CHECK(old_status.body["events"].back()["type"] == "booklet_superseded");
  // The same replacement again changes nothing.
  CHECK(w.api->submit_issuance(kRegistry, replacement.dump()).status == 200);
}

TEST_CASE("HTTPS when given a certificate and key", "[daemon][api]") {
  World w;
  REQUIRE(make_tls_certificate(w.dir.path()));
  auto tokens = TokenTable::parse(kTokenFile, "tokens");
  REQUIRE(tokens.ok());
  Served served(*w.api, *tokens,
                {"127.0.0.1", 0, w.dir / "cert.pem", w.dir / "key.pem", 64 * 1024});
  httplib::SSLClient tls("127.0.0.1", served.port);
  tls.enable_server_certificate_verification(false);
  auto r = tls.Get("/healthz", {{"Authorization", "Bearer " + std::string(36, 'c')}});
  REQUIRE(r);
  CHECK(r->status == 200);
  httplib::Client plain("127.0.0.1", served.port);
  CHECK_FALSE(plain.Get("/healthz"));  // no plain HTTP on a TLS port

  auto missing_key = HttpServer::create({"127.0.0.1", 0, w.dir / "cert.pem", std::nullopt, 1024},
                                        *w.api, *tokens, null_log());
  REQUIRE_FALSE(missing_key.ok());
  CHECK_THAT(missing_key.error().message, Catch::Contains("both a certificate and a key"));
}

TEST_CASE(
    "void: a blank never printed is voided only when the blank itself is damaged; "
    "a serial is used once",
    "[daemon][api]") {
  World w;
  REQUIRE(w.api->submit_issuance(kRegistry, w.sample("marriage.json")).status == 201);
  const std::string id = "440106-20260512-0001";
  // Nothing was printed on the female blank: nothing is spoiled.
  auto refused = w.api->void_booklet(kClerk, id, "female",
                                     R"({"reason":"typo","new_stock_serial":"4400269001"})");
  REQUIRE(refused.status == 409);
  CHECK(refused.body["error"]["code"] == "booklet_state");
  CHECK_THAT(refused.body["error"]["message"].get<std::string>(),
             Catch::Contains("never printed") && Catch::Contains("blank_damaged"));
  CHECK(token_of(*w.store, id, "female").size() > 3);  // still the live booklet
  auto bad_flag = w.api->void_booklet(
      kClerk, id, "female",
      R"({"reason":"torn","new_stock_serial":"4400269001","blank_damaged":"yes"})");
  CHECK(bad_flag.status == 400);
  CHECK_THAT(bad_flag.body["error"]["message"].get<std::string>(),
             Catch::Contains("blank_damaged") && Catch::Contains("\"yes\""));

  // A torn blank is spoiled stock, printed or not.
  auto torn = w.api->void_booklet(
      kClerk, id, "female",
      R"({"reason":"blank torn","new_stock_serial":"4400269001","blank_damaged":true})");
  REQUIRE(torn.status == 200);
  // The serial just voided may not come back, on a void or on an intake.
  auto back = w.api->void_booklet(
      kClerk, id, "female",
      R"({"reason":"blank torn","new_stock_serial":"4400260102","blank_damaged":true})");
  REQUIRE(back.status == 409);
  CHECK(back.body["error"]["code"] == "stock_serial");
  CHECK_THAT(back.body["error"]["message"].get<std::string>(),
             Catch::Contains("4400260102") && Catch::Contains("female booklet of issuance " + id) &&
                 Catch::Contains("voided") && Catch::Contains("UTC"));
  std::string other = w.sample("divorce.json");
  const auto at = other.find("4400260312");
  REQUIRE(at != std::string::npos);
  other.replace(at, 10, "4400260102");
  auto submit = w.api->submit_issuance(kRegistry, other);
  CHECK(submit.status == 409);
  CHECK(submit.body["error"]["code"] == "stock_serial");
}

TEST_CASE("issuances: a day's list, newest first, with names and booklets; by booklet state",
          "[daemon][api]") {
  World w;
  REQUIRE(w.api->submit_issuance(kRegistry, w.sample("marriage.json")).status == 201);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  REQUIRE(w.api->submit_issuance(kRegistry, w.sample("divorce.json")).status == 201);
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char today[16];
  std::strftime(today, sizeof today, "%Y-%m-%d", &tm);

  auto all = w.api->issuances(kClerk, today, "");
  REQUIRE(all.status == 200);
  CHECK(all.body["day"] == today);
  REQUIRE(all.body["issuances"].size() == 2);
  const json& divorce = all.body["issuances"][0];  // the newer first
  CHECK(divorce["kind"] == "divorce");
  CHECK(divorce["certificate_no"].get<std::string>().rfind("L", 0) == 0);
  CHECK(divorce["booklets"].size() == 2);
  const json& marriage = all.body["issuances"][1];
  CHECK(marriage["issuance_id"] == "440106-20260512-0001");
  CHECK(marriage["names"]["male"] == "张伟");
  CHECK(marriage["booklets"][0]["holder"] == "male");
  CHECK(marriage["booklets"][0]["state"] == "ready");

  // One booklet printed: only its issuance is waiting for confirmation.
  auto job = w.api->print(kClerk, "440106-20260512-0001", R"({"printer":"desk","holder":"male"})");
  REQUIRE(job.status == 202);
  REQUIRE(w.wait_job(job.body["print_job_id"])["state"] == "done");
  auto printed = w.api->issuances(kClerk, today, "printed");
  REQUIRE(printed.status == 200);
  REQUIRE(printed.body["issuances"].size() == 1);
  CHECK(printed.body["issuances"][0]["issuance_id"] == "440106-20260512-0001");
  CHECK(w.api->issuances(kClerk, today, "ready").body["issuances"].size() == 2);
  CHECK(w.api->issuances(kClerk, today, "confirmed").body["issuances"].empty());
  CHECK(w.api->issuances(kClerk, "2020-01-01", "").body["issuances"].empty());

  auto bad_day = w.api->issuances(kClerk, "2026/12/01", "");
  CHECK(bad_day.status == 400);
  CHECK_THAT(bad_day.body["error"]["message"].get<std::string>(),
             Catch::Contains("\"day\"") && Catch::Contains("2026/12/01"));
  auto bad_state = w.api->issuances(kClerk, today, "lost");
  CHECK(bad_state.status == 400);
  CHECK_THAT(bad_state.body["error"]["message"].get<std::string>(),
             Catch::Contains("\"state\"") && Catch::Contains("\"lost\""));
  CHECK(w.api->issuances(kRegistry, today, "").status == 403);
}

TEST_CASE("void: a print that starts while the void is being checked is not voided under it",
          "[daemon][api]") {
  World w(/*start_printing=*/false);
  REQUIRE(w.api->submit_issuance(kRegistry, w.sample("marriage.json")).status == 201);
  const std::string id = "440106-20260512-0001";
  auto booklets = w.store->booklets(id);
  REQUIRE(booklets.ok());
  const store::BookletRow female = booklets->at(1);
  REQUIRE(female.holder == issuance::Holder::female);
  // The void's checks pass on a ready blank; then, before its write, a print
  // run takes the same blank (another clerk, a batch).
  FaultyStore racing(*w.store);
  racing.fail_when([&](std::string_view op) {
    if (op == "void_and_replace")
      REQUIRE(
          w.store->set_booklet_state(female.id, store::BookletState::printing, std::nullopt).ok());
    return false;
  });
  engine::Office office(racing, w.keys, *w.events, *w.engine, source_dir() / "templates",
                        system_random(), null_log());
  auto v = office.void_booklet({"clerk-1", "clerk"}, id, issuance::Holder::female,
                               {"blank torn", "4400269001", true});
  REQUIRE_FALSE(v.ok());
  CHECK(v.error().code == ErrorCode::conflict);
  CHECK(v.error().keyword == "booklet_state");
  CHECK_THAT(v.error().message, Catch::Contains("printing"));
  auto after = w.store->booklet(female.id);
  REQUIRE(after.ok());
  CHECK((*after)->state == store::BookletState::printing);  // not voided under the printer
}

TEST_CASE("a booklet is queued once, and a booklet voided while queued is not printed",
          "[daemon][api]") {
  World w(/*start_printing=*/false);
  REQUIRE(w.api->submit_issuance(kRegistry, w.sample("marriage.json")).status == 201);
  const std::string id = "440106-20260512-0001";
  auto first = w.api->print(kClerk, id, R"({"printer":"desk"})");
  REQUIRE(first.status == 202);
  auto twice = w.api->print(kClerk, id, R"({"printer":"desk","holder":"female"})");
  CHECK(twice.status == 409);
  CHECK_THAT(twice.body["error"]["message"].get<std::string>(),
             Catch::Contains("already queued in print job"));

  // Spoiled on the desk before the printer got to it.
  REQUIRE(w.api
              ->void_booklet(kClerk, id, "female",
                             R"({"reason":"torn","new_stock_serial":"4400269997",)"
                             R"("blank_damaged":true})")
              .status == 200);
  w.engine->start();
  json job = w.wait_job(first.body["print_job_id"]);
  CHECK(job["state"] == "failed");
  CHECK_THAT(job["reason"].get<std::string>(), Catch::Contains("voided"));
  CHECK(w.tray.pages.empty());  // nothing of the job was sent
  // The male booklet was not touched and prints on its own.
  auto again = w.api->print(kClerk, id, R"({"printer":"desk","holder":"male"})");
  REQUIRE(again.status == 202);
  CHECK(w.wait_job(again.body["print_job_id"])["state"] == "done");
  CHECK(w.tray.pages.size() == 2);
}

namespace {

// A printer whose messages are not UTF-8 (CUPS passes on whatever a backend
// or a printer says) and that aborts every job.
class MumblingPort final : public printing::PrinterPort {
 public:
  const std::string& name() const override { return name_; }
  Result<int> submit(const printing::PageJob&) override { return 7; }
  Result<printing::JobStatus> job_status(int id) override {
    return printing::JobStatus{id,
                               printing::JobPhase::aborted,
                               {"job-canceled-at-device"},
                               "Papier \xff\xfe zu Ende \xc3"};
  }
  Result<printing::PrinterStatus> printer_status() override {
    return printing::PrinterStatus{"idle", {}, "bereit \xe9\x80", true};
  }
  Status cancel(int) override { return {}; }
  Result<std::optional<int>> find_job(const std::string&) override { return std::optional<int>{}; }

 private:
  std::string name_ = "desk";
};

bool valid_utf8(const std::string& s) {
  try {
    return !json(s).dump().empty();
  } catch (const json::exception&) {
    return false;
  }
}

}  // namespace

TEST_CASE("text from CUPS that is not UTF-8 is shown, not fatal", "[daemon][api]") {
  World w(true, [](PaperTray&) { return std::make_unique<MumblingPort>(); });
  auto tokens = TokenTable::parse(kTokenFile, "tokens");
  REQUIRE(tokens.ok());
  Served served(*w.api, *tokens);
  httplib::Client client("127.0.0.1", served.port);
  const httplib::Headers clerk = {{"Authorization", "Bearer " + std::string(36, 'c')}};

  auto printers = client.Get("/v1/printers", clerk);
  REQUIRE(printers);
  CHECK(printers->status == 200);
  const json list = json::parse(printers->body);
  CHECK_THAT(list["printers"][0]["message"].get<std::string>(), Catch::StartsWith("bereit"));

  // The aborted page's reason reaches the status and the stored events.
  REQUIRE(w.api->submit_issuance(kRegistry, w.sample("marriage.json")).status == 201);
  auto queued = w.api->print(kClerk, "440106-20260512-0001", R"({"printer":"desk"})");
  REQUIRE(queued.status == 202);
  json job = w.wait_job(queued.body["print_job_id"]);
  CHECK(job["state"] == "failed");
  CHECK_THAT(job["reason"].get<std::string>(), Catch::Contains("Papier"));
  auto status = client.Get("/v1/issuances/440106-20260512-0001", clerk);
  REQUIRE(status);
  CHECK(status->status == 200);
  auto events = w.store->events("440106-20260512-0001");
  REQUIRE(events.ok());
  bool failed_seen = false;
  for (const auto& e : *events) {
    CHECK(valid_utf8(e.body));
    failed_seen = failed_seen || e.type == "page_failed";
  }
  CHECK(failed_seen);
}

TEST_CASE("paths that are not text: no forged log lines, 400 for bytes that are not UTF-8",
          "[daemon][api]") {
  World w;
  auto tokens = TokenTable::parse(kTokenFile, "tokens");
  REQUIRE(tokens.ok());
  std::vector<std::string> lines;
  std::mutex log_mutex;
  auto server =
      HttpServer::create(loopback_http(), *w.api, *tokens, [&](Priority, const std::string& l) {
        std::lock_guard g(log_mutex);
        lines.push_back(l);
      });
  REQUIRE(server.ok());
  auto port = (*server)->bind();
  REQUIRE(port.ok());
  std::thread serving([&] { (*server)->serve(); });
  httplib::Client client("127.0.0.1", *port);
  const httplib::Headers clerk = {{"Authorization", "Bearer " + std::string(36, 'c')}};

  // Without a token too: logging happens before the bearer check matters.
  auto forged = client.Get("/v1/issuances/x%0A%3C0%3Eforged");
  REQUIRE(forged);
  CHECK(forged->status == 401);
  auto bytes = client.Get("/v1/issuances/%FF%FE", clerk);
  REQUIRE(bytes);
  CHECK(bytes->status == 400);
  const json err = json::parse(bytes->body);
  CHECK(err["error"]["code"] == "invalid");
  CHECK_THAT(err["error"]["message"].get<std::string>(), Catch::Contains("UTF-8"));
  (*server)->stop();
  serving.join();
  REQUIRE(lines.size() == 2);
  for (const auto& l : lines) {
    INFO(l);
    // One line each: a "<0>" inside a line is text; journald reads a
    // priority only at a line's start.
    CHECK(l.find('\n') == std::string::npos);
    CHECK(l.find('\r') == std::string::npos);
  }
  CHECK_THAT(lines[0], Catch::Contains("x\\x0A"));
}

TEST_CASE("a held printer shows why, and a clerk's release frees it", "[daemon][api]") {
  World w(false);
  REQUIRE(w.store->add_pending_cancel({"desk", 17, "cp-a", "lost contact with cupsd", 5}).ok());
  auto listed = w.api->printers(kClerk);
  REQUIRE(listed.status == 200);
  const json& desk = listed.body["printers"][0];
  CHECK(desk["held"] == true);
  CHECK(desk["needs_attention"] == true);
  CHECK(desk["held_jobs"][0]["cups_job_id"] == 17);
  CHECK(w.api->release_printer(kClerk, "nowhere").status == 404);
  auto released = w.api->release_printer(kClerk, "desk");
  REQUIRE(released.status == 200);
  CHECK(released.body["released_jobs"] == 1);
  CHECK(w.api->printers(kClerk).body["printers"][0]["held"] == false);
}

TEST_CASE("intake refuses a record whose pages cannot be laid out, naming the field",
          "[daemon][api]") {
  World w;
  // Thirty-one characters: the validator takes them (up to 60), but the
  // 32 mm name box holds two lines of 15 at its 6 pt minimum.
  json doc = json::parse(w.sample("divorce.json"));
  std::string name;
  for (int i = 0; i < 31; ++i) name += "王";
  doc["parties"]["male"]["name"] = name;
  auto r = w.api->submit_issuance(kRegistry, doc.dump());
  REQUIRE(r.status == 400);
  CHECK(r.body["error"]["code"] == "invalid");
  CHECK(r.body["error"]["fields"][0]["field"] == "parties.male.name");
  CHECK_THAT(r.body["error"]["message"].get<std::string>(),
             Catch::StartsWith("parties.male.name") && Catch::Contains("does not fit") &&
                 Catch::Contains("on 2 lines"));
  // Nothing of it is stored.
  CHECK(w.api->issuance_status(kRegistry, doc["issuance_id"]).status == 404);
  CHECK(w.store->booklets(doc["issuance_id"])->empty());
}

TEST_CASE("intake takes long and rare names, and the printed info pages hold them whole",
          "[daemon][api]") {
  // Each was refused before names wrapped: the passport name at intake (the
  // 56 mm holder line, even at 7 pt), the Uyghur name in the 30 mm name box.
  const std::string latin = "MONTGOMERY-FITZWILLIAM ALEXANDER CHRISTOPHER";
  const std::string uyghur = "阿依古丽·买买提艾力·阿不都热合曼";
  const std::string rare = "欧𠮷𫖯䶮";
  struct Case {
    const char* sample;
    std::string male, female;
  };
  for (const Case& c : {Case{"divorce.json", "王强", latin}, Case{"marriage.json", uyghur, rare}}) {
    INFO(c.sample);
    World w;
    json doc = json::parse(w.sample(c.sample));
    doc["parties"]["male"]["name"] = c.male;
    doc["parties"]["female"]["name"] = c.female;
    auto submitted = w.api->submit_issuance(kRegistry, doc.dump());
    INFO(submitted.body.dump());
    REQUIRE(submitted.status == 201);
    auto queued = w.api->print(kClerk, doc["issuance_id"], R"({"printer":"desk"})");
    REQUIRE(queued.status == 202);
    REQUIRE(w.wait_job(queued.body["print_job_id"])["state"] == "done");
    REQUIRE(w.tray.pages.size() == 4);
    // The male and the female info page: holder line and both name boxes.
    auto tmpl = layout::load_template(source_dir() / "templates" / c.sample);
    REQUIRE(tmpl.ok());
    for (std::size_t page : {0u, 2u}) {
      const std::map<std::string, std::string> names{{"holder", page == 0 ? c.male : c.female},
                                                     {"male.name", c.male},
                                                     {"female.name", c.female}};
      for (const auto& f : tmpl->info.fields) {
        if (!names.contains(f.name)) continue;
        INFO("page " << page << " " << f.name);
        const std::string& value = names.at(f.name);
        CHECK(read_as_name(pdf_text_in(w.tray.pages[page].document, f.box.x_mm, f.box.y_mm,
                                       f.box.w_mm, f.box.h_mm),
                           value) == value);
      }
    }
  }
}

TEST_CASE("a set-aside event shows in status, the outbox and metrics, and is put back on request",
          "[daemon][api]") {
  World w;
  REQUIRE(w.api->submit_issuance(kRegistry, w.sample("marriage.json")).status == 201);
  const std::string id = "440106-20260512-0001";
  auto events = w.store->events(id);
  REQUIRE(events.ok());
  REQUIRE(events->size() == 1);
  const std::string event_id = events->front().event_id;
  REQUIRE(w.store->mark_dead(event_id, "the registry refused it (HTTP 400)", 1).ok());

  auto status = w.api->issuance_status(kClerk, id);
  REQUIRE(status.status == 200);
  CHECK(status.body["events"][0]["dead"] == true);
  CHECK(status.body["events"][0]["delivered"] == false);
  CHECK(status.body["events"][0]["last_error"] == "the registry refused it (HTTP 400)");

  CHECK(w.api->outbox(kClerk).status == 403);
  auto outbox = w.api->outbox(kTech);
  REQUIRE(outbox.status == 200);
  CHECK(outbox.body["dead"] == 1);
  CHECK(outbox.body["undelivered"] == 0);
  REQUIRE(outbox.body["dead_events"].size() == 1);
  CHECK(outbox.body["dead_events"][0]["event_id"] == event_id);
  CHECK(outbox.body["dead_events"][0]["issuance_id"] == id);
  CHECK(outbox.body["dead_events"][0]["type"] == "accepted");
  CHECK_THAT(w.api->metrics(kClerk).raw, Catch::Contains("certprint_outbox_dead 1\n"));

  CHECK(w.api->retry_event(kClerk, event_id).status == 403);
  CHECK(w.api->retry_event(kRegistry, "no-such-event").status == 404);
  CHECK(w.api->retry_event(kRegistry, event_id).status == 200);
  CHECK(w.api->retry_event(kTech, event_id).status == 409);
  outbox = w.api->outbox(kRegistry);
  CHECK(outbox.body["dead"] == 0);
  CHECK(outbox.body["undelivered"] == 1);
  const std::string metrics = w.api->metrics(kClerk).raw;
  CHECK_THAT(metrics, Catch::Contains("certprint_outbox_dead 0\n"));
  CHECK_THAT(metrics, Catch::Contains("certprint_outbox_due 1\n"));
}
