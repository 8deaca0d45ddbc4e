// Sequencing logic against a scripted printer and a fake clock: no CUPS.
#include <catch2/catch.hpp>
#include <functional>

#include <algorithm>
#include <atomic>
#include <deque>
#include <map>
#include <set>
#include <thread>

#include "daemon/printing/sequencer.hpp"
#include "support/fake_clock.hpp"
#include "support/temp_dir.hpp"

using namespace certprint;
using namespace certprint::printing;
using certprint::testing::FakeClock;
using namespace std::chrono_literals;

namespace {

const issuance::ValidationOptions kValidation{issuance::Date{2026, 11, 28}};

issuance::Issuance sample(const char* name) {
  auto r = issuance::load_issuance_file(testing::source_dir() / "samples" / name, kValidation);
  if (!r) FAIL(r.error().message);
  return *r;
}

// Each submitted job walks through the phases scripted for its position
// (one phase per poll, the last one repeating).
class ScriptedPort final : public PrinterPort {
 public:
  std::map<std::size_t, std::vector<JobPhase>> script;  // by submission index
  PrinterStatus printer{"idle", {}, "", true};
  std::vector<std::string> submitted;  // job names, in order
  std::vector<int> cancelled;
  // Phases a job walks through once cancelled (by submission index); by
  // default a cancelled job reads as it did before.
  std::map<std::size_t, std::vector<JobPhase>> after_cancel;
  bool refuse_next = false;

  const std::string& name() const override { return name_; }
  Result<int> submit(const PageJob& job) override {
    if (refuse_next) return Error{"printer refused the job"};
    submitted.push_back(job.job_name);
    polls_[static_cast<int>(submitted.size())] = 0;
    return static_cast<int>(submitted.size());
  }
  Result<JobStatus> job_status(int id) override {
    const auto index = static_cast<std::size_t>(id - 1);
    auto it = script.find(index);
    std::vector<JobPhase> phases =
        it == script.end() ? std::vector{JobPhase::processing, JobPhase::completed} : it->second;
    std::size_t& n = polls_[id];
    if (std::count(cancelled.begin(), cancelled.end(), id) && after_cancel.count(index)) {
      phases = after_cancel[index];
      n = cancelled_polls_[id]++;
    }
    const std::size_t at = std::min(n, phases.size() - 1);
    JobStatus s{id, phases[at], {}, ""};
    ++n;
    // Started: a phase up to this poll was processing or completed.
    for (std::size_t i = 0; i <= at; ++i)
      s.started =
          s.started || phases[i] == JobPhase::processing || phases[i] == JobPhase::completed;
    if (s.phase == JobPhase::aborted) s.reasons = {"job-aborted-by-system"};
    if (s.phase == JobPhase::held) s.reasons = {"job-incoming"};
    return s;
  }
  std::function<PrinterStatus()> status_now;  // when set, the printer's state instead of `printer`
  Result<PrinterStatus> printer_status() override { return status_now ? status_now() : printer; }
  Status cancel(int id) override {
    cancelled.push_back(id);
    return {};
  }
  std::map<std::string, int> known;  // jobs find_job can see, by name
  Result<std::optional<int>> find_job(const std::string& name) override {
    if (auto it = known.find(name); it != known.end()) return std::optional<int>{it->second};
    return std::optional<int>{};
  }

 private:
  std::string name_ = "fake";
  std::map<int, std::size_t> polls_;
  std::map<int, std::size_t> cancelled_polls_;
};

class NullSource final : public PageSource {
 public:
  std::vector<std::string> rendered;
  Result<PageJob> page(const PageStep& step) override {
    rendered.push_back(step.describe());
    return PageJob{"", DocumentFormat::pdf, "%PDF-", 94, 128, {}};
  }
};

class Recorder final : public SequenceListener {
 public:
  std::vector<std::string> lines;
  void on_page(const PageEvent& e) override {
    if (e.type == PageEvent::Type::submitting) return;
    lines.push_back(std::to_string(e.index) + " " + std::string(to_string(e.type)) +
                    (e.detail.empty() ? "" : " " + e.detail));
  }
};

std::vector<PageStep> one_click() {
  auto steps = plan_pages({sample("marriage.json")}, PrintMode::one_click, system_random());
  REQUIRE(steps.ok());
  return *steps;
}

}  // namespace

