// The store's blank-stock ledger: movements in and out, and the facts a
// reconciliation reckons with.
#include <algorithm>

#include "daemon/store/sqlite_rows.hpp"
#include "daemon/store/sqlite_store.hpp"

namespace certprint::store {
namespace {

Error stock_conflict(std::string_view op, const std::string& text) {
  return store_error(ErrorCode::conflict, op, text, "stock");
}

struct Range {
  std::string first, last, reference;
  Millis at = 0;
  std::string kind;
};

Result<Range> read_range(const Stmt& s) {
  return Range{s.text(0), s.text(1), s.text(2), s.i64(3), s.text(4)};
}

Result<SerialUseRow> read_use(const Stmt& s) {
  SerialUseRow r;
  r.stock_serial = s.text(0);
  r.booklet_id = s.i64(1);
  r.issuance_id = s.text(2);
  const auto holder = issuance::holder_from_string(s.text(3));
  if (!holder) return Error{"booklets row " + s.text(1) + ": holder \"" + s.text(3) + "\""};
  r.holder = *holder;
  r.used_at = s.i64(4);
  return r;
}

Result<BookletStateRow> read_state(const Stmt& s) {
  const auto state = booklet_state_from_string(s.text(1));
  if (!state)
    return Error{"booklet_states: state \"" + s.text(1) + "\" is not one this certprint knows"};
  return BookletStateRow{s.i64(0), *state, s.i64(2), s.text(3)};
}

Result<StockMovementRow> read_movement(const Stmt& s) {
  const auto kind = stock_movement_kind_from_string(s.text(2));
  if (!kind) return Error{"stock_movements row " + s.text(0) + ": kind \"" + s.text(2) + "\""};
  return StockMovementRow{s.i64(0), s.i64(1), *kind, s.text(3), s.text(4), s.text(5), s.text(6)};
}

constexpr std::string_view kOverlapping =
    "SELECT first_serial, last_serial, reference, at, kind FROM stock_movements "
    "WHERE first_serial <= ?2 AND last_serial >= ?1 ";

}  // namespace

// REQUIRES: mu_ held, inside a transaction.
Status SqliteStore::check_stock_movement(std::string_view op, const StockMovementRow& row) {
  if (!issuance::is_stock_serial(row.first_serial) || !issuance::is_stock_serial(row.last_serial) ||
      row.first_serial > row.last_serial)
    return invalid("stock range " + row.first_serial + ".." + row.last_serial +
                   ": expected two 10-digit serials, the first not above the last");
  const std::string range = row.first_serial + ".." + row.last_serial;
  if (row.kind == StockMovementKind::received) {
    auto before = db_.one(op, &read_range, cat(kOverlapping, "AND kind = 'received' LIMIT 1"),
                          row.first_serial, row.last_serial);
    if (!before) return before.error();
    if (*before)
      return stock_conflict(op, "stock " + range + " overlaps " + (*before)->first + ".." +
                                    (*before)->last + ", received on " +
                                    utc_minute_text((*before)->at) + " (reference \"" +
                                    (*before)->reference + "\")");
    return Status::success();
  }
  // Leaving the stock: every serial received, never used, still here.
  auto received =
      db_.rows(op, &read_range, cat(kOverlapping, "AND kind = 'received' ORDER BY first_serial"),
               row.first_serial, row.last_serial);
  if (!received) return received.error();
  long long next = std::stoll(row.first_serial);
  for (const auto& r : *received) {
    if (std::stoll(r.first) > next) break;
    next = std::max(next, std::stoll(r.last) + 1);
  }
  if (next <= std::stoll(row.last_serial))
    return stock_conflict(op, "serial " + issuance::stock_serial_text(next) + " of " + range +
                                  " was never received: it cannot be " +
                                  std::string(to_string(row.kind)));
  auto used = db_.one(op, &read_use,
                      "SELECT u.stock_serial, u.booklet_id, b.issuance_id, b.holder, u.used_at "
                      "FROM stock_serial_uses u JOIN booklets b ON b.id = u.booklet_id "
                      "WHERE u.stock_serial BETWEEN ?1 AND ?2 ORDER BY u.stock_serial LIMIT 1",
                      row.first_serial, row.last_serial);
  if (!used) return used.error();
  if (*used)
    return stock_conflict(op, "serial " + (*used)->stock_serial + " of " + range + " is on the " +
                                  std::string(issuance::to_string((*used)->holder)) +
                                  " booklet of issuance " + (*used)->issuance_id +
                                  ": it is not in stock");
  auto gone = db_.one(op, &read_range,
                      cat(kOverlapping, "AND kind <> 'received' ORDER BY first_serial LIMIT 1"),
                      row.first_serial, row.last_serial);
  if (!gone) return gone.error();
  if (*gone)
    return stock_conflict(op, "serial " + std::max((*gone)->first, row.first_serial) + " of " +
                                  range + " was " + (*gone)->kind + " already on " +
                                  utc_minute_text((*gone)->at) + " (reference \"" +
                                  (*gone)->reference + "\")");
  return Status::success();
}

Result<std::int64_t> SqliteStore::add_stock_movement(const StockMovementRow& row,
                                                     const AuditRow& audit) {
  constexpr std::string_view op = "add_stock_movement";
  if (row.reference.empty()) return invalid("a stock movement needs its reference");
  std::lock_guard lock(mu_);
  return db_.transaction(op, [&]() -> Result<std::int64_t> {
    if (auto s = check_stock_movement(op, row); !s) return s.error();
    if (auto s = db_.exec(op,
                          "INSERT INTO stock_movements (at, kind, first_serial, last_serial, "
                          "reference, actor) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                          row.at, to_string(row.kind), row.first_serial, row.last_serial,
                          row.reference, row.actor);
        !s)
      return s.error();
    const std::int64_t id = db_.last_insert_id();
    if (auto s =
            db_.exec(op,
                     "INSERT INTO audit (at, actor, role, action, subject, detail) "
                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                     audit.at, audit.actor, audit.role, audit.action, audit.subject, audit.detail);
        !s)
      return s.error();
    return id;
  });
}

Result<LedgerFacts> SqliteStore::ledger_facts() {
  constexpr std::string_view op = "ledger_facts";
  std::lock_guard lock(mu_);
  return db_.transaction(op, [&]() -> Result<LedgerFacts> {
    LedgerFacts f;
    auto movements = db_.rows(op, &read_movement,
                              "SELECT id, at, kind, first_serial, last_serial, reference, actor "
                              "FROM stock_movements ORDER BY at, id");
    if (!movements) return movements.error();
    f.movements = std::move(*movements);
    auto uses = db_.rows(op, &read_use,
                         "SELECT u.stock_serial, u.booklet_id, b.issuance_id, b.holder, u.used_at "
                         "FROM stock_serial_uses u JOIN booklets b ON b.id = u.booklet_id "
                         "ORDER BY u.used_at, u.booklet_id");
    if (!uses) return uses.error();
    f.uses = std::move(*uses);
    auto states = db_.rows(op, &read_state,
                           "SELECT s.booklet_id, s.state, s.at, "
                           "CASE s.state WHEN 'voided' THEN b.void_reason ELSE '' END "
                           "FROM booklet_states s JOIN booklets b ON b.id = s.booklet_id "
                           "ORDER BY s.booklet_id, s.id");
    if (!states) return states.error();
    f.booklet_states = std::move(*states);
    auto reused = db_.rows(op, &read_use,
                           "SELECT b.stock_serial, b.id, b.issuance_id, b.holder, "
                           "(SELECT min(at) FROM booklet_states WHERE booklet_id = b.id) "
                           "FROM booklets b WHERE NOT EXISTS (SELECT 1 FROM stock_serial_uses u "
                           "WHERE u.booklet_id = b.id) ORDER BY b.id");
    if (!reused) return reused.error();
    f.reused = std::move(*reused);
    auto voids = db_.rows(op, &read_audit,
                          "SELECT at, actor, role, action, subject, detail FROM audit "
                          "WHERE action = 'void' ORDER BY at, id");
    if (!voids) return voids.error();
    f.voids = std::move(*voids);
    return f;
  });
}

Result<bool> SqliteStore::stock_received(const std::string& serial) {
  std::lock_guard lock(mu_);
  auto n = db_.scalar("stock_received",
                      "SELECT count(*) FROM stock_movements WHERE kind = 'received' "
                      "AND first_serial <= ?1 AND last_serial >= ?1",
                      serial);
  if (!n) return n.error();
  return *n > 0;
}

}  // namespace certprint::store
