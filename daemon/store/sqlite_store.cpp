// Opening the store: the schema and its migrations, connection settings.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include "daemon/store/sqlite_store.hpp"

namespace certprint::store {
namespace {

// ---- schema --------------------------------------------------------------

// Step i takes PRAGMA user_version from i to i+1. Append new steps; never
// edit one that has shipped.
constexpr std::array<const char*, 6> kMigrations = {
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
    // 2: cancels that did not get through: a page that may still print holds
    // its printer until its cancel is sure or a clerk releases the printer.
    R"sql(
CREATE TABLE pending_cancels (
  printer TEXT NOT NULL,
  cups_job_id INTEGER NOT NULL,
  job_name TEXT NOT NULL,
  reason TEXT NOT NULL,
  since INTEGER NOT NULL,
  PRIMARY KEY (printer, cups_job_id)
) STRICT;
)sql",
    // 3: events the registry refused for good, or that failed every attempt,
    // are set aside so the events after them go on.
    R"sql(
ALTER TABLE events ADD COLUMN dead_at INTEGER;
DROP INDEX events_undelivered;
CREATE INDEX events_undelivered ON events(issuance_id, sequence)
  WHERE delivered_at IS NULL AND dead_at IS NULL;
)sql",
    // 4: a blank is controlled stock: its serial goes on one booklet, ever.
    // Serials a store already holds twice (allowed before) keep their first
    // booklet here; the ledger's reconciliation lists the later ones.
    R"sql(
CREATE TABLE stock_serial_uses (
  stock_serial TEXT PRIMARY KEY NOT NULL,
  booklet_id INTEGER NOT NULL REFERENCES booklets(id),
  used_at INTEGER NOT NULL
) STRICT;
INSERT OR IGNORE INTO stock_serial_uses (stock_serial, booklet_id, used_at)
  SELECT stock_serial, id, updated_at FROM booklets ORDER BY id;
)sql",
    // 5: the blank-stock ledger: movements in and out of the stock, and each
    // booklet's states over time (for a reconciliation of any past period).
    // Neither is ever deleted. Booklets from before start with their use
    // and their state as stored.
    R"sql(
CREATE TABLE stock_movements (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  at INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('received', 'returned', 'destroyed')),
  first_serial TEXT NOT NULL,
  last_serial TEXT NOT NULL,
  reference TEXT NOT NULL,
  actor TEXT NOT NULL,
  CHECK (length(first_serial) = 10 AND length(last_serial) = 10 AND first_serial <= last_serial)
) STRICT;
CREATE INDEX stock_movements_by_range ON stock_movements(first_serial, last_serial);
CREATE TABLE booklet_states (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  booklet_id INTEGER NOT NULL REFERENCES booklets(id),
  state TEXT NOT NULL,
  at INTEGER NOT NULL
) STRICT;
CREATE INDEX booklet_states_by_booklet ON booklet_states(booklet_id, id);
INSERT INTO booklet_states (booklet_id, state, at)
  SELECT b.id, 'ready', coalesce(u.used_at, b.updated_at)
  FROM booklets b LEFT JOIN stock_serial_uses u ON u.booklet_id = b.id ORDER BY b.id;
INSERT INTO booklet_states (booklet_id, state, at)
  SELECT id, state, updated_at FROM booklets WHERE state <> 'ready' ORDER BY id;
)sql",
    // 6: the clerk's list of a day's issuances reads them by time.
    R"sql(
CREATE INDEX issuances_by_time ON issuances(created_at, issuance_id);
CREATE INDEX booklets_by_issuance_state ON booklets(issuance_id, state);
)sql",
};
constexpr int kSchemaVersion = static_cast<int>(kMigrations.size());

// Another process holding the write lock (a backup, the sqlite3 shell) is
// waited for this long before a call fails.
constexpr int kBusyTimeoutMs = 5000;

}  // namespace

Result<int> SqliteStore::user_version(std::string_view op) {
  auto v = db_.scalar(op, "PRAGMA user_version");
  if (!v) return v.error();
  return static_cast<int>(*v);
}

