// The CUPS path against real cupsd and ippeveprinter started by the test.
// What was printed is judged from what the printer received, identified by
// content: Poppler text for info pages, the decoded QR for page 5.
#include <catch2/catch.hpp>

#include <cups/cups.h>

#include <algorithm>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "daemon/offline/direct_print.hpp"
#include "daemon/printing/cups/cups_port.hpp"
#include "daemon/printing/cups/cups_raster.hpp"
#include "support/cups_harness.hpp"
#include "support/pdf_text.hpp"
#include "support/qr_decode.hpp"
#include "support/received.hpp"

using namespace certprint;
using namespace certprint::testing;
namespace fs = std::filesystem;

namespace {

const issuance::ValidationOptions kValidation{issuance::Date{2026, 11, 28}};

issuance::Issuance sample(const std::string& name) {
  auto r = issuance::load_issuance_file(source_dir() / "samples" / name, kValidation);
  if (!r) FAIL(r.error().message);
  return *r;
}

std::vector<std::string> expected(const issuance::Issuance& r,
                                  std::vector<issuance::Holder> holders) {
  std::vector<std::string> out;
  for (auto h : holders)
    for (const char* page : {" info", " page5"})
      out.push_back(r.issuance_id + " " + std::string(issuance::to_string(h)) + page);
  return out;
}

struct Fixture {
  CupsHarness cups;
  fs::path keys_dir;
  token::KeyRing keys;

  Fixture() : keys_dir(cups.temp().path() / "keys"), keys(make_keys(keys_dir)) {}

  static token::KeyRing make_keys(const fs::path& dir) {
    auto k = token::generate_key(dir, system_random());
    if (!k) FAIL(k.error().message);
    auto ring = token::KeyRing::load_dir(dir);
    if (!ring) FAIL(ring.error().message);
    return *ring;
  }

  offline::DirectPrintCommand command(std::vector<std::string> samples, std::string printer) const {
    offline::DirectPrintCommand cmd;
    for (const auto& s : samples) cmd.issuance_files.push_back(source_dir() / "samples" / s);
    cmd.printer.printer = std::move(printer);
    cmd.printer.server = cups.server();
    cmd.keys_dir = keys_dir;
    cmd.templates_dir = source_dir() / "templates";
    cmd.sequencer.poll_interval = std::chrono::milliseconds(50);
    cmd.sequencer.stall_timeout = std::chrono::milliseconds(2000);
    cmd.sequencer.job_timeout = std::chrono::milliseconds(15000);
    return cmd;
  }

  printing::SequenceResult print(const offline::DirectPrintCommand& cmd,
                                 std::string* log = nullptr) const {
    std::ostringstream out;
    auto r = offline::run_direct_print(cmd, kValidation, system_random(), out);
    if (log) *log = out.str();
    INFO(out.str());
    if (!r) FAIL(r.error().message);
    return *r;
  }
};

}  // namespace

TEST_CASE("one-click through cupsd prints male info, male page 5, female info, female page 5",
          "[integration]") {
  Fixture f;
  const auto rec = sample("marriage.json");
  std::string log;
  auto result = f.print(f.command({"marriage.json"}, "raw"), &log);
  INFO(log);
  REQUIRE(result.ok());
  CHECK(result.completed == 4);

  const auto docs = received(f.cups.spool(), ".pdf");
  std::vector<std::string> got;
  for (const auto& d : docs) got.push_back(identify(d, {rec}, f.keys));
  CHECK(got == expected(rec, {issuance::Holder::male, issuance::Holder::female}));
  CHECK_THAT(log, Catch::Contains("[4/4]") && Catch::Contains("printed"));
}

