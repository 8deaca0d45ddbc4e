#include "daemon/engine/recovery.hpp"

#include <set>

namespace certprint::engine {

using store::BookletState;
using store::PageTaskState;

namespace {

// A page whose job went to the printer, or may have.
bool may_carry_ink(const store::PageTaskRow& t) {
  return store::reached_printer(t.state) ||
         (t.state == PageTaskState::failed && t.cups_job_id != 0);
}

}  // namespace

BookletState state_from_pages(const std::vector<store::PageTaskRow>& tasks) {
  if (tasks.empty()) return BookletState::ready;
  const std::int64_t last_job = tasks.back().print_job_id;
  bool info = false, page5 = false;
  for (const auto& t : tasks)
    if (t.print_job_id == last_job && t.state == PageTaskState::completed)
      (t.page == issuance::PageKind::info ? info : page5) = true;
  if (info && page5) return BookletState::printed;
  for (const auto& t : tasks)
    if (may_carry_ink(t)) return BookletState::failed;
  return BookletState::ready;
}

Result<int> repair_booklets(store::Store& store, EventLog& events, const LogSink& log) {
  auto unfinished = store.unfinished_print_jobs();
  if (!unfinished) return unfinished.error();
  std::set<std::int64_t> running;
  for (const auto& j : *unfinished) running.insert(j.id);
  auto printing = store.booklets_in_state(BookletState::printing);
  if (!printing) return printing.error();
  int repaired = 0;
  for (const auto& b : *printing) {
    auto tasks = store.booklet_page_tasks(b.id);
    if (!tasks) return tasks.error();
    // An unfinished job that has sent a page of it and has pages of it left
    // goes on with it; any other booklet is repaired.
    bool pages_left = false, pages_sent = false;
    for (const auto& t : *tasks) {
      if (!running.contains(t.print_job_id)) continue;
      pages_left = pages_left || store::is_open(t.state);
      pages_sent = pages_sent || store::reached_printer(t.state);
    }
    if (pages_left && pages_sent) continue;
    const BookletState state = state_from_pages(*tasks);
    auto s = events.record(
        b.issuance_id, "booklet_recovered",
        {{"holder", issuance::to_string(b.holder)},
         {"stock_serial", b.stock_serial},
         {"booklet_state", store::to_string(state)}},
        [&](const store::EventRow& ev) { return store.set_booklet_state(b.id, state, ev); });
    if (!s) return s.error();
    log(Priority::notice, "booklet " + std::to_string(b.id) + " of issuance " + b.issuance_id +
                              " was left printing; its pages say " +
                              std::string(store::to_string(state)));
    ++repaired;
  }
  return repaired;
}

}  // namespace certprint::engine
