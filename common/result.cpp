#include "common/result.hpp"

namespace certprint {

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::invalid:
      return "invalid";
    case ErrorCode::not_found:
      return "not_found";
    case ErrorCode::conflict:
      return "conflict";
    case ErrorCode::refused:
      return "refused";
    case ErrorCode::unavailable:
      return "unavailable";
    case ErrorCode::failed:
      break;
  }
  return "failed";
}

}  // namespace certprint