TEST_CASE("plans: one-click, per spouse, replacement, batch", "[daemon]") {
  const auto marriage = sample("marriage.json"), replacement = sample("replacement.json");
  auto describe = [](const std::vector<PageStep>& steps) {
    std::vector<std::string> out;
    for (const auto& s : steps) out.push_back(s.describe());
    return out;
  };
  const std::string m = "issuance " + marriage.issuance_id,
                    r = "issuance " + replacement.issuance_id;

  auto one = plan_pages({marriage}, PrintMode::one_click, system_random());
  REQUIRE(one.ok());
  CHECK(describe(*one) == std::vector<std::string>{m + " male info page", m + " male page 5",
                                                   m + " female info page", m + " female page 5"});
  auto female = plan_pages({marriage}, PrintMode::female_only, system_random());
  REQUIRE(female.ok());
  CHECK(describe(*female) ==
        std::vector<std::string>{m + " female info page", m + " female page 5"});

  auto batch = plan_pages({replacement, marriage}, PrintMode::one_click, system_random());
  REQUIRE(batch.ok());
  REQUIRE(batch->size() == 6);
  CHECK((*batch)[0].describe() == r + " female info page");
  CHECK((*batch)[2].describe() == m + " male info page");

  auto refused = plan_pages({marriage, replacement}, PrintMode::male_only, system_random());
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.error().message, Catch::Contains(replacement.issuance_id) &&
                                          Catch::Contains("carries no male booklet"));

  // Job names are opaque and unique.
  std::set<std::string> names;
  for (const auto& s : *batch) {
    CHECK(s.job_name.rfind("cp-", 0) == 0);
    CHECK(s.job_name.size() == 23);
    names.insert(s.job_name);
  }
  CHECK(names.size() == batch->size());
}

TEST_CASE("pages go one at a time, each after the previous completed", "[daemon]") {
  ScriptedPort port;
  port.script[0] = {JobPhase::pending, JobPhase::processing, JobPhase::processing,
                    JobPhase::completed};
  NullSource source;
  Recorder events;
  FakeClock clock;
  const auto steps = one_click();
  auto result = run_sequence(port, source, steps, events, {}, clock);
  CHECK(result.ok());
  CHECK(result.completed == 4);
  CHECK(events.lines == std::vector<std::string>{"0 submitted", "0 completed", "1 submitted",
                                                 "1 completed", "2 submitted", "2 completed",
                                                 "3 submitted", "3 completed"});
  REQUIRE(port.submitted.size() == 4);
  for (std::size_t i = 0; i < 4; ++i) CHECK(port.submitted[i] == steps[i].job_name);
  CHECK(port.cancelled.empty());
}

TEST_CASE("an aborted page halts the sequence; nothing after it is sent", "[daemon]") {
  ScriptedPort port;
  port.script[1] = {JobPhase::processing, JobPhase::aborted};
  NullSource source;
  Recorder events;
  FakeClock clock;
  auto result = run_sequence(port, source, one_click(), events, {}, clock);
  REQUIRE_FALSE(result.ok());
  CHECK(*result.failed_at == 1);
  CHECK(result.completed == 1);
  CHECK_THAT(result.reason, Catch::Contains("male page 5") && Catch::Contains("aborted") &&
                                Catch::Contains("job-aborted-by-system"));
  CHECK(port.submitted.size() == 2);
  CHECK(source.rendered.size() == 2);
  CHECK(events.lines.back().rfind("1 failed", 0) == 0);
}

