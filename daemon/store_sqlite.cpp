// The Store on one SQLite file: one connection guarded by one mutex; every
// write that touches more than one row runs in BEGIN IMMEDIATE ... COMMIT and
// rolls back on any failure, so a caller sees all of a change or none of it.
#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <string_view>
#include <utility>

#include "daemon/store.hpp"

namespace certprint::daemon {
namespace {

// ---- schema --------------------------------------------------------------

// Step i takes PRAGMA user_version from i to i+1. Append new steps; never
// edit one that has shipped.
constexpr std::array<const char*, 1> kMigrations = {
    // 1: the initial schema.
    R"sql(
CREATE TABLE issuances (
  issuance_id TEXT PRIMARY KEY NOT NULL,
  document TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE booklets (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  issuance_id TEXT NOT NULL REFERENCES issuances(issuance_id),
  holder TEXT NOT NULL,
  stock_serial TEXT NOT NULL,
  token TEXT NOT NULL UNIQUE,
  state TEXT NOT NULL,
  void_reason TEXT NOT NULL DEFAULT '',
  replaces INTEGER REFERENCES booklets(id),
  updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX booklets_by_issuance ON booklets(issuance_id);
-- A blank carries one live booklet; a voided or superseded one frees it.
CREATE UNIQUE INDEX booklets_live_serial ON booklets(stock_serial)
  WHERE state NOT IN ('voided', 'superseded');

CREATE TABLE print_jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  printer TEXT NOT NULL,
  state TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  requested_by TEXT NOT NULL,
  created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX print_jobs_unfinished ON print_jobs(created_at, id)
  WHERE state IN ('queued', 'running');

CREATE TABLE page_tasks (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  print_job_id INTEGER NOT NULL REFERENCES print_jobs(id),
  position INTEGER NOT NULL,
  booklet_id INTEGER NOT NULL REFERENCES booklets(id),
  page TEXT NOT NULL,
  job_name TEXT NOT NULL UNIQUE,
  cups_job_id INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  updated_at INTEGER NOT NULL,
  UNIQUE (print_job_id, position)
) STRICT;
CREATE INDEX page_tasks_by_booklet ON page_tasks(booklet_id);

CREATE TABLE events (
  event_id TEXT PRIMARY KEY NOT NULL,
  issuance_id TEXT NOT NULL REFERENCES issuances(issuance_id),
  sequence INTEGER NOT NULL CHECK (sequence >= 1),
  type TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  delivered_at INTEGER,
  last_error TEXT NOT NULL DEFAULT '',
  UNIQUE (issuance_id, sequence)
) STRICT;
-- The outbox: the undelivered events, per issuance in sequence order.
CREATE INDEX events_undelivered ON events(issuance_id, sequence)
  WHERE delivered_at IS NULL;

CREATE TABLE audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  role TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT NOT NULL,
  detail TEXT NOT NULL
) STRICT;
CREATE INDEX audit_by_time ON audit(at, id);

CREATE TABLE calibrations (
  printer TEXT NOT NULL,
  version INTEGER NOT NULL,
  profile TEXT NOT NULL,
  set_by TEXT NOT NULL,
  set_at INTEGER NOT NULL,
  PRIMARY KEY (printer, version)
) STRICT;
)sql",
};
constexpr int kSchemaVersion = static_cast<int>(kMigrations.size());

// Another process holding the write lock (a backup, the sqlite3 shell) is
// waited for this long before a call fails.
constexpr int kBusyTimeoutMs = 5000;

// ---- the values the header documents ------------------------------------

constexpr std::array<std::string_view, 2> kHolders = {"male", "female"};
constexpr std::array<std::string_view, 7> kBookletStates = {
    "ready", "printing", "printed", "failed", "confirmed", "voided", "superseded"};
constexpr std::array<std::string_view, 4> kPrintJobStates = {"queued", "running", "done", "failed"};
constexpr std::array<std::string_view, 6> kPageTaskStates = {"queued",    "submitting", "submitted",
                                                             "completed", "failed",     "skipped"};
constexpr std::array<std::string_view, 2> kPages = {"info", "page5"};

// A booklet in one of these states is finished: its QR is invalid and its
// blank is free again; it never changes state afterwards.
bool is_dead(std::string_view state) { return state == "voided" || state == "superseded"; }

template <std::size_t N>
Status check_value(std::string_view op, std::string_view what, std::string_view value,
                   const std::array<std::string_view, N>& allowed) {
  std::string list;
  for (auto a : allowed) {
    if (a == value) return Status::success();
    if (!list.empty()) list += ", ";
    list += a;
  }
  return Error{"store " + std::string(op) + ": " + std::string(what) + " \"" + std::string(value) +
               "\" is not one of " + list};
}

Error coded(std::string_view code, std::string_view op, const std::string& text) {
  return Error{std::string(code) + ": " + std::string(op) + ": " + text};
}

Millis wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// ---- a prepared statement ------------------------------------------------

class Stmt {
 public:
  explicit Stmt(sqlite3_stmt* stmt) : stmt_(stmt) {}
  Stmt(Stmt&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt& operator=(Stmt&&) = delete;
  // The result of finalize repeats the last step's, already reported.
  ~Stmt() { sqlite3_finalize(stmt_); }

  int bind(int i, std::int64_t v) { return sqlite3_bind_int64(stmt_, i, v); }
  int bind(int i, int v) { return sqlite3_bind_int(stmt_, i, v); }
  int bind(int i, std::string_view v) {
    return sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  }
  int bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  int bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  int bind(int i, const std::optional<std::int64_t>& v) {
    return v ? bind(i, *v) : sqlite3_bind_null(stmt_, i);
  }

  int step() { return sqlite3_step(stmt_); }

  std::int64_t i64(int col) const { return sqlite3_column_int64(stmt_, col); }
  int i32(int col) const { return sqlite3_column_int(stmt_, col); }
  std::optional<std::int64_t> opt_i64(int col) const {
    if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
    return i64(col);
  }
  std::string text(int col) const {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, col));
    if (p == nullptr) return {};
    return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)));
  }

 private:
  sqlite3_stmt* stmt_;
};

