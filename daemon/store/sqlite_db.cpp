#include "daemon/store/sqlite_db.hpp"

namespace certprint::store {

Error store_error(ErrorCode code, std::string_view op, const std::string& text,
                  std::string keyword) {
  // A failure of the store itself names the operation; a refusal (conflict,
  // not found) is meant for the caller's caller and says only what was wrong.
  if (code == ErrorCode::failed) return Error{"store " + std::string(op) + ": " + text};
  return Error{text, code, std::move(keyword)};
}

Status Db::check_changed(std::string_view op, std::string_view what, std::int64_t id) const {
  if (changes() > 0) return Status::success();
  return store_error(ErrorCode::not_found, op,
                     std::string(what) + " " + std::to_string(id) + " does not exist");
}

Error Db::rollback(std::string_view op, const Error& cause) {
  // Some errors (SQLITE_FULL, SQLITE_IOERR ...) end the transaction already.
  if (sqlite3_get_autocommit(db_) != 0) return cause;
  if (auto s = exec(op, "ROLLBACK"); !s) {
    Error e = cause;
    e.message += "; rollback failed too: " + s.message();
    return e;
  }
  return cause;
}

}  // namespace certprint::store