TEST_CASE("per-spouse printing sends that booklet's two pages only", "[integration]") {
  Fixture f;
  const auto rec = sample("marriage.json");
  for (auto [mode, holder] : {std::pair{printing::PrintMode::female_only, issuance::Holder::female},
                              std::pair{printing::PrintMode::male_only, issuance::Holder::male}}) {
    for (const auto& e : fs::directory_iterator(f.cups.spool())) fs::remove(e.path());
    // Straight to the IPP printer, no cupsd in between.
    auto cmd = f.command({"marriage.json"}, f.cups.printer_uri());
    cmd.mode = mode;
    REQUIRE(f.print(cmd).ok());
    std::vector<std::string> got;
    for (const auto& d : received(f.cups.spool(), ".pdf"))
      got.push_back(identify(d, {rec}, f.keys));
    CHECK(got == expected(rec, {holder}));
  }
  // A replacement carrying only the female booklet cannot print a male one.
  auto cmd = f.command({"replacement.json"}, f.cups.printer_uri());
  cmd.mode = printing::PrintMode::male_only;
  std::ostringstream out;
  auto refused = offline::run_direct_print(cmd, kValidation, system_random(), out);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.error().message, Catch::Contains("carries no male booklet"));
}

TEST_CASE("a batch prints each issuance one-click, in the order given", "[integration]") {
  Fixture f;
  const auto marriage = sample("marriage.json"), divorce = sample("divorce.json"),
             replacement = sample("replacement.json");
  auto result =
      f.print(f.command({"divorce.json", "replacement.json", "marriage.json"}, "capture"));
  REQUIRE(result.ok());
  CHECK(result.completed == 10);
  std::vector<std::string> want =
      expected(divorce, {issuance::Holder::male, issuance::Holder::female});
  for (auto v : {expected(replacement, {issuance::Holder::female}),
                 expected(marriage, {issuance::Holder::male, issuance::Holder::female})})
    want.insert(want.end(), v.begin(), v.end());
  std::vector<std::string> got;
  for (const auto& d : received(f.cups.capture(), ""))
    got.push_back(identify(d, {marriage, divorce, replacement}, f.keys));
  CHECK(got == want);
}

