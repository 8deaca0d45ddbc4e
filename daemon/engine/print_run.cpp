#include "daemon/engine/print_run.hpp"

#include <malloc.h>

#include "daemon/engine/printable.hpp"
#include "daemon/engine/stored_issuance.hpp"
#include "daemon/printing/cups/cups_raster.hpp"
#include "layout/calibration.hpp"

namespace certprint::engine {

using printing::PageEvent;
using store::BookletState;
using store::PageTaskState;

Status StoredPageSource::render(const store::BookletRow& b) {
  auto record = load_stored_issuance(store_, b.issuance_id);
  if (!record) return record.error();
  auto renderer = renderers_.get(record->kind);
  if (!renderer) return renderer.error();
  booklet::RenderOptions options;
  options.device = {printer_.res};
  options.pdf = printer_.format == printing::DocumentFormat::pdf;
  options.raster = !options.pdf;
  auto cals = store_.calibrations(printer_.name);
  if (!cals) return cals.error();
  if (!cals->empty()) {
    auto cal = layout::parse_calibration(cals->front().profile, "printer " + printer_.name);
    if (!cal) return cal.error();
    options.calibration = *cal;
  }
  bidi_offset_ = options.calibration.bidi_offset;
  auto pages = (*renderer)->render_booklet(*record, b.holder, b.token, options);
  if (!pages) return pages.error();
  for (auto& p : *pages) rendered_[std::make_pair(b.id, p.kind)] = std::move(p);
  // Subsetting a CJK font allocates a lot briefly; hand it back rather than
  // let a long batch keep the high-water mark.
  malloc_trim(0);
  const auto& info = (*renderer)->page_template().info;
  page_size_mm_ = {info.width_mm, info.height_mm};
  return Status::success();
}

Result<printing::PageJob> StoredPageSource::page(const printing::PageStep& step) {
  const store::BookletRow& b = *booklets_.at(step.job_name);
  const auto key = std::make_pair(b.id, step.kind);
  if (!rendered_.contains(key)) {
    // A batch of thousands would otherwise hold every document it printed.
    rendered_.clear();
    if (auto s = render(b); !s) return s.error();
  }
  const booklet::RenderedPage& p = rendered_.at(key);
  auto job = printing::cups::page_job(printer_.format, p.pdf, p.raster, page_size_mm_.first,
                                      page_size_mm_.second);
  if (job && printer_.format == printing::DocumentFormat::cups_raster)
    job->driver_options = printing::cups::passbook_options(step.kind, bidi_offset_);
  return job;
}

std::size_t StoringListener::index_of(const printing::PageStep& step) const {
  for (std::size_t i = 0; i < tasks_.size(); ++i)
    if (tasks_[i].job_name == step.job_name) return i;
  return 0;
}

// Stores the task's new state, its booklet's (if it changes) and the events
// of both in one transaction.
void StoringListener::progress(store::PageTaskRow& t, store::BookletRow& b, store::PageProgress p,
                               const std::vector<EventLog::NewEvent>& events) {
  p.task_id = t.id;
  keep(events_.record_all(b.issuance_id, events, [&](const std::vector<store::EventRow>& rows) {
    p.events = rows;
    return store_.record_page(p);
  }));
  if (!status_.ok()) return;
  t.state = p.state;
  if (p.booklet_state) b.state = *p.booklet_state;
}

void StoringListener::on_submitting(store::PageTaskRow& t, store::BookletRow& b,
                                    const nlohmann::json& page) {
  submit_started_ = clock_.now();
  // One booklet has two page tasks: announce it once per job.
  if (b.state == BookletState::printing)
    return progress(t, b, {0, PageTaskState::submitting, 0, "", std::nullopt, {}, {}}, {});
  progress(t, b, {0, PageTaskState::submitting, 0, "", BookletState::printing, {}, {}},
           {{"booklet_printing", page}});
}

void StoringListener::on_completed(store::PageTaskRow& t, store::BookletRow& b,
                                   const nlohmann::json& page, int job_id) {
  counters_.pages_printed++;
  if (t.page != issuance::PageKind::page5)
    return progress(t, b, {0, PageTaskState::completed, job_id, "", std::nullopt, {}, {}},
                    {{"page_printed", page}});
  nlohmann::json booklet = page;
  booklet["qr"] = b.token;  // the QR this booklet now carries
  progress(t, b, {0, PageTaskState::completed, job_id, "", BookletState::printed, {}, {}},
           {{"page_printed", page}, {"booklet_printed", booklet}});
}

void StoringListener::on_failed(store::PageTaskRow& t, store::BookletRow& b, nlohmann::json d,
                                const PageEvent& e) {
  counters_.pages_failed++;
  d["reason"] = e.detail;
  const BookletState state =
      after_failed_page(reached_printer_.contains(b.id) || e.maybe_reached_printer);
  nlohmann::json booklet = d;
  booklet["booklet_state"] = store::to_string(state);
  store::PageProgress p{0, PageTaskState::failed, e.job_id, e.detail, state, {}, std::nullopt};
  // Its printer takes nothing new until this cancel is sure.
  if (e.uncancelled_job_id != 0)
    p.pending_cancel = store::PendingCancelRow{printer_, e.uncancelled_job_id, t.job_name, e.detail,
                                               clock_.wall_ms()};
  progress(t, b, std::move(p), {{"page_failed", d}, {"booklet_failed", booklet}});
}

void StoringListener::on_page(const PageEvent& e) {
  if (!status_.ok()) return;
  store::PageTaskRow& t = tasks_[index_of(*e.step)];
  store::BookletRow& b = *booklets_.at(t.job_name);
  const nlohmann::json page = {{"holder", issuance::to_string(b.holder)},
                               {"stock_serial", b.stock_serial},
                               {"page", issuance::to_string(t.page)},
                               {"print_job_id", t.print_job_id}};
  switch (e.type) {
    case PageEvent::Type::submitting:
      on_submitting(t, b, page);
      break;
    case PageEvent::Type::submitted:
      reached_printer_.insert(b.id);
      counters_.submits++;
      counters_.submit_latency_ms_sum +=
          std::chrono::duration_cast<std::chrono::milliseconds>(clock_.now() - submit_started_)
              .count();
      keep(store_.update_page_task(t.id, PageTaskState::submitted, e.job_id, "", std::nullopt));
      if (status_.ok()) t.state = PageTaskState::submitted;
      break;
    case PageEvent::Type::waiting: {
      // The page's reason says what it waits for (the console shows it) and
      // is cleared when it moves again.
      if (e.detail.empty()) {
        keep(store_.update_page_task(t.id, PageTaskState::submitted, e.job_id, "", std::nullopt));
        break;
      }
      // The reason and its event in one transaction: neither without the other.
      nlohmann::json d = page;
      d["reason"] = e.detail;
      keep(events_.record(b.issuance_id, "page_waiting", d, [&](const store::EventRow& row) {
        return store_.update_page_task(t.id, PageTaskState::submitted, e.job_id, e.detail, row);
      }));
      break;
    }
    case PageEvent::Type::completed:
      on_completed(t, b, page, e.job_id);
      break;
    case PageEvent::Type::failed:
      on_failed(t, b, page, e);
      break;
  }
}

}  // namespace certprint::engine
