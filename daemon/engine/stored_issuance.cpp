#include "daemon/engine/stored_issuance.hpp"

namespace certprint::engine {

Result<issuance::Issuance> load_stored_issuance(store::Store& store,
                                                const std::string& issuance_id) {
  auto row = store.issuance(issuance_id);
  if (!row) return row.error();
  if (!*row) return not_found("issuance \"" + issuance_id + "\" is unknown");
  auto record = issuance::from_canonical_json((*row)->document);
  if (!record) return wrap("issuance " + issuance_id, record.error());
  return record;
}

}  // namespace certprint::engine
