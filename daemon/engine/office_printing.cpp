// Print requests: checked against the printable rule and queued for the
// printer's worker; the progress of a print job.
#include <set>

#include "daemon/engine/office.hpp"
#include "daemon/engine/printable.hpp"

namespace certprint::engine {

// Booklet id -> the unfinished print job that holds it.
Result<std::map<std::int64_t, std::int64_t>> Office::held_booklets() {
  std::map<std::int64_t, std::int64_t> held;
  auto unfinished = store_.unfinished_print_jobs();
  if (!unfinished) return unfinished.error();
  for (const auto& job : *unfinished) {
    auto tasks = store_.page_tasks(job.id);
    if (!tasks) return tasks.error();
    for (const auto& t : *tasks)
      if (store::is_open(t.state)) held[t.booklet_id] = job.id;
  }
  return held;
}

// Appends the page tasks of one request, or refuses it.
Status Office::add_pages(const PrintRequest& request,
                         const std::map<std::int64_t, std::int64_t>& held,
                         std::vector<store::PageTaskRow>& tasks) {
  auto row = store_.issuance(request.issuance_id);
  if (!row) return row.error();
  if (!*row) return not_found("issuance \"" + request.issuance_id + "\" is unknown");
  auto live = live_booklets(request.issuance_id);
  if (!live) return live.error();
  std::vector<store::BookletRow> chosen;
  for (const auto& b : *live)  // the store lists male first
    if (!request.holder || b.holder == *request.holder) chosen.push_back(b);
  if (chosen.empty())
    return conflict(
        "issuance \"" + request.issuance_id + "\" carries no " +
            (request.holder ? std::string(issuance::to_string(*request.holder)) + " " : "") +
            "booklet to print",
        "no_booklet");
  for (const auto& b : chosen) {
    const auto h = held.find(b.id);
    if (auto s = may_queue(b, h == held.end() ? std::nullopt : std::optional(h->second)); !s)
      return s;
    for (auto page : {issuance::PageKind::info, issuance::PageKind::page5}) {
      auto name = printing::opaque_job_name(random_);
      if (!name) return name.error();
      store::PageTaskRow t;
      t.position = static_cast<int>(tasks.size());
      t.booklet_id = b.id;
      t.page = page;
      t.job_name = *name;
      tasks.push_back(t);
    }
  }
  return Status::success();
}

Result<QueuedJob> Office::queue_print(const Actor& who, const std::string& printer,
                                      const std::vector<PrintRequest>& what) {
  if (!engine_.printer(printer)) return not_found("printer \"" + printer + "\" is not configured");
  std::set<std::string> seen;
  for (const auto& r : what)
    if (!seen.insert(r.issuance_id).second)
      return invalid("issuance \"" + r.issuance_id + "\" is listed twice");
  // One print job at a time may hold a booklet: checked and queued under one
  // lock, so two clerks' clicks cannot both queue it.
  std::lock_guard queue_lock(queue_mutex_);
  auto held = held_booklets();
  if (!held) return held.error();
  std::vector<store::PageTaskRow> tasks;
  for (const auto& request : what)
    if (auto s = add_pages(request, *held, tasks); !s) return s.error();
  store::PrintJobRow job;
  job.printer = printer;
  job.requested_by = who.name;
  job.created_at = events_.now();
  auto id = store_.add_print_job(job, tasks);
  if (!id) return id.error();
  for (const auto& request : what)
    audit(who, "print", request.issuance_id, "print job " + std::to_string(*id) + " on " + printer);
  engine_.notify(printer);
  return QueuedJob{*id, tasks.size()};
}

Result<PrintJobView> Office::print_job(std::int64_t id) {
  auto job = store_.print_job(id);
  if (!job) return job.error();
  if (!*job) return not_found("print job " + std::to_string(id) + " is unknown");
  auto tasks = store_.page_tasks(id);
  if (!tasks) return tasks.error();
  PrintJobView view{**job, {}, 0};
  for (const auto& t : *tasks) {
    auto b = store_.booklet(t.booklet_id);
    if (!b) return b.error();
    view.pages.push_back({t, *b});
    view.pages_done += t.state == store::PageTaskState::completed;
  }
  return view;
}

Result<std::vector<store::PendingCancelRow>> Office::held_jobs(const std::string& printer) {
  if (!engine_.printer(printer)) return not_found("printer \"" + printer + "\" is not configured");
  return store_.pending_cancels(printer);
}

Result<int> Office::release_printer(const Actor& who, const std::string& printer) {
  auto held = held_jobs(printer);
  if (!held) return held.error();
  for (const auto& c : *held)
    if (auto s = store_.remove_pending_cancel(printer, c.cups_job_id); !s) return s.error();
  audit(who, "release", printer, std::to_string(held->size()) + " uncancelled job(s) given up");
  engine_.notify(printer);
  return static_cast<int>(held->size());
}

}  // namespace certprint::engine
