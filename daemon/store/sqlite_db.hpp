// SQLite plumbing for the store (internal to daemon/store/): a prepared
// statement that finalizes itself, and one connection's helpers for
// statements, rows and transactions. Every SQLite return code is checked
// where it is called and turned into an Error naming the operation.
//
// Thread-safety: none; the store calls these under its own mutex.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.hpp"

namespace certprint::store {

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
// error keeps SQLite's own message.
struct OnConstraint {
  std::optional<Error> primary_key;
  std::optional<Error> unique;
  std::optional<Error> foreign_key;
};

// One connection's statements. Owns the connection.
class Db {
 public:
  explicit Db(sqlite3* db) : db_(db) {}
  // Every statement is finalized when its call returns, so close succeeds.
  ~Db() { sqlite3_close(db_); }
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  sqlite3* handle() const { return db_; }
  std::int64_t last_insert_id() const { return sqlite3_last_insert_rowid(db_); }
  int changes() const { return sqlite3_changes(db_); }

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
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY && on.primary_key) return *on.primary_key;
    if ((rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) && on.unique)
      return *on.unique;
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY && on.foreign_key) return *on.foreign_key;
    return sql_error(op, rc);
  }
  template <class... A>
  Status exec(std::string_view op, std::string_view sql, const A&... args) {
    return exec(op, OnConstraint{}, sql, args...);
  }

  // Every row, each read by `read` (which may refuse a row it cannot read).
  template <class Row, class... A>
  Result<std::vector<Row>> rows(std::string_view op, Result<Row> (*read)(const Stmt&),
                                std::string_view sql, const A&... args) {
    auto stmt = query(op, sql, args...);
    if (!stmt) return stmt.error();
    std::vector<Row> out;
    for (;;) {
      const int rc = stmt->step();
      if (rc == SQLITE_DONE) return out;
      if (rc != SQLITE_ROW) return sql_error(op, rc);
      auto row = read(*stmt);
      if (!row) return wrap("store " + std::string(op), row.error());
      out.push_back(std::move(*row));
    }
  }

  template <class Row, class... A>
  Result<std::optional<Row>> one(std::string_view op, Result<Row> (*read)(const Stmt&),
                                 std::string_view sql, const A&... args) {
    auto all = rows(op, read, sql, args...);
    if (!all) return all.error();
    if (all->empty()) return std::optional<Row>();
    return std::optional<Row>(std::move(all->front()));
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

  // The first column of the first row, if there is a row.
  template <class... A>
  Result<std::optional<std::int64_t>> maybe_scalar(std::string_view op, std::string_view sql,
                                                   const A&... args) {
    auto stmt = query(op, sql, args...);
    if (!stmt) return stmt.error();
    const int rc = stmt->step();
    if (rc == SQLITE_ROW) return std::optional<std::int64_t>(stmt->i64(0));
    if (rc == SQLITE_DONE) return std::optional<std::int64_t>();
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

  // Fails with not_found when the last statement changed no row.
  Status check_changed(std::string_view op, std::string_view what, std::int64_t id) const;

 private:
  Error rollback(std::string_view op, const Error& cause);

  sqlite3* db_;
};

// An error of the store with its code: "store OP: TEXT" for the store's own
// failures (code failed), the bare TEXT for refusals the caller acts on.
Error store_error(ErrorCode code, std::string_view op, const std::string& text,
                  std::string keyword = {});

}  // namespace certprint::store