TEST_CASE("PDF and CUPS raster documents reach the printer byte for byte", "[integration]") {
  Fixture f;
  auto rec = sample("marriage.json");
  auto tmpl = booklet::load_template_for(source_dir() / "templates", rec.kind);
  REQUIRE(tmpl.ok());
  auto renderer = booklet::BookletRenderer::create(std::move(*tmpl));
  REQUIRE(renderer.ok());
  auto tok = booklet::issue_booklet_token(f.keys, rec, issuance::Holder::male, system_random());
  REQUIRE(tok.ok());
  booklet::RenderOptions options;
  options.device = {{360, 180}};
  auto pages = (*renderer)->render_booklet(rec, issuance::Holder::male, *tok, options);
  REQUIRE(pages.ok());
  auto raster = printing::cups::to_cups_raster(*(*pages)[1].raster);
  REQUIRE(raster.ok());
  const std::string pdf = (*pages)[1].pdf;

  for (const std::string& printer : {std::string("capture"), f.cups.printer_uri()}) {
    INFO(printer);
    auto port = printing::cups::open_cups_port({f.cups.server(), printer, 10000});
    REQUIRE(port.ok());
    for (auto [format, bytes] : {std::pair{printing::DocumentFormat::pdf, pdf},
                                 std::pair{printing::DocumentFormat::cups_raster, *raster}}) {
      auto id = (*port)->submit({"cp-bytes-test", format, bytes, 94, 128, {}});
      REQUIRE(id.ok());
      for (int i = 0; i < 200; ++i) {
        auto s = (*port)->job_status(*id);
        REQUIRE(s.ok());
        if (s->terminal()) {
          CHECK(s->phase == printing::JobPhase::completed);
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  }
  auto captured = received(f.cups.capture(), "");
  REQUIRE(captured.size() == 2);
  CHECK(captured[0] == pdf);
  CHECK(captured[1] == *raster);
  auto spooled = received(f.cups.spool(), "");
  std::erase_if(spooled, [](const std::string& d) { return d.empty(); });  // .prn outputs
  REQUIRE(spooled.size() == 2);
  CHECK(spooled[0] == pdf);
  CHECK(spooled[1] == *raster);
  // The raster read back is the page, and its QR still scans.
  auto back = printing::cups::from_cups_raster(captured[1]);
  REQUIRE(back.ok());
  CHECK(back->bits == (*pages)[1].raster->bits);
  auto scanned = decode_qr(*back);
  REQUIRE(scanned);
  CHECK(*scanned == *tok);
}

namespace {

// Runs a one-click print of the marriage sample with a fault armed and
// checks where it stopped and why. What the printer received must be the
// sequence's first pages, in order, and nothing past the failed page; at
// least `min_received` of them.
void expect_halt(Fixture& f, offline::DirectPrintCommand cmd, std::size_t failed_at,
                 const std::string& why, std::size_t min_received, const fs::path& received_dir,
                 const std::string& ext) {
  const auto rec = sample("marriage.json");
  std::string log;
  auto result = f.print(cmd, &log);
  INFO(log);
  REQUIRE_FALSE(result.ok());
  CHECK(*result.failed_at == failed_at);
  CHECK(result.completed == failed_at);
  CHECK_THAT(result.reason, Catch::Contains(why));
  CHECK_THAT(log, Catch::Contains("FAILED"));
  CHECK_THAT(log, !Catch::Contains("[" + std::to_string(failed_at + 2) + "/4]"));

  std::vector<std::string> got;
  for (const auto& d : received(received_dir, ext)) got.push_back(identify(d, {rec}, f.keys));
  auto want = expected(rec, {issuance::Holder::male, issuance::Holder::female});
  INFO("received " << got.size() << " document(s)");
  CHECK(got.size() >= min_received);
  REQUIRE(got.size() <= failed_at + 1);
  want.resize(got.size());
  CHECK(got == want);
}

}  // namespace

TEST_CASE("fault: the printer aborts the third page", "[integration]") {
  Fixture f;
  f.cups.set_fault("fail-from 3");
  expect_halt(f, f.command({"marriage.json"}, f.cups.printer_uri()), 2, "aborted", 3,
              f.cups.spool(), ".pdf");
}

TEST_CASE("fault: the printer runs out of media", "[integration]") {
  Fixture f;
  f.cups.set_fault("media-empty");
  expect_halt(f, f.command({"marriage.json"}, "raw"), 0, "media-empty", 1, f.cups.spool(), ".pdf");
}

TEST_CASE("fault: the queue is disabled", "[integration]") {
  Fixture f;
  REQUIRE(f.cups.run("cupsdisable raw") == 0);
  {
    // What a status display shows for a paused queue.
    auto port = printing::cups::open_cups_port({f.cups.server(), "raw", 10000});
    REQUIRE(port.ok());
    auto status = (*port)->printer_status();
    REQUIRE(status.ok());
    CHECK(status->state == "stopped");
    CHECK(std::find(status->reasons.begin(), status->reasons.end(), "paused") !=
          status->reasons.end());
    CHECK(status->needs_attention());
  }
  expect_halt(f, f.command({"marriage.json"}, "raw"), 0, "stopped", 0, f.cups.spool(), ".pdf");
  // The held job was cancelled: re-enabling the queue prints nothing.
  REQUIRE(f.cups.run("cupsenable raw") == 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  CHECK(received(f.cups.spool(), ".pdf").empty());
}

TEST_CASE("fault: the queue's filter fails", "[integration]") {
  Fixture f;
  expect_halt(f, f.command({"marriage.json"}, "badfilter"), 0, "job-completed-with-errors", 0,
              f.cups.capture(), "");
}

TEST_CASE("fault: the printer is killed mid-job", "[integration]") {
  Fixture f;
  f.cups.set_fault("slow 30");
  auto cmd = f.command({"marriage.json"}, "raw");
  cmd.sequencer.job_timeout = std::chrono::milliseconds(4000);
  cmd.on_event = [&](const printing::PageEvent& e) {
    if (e.type == printing::PageEvent::Type::submitted && e.index == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1200));  // let it start printing
      f.cups.kill_printer();
    }
  };
  expect_halt(f, cmd, 0, "did not complete", 1, f.cups.spool(), ".pdf");
}

TEST_CASE("fault: the clerk cancels the second page's job", "[integration]") {
  Fixture f;
  f.cups.set_fault("slow 5");
  auto cmd = f.command({"marriage.json"}, "raw");
  cmd.on_event = [&](const printing::PageEvent& e) {
    if (e.type == printing::PageEvent::Type::submitted && e.index == 0) f.cups.clear_fault();
    if (e.type == printing::PageEvent::Type::submitted && e.index == 1) {
      f.cups.set_fault("slow 5");
      REQUIRE(f.cups.run("cancel " + std::to_string(e.job_id)) == 0);
    }
  };
  expect_halt(f, cmd, 1, "canceled", 1, f.cups.spool(), ".pdf");
}

TEST_CASE("job attributes in CUPS carry no personal data", "[integration]") {
  Fixture f;
  const auto rec = sample("marriage.json");
  std::string log;
  REQUIRE(f.print(f.command({"marriage.json"}, "everywhere"), &log).ok());
  // The virtual printer has no booklet-sized media: the clerk is told.
  CHECK_THAT(log, Catch::Contains("lists no 94 x 128 mm media"));

  http_t* http = httpConnect2("localhost", std::stoi(f.cups.get("CUPS_PORT")), nullptr, AF_UNSPEC,
                              HTTP_ENCRYPTION_NEVER, 1, 10000, nullptr);
  REQUIRE(http);
  ipp_t* req = ippNewRequest(IPP_OP_GET_JOBS);
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nullptr, "ipp://localhost/");
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "which-jobs", nullptr, "all");
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", nullptr, "all");
  ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", nullptr, cupsUser());
  ipp_t* resp = cupsDoRequest(http, req, "/");
  REQUIRE(resp);
  std::string all;
  int jobs = 0;
  for (ipp_attribute_t* a = ippFirstAttribute(resp); a; a = ippNextAttribute(resp)) {
    char value[4096];
    ippAttributeString(a, value, sizeof value);
    if (ippGetName(a) && std::string(ippGetName(a)) == "job-id") ++jobs;
    all += std::string(ippGetName(a) ? ippGetName(a) : "") + "=" + value + "\n";
  }
  ippDelete(resp);
  httpClose(http);
  CHECK(jobs == 4);
  CHECK_THAT(all, Catch::Contains("job-name=cp-"));
  const auto logs = slurp(fs::path(f.cups.get("CUPS_LOG_DIR")) / "page_log") +
                    slurp(fs::path(f.cups.get("CUPS_LOG_DIR")) / "access_log");
  std::string spool_names;
  for (const auto& e : fs::directory_iterator(f.cups.spool()))
    spool_names += e.path().filename().string();
  for (const std::string& secret :
       {rec.male.name, rec.female.name, rec.male.id_number, rec.female.id_number,
        rec.certificate_no, rec.issuance_id, rec.male_booklet->stock_serial}) {
    INFO(secret);
    CHECK(all.find(secret) == std::string::npos);
    CHECK(logs.find(secret) == std::string::npos);
    CHECK(spool_names.find(secret) == std::string::npos);
  }
}

