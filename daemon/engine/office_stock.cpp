// The blank-stock ledger: movements in and out of the stock, and the
// reconciliation of a period (daemon/stock/).
#include "daemon/engine/office.hpp"

#include "daemon/report/stock_report.hpp"

namespace certprint::engine {

Result<store::StockMovementRow> Office::record_stock(const Actor& who,
                                                     store::StockMovementRow movement) {
  movement.at = events_.now();
  movement.actor = who.name;
  const std::string kind(store::to_string(movement.kind));
  const store::AuditRow row{movement.at,
                            who.name,
                            who.role,
                            "stock_" + kind,
                            movement.first_serial + ".." + movement.last_serial,
                            "reference " + movement.reference};
  auto id = store_.add_stock_movement(movement, row);
  if (!id) return id.error();
  movement.id = *id;
  log_(Priority::info, "stock: " + kind + " " + movement.first_serial + ".." +
                           movement.last_serial + " by " + who.name);
  return movement;
}

Result<stock::Reconciliation> Office::reconcile_stock(Millis from, Millis to) {
  if (from >= to) return invalid("the period's start must come before its end");
  auto facts = store_.ledger_facts();
  if (!facts) return facts.error();
  return stock::reconcile(*facts, from, to);
}

Result<std::string> Office::stock_report_pdf(const Actor& who, Millis from, Millis to,
                                             const std::string& first_day,
                                             const std::string& last_day) {
  auto r = reconcile_stock(from, to);
  if (!r) return r.error();
  report::StockReportHeader h{
      first_day, last_day, report::utc_offset_text(from), report::local_minute_text(events_.now()),
      who.name,  {}};
  {
    std::lock_guard lock(render_mutex_);
    auto renderer = renderers_.get(issuance::Kind::marriage);
    if (!renderer) return renderer.error();
    h.font_family = (*renderer)->page_template().font_family;
  }
  return report::stock_report_pdf(*r, h);
}

Status Office::check_received(const std::string& field, const std::string& serial) {
  if (!stock_policy_.refuse_unreceived) return Status::success();
  auto received = store_.stock_received(serial);
  if (!received) return received.error();
  if (*received) return Status::success();
  return conflict(field + " \"" + serial +
                      "\": this blank was never received into the stock; record its delivery "
                      "first (certprint stock received FIRST LAST --reference NOTE)",
                  "stock_serial");
}

Result<std::vector<store::StockMovementRow>> Office::stock_movements() {
  auto facts = store_.ledger_facts();
  if (!facts) return facts.error();
  return std::move(facts->movements);
}

Result<stock::SerialState> Office::stock_serial_state(const std::string& serial) {
  auto facts = store_.ledger_facts();
  if (!facts) return facts.error();
  return stock::state_of(*facts, serial, events_.now() + 1);
}

}  // namespace certprint::engine