TEST_CASE("a held job fails after the stall timeout and is cancelled", "[daemon]") {
  ScriptedPort port;
  port.script[0] = {JobPhase::held};
  NullSource source;
  Recorder events;
  FakeClock clock;
  SequencerConfig config;
  config.stall_timeout = 5s;
  const auto start = clock.now();
  auto result = run_sequence(port, source, one_click(), events, config, clock);
  REQUIRE_FALSE(result.ok());
  CHECK(*result.failed_at == 0);
  CHECK_THAT(result.reason, Catch::Contains("held") && Catch::Contains("5.0 s"));
  CHECK(clock.now() - start > 5s);
  CHECK(clock.now() - start < 6s);
  CHECK(port.cancelled == std::vector<int>{1});
  // The wait was reported once, not at every poll.
  CHECK(std::count_if(events.lines.begin(), events.lines.end(), [](const std::string& l) {
          return l.find("waiting") != std::string::npos;
        }) == 1);
}

TEST_CASE("a printer that needs a person is surfaced; it resumes if fixed in time", "[daemon]") {
  ScriptedPort port;
  port.printer = {"processing", {"media-empty-warning"}, "", true};
  port.script[0] = {JobPhase::processing};
  NullSource source;
  Recorder events;
  FakeClock clock;
  SequencerConfig config;
  config.stall_timeout = 3s;
  auto result = run_sequence(port, source, one_click(), events, config, clock);
  REQUIRE_FALSE(result.ok());
  CHECK_THAT(result.reason, Catch::Contains("media-empty"));

  // Refilled before the timeout: the job completes and the sequence goes on.
  ScriptedPort refilled;
  refilled.script[0] = {JobPhase::processing, JobPhase::processing, JobPhase::completed};
  refilled.printer = {"processing", {"media-needed"}, "", true};
  class Refill final : public SequenceListener {
   public:
    explicit Refill(ScriptedPort& p) : p_(p) {}
    void on_page(const PageEvent& e) override {
      if (e.type == PageEvent::Type::waiting) p_.printer = {"processing", {}, "", true};
      seen.push_back(e.type);
    }
    std::vector<PageEvent::Type> seen;

   private:
    ScriptedPort& p_;
  } refill(refilled);
  auto ok = run_sequence(refilled, source, one_click(), refill, config, clock);
  CHECK(ok.ok());
  CHECK(std::find(refill.seen.begin(), refill.seen.end(), PageEvent::Type::waiting) !=
        refill.seen.end());
}

namespace {

// Every waiting event's detail, in order.
class Waits final : public SequenceListener {
 public:
  void on_page(const PageEvent& e) override {
    if (e.type == PageEvent::Type::waiting) details.push_back(e.detail);
  }
  std::vector<std::string> details;
};

}  // namespace

TEST_CASE("a passbook printer waits for its booklet as long as it takes; a fault still halts",
          "[daemon]") {
  NullSource source;
  FakeClock clock;
  SequencerConfig config;
  config.stall_timeout = 3s;
  config.job_timeout = 30s;
  config.media_wait = SequencerConfig::kNoLimit;
  // The clerk takes twelve minutes to bring the booklet: no limit, and the
  // wait does not count towards the job timeout either.
  ScriptedPort slow;
  slow.printer = {"processing", {"media-needed"}, "", true};
  std::vector<JobPhase> phases(7200, JobPhase::processing);
  phases.push_back(JobPhase::completed);
  slow.script[0] = phases;
  Waits waits;
  const auto start = clock.now();
  auto result = run_sequence(slow, source, one_click(), waits, config, clock);
  CHECK(result.ok());
  CHECK(clock.now() - start > 700s);
  REQUIRE_FALSE(waits.details.empty());
  CHECK_THAT(waits.details.front(), Catch::Contains("media-needed"));
  CHECK(slow.cancelled.empty());

  // A per-printer bound is kept.
  config.media_wait = 20s;
  ScriptedPort bounded;
  bounded.printer = slow.printer;
  bounded.script[0] = phases;
  Waits none;
  auto failed = run_sequence(bounded, source, one_click(), none, config, clock);
  REQUIRE_FALSE(failed.ok());
  CHECK_THAT(failed.reason, Catch::Contains("media-needed") && Catch::Contains("20.0 s"));

  // A jam, or an empty tray beside a fault, is a fault: the stall timeout.
  config.media_wait = SequencerConfig::kNoLimit;
  for (std::vector<std::string> reasons :
       {std::vector<std::string>{"media-jam-error"},
        std::vector<std::string>{"media-empty-error", "offline-report", "cover-open-warning"}}) {
    ScriptedPort jammed;
    jammed.printer = {"processing", reasons, "", true};
    jammed.script[0] = phases;
    const auto at = clock.now();
    auto halted = run_sequence(jammed, source, one_click(), none, config, clock);
    REQUIRE_FALSE(halted.ok());
    CHECK_THAT(halted.reason, Catch::Contains("3.0 s"));
    CHECK(clock.now() - at < 5s);
  }
}

