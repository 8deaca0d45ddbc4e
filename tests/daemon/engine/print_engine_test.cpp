// The print engine over a store that refuses writes: whatever write fails,
// and whenever the daemon stops, a restart leaves no booklet stuck and
// prints no page twice.
#include <catch2/catch.hpp>

#include <map>
#include <thread>

#include "daemon/booklet/tokens.hpp"
#include "support/api_world.hpp"
#include "support/faulty_store.hpp"

using namespace certprint;
using namespace certprint::testing;

namespace {

const issuance::ValidationOptions kValidation{issuance::Date{2026, 11, 28}};

// A daemon's printing parts over a FaultyStore, restartable.
struct Rig {
  TempDir dir;
  std::unique_ptr<store::Store> real;
  std::unique_ptr<FaultyStore> store;
  token::KeyRing keys = token::KeyRing::from_keys({token::Key{3, {}}});
  std::unique_ptr<engine::EventLog> events;
  PaperTray tray;
  std::unique_ptr<engine::PrintEngine> engine;
  std::unique_ptr<engine::Office> office;

  bool printer_remembers = true;

  explicit Rig(bool remembers = true) : printer_remembers(remembers) {
    auto s = store::Store::open(dir / "certprint.db");
    if (!s) FAIL(s.error().message);
    real = std::move(*s);
    store = std::make_unique<FaultyStore>(*real);
    events = std::make_unique<engine::EventLog>(*store, system_random(), system_clock());
    make_engine();
  }
  ~Rig() { engine->stop(); }

  void make_engine() {
    engine::PrinterConfig desk;
    desk.name = "desk";
    desk.res = {180, 180};
    engine::PrintEngineConfig pe{
        {desk},
        source_dir() / "templates",
        {std::chrono::milliseconds(2), std::chrono::seconds(2), std::chrono::seconds(5)}};
    engine = std::make_unique<engine::PrintEngine>(
        *store, *events, pe,
        [this](const engine::PrinterConfig&) -> Result<std::unique_ptr<printing::PrinterPort>> {
          return std::unique_ptr<printing::PrinterPort>(new InstantPort(tray, printer_remembers));
        },
        system_clock(), null_log());
    office = std::make_unique<engine::Office>(
        *store, keys, *events, *engine, source_dir() / "templates", system_random(), null_log());
  }
  // The daemon stops (a crash or SIGTERM) and starts again with the same store.
  void restart() {
    engine->stop();
    office.reset();
    make_engine();
    engine->start();
  }

  std::string submit(const char* sample) {
    auto rec = issuance::load_issuance_file(source_dir() / "samples" / sample, kValidation);
    REQUIRE(rec.ok());
    REQUIRE(office->submit({"registry-1", "registry"}, *rec).ok());
    return rec->issuance_id;
  }

  // Waits until no print job is unfinished, or the time runs out.
  bool settle(std::chrono::milliseconds limit) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
      auto jobs = real->unfinished_print_jobs();
      REQUIRE(jobs.ok());
      if (jobs->empty()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  }

  std::map<issuance::Holder, store::BookletRow> live(const std::string& id) {
    std::map<issuance::Holder, store::BookletRow> out;
    auto all = real->booklets(id);
    REQUIRE(all.ok());
    for (const auto& b : *all)
      if (store::is_live(b.state)) out[b.holder] = b;
    return out;
  }
};

}  // namespace

