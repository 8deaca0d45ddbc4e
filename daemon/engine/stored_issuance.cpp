#include "daemon/engine/stored_issuance.hpp"

namespace certprint::engine {

Result<issuance::Issuance> load_stored_issuance(store::Store& store,
                                                const std::string& issuance_id) {
  auto row = store.issuance(issuance_id);
  if (!row) return row.error();
  if (!*row) return not_found("issuance \"" + issuance_id + "\" is unknown");
  auto parsed = issuance::parse_issuance((*row)->document, issuance::ValidationOptions::stored());
  if (!parsed.ok())
    return Error{"stored issuance " + issuance_id + " no longer parses: " +
                 parsed.errors.front().field + " " + parsed.errors.front().problem};
  return std::move(parsed.issuance);
}

}  // namespace certprint::engine
