// The rows of the reliability benchmark, one function each (see main.cpp).
#pragma once

#include <vector>

#include "reliability/world.hpp"

namespace certprint::reliability {

Row kill_row(const Settings& s, const Cups& cups);
// cupsd restarted, printer killed, queue disabled, disk full, clock stepped back.
std::vector<Row> fault_rows(const Settings& s, const Cups& cups);
Row outbox_row(const Settings& s, const Cups& cups);
Row http_row(const Settings& s, const Cups& cups);
Row token_row(const Settings& s);

}  // namespace certprint::reliability