TEST_CASE("print engine: a write refused at any point, a restart, and no booklet stays printing",
          "[daemon][engine]") {
  // Count the writes of a clean one-click run first.
  int writes = 0;
  {
    Rig clean;
    const std::string id = clean.submit("marriage.json");
    REQUIRE(clean.office->queue_print({"clerk-1", "clerk"}, "desk", {{id, std::nullopt}}).ok());
    clean.store->fail_when([&](std::string_view) {
      ++writes;
      return false;
    });
    clean.engine->start();
    REQUIRE(clean.settle(std::chrono::seconds(10)));
    REQUIRE(clean.tray.pages.size() == 4);
  }
  REQUIRE(writes > 8);

  const bool remembers = GENERATE(true, false);
  for (int k = 1; k <= writes; ++k) {
    INFO("the write refused is number " << k << " of " << writes << "; the printer "
                                        << (remembers ? "remembers" : "forgets") << " its jobs");
    Rig rig(remembers);
    const std::string id = rig.submit("marriage.json");
    REQUIRE(rig.office->queue_print({"clerk-1", "clerk"}, "desk", {{id, std::nullopt}}).ok());
    int seen = 0;
    rig.store->fail_when([&](std::string_view) { return ++seen == k; });
    rig.engine->start();
    rig.settle(std::chrono::milliseconds(300));
    rig.store->heal();
    rig.restart();
    REQUIRE(rig.settle(std::chrono::seconds(10)));

    // Every booklet came out of it printed, or ready (nothing of it reached
    // the printer: print it again), or failed (void it); never printing.
    for (auto& [holder, b] : rig.live(id)) {
      INFO(issuance::to_string(holder));
      CHECK(b.state != store::BookletState::printing);
      if (b.state == store::BookletState::ready) {
        auto again = rig.office->queue_print({"clerk-1", "clerk"}, "desk", {{id, holder}});
        REQUIRE(again.ok());
        REQUIRE(rig.settle(std::chrono::seconds(10)));
      }
    }
    for (auto& [holder, b] : rig.live(id)) {
      INFO(issuance::to_string(holder));
      CHECK((b.state == store::BookletState::printed || b.state == store::BookletState::failed));
    }
    // No page reached the printer twice.
    std::map<std::string, int> sent;
    for (const auto& p : rig.tray.pages) CHECK(++sent[p.job_name] == 1);
  }
}

TEST_CASE("print engine: a job put off for later holds back the printer's later jobs",
          "[daemon][engine]") {
  Rig rig;
  const std::string first = rig.submit("marriage.json");
  const std::string second = rig.submit("divorce.json");
  auto a = rig.office->queue_print({"clerk-1", "clerk"}, "desk", {{first, std::nullopt}});
  auto b = rig.office->queue_print({"clerk-1", "clerk"}, "desk", {{second, std::nullopt}});
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  // The first job's first page was handed to the printer before a restart,
  // as printer job 1.
  auto tasks = rig.real->page_tasks(a->print_job_id);
  REQUIRE(tasks.ok());
  REQUIRE(rig.real->set_print_job_state(a->print_job_id, store::PrintJobState::running, "").ok());
  REQUIRE(rig.real
              ->record_page({(*tasks)[0].id,
                             store::PageTaskState::submitted,
                             1,
                             "",
                             store::BookletState::printing,
                             {},
                             std::nullopt})
              .ok());
  printing::PageJob sent;
  sent.job_name = (*tasks)[0].job_name;
  rig.tray.pages.push_back(sent);

  // The printer cannot be reached the first time the engine asks.
  rig.engine->stop();
  rig.office.reset();
  engine::PrinterConfig desk;
  desk.name = "desk";
  desk.res = {180, 180};
  int opened = 0;
  rig.engine = std::make_unique<engine::PrintEngine>(
      *rig.store, *rig.events,
      engine::PrintEngineConfig{
          {desk},
          source_dir() / "templates",
          {std::chrono::milliseconds(2), std::chrono::seconds(2), std::chrono::seconds(5)}},
      [&](const engine::PrinterConfig&) -> Result<std::unique_ptr<printing::PrinterPort>> {
        if (++opened == 1) return unavailable("cupsd does not answer");
        return std::unique_ptr<printing::PrinterPort>(new InstantPort(rig.tray));
      },
      system_clock(), null_log());
  rig.engine->start();
  REQUIRE(rig.settle(std::chrono::seconds(10)));
  CHECK(rig.real->print_job(a->print_job_id)->value().state == store::PrintJobState::done);
  CHECK(rig.real->print_job(b->print_job_id)->value().state == store::PrintJobState::done);

  // What the printer received: the first job's pages, then the second's.
  auto first_tasks = rig.real->page_tasks(a->print_job_id);
  auto second_tasks = rig.real->page_tasks(b->print_job_id);
  std::vector<std::string> expected;
  for (const auto& t : *first_tasks) expected.push_back(t.job_name);
  for (const auto& t : *second_tasks) expected.push_back(t.job_name);
  std::vector<std::string> got;
  for (const auto& p : rig.tray.pages) got.push_back(p.job_name);
  CHECK(got == expected);
}