// What a constraint failure of one statement means to the caller; an empty
// message leaves SQLite's own.
struct OnConstraint {
  std::string primary_key;
  std::string unique;
  std::string foreign_key;
};

// ---- rows ----------------------------------------------------------------

constexpr std::string_view kIssuanceSelect =
    "SELECT issuance_id, document, created_at FROM issuances ";
IssuanceRow read_issuance(const Stmt& s) { return {s.text(0), s.text(1), s.i64(2)}; }

constexpr std::string_view kBookletSelect =
    "SELECT id, issuance_id, holder, stock_serial, token, state, void_reason, replaces, "
    "updated_at FROM booklets ";
BookletRow read_booklet(const Stmt& s) {
  BookletRow r;
  r.id = s.i64(0);
  r.issuance_id = s.text(1);
  r.holder = s.text(2);
  r.stock_serial = s.text(3);
  r.token = s.text(4);
  r.state = s.text(5);
  r.void_reason = s.text(6);
  r.replaces = s.opt_i64(7);
  r.updated_at = s.i64(8);
  return r;
}

constexpr std::string_view kPrintJobSelect =
    "SELECT id, printer, state, reason, requested_by, created_at FROM print_jobs ";
PrintJobRow read_print_job(const Stmt& s) {
  return {s.i64(0), s.text(1), s.text(2), s.text(3), s.text(4), s.i64(5)};
}

constexpr std::string_view kPageTaskSelect =
    "SELECT id, print_job_id, position, booklet_id, page, job_name, cups_job_id, state, reason, "
    "updated_at FROM page_tasks ";
PageTaskRow read_page_task(const Stmt& s) {
  PageTaskRow r;
  r.id = s.i64(0);
  r.print_job_id = s.i64(1);
  r.position = s.i32(2);
  r.booklet_id = s.i64(3);
  r.page = s.text(4);
  r.job_name = s.text(5);
  r.cups_job_id = s.i32(6);
  r.state = s.text(7);
  r.reason = s.text(8);
  r.updated_at = s.i64(9);
  return r;
}

constexpr std::string_view kEventSelect =
    "SELECT event_id, issuance_id, sequence, type, body, created_at, attempts, next_attempt_at, "
    "delivered_at, last_error FROM events ";
EventRow read_event(const Stmt& s) {
  EventRow r;
  r.event_id = s.text(0);
  r.issuance_id = s.text(1);
  r.sequence = s.i64(2);
  r.type = s.text(3);
  r.body = s.text(4);
  r.created_at = s.i64(5);
  r.attempts = s.i32(6);
  r.next_attempt_at = s.i64(7);
  r.delivered_at = s.opt_i64(8);
  r.last_error = s.text(9);
  return r;
}

AuditRow read_audit(const Stmt& s) {
  return {s.i64(0), s.text(1), s.text(2), s.text(3), s.text(4), s.text(5)};
}

CalibrationRow read_calibration(const Stmt& s) {
  return {s.text(0), s.i32(1), s.text(2), s.text(3), s.i64(4)};
}

