#include "daemon/engine/print_engine.hpp"

#include <map>
#include <set>

#include "daemon/booklet/renderer_cache.hpp"
#include "daemon/engine/print_run.hpp"
#include "daemon/engine/printable.hpp"
#include "daemon/engine/recovery.hpp"

namespace certprint::engine {

using store::PageTaskState;
using store::PrintJobState;

struct PrintEngine::Worker {
  PrinterConfig printer;
  std::thread thread;
  std::mutex mutex;
  std::condition_variable wake;
  bool pending = true;  // look at the store on start
  std::mutex busy;      // held while the printer prints: a pass over jobs, or a lone page
  std::unique_ptr<booklet::RendererCache> renderers;
};

namespace {

printing::PageStep step_for(const store::PageTaskRow& t, const store::BookletRow& b) {
  return {b.issuance_id,
          b.holder,
          t.page,
          t.job_name,
          t.state == PageTaskState::submitted ? t.cups_job_id : 0,
          t.state == PageTaskState::submitting,
          {}};
}

}  // namespace

std::string_view to_string(PrinterConfig::Feed feed) {
  switch (feed) {
    case PrinterConfig::Feed::manual:
      return "manual";
    case PrinterConfig::Feed::passbook:
      return "passbook";
    case PrinterConfig::Feed::tray:
      break;
  }
  return "tray";
}

printing::SequencerConfig sequencer_for(const printing::SequencerConfig& base,
                                        const PrinterConfig& printer) {
  printing::SequencerConfig c = base;
  if (printer.media_wait)
    c.media_wait = *printer.media_wait;
  else if (printer.feed != PrinterConfig::Feed::tray)
    c.media_wait = printing::SequencerConfig::kNoLimit;
  return c;
}

PrintEngine::PrintEngine(store::Store& store, EventLog& events, PrintEngineConfig config,
                         PortFactory ports, Clock& clock, LogSink log)
    : store_(store),
      events_(events),
      config_(std::move(config)),
      ports_(std::move(ports)),
      clock_(clock),
      log_(std::move(log)) {}

PrintEngine::~PrintEngine() { stop(); }

void PrintEngine::start() {
  stopping_ = false;
  // Booklets a stop left printing with no job at work on them: their pages
  // say what they are. A store that cannot say is tried again by the jobs.
  if (auto repaired = repair_booklets(store_, events_, log_); !repaired)
    log_(Priority::error, "print engine: booklets left printing cannot be repaired now: " +
                              repaired.error().message);
  std::lock_guard lock(workers_mutex_);
  for (const auto& p : config_.printers) {
    auto w = std::make_unique<Worker>();
    w->printer = p;
    w->renderers = std::make_unique<booklet::RendererCache>(config_.templates_dir);
    workers_.push_back(std::move(w));
  }
  for (auto& w : workers_) w->thread = std::thread([this, &w = *w] { run(w); });
}

void PrintEngine::stop() {
  // The signal thread and main may both get here; API threads may still be
  // calling notify().
  std::lock_guard lock(workers_mutex_);
  stopping_ = true;
  for (auto& w : workers_) {
    {
      std::lock_guard g(w->mutex);
      w->pending = true;
    }
    w->wake.notify_all();
  }
  for (auto& w : workers_)
    if (w->thread.joinable()) w->thread.join();
  workers_.clear();
}

void PrintEngine::notify(const std::string& printer) {
  std::lock_guard lock(workers_mutex_);
  for (auto& w : workers_)
    if (w->printer.name == printer) {
      {
        std::lock_guard g(w->mutex);
        w->pending = true;
      }
      w->wake.notify_all();
    }
}

const PrinterConfig* PrintEngine::printer(const std::string& name) const {
  for (const auto& p : config_.printers)
    if (p.name == name) return &p;
  return nullptr;
}

Result<int> PrintEngine::print_alone(const std::string& name, const printing::PageJob& job,
                                     const std::string& label) {
  std::unique_lock workers(workers_mutex_);
  Worker* w = nullptr;
  for (auto& each : workers_)
    if (each->printer.name == name) w = each.get();
  if (!w) return not_found("printer \"" + name + "\" is not configured or not running");
  std::lock_guard busy(w->busy);
  workers.unlock();
  auto jobs = store_.unfinished_print_jobs();
  if (!jobs) return jobs.error();
  for (const auto& j : *jobs)
    if (j.printer == name)
      return conflict("printer \"" + name + "\" has print jobs under way; print when it is idle",
                      "printer_busy");
  auto held = store_.pending_cancels(name);
  if (!held) return held.error();
  if (!held->empty())
    return conflict("printer \"" + name + "\" is held: a cancelled page may still print",
                    "printer_busy");
  auto port = ports_(w->printer);
  if (!port) return unavailable(port.error().message, "printer");
  const auto result = printing::print_page(
      **port, job, label, sequencer_for(config_.sequencer, w->printer), clock_, &stopping_);
  if (result.stopped) return unavailable("the daemon is stopping", "printer");
  if (!result.ok()) return unavailable(result.reason, "printer");
  return result.last_job_id;
}

Result<printing::PrinterStatus> PrintEngine::printer_status(const std::string& name) {
  const PrinterConfig* p = printer(name);
  if (!p) return not_found("printer \"" + name + "\" is not configured");
  auto port = ports_(*p);
  if (!port) return port.error();
  return (*port)->printer_status();
}

void PrintEngine::keep(const Status& s, const std::string& what) {
  if (s) return;
  counters_.store_write_failures++;
  log_(Priority::error, "print engine: " + what + ": " + s.message());
}

bool PrintEngine::finish_job(const store::PrintJobRow& job, PrintJobState state,
                             const std::string& reason) {
  auto s = store_.set_print_job_state(job.id, state, reason);
  keep(s, "print job " + std::to_string(job.id) + " cannot be marked " +
              std::string(store::to_string(state)));
  (state == PrintJobState::done ? counters_.jobs_done : counters_.jobs_failed)++;
  return s.ok();
}

bool PrintEngine::settle_cancels(Worker& w) {
  auto pending = store_.pending_cancels(w.printer.name);
  if (!pending) return false;
  if (pending->empty()) return true;
  auto port = ports_(w.printer);
  if (!port) return false;
  std::size_t left = pending->size();
  for (const auto& c : *pending) {
    // A job that ended, or that the printer no longer knows, prints no more.
    auto st = (*port)->job_status(c.cups_job_id);
    const bool over = st && (st->terminal() || st->phase == printing::JobPhase::unknown);
    if (!over && !(*port)->cancel(c.cups_job_id)) continue;
    if (auto s = store_.remove_pending_cancel(c.printer, c.cups_job_id); !s)
      return keep(s, "a settled cancel of job " + std::to_string(c.cups_job_id) +
                         " cannot be recorded"),
             false;
    log_(Priority::notice, "printer " + c.printer + ": job " + std::to_string(c.cups_job_id) +
                               (over ? " has ended" : " is cancelled") + "; the printer is free");
    --left;
  }
  if (left > 0)
    log_(Priority::warning, "printer " + w.printer.name + " is held: " + std::to_string(left) +
                                " cancelled page(s) may still print; a clerk can release it");
  return left == 0;
}

void PrintEngine::run(Worker& w) {
  while (!stopping_) {
    {
      std::unique_lock lock(w.mutex);
      w.wake.wait_for(lock, std::chrono::seconds(2), [&] { return w.pending || stopping_.load(); });
      w.pending = false;
    }
    if (stopping_) break;
    std::lock_guard busy(w.busy);
    if (!settle_cancels(w)) continue;  // held: a cancelled page may still print
    auto jobs = store_.unfinished_print_jobs();
    if (!jobs) continue;  // the store will answer next time; nothing is lost
    // A job put off for later (the printer or the store did not answer)
    // holds back the printer's later jobs: pages go out in the order asked.
    for (const auto& job : *jobs) {
      if (stopping_) break;
      if (job.printer == w.printer.name && !run_job(w, job)) break;
    }
  }
}

// What is left to print of `job`, or why the job cannot go on (the caller
// fails it). Queued tasks behind a booklet that may no longer be printed are
// marked skipped.
Result<JobPlan> PrintEngine::plan_job(const store::PrintJobRow& job,
                                      const std::vector<store::PageTaskRow>& tasks) {
  JobPlan plan;
  std::map<std::int64_t, std::shared_ptr<store::BookletRow>> by_id;
  for (const auto& t : tasks)
    if (store::reached_printer(t.state)) plan.reached_printer.insert(t.booklet_id);
  for (const auto& t : tasks) {
    auto b = store_.booklet(t.booklet_id);
    if (!b) return b.error();
    if (!*b) return Error{"booklet of page task " + std::to_string(t.id) + " is missing"};
    if (t.state == PageTaskState::completed || t.state == PageTaskState::skipped) continue;
    // The booklet may have changed since the job was queued.
    if (!may_print_in_job(**b, plan.reached_printer.contains(t.booklet_id))) {
      const std::string why = "the " + std::string(issuance::to_string((*b)->holder)) +
                              " booklet of issuance " + (*b)->issuance_id + " is " +
                              std::string(store::to_string((*b)->state)) + ", not ready to print";
      for (const auto& rest : tasks)
        if (rest.state == PageTaskState::queued)
          keep(store_.update_page_task(rest.id, PageTaskState::skipped, 0, why, std::nullopt),
               "page task " + std::to_string(rest.id) + " of print job " + std::to_string(job.id) +
                   " cannot be marked skipped");
      return Error{why};
    }
    if (t.state == PageTaskState::failed)
      return Error{"page task " + std::to_string(t.id) + " failed before"};
    auto& row = by_id[t.booklet_id];
    if (!row) row = std::make_shared<store::BookletRow>(**b);
    plan.booklets[t.job_name] = row;
    plan.steps.push_back(step_for(t, **b));
    plan.open_tasks.push_back(t);
  }
  return plan;
}

bool PrintEngine::run_job(Worker& w, const store::PrintJobRow& job) {
  auto tasks = store_.page_tasks(job.id);
  if (!tasks) return false;  // retried on the next wake-up
  if (auto s = store_.set_print_job_state(job.id, PrintJobState::running, ""); !s) return false;
  auto planned = plan_job(job, *tasks);
  if (!planned) return finish_job(job, PrintJobState::failed, planned.error().message);
  JobPlan& plan = *planned;
  if (plan.steps.empty()) return finish_job(job, PrintJobState::done, "");

  StoringListener listener(store_, events_, clock_, w.printer.name, plan.open_tasks, plan.booklets,
                           counters_, plan.reached_printer);
  printing::SequenceResult result;
  auto port = ports_(w.printer);
  if (!port) {
    // Pages already at CUPS must not be forgotten: try again later. A job
    // that sent nothing fails now, and its booklets stay ready.
    if (!plan.reached_printer.empty()) return false;
    result.failed_at = 0;
    result.reason = port.error().message;
    listener.on_page({printing::PageEvent::Type::failed, 0, plan.steps.size(), &plan.steps[0], 0,
                      port.error().message, false, 0});
  } else {
    StoredPageSource source(store_, w.printer, *w.renderers, plan.booklets);
    result =
        printing::run_sequence(**port, source, plan.steps, listener,
                               sequencer_for(config_.sequencer, w.printer), clock_, &stopping_);
  }
  // The store refused a write: stop here; the next start continues from
  // what was stored.
  if (!listener.status().ok()) {
    keep(listener.status(), "print job " + std::to_string(job.id) + " stopped");
    return false;
  }
  // Shutting down: the job stays unfinished and the next start goes on.
  if (result.stopped) return false;
  if (result.ok()) return finish_job(job, PrintJobState::done, "");
  for (std::size_t i = *result.failed_at + 1; i < plan.open_tasks.size(); ++i)
    keep(store_.update_page_task(plan.open_tasks[i].id, PageTaskState::skipped, 0,
                                 "an earlier page failed", std::nullopt),
         "page task " + std::to_string(plan.open_tasks[i].id) + " cannot be marked skipped");
  return finish_job(job, PrintJobState::failed, result.reason);
}

}  // namespace certprint::engine