TEST_CASE("at a tray, waits for paper count towards the job timeout", "[daemon]") {
  // The tray runs dry for 2.9 s of every 3 s: no single wait passes the
  // stall timeout, but the job must still end at the job timeout.
  ScriptedPort port;
  FakeClock clock;
  const auto start = clock.now();
  port.status_now = [&] {
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(clock.now() - start);
    return ms.count() % 3000 < 2900 ? PrinterStatus{"processing", {"media-empty-warning"}, "", true}
                                    : PrinterStatus{"processing", {}, "", true};
  };
  std::vector<JobPhase> phases(20000, JobPhase::processing);
  phases.push_back(JobPhase::completed);
  port.script[0] = phases;
  NullSource source;
  Recorder events;
  SequencerConfig config;
  config.stall_timeout = 3s;
  config.job_timeout = 30s;
  auto result = run_sequence(port, source, one_click(), events, config, clock);
  REQUIRE_FALSE(result.ok());
  CHECK_THAT(result.reason, Catch::Contains("did not complete within 30.0 s"));
  CHECK(clock.now() - start < 35s);
}

TEST_CASE("a wait that ends is reported as over, with an empty detail", "[daemon]") {
  ScriptedPort port;
  port.printer = {"processing", {"media-needed"}, "", true};
  port.script[0] = {JobPhase::processing, JobPhase::processing, JobPhase::processing,
                    JobPhase::completed};
  class Refill final : public SequenceListener {
   public:
    explicit Refill(ScriptedPort& p) : p_(p) {}
    void on_page(const PageEvent& e) override {
      if (e.type != PageEvent::Type::waiting) return;
      details.push_back(e.detail);
      p_.printer = {"processing", {}, "", true};
    }
    std::vector<std::string> details;

   private:
    ScriptedPort& p_;
  } refill(port);
  NullSource source;
  FakeClock clock;
  SequencerConfig config;
  CHECK(run_sequence(port, source, one_click(), refill, config, clock).ok());
  REQUIRE(refill.details.size() == 2);
  CHECK_THAT(refill.details[0], Catch::Contains("media-needed"));
  CHECK(refill.details[1].empty());
}

TEST_CASE("a job that never finishes fails at the job timeout", "[daemon]") {
  ScriptedPort port;
  port.script[2] = {JobPhase::processing};
  NullSource source;
  Recorder events;
  FakeClock clock;
  SequencerConfig config;
  config.job_timeout = 30s;
  auto result = run_sequence(port, source, one_click(), events, config, clock);
  REQUIRE_FALSE(result.ok());
  CHECK(*result.failed_at == 2);
  CHECK_THAT(result.reason, Catch::Contains("did not complete within 30.0 s"));
  CHECK(port.cancelled == std::vector<int>{3});
}

TEST_CASE("a refused submission or a forgotten job halts the sequence", "[daemon]") {
  NullSource source;
  Recorder events;
  FakeClock clock;
  ScriptedPort refusing;
  refusing.refuse_next = true;
  auto r1 = run_sequence(refusing, source, one_click(), events, {}, clock);
  REQUIRE_FALSE(r1.ok());
  CHECK(*r1.failed_at == 0);
  CHECK_THAT(r1.reason, Catch::Contains("refused"));

  ScriptedPort forgetful;
  forgetful.script[0] = {JobPhase::processing, JobPhase::unknown};
  auto r2 = run_sequence(forgetful, source, one_click(), events, {}, clock);
  REQUIRE_FALSE(r2.ok());
  CHECK_THAT(r2.reason, Catch::Contains("outcome is unknown"));
}