std::string cat(std::string_view a, std::string_view b) {
  std::string s(a);
  s += b;
  return s;
}

// ---- the store -----------------------------------------------------------

class SqliteStore final : public Store {
 public:
  explicit SqliteStore(sqlite3* db) : db_(db) {}
  // Every statement is finalized when its call returns, so close succeeds.
  ~SqliteStore() override { sqlite3_close(db_); }
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  // Connection settings and schema migration; called once, before sharing.
  Status prepare_connection();

  Status add_issuance(const IssuanceRow& issuance, const std::vector<NewBooklet>& booklets,
                      const EventRow& accepted) override;
  Result<std::optional<IssuanceRow>> issuance(const std::string& issuance_id) override;
  Result<std::vector<BookletRow>> booklets(const std::string& issuance_id) override;
  Result<std::optional<BookletRow>> booklet_by_token(const std::string& token) override;
  Result<std::optional<BookletRow>> booklet(std::int64_t id) override;
  Status set_booklet_state(std::int64_t booklet_id, const std::string& state,
                           const std::optional<EventRow>& event) override;
  Result<std::int64_t> void_and_replace(std::int64_t booklet_id, const std::string& reason,
                                        const std::string& new_stock_serial,
                                        const std::string& new_token,
                                        const EventRow& event) override;

  Result<std::int64_t> add_print_job(const PrintJobRow& job,
                                     const std::vector<PageTaskRow>& tasks) override;
  Result<std::optional<PrintJobRow>> print_job(std::int64_t id) override;
  Result<std::vector<PageTaskRow>> page_tasks(std::int64_t print_job_id) override;
  Result<std::vector<PrintJobRow>> unfinished_print_jobs() override;
  Status set_print_job_state(std::int64_t id, const std::string& state,
                             const std::string& reason) override;
  Status update_page_task(std::int64_t task_id, const std::string& state, int cups_job_id,
                          const std::string& reason, const std::optional<EventRow>& event) override;

  Result<std::int64_t> next_event_sequence(const std::string& issuance_id) override;
  Status add_event(const EventRow& event) override;
  Result<std::vector<EventRow>> events(const std::string& issuance_id) override;
  Result<std::vector<EventRow>> due_events(Millis now, int limit) override;
  Status mark_delivered(const std::string& event_id, Millis at) override;
  Status mark_attempt_failed(const std::string& event_id, const std::string& error,
                             Millis next_attempt_at) override;

  Status audit(const AuditRow& row) override;
  Result<std::vector<AuditRow>> audit_log(int limit) override;

  Result<int> add_calibration(const CalibrationRow& row) override;
  Result<std::vector<CalibrationRow>> calibrations(const std::string& printer) override;

 private:
  // ---- SQLite plumbing; all REQUIRE mu_ held (or the store not yet shared).
  Error sql_error(std::string_view op, int rc) const {
    return Error{"store " + std::string(op) + ": " + sqlite3_errmsg(db_) + " (sqlite code " +
                 std::to_string(rc) + ")"};
  }

  template <class... A>
  Result<Stmt> query(std::string_view op, std::string_view sql, const A&... args) {
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
    Stmt stmt(raw);
    if (rc != SQLITE_OK) return sql_error(op, rc);
    int index = 0;
    int bound = SQLITE_OK;
    ((bound = bound == SQLITE_OK ? stmt.bind(++index, args) : bound), ...);
    if (bound != SQLITE_OK) return sql_error(op, bound);
    return stmt;
  }