TEST_CASE("a stored issuance is read as it was stored, not judged by today's rules",
          "[daemon][engine]") {
  // A record accepted under earlier rules that today's validator refuses: a
  // remark longer than today's limit and a name of 61 characters.
  auto rec = issuance::load_issuance_file(source_dir() / "samples" / "marriage.json", kValidation);
  REQUIRE(rec.ok());
  rec->remarks = std::string(900, 'r');
  rec->male.name = std::string(61, 'M');
  const std::string canonical = issuance::to_canonical_json(*rec);
  REQUIRE_FALSE(issuance::parse_issuance(canonical, kValidation).ok());

  Rig rig;
  std::vector<store::Store::NewBooklet> booklets;
  for (auto h : rec->holders())
    booklets.push_back({h, rec->booklet(h)->stock_serial,
                        *booklet::issue_booklet_token(rig.keys, *rec, h, system_random())});
  REQUIRE(rig.real
              ->add_issuance({rec->issuance_id, canonical, 1000}, booklets,
                             {"ev-1", rec->issuance_id, 1, "accepted", "{}", 1000, 0, 1000,
                              std::nullopt, "", std::nullopt})
              .ok());
  auto v = rig.office->verify({"verifier-1", "verifier"}, booklets[0].token);
  REQUIRE(v.ok());
  CHECK(v->result == engine::VerifyResult::match);
  CHECK(v->masked_name == "M*");
  auto status = rig.office->status(rec->issuance_id);
  REQUIRE(status.ok());
  CHECK(status->booklets.size() == 2);
}

namespace {

// A printer that takes jobs and then waits for paper forever, and whose
// cancel fails until told otherwise (a cupsd that went away).
class StuckPort final : public printing::PrinterPort {
 public:
  struct State {
    std::mutex m;
    std::vector<std::string> submitted;
    bool cancel_works = false;
    std::vector<int> cancelled;
  };
  explicit StuckPort(State& s) : s_(s) {}
  const std::string& name() const override { return name_; }
  Result<int> submit(const printing::PageJob& job) override {
    std::lock_guard g(s_.m);
    s_.submitted.push_back(job.job_name);
    return static_cast<int>(s_.submitted.size());
  }
  Result<printing::JobStatus> job_status(int id) override {
    std::lock_guard g(s_.m);
    for (int c : s_.cancelled)
      if (c == id) return printing::JobStatus{id, printing::JobPhase::canceled, {}, ""};
    return printing::JobStatus{id, printing::JobPhase::processing, {}, ""};
  }
  Result<printing::PrinterStatus> printer_status() override {
    return printing::PrinterStatus{"processing", {"media-empty-error"}, "", true};
  }
  Status cancel(int id) override {
    std::lock_guard g(s_.m);
    if (!s_.cancel_works) return unavailable("cupsd does not answer");
    s_.cancelled.push_back(id);
    return {};
  }
  Result<std::optional<int>> find_job(const std::string&) override { return std::optional<int>{}; }

 private:
  State& s_;
  std::string name_ = "desk";
};

}  // namespace

