// Identity-document number rules, per document type (see
// docs/issuance-format.md). Used by parse_issuance; exposed for tests and for
// callers that check a single number.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "issuance/record.hpp"

namespace certprint::issuance {

// Every problem with `id_number` as a document of `type`, each phrased for a
// FieldError ("check character should be X"); empty when the number is valid.
// `sex` and `birth_date` are cross-checked against the digits that encode
// them (resident ID only); pass nullopt to skip a cross-check, e.g. when that
// field is itself invalid.
std::vector<std::string> id_number_problems(IdType type, std::string_view id_number,
                                            std::optional<Holder> sex,
                                            std::optional<Date> birth_date);

}  // namespace certprint::issuance