TEST_CASE("two sequences on one printer never interleave", "[daemon]") {
  // A port shared by two threads that records which sequence each page is
  // from; the printer lock must keep each sequence's pages together.
  class SharedPort final : public PrinterPort {
   public:
    std::mutex m;
    std::vector<std::string> order;
    const std::string& name() const override { return name_; }
    Result<int> submit(const PageJob& job) override {
      std::lock_guard g(m);
      order.push_back(job.document);
      return static_cast<int>(order.size());
    }
    Result<JobStatus> job_status(int id) override {
      std::this_thread::sleep_for(1ms);  // give the other thread a chance
      return JobStatus{id, JobPhase::completed, {}, ""};
    }
    Result<PrinterStatus> printer_status() override { return PrinterStatus{}; }
    Status cancel(int) override { return {}; }
    Result<std::optional<int>> find_job(const std::string&) override {
      return std::optional<int>{};
    }

   private:
    std::string name_ = "shared";
  } port;
  class TaggedSource final : public PageSource {
   public:
    explicit TaggedSource(std::string tag) : tag_(std::move(tag)) {}
    Result<PageJob> page(const PageStep&) override {
      return PageJob{"", DocumentFormat::pdf, tag_, 94, 128, {}};
    }

   private:
    std::string tag_;
  };
  PrinterLocks locks;
  const auto steps = one_click();
  auto run = [&](const std::string& tag) {
    TaggedSource source(tag);
    Recorder events;
    auto lock = locks.acquire("shared");
    auto r = run_sequence(port, source, steps, events, {1ms, 1s, 1s}, system_clock());
    CHECK(r.ok());
  };
  std::thread a(run, "A"), b(run, "B");
  a.join();
  b.join();
  REQUIRE(port.order.size() == 8);
  const std::string joined = [&] {
    std::string s;
    for (const auto& x : port.order) s += x;
    return s;
  }();
  CHECK((joined == "AAAABBBB" || joined == "BBBBAAAA"));
}

TEST_CASE("after a restart, pages at the printer are followed, never sent again", "[daemon]") {
  auto steps = one_click();
  // Page 1 had its job id recorded; page 2 was being submitted when the
  // daemon died and did reach the printer; page 3 was being submitted but
  // never arrived; page 4 was not started.
  steps[0].existing_job_id = 41;
  steps[1].maybe_submitted = true;
  steps[2].maybe_submitted = true;
  ScriptedPort port;
  port.known[steps[1].job_name] = 42;
  NullSource source;
  Recorder events;
  FakeClock clock;
  auto result = run_sequence(port, source, steps, events, {}, clock);
  CHECK(result.ok());
  CHECK(result.completed == 4);
  CHECK(port.submitted == std::vector<std::string>{steps[2].job_name, steps[3].job_name});
  CHECK(source.rendered.size() == 2);
  CHECK(events.lines[0] == "0 submitted");
}

TEST_CASE("after a restart, a job cut off before its document arrived is replaced", "[daemon]") {
  auto steps = one_click();
  steps[0].maybe_submitted = true;
  ScriptedPort port;
  port.known[steps[0].job_name] = 7;
  port.script[6] = {JobPhase::held};  // job 7: created, document never sent
  NullSource source;
  Recorder events;
  FakeClock clock;
  auto result = run_sequence(port, source, steps, events, {}, clock);
  CHECK(result.ok());
  CHECK(port.cancelled == std::vector<int>{7});
  CHECK(port.submitted.size() == 4);
  CHECK(port.submitted[0] == steps[0].job_name);
}

