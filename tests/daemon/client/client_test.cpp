// The clients of the API, certprint's clerk commands and certcal's
// technician commands, against the API served over real HTTP.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include "calibration/target.hpp"
#include "daemon/client/clerk_commands.hpp"
#include "daemon/client/stock_commands.hpp"
#include "daemon/client/technician_commands.hpp"
#include "support/api_world.hpp"
#include "support/pdf_text.hpp"

using namespace certprint;
using namespace certprint::client;
using namespace certprint::testing;
using nlohmann::json;
using World = ApiWorld;

TEST_CASE("the certprint client against the daemon: tables, --json, exit codes",
          "[daemon][client]") {
  World w;
  auto tokens = api::TokenTable::parse(kTokenFile, "tokens");
  REQUIRE(tokens.ok());
  Served served(*w.api, *tokens);
  ClientConfig registry{
      "http://127.0.0.1:" + std::to_string(served.port), std::string(36, 'r'), false, 10, {}};
  ClientConfig clerk = registry, verifier = registry;
  clerk.token = std::string(36, 'c');
  verifier.token = std::string(36, 'v');
  const auto sample = source_dir() / "samples" / "marriage.json";
  const std::string id = "440106-20260512-0001";
  std::ostringstream out, err;

  REQUIRE(client_submit(registry, {sample}, out, err) == 0);
  CHECK_THAT(out.str(),
             Catch::Contains("issuance " + id + " accepted") && Catch::Contains("4400260101"));
  out.str("");
  CHECK(client_submit(registry, {sample}, out, err) == 0);
  CHECK_THAT(out.str(), Catch::Contains("already stored"));
  CHECK(client_submit(clerk, {sample}, out, err) == 2);  // wrong role
  CHECK_THAT(err.str(), Catch::Contains("role clerk may not submit"));

  out.str("");
  REQUIRE(client_print(clerk, {id}, "desk", std::nullopt, true, out, err) == 0);
  CHECK_THAT(out.str(), Catch::Contains("[####################] 4/4 pages") &&
                            Catch::Contains("done: 4 page(s)"));
  err.str("");
  CHECK(client_print(clerk, {id}, "desk", std::nullopt, true, out, err) == 1);
  CHECK_THAT(err.str(), Catch::Contains("is printed"));

  out.str("");
  CHECK(client_status(clerk, id, out, err) == 0);
  CHECK_THAT(out.str(), Catch::Contains("booklet_printed") && Catch::Contains("printed"));
  // Each booklet's QR, as the registry keeps it: a clerk can read it out.
  CHECK_THAT(out.str(), Catch::Contains(token_of(*w.store, id, "male")) &&
                            Catch::Contains(token_of(*w.store, id, "female")));
  CHECK(client_confirm(clerk, id, "male", out, err) == 0);
  out.str("");
  CHECK(client_void(clerk, id, "female", {"torn", "4400269998"}, out, err) == 0);
  CHECK_THAT(out.str(), Catch::Contains("4400269998"));

  ClientConfig as_json = clerk;
  as_json.json = true;
  out.str("");
  CHECK(client_status(as_json, id, out, err) == 0);
  auto parsed = json::parse(out.str());
  CHECK(parsed["booklets"].size() == 3);

  out.str("");
  CHECK(client_verify(verifier, token_of(*w.store, id, "male"), out, err) == 0);
  CHECK_THAT(out.str(), Catch::Contains("match: marriage certificate of 张*"));
  CHECK(client_verify(verifier, "CP:NOTHING", out, err) == 1);

  TempDir pngs;
  CHECK(client_preview(clerk, id, "female", pngs.path(), out, err) == 0);
  CHECK(slurp(pngs / (id + "-female-page5.png")).substr(1, 3) == "PNG");
  out.str("");
  CHECK(client_printers(clerk, out, err) == 0);
  CHECK_THAT(out.str(), Catch::Contains("desk") && Catch::Contains("idle"));

  ClientConfig nowhere = clerk;
  nowhere.url = "http://127.0.0.1:1";
  err.str("");
  CHECK(client_status(nowhere, id, out, err) == 2);
  CHECK_THAT(err.str(), Catch::Contains("does not answer"));
}

