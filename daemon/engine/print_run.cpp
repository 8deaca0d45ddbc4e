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
  options.device = {printer_.res, printer_.band_rows};
  options.pdf = printer_.format == printing::DocumentFormat::pdf;
  options.raster = !options.pdf;
  auto cals = store_.calibrations(printer_.name);
  if (!cals) return cals.error();
  if (!cals->empty()) {
    auto cal = layout::parse_calibration(cals->front().profile, "printer " + printer_.name);
    if (!cal) return cal.error();
    options.calibration = *cal;
  }
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
  const store::BookletRow& b = booklets_.at(step.job_name);
  const auto key = std::make_pair(b.id, step.kind);
  if (!rendered_.contains(key)) {
    // A batch of thousands would otherwise hold every document it printed.
    rendered_.clear();
    if (auto s = render(b); !s) return s.error();
  }
  const booklet::RenderedPage& p = rendered_.at(key);
  return printing::cups::page_job(printer_.format, p.pdf, p.raster, page_size_mm_.first,
                                  page_size_mm_.second);
}

std::size_t StoringListener::index_of(const printing::PageStep& step) const {
  for (std::size_t i = 0; i < tasks_.size(); ++i)
    if (tasks_[i].job_name == step.job_name) return i;
  return 0;
}

void StoringListener::on_submitting(store::PageTaskRow& t, store::BookletRow& b,
                                    const nlohmann::json& page) {
  submit_started_ = clock_.now();
  // One booklet has two page tasks: announce it once per job.
  if (printing_.insert(b.id).second)
    keep(events_.record(b.issuance_id, "booklet_printing", page, [&](const store::EventRow& ev) {
      return store_.set_booklet_state(b.id, BookletState::printing, ev);
    }));
  keep(store_.update_page_task(t.id, PageTaskState::submitting, 0, "", std::nullopt));
}

void StoringListener::on_completed(store::PageTaskRow& t, store::BookletRow& b,
                                   const nlohmann::json& page, int job_id) {
  counters_.pages_printed++;
  keep(events_.record(b.issuance_id, "page_printed", page, [&](const store::EventRow& ev) {
    return store_.update_page_task(t.id, PageTaskState::completed, job_id, "", ev);
  }));
  if (t.page != issuance::PageKind::page5) return;
  keep(events_.record(b.issuance_id, "booklet_printed", page, [&](const store::EventRow& ev) {
    return store_.set_booklet_state(b.id, BookletState::printed, ev);
  }));
  b.state = BookletState::printed;
}

void StoringListener::on_failed(store::PageTaskRow& t, store::BookletRow& b, nlohmann::json d,
                                const PageEvent& e) {
  counters_.pages_failed++;
  d["reason"] = e.detail;
  keep(events_.record(b.issuance_id, "page_failed", d, [&](const store::EventRow& ev) {
    return store_.update_page_task(t.id, PageTaskState::failed, e.job_id, e.detail, ev);
  }));
  const BookletState state = after_failed_page(reached_printer_.contains(b.id));
  d["booklet_state"] = store::to_string(state);
  keep(events_.record(b.issuance_id, "booklet_failed", d, [&](const store::EventRow& ev) {
    return store_.set_booklet_state(b.id, state, ev);
  }));
  b.state = state;
}

void StoringListener::on_page(const PageEvent& e) {
  if (!status_.ok()) return;
  store::PageTaskRow& t = tasks_[index_of(*e.step)];
  store::BookletRow& b = booklets_.at(t.job_name);
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
      break;
    case PageEvent::Type::waiting: {
      nlohmann::json d = page;
      d["reason"] = e.detail;
      keep(events_.record(b.issuance_id, "page_waiting", d));
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