  // A statement that returns no rows.
  template <class... A>
  Status exec(std::string_view op, const OnConstraint& on, std::string_view sql, const A&... args) {
    auto stmt = query(op, sql, args...);
    if (!stmt) return stmt.error();
    const int rc = stmt->step();
    if (rc == SQLITE_DONE) return Status::success();
    if (rc == SQLITE_ROW) return Error{"store " + std::string(op) + ": statement returned a row"};
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY && !on.primary_key.empty()) return Error{on.primary_key};
    if ((rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) &&
        !on.unique.empty())
      return Error{on.unique};
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY && !on.foreign_key.empty()) return Error{on.foreign_key};
    return sql_error(op, rc);
  }
  template <class... A>
  Status exec(std::string_view op, std::string_view sql, const A&... args) {
    return exec(op, OnConstraint{}, sql, args...);
  }

  template <class Row, class... A>
  Result<std::vector<Row>> rows(std::string_view op, Row (*read)(const Stmt&), std::string_view sql,
                                const A&... args) {
    auto stmt = query(op, sql, args...);
    if (!stmt) return stmt.error();
    std::vector<Row> out;
    for (;;) {
      const int rc = stmt->step();
      if (rc == SQLITE_DONE) return out;
      if (rc != SQLITE_ROW) return sql_error(op, rc);
      out.push_back(read(*stmt));
    }
  }

  template <class Row, class... A>
  Result<std::optional<Row>> one(std::string_view op, Row (*read)(const Stmt&),
                                 std::string_view sql, const A&... args) {
    auto stmt = query(op, sql, args...);
    if (!stmt) return stmt.error();
    const int rc = stmt->step();
    if (rc == SQLITE_DONE) return std::optional<Row>();
    if (rc != SQLITE_ROW) return sql_error(op, rc);
    return std::optional<Row>(read(*stmt));
  }

  // The first column of the first row; the query must return one.
  template <class... A>
  Result<std::int64_t> scalar(std::string_view op, std::string_view sql, const A&... args) {
    auto stmt = query(op, sql, args...);
    if (!stmt) return stmt.error();
    const int rc = stmt->step();
    if (rc == SQLITE_ROW) return stmt->i64(0);
    if (rc == SQLITE_DONE) return Error{"store " + std::string(op) + ": query returned no row"};
    return sql_error(op, rc);
  }

  // Runs `body` between BEGIN IMMEDIATE and COMMIT; any failure, of the body
  // or of the commit, rolls everything back and is returned.
  template <class F>
  auto transaction(std::string_view op, F&& body) -> decltype(body()) {
    if (auto s = exec(op, "BEGIN IMMEDIATE"); !s) return s.error();
    auto result = body();
    if (!result.ok()) return rollback(op, result.error());
    if (auto s = exec(op, "COMMIT"); !s) return rollback(op, s.error());
    return result;
  }

  Error rollback(std::string_view op, const Error& cause) {
    // Some errors (SQLITE_FULL, SQLITE_IOERR ...) end the transaction already.
    if (sqlite3_get_autocommit(db_) != 0) return cause;
    if (auto s = exec(op, "ROLLBACK"); !s)
      return Error{cause.message + "; rollback failed too: " + s.message()};
    return cause;
  }

  Status check_changed(std::string_view op, std::string_view what, std::int64_t id) {
    if (sqlite3_changes(db_) > 0) return Status::success();
    return coded(kNotFound, op, std::string(what) + " " + std::to_string(id) + " does not exist");
  }

  Status insert_event(std::string_view op, const EventRow& e);
  Result<std::int64_t> insert_booklet(std::string_view op, const std::string& issuance_id,
                                      const std::string& holder, const std::string& stock_serial,
                                      const std::string& token,
                                      std::optional<std::int64_t> replaces, Millis now);
  Result<int> user_version(std::string_view op) {
    auto v = scalar(op, "PRAGMA user_version");
    if (!v) return v.error();
    return static_cast<int>(*v);
  }
  Status migrate();

  std::mutex mu_;
  sqlite3* db_;
};

Status SqliteStore::prepare_connection() {
  constexpr std::string_view op = "open";
  if (int rc = sqlite3_extended_result_codes(db_, 1); rc != SQLITE_OK) return sql_error(op, rc);
  if (int rc = sqlite3_busy_timeout(db_, kBusyTimeoutMs); rc != SQLITE_OK) return sql_error(op, rc);

  // Refuse a newer schema before changing anything in the file.
  auto version = user_version(op);
  if (!version) return version.error();
  if (*version > kSchemaVersion)
    return Error{"store open: the database has schema version " + std::to_string(*version) +
                 ", newer than this certprint knows (" + std::to_string(kSchemaVersion) +
                 "); run the newer certprint or restore a backup"};

  {
    auto stmt = query(op, "PRAGMA journal_mode = WAL");
    if (!stmt) return stmt.error();
    if (int rc = stmt->step(); rc != SQLITE_ROW) return sql_error(op, rc);
    if (auto mode = stmt->text(0); mode != "wal")
      return Error{"store open: journal_mode is \"" + mode + "\", WAL could not be enabled"};
  }
  if (auto s = exec(op, "PRAGMA synchronous = FULL"); !s) return s;
  if (auto s = exec(op, "PRAGMA foreign_keys = ON"); !s) return s;
  auto fk = scalar(op, "PRAGMA foreign_keys");
  if (!fk) return fk.error();
  if (*fk != 1) return Error{"store open: this SQLite does not enforce foreign keys"};
  return migrate();
}

