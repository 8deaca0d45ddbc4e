#include "daemon/print_engine.hpp"

#include <malloc.h>

#include <chrono>
#include <set>

#include "daemon/booklet.hpp"
#include "daemon/cups_raster.hpp"
#include "layout/calibration.hpp"

namespace certprint::daemon {

PortFactory cups_port_factory() {
  return [](const PrinterConfig& p) { return open_cups_port(p.cups); };
}

struct PrintEngine::Worker {
  PrinterConfig printer;
  std::thread thread;
  std::mutex mutex;
  std::condition_variable wake;
  bool pending = true;  // look at the store on start
  std::map<issuance::Kind, std::unique_ptr<BookletRenderer>> renderers;
};

namespace {

std::optional<issuance::Holder> holder_of(const std::string& s) {
  return issuance::holder_from_string(s);
}

// Renders pages from what the store holds: the issuance document, the
// booklet's stored token, the printer's newest calibration.
class StoredPageSource final : public PageSource {
 public:
  StoredPageSource(Store& store, const PrinterConfig& printer,
                   const std::filesystem::path& templates,
                   std::map<issuance::Kind, std::unique_ptr<BookletRenderer>>& renderers,
                   std::map<std::string, BookletRow>& booklets)
      : store_(store),
        printer_(printer),
        templates_(templates),
        renderers_(renderers),
        booklets_(booklets) {}

  Result<PageJob> page(const PageStep& step) override {
    const BookletRow& b = booklets_.at(step.job_name);
    const auto key = std::make_pair(b.id, step.kind);
    if (!rendered_.contains(key)) {
      // Keep one booklet's pages at a time: a batch of thousands would
      // otherwise hold every document it printed.
      rendered_.clear();
      auto row = store_.issuance(b.issuance_id);
      if (!row) return row.error();
      if (!*row) return Error{"issuance " + b.issuance_id + " is not in the store"};
      // The document was valid when accepted; dates are not judged again.
      auto parsed = issuance::parse_issuance((*row)->document, {{9999, 12, 31}});
      if (!parsed.ok()) return Error{"stored issuance " + b.issuance_id + " no longer parses"};
      auto& renderer = renderers_[parsed.issuance.kind];
      if (!renderer) {
        auto t = load_template_for(templates_, parsed.issuance.kind);
        if (!t) return t.error();
        auto r = BookletRenderer::create(std::move(*t));
        if (!r) return r.error();
        renderer = std::move(*r);
      }
      RenderOptions options;
      options.device = {printer_.res, printer_.band_rows};
      options.pdf = printer_.format == DocumentFormat::pdf;
      options.raster = !options.pdf;
      auto cals = store_.calibrations(printer_.name);
      if (!cals) return cals.error();
      if (!cals->empty()) {
        auto cal = layout::parse_calibration(cals->front().profile, "printer " + printer_.name);
        if (!cal) return cal.error();
        options.calibration = *cal;
      }
      auto pages =
          renderer->render_booklet(parsed.issuance, *holder_of(b.holder), b.token, options);
      if (!pages) return pages.error();
      for (auto& p : *pages) rendered_[std::make_pair(b.id, p.kind)] = std::move(p);
      // Subsetting a CJK font allocates a lot briefly; hand it back rather
      // than let a long batch keep the high-water mark.
      malloc_trim(0);
      page_size_ = {renderer->page_template().info.width_mm,
                    renderer->page_template().info.height_mm};
    }
    const RenderedPage& p = rendered_.at(key);
    return page_job(p, printer_.format, page_size_.first, page_size_.second);
  }

 private:
  Store& store_;
  const PrinterConfig& printer_;
  const std::filesystem::path& templates_;
  std::map<issuance::Kind, std::unique_ptr<BookletRenderer>>& renderers_;
  std::map<std::string, BookletRow>& booklets_;  // by job name
  std::map<std::pair<std::int64_t, PageKind>, RenderedPage> rendered_;
  std::pair<double, double> page_size_{94, 128};
};

// Stores every page event as it happens and tells the registry.
class StoringListener final : public SequenceListener {
 public:
  // `reached_printer`: booklets with a page already handed to CUPS by an
  // earlier run of this job (their paper may carry ink).
  StoringListener(Store& store, EventLog& events, std::vector<PageTaskRow>& tasks,
                  std::map<std::string, BookletRow>& booklets, PrintEngine::Counters& counters,
                  std::set<std::int64_t> reached_printer)
      : store_(store),
        events_(events),
        tasks_(tasks),
        booklets_(booklets),
        counters_(counters),
        reached_printer_(std::move(reached_printer)) {}

