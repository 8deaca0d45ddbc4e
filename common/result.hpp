// Errors as values for every certprint library.
//
// A failure that a caller can expect (bad input, a missing file, a C library
// that said no) is returned, never thrown: `Result<T>` holds either a T or an
// `Error`, `Status` holds nothing or an `Error`. Messages are written for the
// person who has to act on them: what was wrong, with which value, and what is
// expected instead.
#pragma once

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace certprint {

// What kind of failure an error is, for callers that act on it (an HTTP
// status, a retry). Callers test the code, never the message's wording.
enum class ErrorCode {
  failed,       // anything not listed below: a library, file or system failure
  invalid,      // the caller's input breaks a rule; nothing was changed
  not_found,    // the thing named does not exist
  conflict,     // the request disagrees with what is stored
  refused,      // well-formed, but a rule refuses it (a layout that does not fit)
  unavailable,  // a service (printer, store) does not answer now; may work later
};
std::string_view to_string(ErrorCode code);

struct Error {
  std::string message;
  ErrorCode code = ErrorCode::failed;
  // A finer keyword for the API's error body ("stock_serial",
  // "booklet_state"); empty: the code's own name.
  std::string keyword = {};
  // The input field at fault, when one is ("parties.male.name"; a layout
  // error names its template field, "male.name").
  std::string field = {};
};

// Prefixes an error with context ("template marriage.json: ..."), keeping
// its code.
inline Error wrap(std::string_view context, const Error& e) {
  return Error{std::string(context) + ": " + e.message, e.code, e.keyword, e.field};
}

inline Error invalid(std::string message, std::string keyword = {}) {
  return Error{std::move(message), ErrorCode::invalid, std::move(keyword)};
}
inline Error not_found(std::string message, std::string keyword = {}) {
  return Error{std::move(message), ErrorCode::not_found, std::move(keyword)};
}
inline Error conflict(std::string message, std::string keyword = {}) {
  return Error{std::move(message), ErrorCode::conflict, std::move(keyword)};
}
inline Error refused(std::string message, std::string keyword = {}) {
  return Error{std::move(message), ErrorCode::refused, std::move(keyword)};
}
inline Error unavailable(std::string message, std::string keyword = {}) {
  return Error{std::move(message), ErrorCode::unavailable, std::move(keyword)};
}

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error e) : error_(std::move(e)), ok_(false) {}  // NOLINT: implicit by design
  static Status success() { return Status(); }

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  // REQUIRES: !ok()
  const Error& error() const {
    assert(!ok_);
    return error_;
  }
  const std::string& message() const { return error_.message; }
  ErrorCode code() const { return error_.code; }

 private:
  Error error_;
  bool ok_ = true;
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error e) : v_(std::in_place_index<1>, std::move(e)) {}      // NOLINT: implicit by design

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  // REQUIRES: ok()
  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  // REQUIRES: !ok()
  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }
  Status status() const { return ok() ? Status() : Status(error()); }

 private:
  std::variant<T, Error> v_;
};

}  // namespace certprint
