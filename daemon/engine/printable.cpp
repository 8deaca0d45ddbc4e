#include "daemon/engine/printable.hpp"

namespace certprint::engine {

Status may_queue(const store::BookletRow& b, std::optional<std::int64_t> held_by) {
  const std::string which = "the " + std::string(issuance::to_string(b.holder)) +
                            " booklet of issuance \"" + b.issuance_id + "\"";
  if (held_by)
    return conflict(which + " is already queued in print job " + std::to_string(*held_by),
                    "booklet_state");
  if (b.state != store::BookletState::ready)
    return conflict(which + " is " + std::string(store::to_string(b.state)) +
                        (b.state == store::BookletState::printing
                             ? ""
                             : "; void it and give a new blank to print again"),
                    "booklet_state");
  return Status::success();
}

bool may_print_in_job(const store::BookletRow& b, bool reached_printer) {
  return b.state == store::BookletState::ready ||
         (b.state == store::BookletState::printing && reached_printer);
}

store::BookletState after_failed_page(bool reached_printer) {
  return reached_printer ? store::BookletState::failed : store::BookletState::ready;
}

}  // namespace certprint::engine