Status SqliteStore::migrate() {
  constexpr std::string_view op = "migrate";
  return transaction(op, [&]() -> Status {
    // Read again under the write lock: another process may have migrated.
    auto version = user_version(op);
    if (!version) return version.error();
    if (*version > kSchemaVersion)
      return Error{"store migrate: schema version " + std::to_string(*version) +
                   " is newer than this certprint knows"};
    for (int v = *version; v < kSchemaVersion; ++v) {
      char* message = nullptr;
      const int rc =
          sqlite3_exec(db_, kMigrations[static_cast<std::size_t>(v)], nullptr, nullptr, &message);
      if (rc != SQLITE_OK) {
        std::string text = message != nullptr ? message : sqlite3_errstr(rc);
        sqlite3_free(message);
        return Error{"store migrate: step " + std::to_string(v + 1) + ": " + text};
      }
    }
    if (*version == kSchemaVersion) return Status::success();
    // PRAGMA takes no parameters; the value is our own constant.
    return exec(op, "PRAGMA user_version = " + std::to_string(kSchemaVersion));
  });
}

// ---- issuances and booklets ---------------------------------------------

Status SqliteStore::insert_event(std::string_view op, const EventRow& e) {
  if (e.sequence < 1)
    return Error{"store " + std::string(op) + ": event " + e.event_id + " has sequence " +
                 std::to_string(e.sequence) + "; sequences start at 1"};
  // A new event is undelivered and due at once.
  OnConstraint on;
  on.primary_key = coded(kConflict, op, "event id " + e.event_id + " exists").message;
  on.unique = coded(kConflict, op,
                    "issuance " + e.issuance_id + " already has event sequence " +
                        std::to_string(e.sequence))
                  .message;
  on.foreign_key = coded(kNotFound, op, "issuance " + e.issuance_id + " does not exist").message;
  return exec(op, on,
              "INSERT INTO events (event_id, issuance_id, sequence, type, body, created_at, "
              "attempts, next_attempt_at, delivered_at, last_error) "
              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?6, NULL, '')",
              e.event_id, e.issuance_id, e.sequence, e.type, e.body, e.created_at);
}

Result<std::int64_t> SqliteStore::insert_booklet(std::string_view op,
                                                 const std::string& issuance_id,
                                                 const std::string& holder,
                                                 const std::string& stock_serial,
                                                 const std::string& token,
                                                 std::optional<std::int64_t> replaces, Millis now) {
  if (auto s = check_value(op, "holder", holder, kHolders); !s) return s.error();
  // Checked here for a clear message; the partial unique index guarantees it.
  auto live = one(
      op, +[](const Stmt& s) { return s.i64(0); },
      "SELECT id FROM booklets WHERE stock_serial = ?1 "
      "AND state NOT IN ('voided', 'superseded') LIMIT 1",
      stock_serial);
  if (!live) return live.error();
  if (*live)
    return coded(kStockSerial, op,
                 "stock serial " + stock_serial + " is on live booklet " + std::to_string(**live) +
                     "; void that booklet or use another blank");
  auto same_token = one(
      op, +[](const Stmt& s) { return s.i64(0); }, "SELECT id FROM booklets WHERE token = ?1",
      token);
  if (!same_token) return same_token.error();
  if (*same_token)
    return coded(kConflict, op, "the token is already on booklet " + std::to_string(**same_token));
  OnConstraint on;
  on.foreign_key = coded(kNotFound, op, "issuance " + issuance_id + " does not exist").message;
  if (auto s =
          exec(op, on,
               "INSERT INTO booklets (issuance_id, holder, stock_serial, token, state, "
               "void_reason, replaces, updated_at) VALUES (?1, ?2, ?3, ?4, 'ready', '', ?5, ?6)",
               issuance_id, holder, stock_serial, token, replaces, now);
      !s)
    return s.error();
  return static_cast<std::int64_t>(sqlite3_last_insert_rowid(db_));
}

Status SqliteStore::add_issuance(const IssuanceRow& issuance,
                                 const std::vector<NewBooklet>& booklets,
                                 const EventRow& accepted) {
  constexpr std::string_view op = "add_issuance";
  if (accepted.issuance_id != issuance.issuance_id)
    return Error{"store add_issuance: the accepted event is for issuance " + accepted.issuance_id +
                 ", not " + issuance.issuance_id};
  std::lock_guard lock(mu_);
  return transaction(op, [&]() -> Status {
    auto exists =
        scalar(op, "SELECT count(*) FROM issuances WHERE issuance_id = ?1", issuance.issuance_id);
    if (!exists) return exists.error();
    if (*exists != 0)
      return coded(kConflict, op, "issuance " + issuance.issuance_id + " already exists");
    if (auto s = exec(op,
                      "INSERT INTO issuances (issuance_id, document, created_at) "
                      "VALUES (?1, ?2, ?3)",
                      issuance.issuance_id, issuance.document, issuance.created_at);
        !s)
      return s;
    const Millis now = wall_clock_ms();
    for (const auto& b : booklets) {
      auto id = insert_booklet(op, issuance.issuance_id, b.holder, b.stock_serial, b.token,
                               std::nullopt, now);
      if (!id) return id.error();
    }
    return insert_event(op, accepted);
  });
}