  Status status() const { return status_; }
  bool healthy() const override { return status_.ok(); }

  void on_page(const PageEvent& e) override {
    if (!status_.ok()) return;
    PageTaskRow& t = tasks_[index_of(*e.step)];
    BookletRow& b = booklets_.at(t.job_name);
    const nlohmann::json page = {{"holder", b.holder},
                                 {"stock_serial", b.stock_serial},
                                 {"page", t.page},
                                 {"print_job_id", t.print_job_id}};
    switch (e.type) {
      case PageEvent::Type::submitting:
        submit_started_ = std::chrono::steady_clock::now();
        // One booklet has two page tasks: announce it once per job.
        if (printing_.insert(b.id).second)
          keep(events_.record(b.issuance_id, "booklet_printing", page, [&](const EventRow& ev) {
            return store_.set_booklet_state(b.id, "printing", ev);
          }));
        keep(store_.update_page_task(t.id, "submitting", 0, "", std::nullopt));
        break;
      case PageEvent::Type::submitted:
        reached_printer_.insert(b.id);
        counters_.submits++;
        counters_.submit_latency_ms_sum += std::chrono::duration_cast<std::chrono::milliseconds>(
                                               std::chrono::steady_clock::now() - submit_started_)
                                               .count();
        keep(store_.update_page_task(t.id, "submitted", e.job_id, "", std::nullopt));
        break;
      case PageEvent::Type::waiting: {
        nlohmann::json d = page;
        d["reason"] = e.detail;
        keep(events_.record(b.issuance_id, "page_waiting", d));
        break;
      }
      case PageEvent::Type::completed:
        counters_.pages_printed++;
        keep(events_.record(b.issuance_id, "page_printed", page, [&](const EventRow& ev) {
          return store_.update_page_task(t.id, "completed", e.job_id, "", ev);
        }));
        if (t.page == "page5") {
          keep(events_.record(b.issuance_id, "booklet_printed", page, [&](const EventRow& ev) {
            return store_.set_booklet_state(b.id, "printed", ev);
          }));
          b.state = "printed";
        }
        break;
      case PageEvent::Type::failed: {
        counters_.pages_failed++;
        nlohmann::json d = page;
        d["reason"] = e.detail;
        keep(events_.record(b.issuance_id, "page_failed", d, [&](const EventRow& ev) {
          return store_.update_page_task(t.id, "failed", e.job_id, e.detail, ev);
        }));
        // Only a booklet none of whose pages ever reached the printer can
        // take the same blank again; any other may carry ink (a page cut
        // off, cancelled, or still queued in CUPS) and must be voided.
        const std::string state = reached_printer_.contains(b.id) ? "failed" : "ready";
        d["booklet_state"] = state;
        keep(events_.record(b.issuance_id, "booklet_failed", d, [&](const EventRow& ev) {
          return store_.set_booklet_state(b.id, state, ev);
        }));
        b.state = state;
        break;
      }
    }
  }

 private:
  std::size_t index_of(const PageStep& step) const {
    for (std::size_t i = 0; i < tasks_.size(); ++i)
      if (tasks_[i].job_name == step.job_name) return i;
    return 0;
  }
  void keep(Status s) {
    if (status_.ok() && !s.ok()) status_ = s;
  }