namespace {

// A page source that hands out one small document.
class TextDocument final : public printing::PageSource {
 public:
  explicit TextDocument(std::string text) : text_(std::move(text)) {}
  Result<printing::PageJob> page(const printing::PageStep&) override {
    return printing::PageJob{"", printing::DocumentFormat::pdf, text_, 0, 0, {}};
  }

 private:
  std::string text_;
};

class NoListener final : public printing::SequenceListener {
 public:
  void on_page(const printing::PageEvent&) override {}
};

// What a daemon killed mid-submission leaves at cupsd: a job named `name`
// whose document is half sent on a connection still open. The caller
// finishes or drops it.
struct HalfSentJob {
  std::unique_ptr<http_t, void (*)(http_t*)> connection{nullptr, httpClose};
  http_t* http = nullptr;
  int job_id = 0;
  std::string rest;

  HalfSentJob(const CupsHarness& cups, const std::string& name, const std::string& document) {
    cupsSetServer(cups.server().c_str());
    http = httpConnect2("localhost", std::stoi(cups.get("CUPS_PORT")), nullptr, AF_UNSPEC,
                        HTTP_ENCRYPTION_NEVER, 1, 10000, nullptr);
    REQUIRE(http);
    connection.reset(http);  // a half-sent document is dropped with the connection
    job_id = cupsCreateJob(http, "capture", name.c_str(), 0, nullptr);
    INFO(cupsLastErrorString());
    REQUIRE(job_id > 0);
    REQUIRE(cupsStartDocument(http, "capture", job_id, "page", "application/pdf", 1) ==
            HTTP_STATUS_CONTINUE);
    const std::size_t half = document.size() / 2;
    REQUIRE(cupsWriteRequestData(http, document.data(), half) == HTTP_STATUS_CONTINUE);
    rest = document.substr(half);
  }
  void finish() {
    cupsWriteRequestData(http, rest.data(), rest.size());
    cupsFinishDocument(http, "capture");
  }
};

printing::SequenceResult resume(const CupsHarness& cups, const std::string& job_name,
                                const std::string& document) {
  auto port = printing::cups::open_cups_port({cups.server(), "capture", 10000});
  REQUIRE(port.ok());
  const auto rec = sample("marriage.json");
  printing::PageStep step{
      rec.issuance_id, issuance::Holder::male, issuance::PageKind::info, job_name, 0, true, {}};
  TextDocument source(document);
  NoListener listener;
  printing::SequencerConfig config;
  config.poll_interval = std::chrono::milliseconds(50);
  config.job_timeout = std::chrono::milliseconds(15000);
  return printing::run_sequence(**port, source, {step}, listener, config, system_clock());
}

}  // namespace

