// Putting booklets right after a stop: a booklet left `printing` with no
// print job still at work on it gets the state its pages say it has.
#pragma once

#include <vector>

#include "common/log.hpp"
#include "common/result.hpp"
#include "daemon/engine/event_log.hpp"
#include "daemon/store/store.hpp"

namespace certprint::engine {

// The state a booklet's page tasks (across print jobs, oldest first) give
// it: printed when its last attempt completed both pages, failed when any
// page reached the printer otherwise (its paper may carry ink), ready when
// none did.
store::BookletState state_from_pages(const std::vector<store::PageTaskRow>& tasks);

// Every `printing` booklet that no unfinished print job has sent a page of
// takes state_from_pages, with a "booklet_recovered" event. Returns how
// many were repaired. Run before the print workers start.
Result<int> repair_booklets(store::Store& store, EventLog& events, const LogSink& log);

}  // namespace certprint::engine