  Store& store_;
  EventLog& events_;
  std::vector<PageTaskRow>& tasks_;
  std::map<std::string, BookletRow>& booklets_;
  PrintEngine::Counters& counters_;
  Status status_;
  std::chrono::steady_clock::time_point submit_started_;
  std::set<std::int64_t> reached_printer_;  // booklets with a page accepted by CUPS
  std::set<std::int64_t> printing_;         // booklets announced as printing
};

}  // namespace

PrintEngine::PrintEngine(Store& store, EventLog& events, PrintEngineConfig config,
                         PortFactory ports, Clock& clock)
    : store_(store),
      events_(events),
      config_(std::move(config)),
      ports_(std::move(ports)),
      clock_(clock) {}

PrintEngine::~PrintEngine() { stop(); }

void PrintEngine::start() {
  stopping_ = false;
  for (const auto& p : config_.printers) {
    auto w = std::make_unique<Worker>();
    w->printer = p;
    workers_.push_back(std::move(w));
  }
  for (auto& w : workers_) w->thread = std::thread([this, &w = *w] { run(w); });
}

void PrintEngine::stop() {
  std::lock_guard lock(stop_mutex_);
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

Result<int> PrintEngine::submit_one(const std::string& name, const PageJob& job) {
  const PrinterConfig* p = printer(name);
  if (!p) return Error{"printer \"" + name + "\" is not configured"};
  auto port = ports_(*p);
  if (!port) return port.error();
  return (*port)->submit(job);
}

Result<PrinterStatus> PrintEngine::printer_status(const std::string& name) {
  const PrinterConfig* p = printer(name);
  if (!p) return Error{"printer \"" + name + "\" is not configured"};
  auto port = ports_(*p);
  if (!port) return port.error();
  return (*port)->printer_status();
}

void PrintEngine::run(Worker& w) {
  while (!stopping_) {
    {
      std::unique_lock lock(w.mutex);
      w.wake.wait_for(lock, std::chrono::seconds(2), [&] { return w.pending || stopping_.load(); });
      w.pending = false;
    }
    if (stopping_) break;
    auto jobs = store_.unfinished_print_jobs();
    if (!jobs) continue;  // the store will answer next time; nothing is lost
    for (const auto& job : *jobs) {
      if (stopping_) break;
      if (job.printer == w.printer.name) run_job(w, job);
    }
  }
}

void PrintEngine::run_job(Worker& w, const PrintJobRow& job) {
  auto fail_job = [&](const std::string& why) {
    (void)store_.set_print_job_state(job.id, "failed", why);
    counters_.jobs_failed++;
  };
  auto tasks = store_.page_tasks(job.id);
  if (!tasks) return;  // retried on the next wake-up
  if (auto s = store_.set_print_job_state(job.id, "running", ""); !s) return;

  std::map<std::string, BookletRow> booklets;  // by job name
  std::vector<PageStep> steps;
  std::vector<PageTaskRow> open_tasks;
  std::set<std::int64_t> reached_printer;  // by an earlier run of this job
  for (const auto& t : *tasks)
    if (t.state == "completed" || t.state == "submitted" || t.state == "submitting")
      reached_printer.insert(t.booklet_id);
  for (const auto& t : *tasks) {
    auto b = store_.booklet(t.booklet_id);
    if (!b || !*b) return fail_job("booklet of page task " + std::to_string(t.id) + " is missing");
    if (t.state == "completed" || t.state == "skipped") continue;
    // The booklet may have changed since the job was queued (voided,
    // superseded, printed by another job): print only a ready booklet, or
    // one this job already started.
    const std::string& st = (*b)->state;
    if (!(st == "ready" || (st == "printing" && reached_printer.contains(t.booklet_id)))) {
      const std::string why = "the " + (*b)->holder + " booklet of issuance " + (*b)->issuance_id +
                              " is " + st + ", not ready to print";
      for (const auto& rest : *tasks)
        if (rest.state == "queued")
          (void)store_.update_page_task(rest.id, "skipped", 0, why, std::nullopt);
      return fail_job(why);
    }
    if (t.state == "failed")
      return fail_job("page task " + std::to_string(t.id) + " failed before");
    booklets[t.job_name] = **b;
    PageStep step{(*b)->issuance_id,
                  *holder_of((*b)->holder),
                  t.page == "info" ? PageKind::info : PageKind::page5,
                  t.job_name,
                  t.state == "submitted" ? t.cups_job_id : 0,
                  t.state == "submitting"};
    steps.push_back(step);
    open_tasks.push_back(t);
  }
  if (steps.empty()) {
    (void)store_.set_print_job_state(job.id, "done", "");
    counters_.jobs_done++;
    return;
  }

  auto port = ports_(w.printer);
  StoredPageSource source(store_, w.printer, config_.templates_dir, w.renderers, booklets);
  StoringListener listener(store_, events_, open_tasks, booklets, counters_, reached_printer);
  SequenceResult result;
  if (!port) {
    // Pages already at CUPS must not be forgotten: try again later. A job
    // that sent nothing fails now, and its booklets stay ready.
    if (!reached_printer.empty()) return;
    result.failed_at = 0;
    result.reason = port.error().message;
    PageEvent e{PageEvent::Type::failed, 0, steps.size(), &steps[0], 0, port.error().message};
    listener.on_page(e);
  } else {
    result = run_sequence(**port, source, steps, listener, config_.sequencer, clock_);
  }
  if (!listener.status().ok()) {
    // The store refused a write: stop here; the next start continues from
    // what was stored.
    return;
  }
  if (result.ok()) {
    (void)store_.set_print_job_state(job.id, "done", "");
    counters_.jobs_done++;
    return;
  }
  for (std::size_t i = *result.failed_at + 1; i < open_tasks.size(); ++i)
    (void)store_.update_page_task(open_tasks[i].id, "skipped", 0, "an earlier page failed",
                                  std::nullopt);
  fail_job(result.reason);
}

}  // namespace certprint::daemon