Status SqliteStore::prepare_connection() {
  constexpr std::string_view op = "open";
  if (int rc = sqlite3_extended_result_codes(db_.handle(), 1); rc != SQLITE_OK)
    return db_.sql_error(op, rc);
  if (int rc = sqlite3_busy_timeout(db_.handle(), kBusyTimeoutMs); rc != SQLITE_OK)
    return db_.sql_error(op, rc);

  // Refuse a newer schema before changing anything in the file.
  auto version = user_version(op);
  if (!version) return version.error();
  if (*version > kSchemaVersion)
    return Error{"store open: the database has schema version " + std::to_string(*version) +
                 ", newer than this certprint knows (" + std::to_string(kSchemaVersion) +
                 "); run the newer certprint or restore a backup"};

  {
    auto stmt = db_.query(op, "PRAGMA journal_mode = WAL");
    if (!stmt) return stmt.error();
    if (int rc = stmt->step(); rc != SQLITE_ROW) return db_.sql_error(op, rc);
    if (auto mode = stmt->text(0); mode != "wal")
      return Error{"store open: journal_mode is \"" + mode + "\", WAL could not be enabled"};
  }
  if (auto s = db_.exec(op, "PRAGMA synchronous = FULL"); !s) return s;
  if (auto s = db_.exec(op, "PRAGMA foreign_keys = ON"); !s) return s;
  auto fk = db_.scalar(op, "PRAGMA foreign_keys");
  if (!fk) return fk.error();
  if (*fk != 1) return Error{"store open: this SQLite does not enforce foreign keys"};
  return migrate();
}

Status SqliteStore::migrate() {
  constexpr std::string_view op = "migrate";
  return db_.transaction(op, [&]() -> Status {
    // Read again under the write lock: another process may have migrated.
    auto version = user_version(op);
    if (!version) return version.error();
    if (*version > kSchemaVersion)
      return Error{"store migrate: schema version " + std::to_string(*version) +
                   " is newer than this certprint knows"};
    for (int v = *version; v < kSchemaVersion; ++v) {
      char* message = nullptr;
      const int rc = sqlite3_exec(db_.handle(), kMigrations[static_cast<std::size_t>(v)], nullptr,
                                  nullptr, &message);
      if (rc != SQLITE_OK) {
        std::string text = message != nullptr ? message : sqlite3_errstr(rc);
        sqlite3_free(message);
        return Error{"store migrate: step " + std::to_string(v + 1) + ": " + text};
      }
    }
    if (*version == kSchemaVersion) return Status::success();
    // PRAGMA takes no parameters; the value is our own constant.
    return db_.exec(op, "PRAGMA user_version = " + std::to_string(kSchemaVersion));
  });
}

namespace {

// One certprintd per database: an exclusive flock on "<database>.lock",
// held while the store lives. flock locks belong to an open file
// description, so a second open in this process conflicts too. A file of
// its own, because closing any descriptor of the database file itself
// would drop the POSIX locks SQLite holds on it. The file stays; only the
// lock matters.
Result<FileLock> lock_database(const std::filesystem::path& file) {
  std::error_code ec;
  std::filesystem::path real = std::filesystem::weakly_canonical(file, ec);
  if (ec) real = file;
  const std::string lock_file = real.string() + ".lock";
  FileLock lock(::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (lock.fd() < 0)
    return Error{"store open " + file.string() + ": cannot create or open its lock file " +
                 lock_file + ": " + std::strerror(errno)};
  if (::flock(lock.fd(), LOCK_EX | LOCK_NB) == 0) return lock;
  if (errno == EWOULDBLOCK)
    return unavailable("store open " + file.string() +
                       ": another certprintd holds this database (" + lock_file +
                       " is locked); stop that one first, or give this one its own --database");
  return Error{"store open " + file.string() + ": cannot lock " + lock_file + ": " +
               std::strerror(errno)};
}

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const std::filesystem::path& file, Clock& clock) {
  auto lock = lock_database(file);
  if (!lock) return lock.error();
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
  // Owns db and the lock from here.
  auto store = std::make_unique<SqliteStore>(db, clock, std::move(*lock));
  if (auto s = store->prepare_connection(); !s) return wrap(file.string(), s.error());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace certprint::store
