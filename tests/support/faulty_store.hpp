// A Store that forwards to a real one but refuses the writes a test picks:
// the failed write changes nothing (as a failed transaction would), so a
// test can stop the daemon at any write and see what a restart makes of it.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "daemon/store/store.hpp"

namespace certprint::testing {

class FaultyStore final : public store::Store {
 public:
  explicit FaultyStore(store::Store& real) : real_(real) {}

  // Called before each write with its name ("set_booklet_state",
  // "update_page_task", ...); returning true refuses that write.
  void fail_when(std::function<bool(std::string_view op)> f) {
    std::lock_guard g(m_);
    fail_ = std::move(f);
  }
  void heal() { fail_when(nullptr); }
  int refused() const { return refused_; }

  Status add_issuance(const store::IssuanceRow& i, const std::vector<NewBooklet>& b,
                      const store::EventRow& e) override {
    if (refuse("add_issuance")) return fault();
    return real_.add_issuance(i, b, e);
  }
  Result<std::optional<store::IssuanceRow>> issuance(const std::string& id) override {
    return real_.issuance(id);
  }
  Result<std::vector<store::IssuanceRow>> issuances_received(
      Millis from, Millis to, std::optional<store::BookletState> state, int limit) override {
    return real_.issuances_received(from, to, state, limit);
  }
  Result<std::vector<store::BookletRow>> booklets(const std::string& id) override {
    return real_.booklets(id);
  }
  Result<std::optional<store::BookletRow>> booklet_by_token(const std::string& t) override {
    return real_.booklet_by_token(t);
  }
  Result<std::optional<store::BookletRow>> booklet(std::int64_t id) override {
    return real_.booklet(id);
  }
  Result<std::vector<store::BookletRow>> booklets_in_state(store::BookletState s) override {
    return real_.booklets_in_state(s);
  }
  Status set_booklet_state(std::int64_t id, store::BookletState s,
                           const std::optional<store::EventRow>& e) override {
    if (refuse("set_booklet_state")) return fault();
    return real_.set_booklet_state(id, s, e);
  }
  Result<std::int64_t> void_and_replace(std::int64_t id, const std::string& reason,
                                        const std::string& serial, const std::string& token,
                                        const store::EventRow& e) override {
    if (refuse("void_and_replace")) return fault();
    return real_.void_and_replace(id, reason, serial, token, e);
  }
  Result<std::int64_t> add_print_job(const store::PrintJobRow& j,
                                     const std::vector<store::PageTaskRow>& t) override {
    if (refuse("add_print_job")) return fault();
    return real_.add_print_job(j, t);
  }
  Result<std::optional<store::PrintJobRow>> print_job(std::int64_t id) override {
    return real_.print_job(id);
  }
  Result<std::vector<store::PageTaskRow>> page_tasks(std::int64_t id) override {
    return real_.page_tasks(id);
  }
  Status add_pending_cancel(const store::PendingCancelRow& r) override {
    if (refuse("add_pending_cancel")) return fault();
    return real_.add_pending_cancel(r);
  }
  Result<std::vector<store::PendingCancelRow>> pending_cancels(const std::string& p) override {
    return real_.pending_cancels(p);
  }
  Status remove_pending_cancel(const std::string& p, int id) override {
    if (refuse("remove_pending_cancel")) return fault();
    return real_.remove_pending_cancel(p, id);
  }
  Result<std::vector<store::PageTaskRow>> booklet_page_tasks(std::int64_t id) override {
    return real_.booklet_page_tasks(id);
  }
  Result<std::vector<store::PrintJobRow>> unfinished_print_jobs() override {
    return real_.unfinished_print_jobs();
  }
  Status set_print_job_state(std::int64_t id, store::PrintJobState s,
                             const std::string& reason) override {
    if (refuse("set_print_job_state")) return fault();
    return real_.set_print_job_state(id, s, reason);
  }
  Status update_page_task(std::int64_t id, store::PageTaskState s, int cups_job_id,
                          const std::string& reason,
                          const std::optional<store::EventRow>& e) override {
    if (refuse("update_page_task")) return fault();
    return real_.update_page_task(id, s, cups_job_id, reason, e);
  }
  Status record_page(const store::PageProgress& p) override {
    if (refuse("record_page")) return fault();
    return real_.record_page(p);
  }
  Result<std::int64_t> next_event_sequence(const std::string& id) override {
    return real_.next_event_sequence(id);
  }
  Status add_event(const store::EventRow& e) override {
    if (refuse("add_event")) return fault();
    return real_.add_event(e);
  }
  Result<std::vector<store::EventRow>> events(const std::string& id) override {
    return real_.events(id);
  }
  Result<std::vector<store::EventRow>> due_events(Millis now, int limit) override {
    return real_.due_events(now, limit);
  }
  Status mark_dead(const std::string& id, const std::string& error, Millis at) override {
    if (refuse("mark_dead")) return fault();
    return real_.mark_dead(id, error, at);
  }
  Status retry_event(const std::string& id, Millis now) override {
    if (refuse("retry_event")) return fault();
    return real_.retry_event(id, now);
  }
  Result<store::OutboxCounts> outbox_counts() override { return real_.outbox_counts(); }
  Result<std::vector<store::EventRow>> dead_events(int limit) override {
    return real_.dead_events(limit);
  }
  Result<std::int64_t> prune(Millis a, Millis b) override {
    if (refuse("prune")) return fault();
    return real_.prune(a, b);
  }
  Status mark_delivered(const std::string& id, Millis at) override {
    if (refuse("mark_delivered")) return fault();
    return real_.mark_delivered(id, at);
  }
  Status mark_attempt_failed(const std::string& id, const std::string& error,
                             Millis next) override {
    if (refuse("mark_attempt_failed")) return fault();
    return real_.mark_attempt_failed(id, error, next);
  }
  Status audit(const store::AuditRow& r) override {
    if (refuse("audit")) return fault();
    return real_.audit(r);
  }
  Result<std::vector<store::AuditRow>> audit_log(int limit) override {
    return real_.audit_log(limit);
  }
  Result<std::int64_t> add_stock_movement(const store::StockMovementRow& r,
                                          const store::AuditRow& a) override {
    if (refuse("add_stock_movement")) return fault();
    return real_.add_stock_movement(r, a);
  }
  Result<store::LedgerFacts> ledger_facts() override { return real_.ledger_facts(); }
  Result<bool> stock_received(const std::string& serial) override {
    return real_.stock_received(serial);
  }
  Result<int> add_calibration(const store::CalibrationRow& r) override {
    if (refuse("add_calibration")) return fault();
    return real_.add_calibration(r);
  }
  Result<std::vector<store::CalibrationRow>> calibrations(const std::string& p) override {
    return real_.calibrations(p);
  }

 private:
  bool refuse(std::string_view op) {
    std::lock_guard g(m_);
    if (!fail_ || !fail_(op)) return false;
    ++refused_;
    return true;
  }
  static Error fault() { return Error{"store write refused by the test (disk full)"}; }

  store::Store& real_;
  std::mutex m_;
  std::function<bool(std::string_view)> fail_;
  std::atomic<int> refused_{0};
};

}  // namespace certprint::testing
