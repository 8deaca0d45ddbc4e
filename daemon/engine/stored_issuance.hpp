// Reading back an issuance the daemon accepted: its stored canonical
// document as it was stored, not judged again by today's rules (it was valid
// when accepted, and its tokens cover it as it was). The one loader every
// part of the engine uses.
#pragma once

#include <string>

#include "common/result.hpp"
#include "daemon/store/store.hpp"
#include "issuance/record.hpp"

namespace certprint::engine {

// Fails with not_found when no such issuance is stored, or failed when the
// store fails or the stored document no longer parses.
Result<issuance::Issuance> load_stored_issuance(store::Store& store,
                                                const std::string& issuance_id);

}  // namespace certprint::engine