// Seen in CI under load: a restarted daemon found its predecessor's job
// still waiting for its document while the last bytes were on their way,
// cancelled it too late, sent the page again, and it printed twice.
TEST_CASE("restart at cupsd: a job whose document arrives late is followed, never sent again",
          "[integration]") {
  CupsHarness cups;
  const std::string document =
      "%PDF-1.4 the page the stopped daemon was sending\n" + std::string(64 * 1024, '%');
  HalfSentJob left(cups, "cp-00000000000000000001", document);
  std::thread late([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    left.finish();
  });
  const auto result = resume(cups, "cp-00000000000000000001", document);
  late.join();
  INFO(result.reason);
  CHECK(result.ok());
  CHECK(result.last_job_id == left.job_id);
  const auto docs = received(cups.capture(), "");
  CHECK(docs.size() == 1);
  CHECK((docs.size() == 1 && docs[0] == document));
}

TEST_CASE("restart at cupsd: a job cut off mid-document is cancelled and the page sent once",
          "[integration]") {
  CupsHarness cups;
  const std::string document =
      "%PDF-1.4 the page, sent again in full\n" + std::string(64 * 1024, '%');
  int cut_off = 0;
  {
    HalfSentJob left(cups, "cp-00000000000000000002", document);
    cut_off = left.job_id;
  }  // the connection drops: cupsd keeps a job waiting for its document
  const auto result = resume(cups, "cp-00000000000000000002", document);
  INFO(result.reason);
  CHECK(result.ok());
  CHECK(result.last_job_id > cut_off);
  auto port = printing::cups::open_cups_port({cups.server(), "capture", 10000});
  REQUIRE(port.ok());
  auto old = (*port)->job_status(cut_off);
  REQUIRE(old.ok());
  CHECK(old->phase == printing::JobPhase::canceled);
  CHECK_FALSE(old->started);
  auto sent = (*port)->job_status(result.last_job_id);
  REQUIRE(sent.ok());
  CHECK(sent->started);
  const auto docs = received(cups.capture(), "");
  CHECK(docs.size() == 1);
  CHECK((docs.size() == 1 && docs[0] == document));
}
