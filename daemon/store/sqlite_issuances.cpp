// The store's issuances and booklets.
#include "daemon/store/sqlite_rows.hpp"
#include "daemon/store/sqlite_store.hpp"

namespace certprint::store {
namespace {

Error coded(ErrorCode code, std::string_view op, const std::string& text,
            std::string keyword = {}) {
  return store_error(code, op, text, std::move(keyword));
}

// Where a serial went: "the male booklet of issuance I-1", its state, when.
struct SerialUse {
  std::string where;
  std::string state;
  Millis at = 0;
};

// A movement that took a blank out of the stock.
struct Gone {
  std::string kind;
  Millis at = 0;
  std::string reference;
};

Result<Gone> read_gone(const Stmt& s) { return Gone{s.text(0), s.i64(1), s.text(2)}; }

Result<SerialUse> read_serial_use(const Stmt& s) {
  return SerialUse{"the " + s.text(1) + " booklet of issuance " + s.text(0), s.text(2), s.i64(3)};
}

}  // namespace

Result<std::int64_t> SqliteStore::insert_booklet(std::string_view op,
                                                 const std::string& issuance_id,
                                                 const NewBooklet& b,
                                                 std::optional<std::int64_t> replaces, Millis now) {
  // A serial goes on one booklet, ever (stock_serial_uses' key guarantees
  // it); checked here to say where and when it was used.
  auto used = db_.one(op, &read_serial_use,
                      "SELECT b.issuance_id, b.holder, b.state, u.used_at "
                      "FROM stock_serial_uses u JOIN booklets b ON b.id = u.booklet_id "
                      "WHERE u.stock_serial = ?1",
                      b.stock_serial);
  if (!used) return used.error();
  if (*used)
    return coded(ErrorCode::conflict, op,
                 "stock serial " + b.stock_serial + " was used on " + (*used)->where + " on " +
                     utc_minute_text((*used)->at) + " (that booklet is now " + (*used)->state +
                     "); a blank is used once: take another blank",
                 "stock_serial");
  // A blank returned or destroyed has left the stock: it is not on the desk.
  auto gone = db_.one(op, &read_gone,
                      "SELECT kind, at, reference FROM stock_movements WHERE kind <> 'received' "
                      "AND first_serial <= ?1 AND last_serial >= ?1 LIMIT 1",
                      b.stock_serial);
  if (!gone) return gone.error();
  if (*gone)
    return coded(ErrorCode::conflict, op,
                 "stock serial " + b.stock_serial + " was " + (*gone)->kind + " on " +
                     utc_minute_text((*gone)->at) + " (reference \"" + (*gone)->reference +
                     "\"): it left the stock; take another blank",
                 "stock_serial");
  auto same_token = db_.maybe_scalar(op, "SELECT id FROM booklets WHERE token = ?1", b.token);
  if (!same_token) return same_token.error();
  if (*same_token)
    return coded(ErrorCode::conflict, op,
                 "the token is already on booklet " + std::to_string(**same_token));
  OnConstraint on;
  on.foreign_key = coded(ErrorCode::not_found, op, "issuance " + issuance_id + " does not exist");
  if (auto s = db_.exec(
          op, on,
          "INSERT INTO booklets (issuance_id, holder, stock_serial, token, state, "
          "void_reason, replaces, updated_at) VALUES (?1, ?2, ?3, ?4, 'ready', '', ?5, ?6)",
          issuance_id, issuance::to_string(b.holder), b.stock_serial, b.token, replaces, now);
      !s)
    return s.error();
  const std::int64_t id = db_.last_insert_id();
  if (auto s = db_.exec(op,
                        "INSERT INTO stock_serial_uses (stock_serial, booklet_id, used_at) "
                        "VALUES (?1, ?2, ?3)",
                        b.stock_serial, id, now);
      !s)
    return s.error();
  if (auto s = note_booklet_state(op, id, BookletState::ready, now); !s) return s.error();
  return id;
}

Status SqliteStore::add_issuance(const IssuanceRow& issuance,
                                 const std::vector<NewBooklet>& booklets,
                                 const EventRow& accepted) {
  constexpr std::string_view op = "add_issuance";
  if (accepted.issuance_id != issuance.issuance_id)
    return invalid("the accepted event is for issuance " + accepted.issuance_id + ", not " +
                   issuance.issuance_id);
  std::lock_guard lock(mu_);
  return db_.transaction(op, [&]() -> Status {
    auto exists = db_.scalar(op, "SELECT count(*) FROM issuances WHERE issuance_id = ?1",
                             issuance.issuance_id);
    if (!exists) return exists.error();
    if (*exists != 0)
      return coded(ErrorCode::conflict, op, "issuance " + issuance.issuance_id + " already exists");
    if (auto s = db_.exec(op,
                          "INSERT INTO issuances (issuance_id, document, created_at) "
                          "VALUES (?1, ?2, ?3)",
                          issuance.issuance_id, issuance.document, issuance.created_at);
        !s)
      return s;
    const Millis now = clock_.wall_ms();
    for (const auto& b : booklets) {
      auto id = insert_booklet(op, issuance.issuance_id, b, std::nullopt, now);
      if (!id) return id.error();
    }
    return insert_event(op, accepted);
  });
}

Result<std::optional<IssuanceRow>> SqliteStore::issuance(const std::string& issuance_id) {
  std::lock_guard lock(mu_);
  return db_.one("issuance", &read_issuance, cat(kIssuanceSelect, "WHERE issuance_id = ?1"),
                 issuance_id);
}

Result<std::vector<IssuanceRow>> SqliteStore::issuances_received(Millis from, Millis to,
                                                                 std::optional<BookletState> state,
                                                                 int limit) {
  std::lock_guard lock(mu_);
  constexpr std::string_view op = "issuances_received";
  const std::string order = " ORDER BY created_at DESC, issuance_id LIMIT ?3";
  if (!state)
    return db_.rows(op, &read_issuance,
                    cat(kIssuanceSelect, "WHERE created_at >= ?1 AND created_at < ?2" + order),
                    from, to, limit);
  // Filtered before the limit, so that older matches are not crowded out.
  return db_.rows(op, &read_issuance,
                  cat(kIssuanceSelect,
                      "WHERE created_at >= ?1 AND created_at < ?2 AND EXISTS (SELECT 1 FROM "
                      "booklets b WHERE b.issuance_id = issuances.issuance_id AND b.state = ?4)" +
                          order),
                  from, to, limit, to_string(*state));
}

Result<std::vector<BookletRow>> SqliteStore::booklets(const std::string& issuance_id) {
  std::lock_guard lock(mu_);
  return db_.rows("booklets", &read_booklet,
                  cat(kBookletSelect,
                      "WHERE issuance_id = ?1 "
                      "ORDER BY CASE holder WHEN 'male' THEN 0 ELSE 1 END, id"),
                  issuance_id);
}

Result<std::optional<BookletRow>> SqliteStore::booklet_by_token(const std::string& token) {
  std::lock_guard lock(mu_);
  return db_.one("booklet_by_token", &read_booklet, cat(kBookletSelect, "WHERE token = ?1"), token);
}

Result<std::optional<BookletRow>> SqliteStore::booklet(std::int64_t id) {
  std::lock_guard lock(mu_);
  return db_.one("booklet", &read_booklet, cat(kBookletSelect, "WHERE id = ?1"), id);
}

Result<std::vector<BookletRow>> SqliteStore::booklets_in_state(BookletState state) {
  std::lock_guard lock(mu_);
  return db_.rows("booklets_in_state", &read_booklet,
                  cat(kBookletSelect, "WHERE state = ?1 ORDER BY id"), to_string(state));
}

// REQUIRES: mu_ held, inside a transaction.
Status SqliteStore::change_booklet_state(std::string_view op, std::int64_t booklet_id,
                                         BookletState state) {
  auto current = db_.one(op, &read_booklet, cat(kBookletSelect, "WHERE id = ?1"), booklet_id);
  if (!current) return current.error();
  if (!*current)
    return coded(ErrorCode::not_found, op,
                 "booklet " + std::to_string(booklet_id) + " does not exist");
  const BookletState old_state = (*current)->state;
  if (!is_live(old_state) && old_state != state)
    return coded(ErrorCode::conflict, op,
                 "booklet " + std::to_string(booklet_id) + " is " +
                     std::string(to_string(old_state)) + " and cannot become " +
                     std::string(to_string(state)));
  OnConstraint on;
  on.unique = coded(ErrorCode::conflict, op,
                    "stock serial " + (*current)->stock_serial + " is on another live booklet",
                    "stock_serial");
  const Millis now = clock_.wall_ms();
  if (auto s = db_.exec(op, on, "UPDATE booklets SET state = ?2, updated_at = ?3 WHERE id = ?1",
                        booklet_id, to_string(state), now);
      !s)
    return s;
  if (old_state == state) return Status::success();
  return note_booklet_state(op, booklet_id, state, now);
}

// REQUIRES: mu_ held, inside a transaction.
Status SqliteStore::note_booklet_state(std::string_view op, std::int64_t booklet_id,
                                       BookletState state, Millis at) {
  return db_.exec(op, "INSERT INTO booklet_states (booklet_id, state, at) VALUES (?1, ?2, ?3)",
                  booklet_id, to_string(state), at);
}

Status SqliteStore::set_booklet_state(std::int64_t booklet_id, BookletState state,
                                      const std::optional<EventRow>& event) {
  constexpr std::string_view op = "set_booklet_state";
  std::lock_guard lock(mu_);
  return db_.transaction(op, [&]() -> Status {
    if (auto s = change_booklet_state(op, booklet_id, state); !s) return s;
    if (event) return insert_event(op, *event);
    return Status::success();
  });
}

Result<std::int64_t> SqliteStore::void_and_replace(std::int64_t booklet_id,
                                                   const std::string& reason,
                                                   const std::string& new_stock_serial,
                                                   const std::string& new_token,
                                                   const EventRow& event) {
  constexpr std::string_view op = "void_and_replace";
  if (reason.empty())
    return invalid("booklet " + std::to_string(booklet_id) + ": a reason is required");
  std::lock_guard lock(mu_);
  return db_.transaction(op, [&]() -> Result<std::int64_t> {
    auto old = db_.one(op, &read_booklet, cat(kBookletSelect, "WHERE id = ?1"), booklet_id);
    if (!old) return old.error();
    if (!*old)
      return coded(ErrorCode::not_found, op,
                   "booklet " + std::to_string(booklet_id) + " does not exist");
    const BookletRow& b = **old;
    if (!is_live(b.state))
      return coded(ErrorCode::conflict, op,
                   "booklet " + std::to_string(booklet_id) + " is already " +
                       std::string(to_string(b.state)),
                   "booklet_state");
    // Checked again here, in the transaction: a print run may have taken
    // the blank since the caller looked.
    if (b.state == BookletState::printing)
      return coded(
          ErrorCode::conflict, op,
          "booklet " + std::to_string(booklet_id) + " is printing; wait for its print job to end",
          "booklet_state");
    // The spoiled blank stays spoiled: the successor goes on another one.
    if (new_stock_serial == b.stock_serial)
      return coded(ErrorCode::conflict, op,
                   "stock serial " + new_stock_serial +
                       " is the voided booklet's own blank; use another blank",
                   "stock_serial");
    const Millis now = clock_.wall_ms();
    if (auto s = db_.exec(op,
                          "UPDATE booklets SET state = 'voided', void_reason = ?2, "
                          "updated_at = ?3 WHERE id = ?1",
                          booklet_id, reason, now);
        !s)
      return s.error();
    if (auto s = note_booklet_state(op, booklet_id, BookletState::voided, now); !s)
      return s.error();
    auto id = insert_booklet(op, b.issuance_id, {b.holder, new_stock_serial, new_token}, b.id, now);
    if (!id) return id.error();
    if (auto s = insert_event(op, event); !s) return s.error();
    return *id;
  });
}

}  // namespace certprint::store