TEST_CASE("previews hold personal data: private files named by their issuance (issue 10.15)",
          "[daemon][client]") {
  World w;
  auto tokens = api::TokenTable::parse(kTokenFile, "tokens");
  REQUIRE(tokens.ok());
  Served served(*w.api, *tokens);
  ClientConfig registry{served.url(), std::string(36, 'r'), false, 10, {}};
  ClientConfig clerk = registry;
  clerk.token = std::string(36, 'c');
  std::ostringstream out, err;
  REQUIRE(client_submit(registry,
                        {source_dir() / "samples" / "marriage.json",
                         source_dir() / "samples" / "replacement.json"},
                        out, err) == 0);

  // A usual umask: a file made without a mode of its own would be 0644.
  const mode_t old_mask = ::umask(022);
  TempDir pngs;
  const std::string first = "440106-20260512-0001", second = "440106-20261120-0002";
  const int a = client_preview(clerk, first, "female", pngs.path(), out, err);
  const int b = client_preview(clerk, second, "female", pngs.path(), out, err);
  ::umask(old_mask);
  REQUIRE(a == 0);
  REQUIRE(b == 0);
  // The second issuance's previews sit beside the first's, not over them.
  for (const std::string& id : {first, second})
    for (const char* page : {"info", "page5"}) {
      const auto file = pngs / (id + "-female-" + page + ".png");
      INFO(file.string());
      REQUIRE(std::filesystem::exists(file));
      CHECK(slurp(file).substr(1, 3) == "PNG");
    }
  CHECK(slurp(pngs / (first + "-female-info.png")) != slurp(pngs / (second + "-female-info.png")));
  for (const auto& entry : std::filesystem::directory_iterator(pngs.path())) {
    INFO(entry.path().string());
    CHECK(entry.status().permissions() ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
  }
}

TEST_CASE("certcal against the daemon: target, fit with noisy marks, save, show, verify, rollback",
          "[daemon][client]") {
  World w;
  auto tokens = api::TokenTable::parse(kTokenFile, "tokens");
  REQUIRE(tokens.ok());
  Served served(*w.api, *tokens);
  ClientConfig tech;
  tech.url = served.url();
  tech.token = std::string(36, 't');
  std::ostringstream out, err;

  // An uncorrected target reaches the printer.
  REQUIRE(target(tech, "desk", "info", false, out, err) == 0);
  REQUIRE(w.tray.pages.size() == 1);
  CHECK(w.tray.pages[0].document.rfind("%PDF-", 0) == 0);
  CHECK_THAT(out.str(), Catch::Contains("certcal fit --printer desk"));

  // The printer shifts by (0.6, -0.4) mm and scales by 1.004 x 0.997; the
  // technician measures with a ruler, to about 0.05 mm.
  const auto truth = layout::Affine::from_params(0.6, -0.4, 1.004, 0.997, 0.0);
  auto tmpl = layout::load_template(source_dir() / "templates" / "marriage.json");
  REQUIRE(tmpl.ok());
  std::vector<calibration::Measurement> measured;
  const double noise[] = {0.04, -0.03, 0.02, -0.05, 0.01};
  int i = 0;
  for (const auto& m : calibration::target_marks(tmpl->info)) {
    const auto p = truth.apply(m.nominal);
    measured.push_back({m.label, {p.x_mm + noise[i], p.y_mm - noise[4 - i]}});
    ++i;
  }
  out.str("");
  REQUIRE(fit_and_save(tech, source_dir() / "templates", "desk", "info", measured, false, true, {},
                       out, err) == 0);
  CHECK_THAT(out.str(), Catch::Contains("affine") && Catch::Contains("saved as version 1"));
  auto stored = w.api->calibration(kTech, "desk");
  const auto& m = stored.body["current"]["profile"]["pages"]["info"]["matrix"];
  const layout::Affine c{m[0], m[1], m[2], m[3], m[4], m[5]};
  for (const auto& mark : calibration::target_marks(tmpl->info)) {
    const auto landed = truth.apply(c.apply(mark.nominal));
    CHECK(std::hypot(landed.x_mm - mark.nominal.x_mm, landed.y_mm - mark.nominal.y_mm) < 0.1);
  }

  // verify prints with the correction; show lists it; an implausible fit is refused.
  REQUIRE(target(tech, "desk", "info", true, out, err) == 0);
  CHECK(w.tray.pages.size() == 2);
  out.str("");
  REQUIRE(show(tech, "desk", out, err) == 0);
  CHECK_THAT(out.str(), Catch::Contains("* version 1 by tech-1"));
  err.str("");
  CHECK(fit_and_save(tech, source_dir() / "templates", "desk", "info",
                     {{"A", {20, 20}}, {"D", {120, 150}}}, false, true, {}, out, err) == 1);
  CHECK_THAT(err.str(), Catch::Contains("refused") && Catch::Contains("scale"));

  // A second profile, then back to the first.
  REQUIRE(fit_and_save(tech, source_dir() / "templates", "desk", "page5", {{"E", {47.3, 104.2}}},
                       false, true, {}, out, err) == 0);
  out.str("");
  REQUIRE(rollback(tech, "desk", 1, out, err) == 0);
  CHECK_THAT(out.str(), Catch::Contains("version 1's profile is back in force as version 3"));
  CHECK(w.api->calibration(kTech, "desk").body["current"]["profile"] ==
        w.api->calibration(kTech, "desk").body["versions"][2]["profile"]);
  CHECK(rollback(tech, "desk", 9, out, err) == 1);

  // Marks as the technician types them.
  auto parsed = calibration::parse_mark("A=1.5,2");
  REQUIRE(parsed.ok());
  CHECK(parsed->landed.x_mm == Approx(1.5));
  CHECK_FALSE(calibration::parse_mark("A=1.5").ok());
  CHECK_FALSE(calibration::parse_mark("=1,2").ok());
}

TEST_CASE("the clients check an https daemon's certificate against --ca-file", "[daemon][client]") {
  World w;
  REQUIRE(make_tls_certificate(w.dir.path()));
  std::filesystem::create_directory(w.dir / "other");
  REQUIRE(make_tls_certificate(w.dir / "other"));
  auto tokens = api::TokenTable::parse(kTokenFile, "tokens");
  REQUIRE(tokens.ok());
  Served served(*w.api, *tokens,
                {"127.0.0.1", 0, w.dir / "cert.pem", w.dir / "key.pem", 64 * 1024});
  ClientConfig clerk;
  clerk.url = "https://127.0.0.1:" + std::to_string(served.port);
  clerk.token = std::string(36, 'c');
  clerk.ca_file = (w.dir / "cert.pem").string();
  CHECK(ApiClient(clerk).get("/v1/printers").status == 200);
  // Not the CA that signed it: refused, saying so.
  clerk.ca_file = (w.dir / "other" / "cert.pem").string();
  Answer a = ApiClient(clerk).get("/v1/printers");
  CHECK(a.status == 0);
  CHECK_THAT(a.transport_error, Catch::Contains("not signed by the CA in " + clerk.ca_file));
  // No --ca-file: the system's CAs, which never signed a throwaway certificate.
  clerk.ca_file.clear();
  a = ApiClient(clerk).get("/v1/printers");
  CHECK(a.status == 0);
  CHECK_THAT(a.transport_error, Catch::Contains("a CA this system trusts (--ca-file)"));
  // A CA file that is not there, or given for plain http, is said, not ignored.
  clerk.ca_file = (w.dir / "nowhere.pem").string();
  CHECK_THAT(ApiClient(clerk).get("/v1/printers").transport_error,
             Catch::Contains("nowhere.pem\" cannot be read"));
  ClientConfig plain = clerk;
  plain.url = "http://127.0.0.1:" + std::to_string(served.port);
  plain.ca_file = (w.dir / "cert.pem").string();
  CHECK_THAT(ApiClient(plain).get("/v1/printers").transport_error,
             Catch::Contains("is for an https:// daemon") && Catch::Contains("is not encrypted"));
  clerk.ca_file.clear();
  clerk.url = "ftp://127.0.0.1:1";
  CHECK_THAT(ApiClient(clerk).get("/v1/printers").transport_error,
             Catch::Contains("--url \"ftp://127.0.0.1:1\""));
}

TEST_CASE("certcal bidi-pattern and bidi-align against the daemon at a passbook printer",
          "[daemon][client]") {
  World w(true, nullptr,
          [](engine::PrinterConfig& p) { p.format = printing::DocumentFormat::cups_raster; });
  auto tokens = api::TokenTable::parse(kTokenFile, "tokens");
  REQUIRE(tokens.ok());
  Served served(*w.api, *tokens);
  ClientConfig tech;
  tech.url = served.url();
  tech.token = std::string(36, 't');
  std::ostringstream out, err;
  REQUIRE(bidi_pattern(tech, "desk", out, err) == 0);
  CHECK(w.tray.pages.size() == 1);
  CHECK_THAT(out.str(), Catch::Contains("offset 0/360 in, profile version 0") &&
                            Catch::Contains("certcal bidi-align --printer desk --aligned NUMBER "
                                            "--printed-with 0"));
  out.str("");
  REQUIRE(bidi_align(tech, "desk", 5, 0, out, err) == 0);
  CHECK_THAT(out.str(), Catch::Contains("bidirectional offset now 5/360 in (profile version 1)"));
  out.str("");
  REQUIRE(bidi_align(tech, "desk", 0, 1, out, err) == 0);
  CHECK_THAT(out.str(), Catch::Contains("the bars at 0 meet; the offset stays 5/360 in"));
  out.str("");
  REQUIRE(show(tech, "desk", out, err) == 0);
  CHECK_THAT(out.str(), Catch::Contains("bidirectional: right-to-left passes moved 5/360 in"));
  // A reading of a pattern printed under an older profile.
  CHECK(bidi_align(tech, "desk", 2, 0, out, err) == 1);
  CHECK_THAT(err.str(), Catch::Contains("print it again"));
}

TEST_CASE("certcal fit refuses a correction that draws off the page, or a turned page",
          "[daemon][client]") {
  World w;
  auto tokens = api::TokenTable::parse(kTokenFile, "tokens");
  REQUIRE(tokens.ok());
  Served served(*w.api, *tokens);
  ClientConfig tech;
  tech.url = served.url();
  tech.token = std::string(36, 't');
  auto tmpl = layout::load_template(source_dir() / "templates" / "marriage.json");
  REQUIRE(tmpl.ok());
  auto landed = [](const layout::PageTemplate& page, const layout::Affine& printer) {
    std::vector<calibration::Measurement> out;
    for (const auto& m : calibration::target_marks(page))
      out.push_back({m.label, printer.apply(m.nominal)});
    return out;
  };
  std::ostringstream out, err;
  // Offsets past the fit's own plausibility limit (6 mm), so that the
  // layout's refusal is what is tested here.
  calibration::FitLimits lenient;
  lenient.max_offset_mm = 30;

  // A printer that prints 7 mm high: the correction moves the last field
  // 7 mm down, past the page's bottom edge. Refused before anything is saved.
  CHECK(fit_and_save(tech, source_dir() / "templates", "desk", "info",
                     landed(tmpl->info, layout::Affine::translation(0, -7)), false, false, lenient,
                     out, err) == 1);
  CHECK_THAT(err.str(), Catch::Contains("refused") &&
                            Catch::Contains("info field \"female.id_number\": would end"));

  // Page 5 printed 19 mm high: the QR would be drawn past the bottom edge.
  err.str("");
  CHECK(fit_and_save(tech, source_dir() / "templates", "desk", "page5",
                     landed(tmpl->page5, layout::Affine::translation(0, -19)), false, false,
                     lenient, out, err) == 1);
  CHECK_THAT(err.str(), Catch::Contains("page5 QR: would end"));

  // The target measured a quarter turn round: no feed error does that.
  err.str("");
  CHECK(fit_and_save(tech, source_dir() / "templates", "desk", "info",
                     landed(tmpl->info, layout::Affine{0, 1, -1, 0, 128, 0}), false, true, {}, out,
                     err) == 1);
  CHECK_THAT(err.str(), Catch::Contains("rotated by 90.0°"));
  CHECK(w.api->calibration(kTech, "desk").body["versions"].empty());
}

TEST_CASE("the certprint client shows a held printer and releases it", "[daemon][client]") {
  World w(false);
  auto tokens = api::TokenTable::parse(kTokenFile, "tokens");
  REQUIRE(tokens.ok());
  Served served(*w.api, *tokens);
  ClientConfig clerk;
  clerk.url = served.url();
  clerk.token = std::string(36, 'c');
  REQUIRE(w.store->add_pending_cancel({"desk", 9, "cp-z", "lost contact", 1}).ok());
  std::ostringstream out, err;
  REQUIRE(client_printers(clerk, out, err) == 0);
  CHECK_THAT(out.str(), Catch::Contains("held: a cancelled page may still print") &&
                            Catch::Contains("needs attention"));
  out.str("");
  REQUIRE(client_release(clerk, "desk", out, err) == 0);
  CHECK_THAT(out.str(), Catch::Contains("desk released: 1"));
  out.str("");
  REQUIRE(client_printers(clerk, out, err) == 0);
  CHECK(out.str().find("held") == std::string::npos);
  CHECK(client_release(clerk, "nowhere", out, err) == 1);
}

TEST_CASE("certprint stock and reconcile: a delivery, the day's figures and the CSV",
          "[daemon][client]") {
  World w;
  auto tokens = api::TokenTable::parse(kTokenFile, "tokens");
  REQUIRE(tokens.ok());
  Served served(*w.api, *tokens);
  ClientConfig tech{served.url(), std::string(36, 't'), false, 10, {}};
  ClientConfig clerk = tech;
  clerk.token = std::string(36, 'c');
  std::ostringstream out, err;
  REQUIRE(client_stock(tech, {"received", "4400260101", "4400260150", "delivery 7"}, out, err) ==
          0);
  CHECK_THAT(out.str(), Catch::Contains("4400260101..4400260150 (50 blanks)"));
  // Refusals: the daemon's words, exit 1; a clerk may not, exit 2.
  err.str("");
  CHECK(client_stock(tech, {"received", "4400260140", "4400260160", "delivery 8"}, out, err) == 1);
  CHECK_THAT(err.str(), Catch::Contains("overlaps 4400260101..4400260150"));
  CHECK(client_stock(clerk, {"received", "4400260200", "4400260210", "d"}, out, err) == 2);
  CHECK(client_stock(tech, {"lost", "4400260200", "4400260210", "d"}, out, err) == 1);

  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char day[16];
  std::strftime(day, sizeof day, "%Y-%m-%d", &tm);
  TempDir dir;
  out.str("");
  REQUIRE(client_reconcile(tech, {day, day, (dir / "day.csv").string(), (dir / "day.pdf").string()},
                           out, err) == 0);
  CHECK_THAT(out.str(), Catch::Contains("received") && Catch::Contains("50") &&
                            Catch::Contains("balances") &&
                            Catch::Contains("closing stock 4400260101..4400260150 (50)"));
  CHECK_THAT(slurp(dir / "day.csv"), Catch::Contains("figure,,,50,received\r\n"));
  CHECK(pdf_figure_after(pdf_text(slurp(dir / "day.pdf")), "本期入库 Received") == 50);
  namespace fs = std::filesystem;
  CHECK((fs::status(dir / "day.pdf").permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write));
  CHECK_THAT(out.str(), Catch::Contains("wrote " + (dir / "day.pdf").string()));
  err.str("");
  CHECK(client_reconcile(tech, {"yesterday", day, "", ""}, out, err) == 1);
  CHECK_THAT(err.str(), Catch::Contains("\"yesterday\""));
  // A file that cannot be written is named, and nothing is left of it.
  err.str("");
  CHECK(client_reconcile(tech, {day, day, "", (dir / "no-such-dir" / "day.pdf").string()}, out,
                         err) == 1);
  CHECK_THAT(err.str(), Catch::Contains("no-such-dir"));
}