Result<std::optional<IssuanceRow>> SqliteStore::issuance(const std::string& issuance_id) {
  std::lock_guard lock(mu_);
  return one("issuance", &read_issuance, cat(kIssuanceSelect, "WHERE issuance_id = ?1"),
             issuance_id);
}

Result<std::vector<BookletRow>> SqliteStore::booklets(const std::string& issuance_id) {
  std::lock_guard lock(mu_);
  return rows("booklets", &read_booklet,
              cat(kBookletSelect,
                  "WHERE issuance_id = ?1 "
                  "ORDER BY CASE holder WHEN 'male' THEN 0 ELSE 1 END, id"),
              issuance_id);
}

Result<std::optional<BookletRow>> SqliteStore::booklet_by_token(const std::string& token) {
  std::lock_guard lock(mu_);
  return one("booklet_by_token", &read_booklet, cat(kBookletSelect, "WHERE token = ?1"), token);
}

Result<std::optional<BookletRow>> SqliteStore::booklet(std::int64_t id) {
  std::lock_guard lock(mu_);
  return one("booklet", &read_booklet, cat(kBookletSelect, "WHERE id = ?1"), id);
}

Status SqliteStore::set_booklet_state(std::int64_t booklet_id, const std::string& state,
                                      const std::optional<EventRow>& event) {
  constexpr std::string_view op = "set_booklet_state";
  if (auto s = check_value(op, "booklet state", state, kBookletStates); !s) return s;
  std::lock_guard lock(mu_);
  return transaction(op, [&]() -> Status {
    auto current = one(op, &read_booklet, cat(kBookletSelect, "WHERE id = ?1"), booklet_id);
    if (!current) return current.error();
    if (!*current)
      return coded(kNotFound, op, "booklet " + std::to_string(booklet_id) + " does not exist");
    const auto& old_state = (*current)->state;
    if (is_dead(old_state) && old_state != state)
      return coded(kConflict, op,
                   "booklet " + std::to_string(booklet_id) + " is " + old_state +
                       " and cannot become " + state);
    OnConstraint on;
    on.unique = coded(kStockSerial, op,
                      "stock serial " + (*current)->stock_serial + " is on another live booklet")
                    .message;
    if (auto s = exec(op, on, "UPDATE booklets SET state = ?2, updated_at = ?3 WHERE id = ?1",
                      booklet_id, state, wall_clock_ms());
        !s)
      return s;
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
    return Error{"store void_and_replace: booklet " + std::to_string(booklet_id) +
                 ": a reason is required"};
  std::lock_guard lock(mu_);
  return transaction(op, [&]() -> Result<std::int64_t> {
    auto old = one(op, &read_booklet, cat(kBookletSelect, "WHERE id = ?1"), booklet_id);
    if (!old) return old.error();
    if (!*old)
      return coded(kNotFound, op, "booklet " + std::to_string(booklet_id) + " does not exist");
    const BookletRow& b = **old;
    if (is_dead(b.state))
      return coded(kConflict, op,
                   "booklet " + std::to_string(booklet_id) + " is already " + b.state);
    // The spoiled blank stays spoiled: the successor goes on another one.
    if (new_stock_serial == b.stock_serial)
      return coded(kStockSerial, op,
                   "stock serial " + new_stock_serial +
                       " is the voided booklet's own blank; use another blank");
    const Millis now = wall_clock_ms();
    if (auto s = exec(op,
                      "UPDATE booklets SET state = 'voided', void_reason = ?2, updated_at = ?3 "
                      "WHERE id = ?1",
                      booklet_id, reason, now);
        !s)
      return s.error();
    auto id = insert_booklet(op, b.issuance_id, b.holder, new_stock_serial, new_token, b.id, now);
    if (!id) return id.error();
    if (auto s = insert_event(op, event); !s) return s.error();
    return *id;
  });
}

// ---- print jobs and page tasks ------------------------------------------

Result<std::int64_t> SqliteStore::add_print_job(const PrintJobRow& job,
                                                const std::vector<PageTaskRow>& tasks) {
  constexpr std::string_view op = "add_print_job";
  if (auto s = check_value(op, "print job state", job.state, kPrintJobStates); !s) return s.error();
  for (const auto& t : tasks) {
    if (auto s = check_value(op, "page", t.page, kPages); !s) return s.error();
    if (auto s = check_value(op, "page task state", t.state, kPageTaskStates); !s) return s.error();
  }
  std::lock_guard lock(mu_);
  return transaction(op, [&]() -> Result<std::int64_t> {
    if (auto s = exec(op,
                      "INSERT INTO print_jobs (printer, state, reason, requested_by, created_at) "
                      "VALUES (?1, ?2, ?3, ?4, ?5)",
                      job.printer, job.state, job.reason, job.requested_by, job.created_at);
        !s)
      return s.error();
    const std::int64_t job_id = sqlite3_last_insert_rowid(db_);
    const Millis now = wall_clock_ms();
    for (const auto& t : tasks) {
      OnConstraint on;
      on.unique = coded(kConflict, op,
                        "page task at position " + std::to_string(t.position) + ": job name " +
                            t.job_name + " or the position is already used")
                      .message;
      on.foreign_key =
          coded(kNotFound, op, "booklet " + std::to_string(t.booklet_id) + " does not exist")
              .message;
      if (auto s = exec(op, on,
                        "INSERT INTO page_tasks (print_job_id, position, booklet_id, page, "
                        "job_name, cups_job_id, state, reason, updated_at) "
                        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                        job_id, t.position, t.booklet_id, t.page, t.job_name, t.cups_job_id,
                        t.state, t.reason, now);
          !s)
        return s.error();
    }
    return job_id;
  });
}

Result<std::optional<PrintJobRow>> SqliteStore::print_job(std::int64_t id) {
  std::lock_guard lock(mu_);
  return one("print_job", &read_print_job, cat(kPrintJobSelect, "WHERE id = ?1"), id);
}

Result<std::vector<PageTaskRow>> SqliteStore::page_tasks(std::int64_t print_job_id) {
  std::lock_guard lock(mu_);
  return rows("page_tasks", &read_page_task,
              cat(kPageTaskSelect, "WHERE print_job_id = ?1 ORDER BY position, id"), print_job_id);
}

Result<std::vector<PrintJobRow>> SqliteStore::unfinished_print_jobs() {
  std::lock_guard lock(mu_);
  return rows("unfinished_print_jobs", &read_print_job,
              cat(kPrintJobSelect, "WHERE state IN ('queued', 'running') ORDER BY created_at, id"));
}

Status SqliteStore::set_print_job_state(std::int64_t id, const std::string& state,
                                        const std::string& reason) {
  constexpr std::string_view op = "set_print_job_state";
  if (auto s = check_value(op, "print job state", state, kPrintJobStates); !s) return s;
  std::lock_guard lock(mu_);
  if (auto s = exec(op, "UPDATE print_jobs SET state = ?2, reason = ?3 WHERE id = ?1", id, state,
                    reason);
      !s)
    return s;
  return check_changed(op, "print job", id);
}

Status SqliteStore::update_page_task(std::int64_t task_id, const std::string& state,
                                     int cups_job_id, const std::string& reason,
                                     const std::optional<EventRow>& event) {
  constexpr std::string_view op = "update_page_task";
  if (auto s = check_value(op, "page task state", state, kPageTaskStates); !s) return s;
  std::lock_guard lock(mu_);
  return transaction(op, [&]() -> Status {
    if (auto s = exec(op,
                      "UPDATE page_tasks SET state = ?2, cups_job_id = ?3, reason = ?4, "
                      "updated_at = ?5 WHERE id = ?1",
                      task_id, state, cups_job_id, reason, wall_clock_ms());
        !s)
      return s;
    if (auto s = check_changed(op, "page task", task_id); !s) return s;
    if (event) return insert_event(op, *event);
    return Status::success();
  });
}

// ---- events: the outbox --------------------------------------------------

Result<std::int64_t> SqliteStore::next_event_sequence(const std::string& issuance_id) {
  std::lock_guard lock(mu_);
  return scalar("next_event_sequence",
                "SELECT coalesce(max(sequence), 0) + 1 FROM events WHERE issuance_id = ?1",
                issuance_id);
}

Status SqliteStore::add_event(const EventRow& event) {
  std::lock_guard lock(mu_);
  return insert_event("add_event", event);
}

Result<std::vector<EventRow>> SqliteStore::events(const std::string& issuance_id) {
  std::lock_guard lock(mu_);
  return rows("events", &read_event, cat(kEventSelect, "WHERE issuance_id = ?1 ORDER BY sequence"),
              issuance_id);
}

Result<std::vector<EventRow>> SqliteStore::due_events(Millis now, int limit) {
  if (limit <= 0) return std::vector<EventRow>();
  std::lock_guard lock(mu_);
  // Only the head of each issuance's queue may go: later events wait for it.
  return rows("due_events", &read_event,
              cat(kEventSelect,
                  "WHERE delivered_at IS NULL AND next_attempt_at <= ?1 "
                  "AND sequence = (SELECT min(h.sequence) FROM events h "
                  "WHERE h.issuance_id = events.issuance_id AND h.delivered_at IS NULL) "
                  "ORDER BY created_at, issuance_id, sequence LIMIT ?2"),
              now, limit);
}

Status SqliteStore::mark_delivered(const std::string& event_id, Millis at) {
  constexpr std::string_view op = "mark_delivered";
  std::lock_guard lock(mu_);
  // A second confirmation keeps the first delivery time.
  if (auto s = exec(op,
                    "UPDATE events SET delivered_at = coalesce(delivered_at, ?2) "
                    "WHERE event_id = ?1",
                    event_id, at);
      !s)
    return s;
  if (sqlite3_changes(db_) == 0)
    return coded(kNotFound, op, "event " + event_id + " does not exist");
  return Status::success();
}

Status SqliteStore::mark_attempt_failed(const std::string& event_id, const std::string& error,
                                        Millis next_attempt_at) {
  constexpr std::string_view op = "mark_attempt_failed";
  std::lock_guard lock(mu_);
  if (auto s = exec(op,
                    "UPDATE events SET attempts = attempts + 1, last_error = ?2, "
                    "next_attempt_at = ?3 WHERE event_id = ?1",
                    event_id, error, next_attempt_at);
      !s)
    return s;
  if (sqlite3_changes(db_) == 0)
    return coded(kNotFound, op, "event " + event_id + " does not exist");
  return Status::success();
}

// ---- audit and calibration -----------------------------------------------

Status SqliteStore::audit(const AuditRow& row) {
  std::lock_guard lock(mu_);
  return exec("audit",
              "INSERT INTO audit (at, actor, role, action, subject, detail) "
              "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
              row.at, row.actor, row.role, row.action, row.subject, row.detail);
}

Result<std::vector<AuditRow>> SqliteStore::audit_log(int limit) {
  if (limit <= 0) return std::vector<AuditRow>();
  std::lock_guard lock(mu_);
  return rows("audit_log", &read_audit,
              "SELECT at, actor, role, action, subject, detail FROM audit "
              "ORDER BY at DESC, id DESC LIMIT ?1",
              limit);
}

Result<int> SqliteStore::add_calibration(const CalibrationRow& row) {
  constexpr std::string_view op = "add_calibration";
  std::lock_guard lock(mu_);
  return transaction(op, [&]() -> Result<int> {
    auto next =
        scalar(op, "SELECT coalesce(max(version), 0) + 1 FROM calibrations WHERE printer = ?1",
               row.printer);
    if (!next) return next.error();
    const int version = static_cast<int>(*next);
    if (auto s = exec(op,
                      "INSERT INTO calibrations (printer, version, profile, set_by, set_at) "
                      "VALUES (?1, ?2, ?3, ?4, ?5)",
                      row.printer, version, row.profile, row.set_by, row.set_at);
        !s)
      return s.error();
    return version;
  });
}

Result<std::vector<CalibrationRow>> SqliteStore::calibrations(const std::string& printer) {
  std::lock_guard lock(mu_);
  return rows("calibrations", &read_calibration,
              "SELECT printer, version, profile, set_by, set_at FROM calibrations "
              "WHERE printer = ?1 ORDER BY version DESC",
              printer);
}

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const std::filesystem::path& file) {
  // Create the file ourselves so it is born 0600; SQLite gives its -wal and
  // -shm files the database file's mode.
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return Error{"store open " + file.string() +
                 ": cannot create or open: " + std::strerror(errno)};
  ::close(fd);

  sqlite3* db = nullptr;
  const int rc =
      sqlite3_open_v2(file.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string text = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Error{"store open " + file.string() + ": " + text};
  }
  auto store = std::make_unique<SqliteStore>(db);  // owns db from here
  if (auto s = store->prepare_connection(); !s) return wrap(file.string(), s.error());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace certprint::daemon