// A restarted daemon can find its predecessor's last job still "incoming"
// while that daemon's final bytes are still on their way to cupsd (seen in
// CI under load: the first page printed twice). That job is the page.
TEST_CASE("after a restart, a job whose document is still arriving is followed, not replaced",
          "[daemon]") {
  auto steps = one_click();
  steps[0].maybe_submitted = true;
  ScriptedPort port;
  port.known[steps[0].job_name] = 7;
  port.script[6] = {JobPhase::held, JobPhase::held, JobPhase::pending, JobPhase::processing,
                    JobPhase::completed};
  NullSource source;
  Recorder events;
  FakeClock clock;
  auto result = run_sequence(port, source, steps, events, {}, clock);
  CHECK(result.ok());
  CHECK(port.cancelled.empty());
  CHECK(port.submitted ==
        std::vector<std::string>{steps[1].job_name, steps[2].job_name, steps[3].job_name});
  CHECK(events.lines[0] == "0 submitted");
}

TEST_CASE("a cut-off job that began printing as it was cancelled is never sent again", "[daemon]") {
  auto steps = one_click();
  steps[0].maybe_submitted = true;
  ScriptedPort port;
  port.known[steps[0].job_name] = 7;
  port.script[6] = {JobPhase::held};  // incoming all through the grace...
  port.after_cancel[6] = {JobPhase::processing, JobPhase::canceled};  // ...then it printed
  NullSource source;
  Recorder events;
  FakeClock clock;
  auto result = run_sequence(port, source, steps, events, {}, clock);
  CHECK_FALSE(result.ok());
  CHECK(result.failed_at == std::optional<std::size_t>{0});
  CHECK_THAT(result.reason, Catch::Contains("job 7") && Catch::Contains("look at the booklet"));
  CHECK(port.cancelled == std::vector<int>{7});
  CHECK(port.submitted.empty());
}

TEST_CASE("a listener that cannot record stops the sequence before the next submission",
          "[daemon]") {
  class Forgetful final : public SequenceListener {
   public:
    int seen = 0;
    void on_page(const PageEvent& e) override {
      if (e.type == PageEvent::Type::submitting) ++seen;
    }
    bool healthy() const override { return seen < 2; }  // the second page's state is lost
  } listener;
  ScriptedPort port;
  NullSource source;
  FakeClock clock;
  auto result = run_sequence(port, source, one_click(), listener, {}, clock);
  REQUIRE_FALSE(result.ok());
  CHECK(result.stopped_unrecorded);
  CHECK(*result.failed_at == 1);
  CHECK(port.submitted.size() == 1);  // page 2 was never handed to the printer
}

TEST_CASE("asked to stop: nothing more is sent, the page under way is left as it is", "[daemon]") {
  // Stops while following page 2 (its job is processing for a long while).
  ScriptedPort port;
  port.script[1] = {JobPhase::processing};
  NullSource source;
  std::atomic<bool> stop{false};
  class Stopper final : public SequenceListener {
   public:
    explicit Stopper(std::atomic<bool>& s) : stop_(s) {}
    std::vector<std::string> seen;
    void on_page(const PageEvent& e) override {
      seen.push_back(std::to_string(e.index) + " " + std::string(to_string(e.type)));
      if (e.type == PageEvent::Type::submitted && e.index == 1) stop_ = true;
    }

   private:
    std::atomic<bool>& stop_;
  } listener(stop);
  FakeClock clock;
  const auto steps = one_click();
  auto result = run_sequence(port, source, steps, listener, {}, clock, &stop);
  CHECK(result.stopped);
  CHECK_FALSE(result.ok());
  CHECK_FALSE(result.failed_at);
  CHECK(result.completed == 1);
  CHECK(port.submitted.size() == 2);
  CHECK(port.cancelled.empty());  // the page under way may yet print: a restart follows it
  CHECK(listener.seen.back() == "1 submitted");

  // Asked before it starts: nothing at all is sent.
  ScriptedPort idle;
  stop = true;
  auto none = run_sequence(idle, source, steps, listener, {}, clock, &stop);
  CHECK(none.stopped);
  CHECK(idle.submitted.empty());
}