TEST_CASE("print engine: a page whose cancel failed holds the printer until the cancel is sure",
          "[daemon][engine]") {
  Rig rig;
  StuckPort::State printer;
  rig.engine->stop();
  rig.office.reset();
  engine::PrinterConfig desk;
  desk.name = "desk";
  desk.res = {180, 180};
  rig.engine = std::make_unique<engine::PrintEngine>(
      *rig.store, *rig.events,
      engine::PrintEngineConfig{
          {desk},
          source_dir() / "templates",
          {std::chrono::milliseconds(2), std::chrono::milliseconds(50), std::chrono::seconds(5)}},
      [&](const engine::PrinterConfig&) -> Result<std::unique_ptr<printing::PrinterPort>> {
        return std::unique_ptr<printing::PrinterPort>(new StuckPort(printer));
      },
      system_clock(), null_log());
  rig.office =
      std::make_unique<engine::Office>(*rig.store, rig.keys, *rig.events, *rig.engine,
                                       source_dir() / "templates", system_random(), null_log());
  const std::string first = rig.submit("marriage.json");
  const std::string second = rig.submit("divorce.json");
  auto a = rig.office->queue_print({"clerk-1", "clerk"}, "desk", {{first, std::nullopt}});
  REQUIRE(a.ok());
  rig.engine->start();
  // The first page stalls, fails, and its cancel does not get through.
  for (int i = 0; i < 500; ++i) {
    if (rig.real->print_job(a->print_job_id)->value().state == store::PrintJobState::failed) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(rig.real->print_job(a->print_job_id)->value().state == store::PrintJobState::failed);
  {
    std::lock_guard g(printer.m);
    REQUIRE(printer.submitted.size() == 1);
    REQUIRE(printer.cancelled.empty());
  }
  // The next job waits: the stuck page could still print on its blank.
  auto b = rig.office->queue_print({"clerk-1", "clerk"}, "desk", {{second, std::nullopt}});
  REQUIRE(b.ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  {
    std::lock_guard g(printer.m);
    CHECK(printer.submitted.size() == 1);
  }
  CHECK(rig.real->print_job(b->print_job_id)->value().state != store::PrintJobState::done);

  // Once the cancel goes through, the printer is free again.
  {
    std::lock_guard g(printer.m);
    printer.cancel_works = true;
  }
  for (int i = 0; i < 500; ++i) {
    std::lock_guard g(printer.m);
    if (printer.submitted.size() > 1) break;
  }
  rig.settle(std::chrono::seconds(6));
  std::lock_guard g(printer.m);
  REQUIRE_FALSE(printer.cancelled.empty());
  CHECK(printer.cancelled.front() == 1);  // the stuck page's cancel, retried until it went through
  CHECK(printer.submitted.size() >= 2);   // then the next job's first page
}

TEST_CASE("print engine: a clerk releases a held printer", "[daemon][engine]") {
  Rig rig;
  REQUIRE(rig.real->add_pending_cancel({"desk", 41, "cp-x", "lost contact", 1000}).ok());
  const std::string id = rig.submit("marriage.json");
  rig.engine->start();
  auto a = rig.office->queue_print({"clerk-1", "clerk"}, "desk", {{id, std::nullopt}});
  REQUIRE(a.ok());
  // The instant printer knows no job 41 and cancels it at once: free again.
  REQUIRE(rig.settle(std::chrono::seconds(6)));
  CHECK(rig.real->pending_cancels("desk")->empty());

  // With the engine stopped, no retry of the cancel races the clerk (with
  // it running, the instant printer sometimes cancelled job 42 first).
  rig.engine->stop();
  REQUIRE(rig.real->add_pending_cancel({"desk", 42, "cp-y", "lost contact", 2000}).ok());
  auto held = rig.office->held_jobs("desk");
  REQUIRE(held.ok());
  CHECK(held->size() == 1);
  auto released = rig.office->release_printer({"clerk-1", "clerk"}, "desk");
  REQUIRE(released.ok());
  CHECK(*released == 1);
  CHECK(rig.office->held_jobs("desk")->empty());
  CHECK_FALSE(rig.office->release_printer({"clerk-1", "clerk"}, "nowhere").ok());
  auto audit = rig.real->audit_log(5);
  REQUIRE(audit.ok());
  CHECK(audit->front().action == "release");
}

namespace {

// Each job takes a while: processing for `polls` reads of its state, then
// completed. Keeps the order of what happened.
class SlowPort final : public printing::PrinterPort {
 public:
  struct State {
    std::mutex m;
    std::vector<std::string> log;  // "submit NAME", "done NAME"
    std::map<int, int> polls;
    std::vector<std::string> names;
  };
  SlowPort(State& s, int polls) : s_(s), polls_(polls) {}
  const std::string& name() const override { return name_; }
  Result<int> submit(const printing::PageJob& job) override {
    std::lock_guard g(s_.m);
    s_.names.push_back(job.job_name);
    s_.log.push_back("submit " + job.job_name);
    return static_cast<int>(s_.names.size());
  }
  Result<printing::JobStatus> job_status(int id) override {
    std::lock_guard g(s_.m);
    if (++s_.polls[id] < polls_)
      return printing::JobStatus{id, printing::JobPhase::processing, {}, ""};
    if (s_.polls[id] == polls_) s_.log.push_back("done " + s_.names[id - 1]);
    return printing::JobStatus{id, printing::JobPhase::completed, {}, ""};
  }
  Result<printing::PrinterStatus> printer_status() override {
    return printing::PrinterStatus{"idle", {}, "", true};
  }
  Status cancel(int) override { return {}; }
  Result<std::optional<int>> find_job(const std::string&) override { return std::optional<int>{}; }

 private:
  State& s_;
  int polls_;
  std::string name_ = "desk";
};

}  // namespace

TEST_CASE("print engine: a calibration target goes through the printer's lock and is followed",
          "[daemon][engine]") {
  Rig rig;
  SlowPort::State printer;
  rig.engine->stop();
  rig.office.reset();
  engine::PrinterConfig desk;
  desk.name = "desk";
  desk.res = {180, 180};
  rig.engine = std::make_unique<engine::PrintEngine>(
      *rig.store, *rig.events,
      engine::PrintEngineConfig{
          {desk},
          source_dir() / "templates",
          {std::chrono::milliseconds(5), std::chrono::seconds(2), std::chrono::seconds(5)}},
      [&](const engine::PrinterConfig&) -> Result<std::unique_ptr<printing::PrinterPort>> {
        return std::unique_ptr<printing::PrinterPort>(new SlowPort(printer, 40));
      },
      system_clock(), null_log());
  rig.office =
      std::make_unique<engine::Office>(*rig.store, rig.keys, *rig.events, *rig.engine,
                                       source_dir() / "templates", system_random(), null_log());
  rig.engine->start();
  const std::string id = rig.submit("marriage.json");

  // The target is printing (about 200 ms) when a clerk's job is queued.
  Result<engine::TargetPrinted> target = Error{"not printed"};
  std::thread technician([&] {
    target =
        rig.office->print_target({"tech-1", "technician"}, "desk", issuance::PageKind::info, false);
  });
  for (int i = 0; i < 200; ++i) {
    std::lock_guard g(printer.m);
    if (!printer.log.empty()) break;
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto job = rig.office->queue_print({"clerk-1", "clerk"}, "desk", {{id, std::nullopt}});
  technician.join();
  REQUIRE(target.ok());
  REQUIRE(job.ok());
  REQUIRE(rig.settle(std::chrono::seconds(10)));

  std::lock_guard g(printer.m);
  REQUIRE(printer.log.size() == 10);  // the target and four pages, each sent and done
  // The target was followed to its end before any booklet page went out.
  CHECK(printer.log[0].rfind("submit ", 0) == 0);
  CHECK(printer.log[1] == "done " + printer.log[0].substr(7));
  CHECK(printer.log[2].rfind("submit ", 0) == 0);
}
