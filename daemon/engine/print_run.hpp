// One run of one print job (internal to daemon/engine/): where the
// sequencer's pages come from (rendered from what the store holds) and where
// its events go (stored, then told to the registry).
#pragma once

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "daemon/booklet/renderer_cache.hpp"
#include "daemon/engine/event_log.hpp"
#include "daemon/engine/print_engine.hpp"
#include "daemon/printing/sequencer.hpp"
#include "daemon/store/store.hpp"

namespace certprint::engine {

// Renders pages from what the store holds: the issuance document, the
// booklet's stored token, the printer's newest calibration. Keeps one
// booklet's pages at a time.
class StoredPageSource final : public printing::PageSource {
 public:
  StoredPageSource(store::Store& store, const PrinterConfig& printer,
                   booklet::RendererCache& renderers, const BookletsByJobName& booklets)
      : store_(store), printer_(printer), renderers_(renderers), booklets_(booklets) {}

  Result<printing::PageJob> page(const printing::PageStep& step) override;

 private:
  Status render(const store::BookletRow& b);

  store::Store& store_;
  const PrinterConfig& printer_;
  booklet::RendererCache& renderers_;
  const BookletsByJobName& booklets_;
  std::map<std::pair<std::int64_t, issuance::PageKind>, booklet::RenderedPage> rendered_;
  std::pair<double, double> page_size_mm_{94, 128};
  int bidi_offset_ = 0;  // of the profile the pages were drawn with
};

// Stores every page event as it happens and tells the registry. Stops
// recording at the first write the store refuses (healthy() turns false, so
// the sequencer sends nothing more).
class StoringListener final : public printing::SequenceListener {
 public:
  // `reached_printer`: booklets with a page already handed to CUPS by an
  // earlier run of this job (their paper may carry ink).
  StoringListener(store::Store& store, EventLog& events, Clock& clock, std::string printer,
                  std::vector<store::PageTaskRow>& tasks, BookletsByJobName& booklets,
                  PrintCounters& counters, std::set<std::int64_t> reached_printer)
      : store_(store),
        events_(events),
        clock_(clock),
        printer_(std::move(printer)),
        tasks_(tasks),
        booklets_(booklets),
        counters_(counters),
        reached_printer_(std::move(reached_printer)) {}

  Status status() const { return status_; }
  bool healthy() const override { return status_.ok(); }
  void on_page(const printing::PageEvent& e) override;

 private:
  void progress(store::PageTaskRow& t, store::BookletRow& b, store::PageProgress p,
                const std::vector<EventLog::NewEvent>& events);
  void on_submitting(store::PageTaskRow& t, store::BookletRow& b, const nlohmann::json& page);
  void on_completed(store::PageTaskRow& t, store::BookletRow& b, const nlohmann::json& page,
                    int job_id);
  void on_failed(store::PageTaskRow& t, store::BookletRow& b, nlohmann::json page,
                 const printing::PageEvent& e);
  std::size_t index_of(const printing::PageStep& step) const;
  void keep(Status s) {
    if (status_.ok() && !s.ok()) status_ = s;
  }

  store::Store& store_;
  EventLog& events_;
  Clock& clock_;
  std::string printer_;
  std::vector<store::PageTaskRow>& tasks_;
  BookletsByJobName& booklets_;
  PrintCounters& counters_;
  Status status_;
  std::chrono::steady_clock::time_point submit_started_;
  std::set<std::int64_t> reached_printer_;  // booklets with a page accepted by CUPS
};

}  // namespace certprint::engine
