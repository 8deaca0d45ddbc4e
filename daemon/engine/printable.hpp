// The one place that decides whether a booklet may be printed, and what
// becomes of a booklet whose page failed.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/result.hpp"
#include "daemon/store/store.hpp"

namespace certprint::engine {

// May a new print job take this booklet? Only a ready booklet that no
// unfinished print job holds (`held_by`: that job's id). Refusals are
// conflict "booklet_state", naming the booklet and what to do.
Status may_queue(const store::BookletRow& booklet, std::optional<std::int64_t> held_by);

// May a running print job (go on to) print this booklet? A ready one, or one
// it is printing itself (`reached_printer`: a page of it went to the printer
// in an earlier run of this job). A booklet voided, superseded or printed
// since the job was queued is not printed.
bool may_print_in_job(const store::BookletRow& booklet, bool reached_printer);

// The state of a booklet one of whose pages failed: ready (the same blank
// may take it again) only if none of its pages ever reached the printer;
// otherwise failed, since its paper may carry ink and must be voided.
store::BookletState after_failed_page(bool reached_printer);

}  // namespace certprint::engine
