// A booklet's QR token: made from the booklet's own record (its holder and
// its stock serial) and matched back to it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/random.hpp"
#include "common/result.hpp"
#include "issuance/record.hpp"
#include "token/token.hpp"

namespace certprint::booklet {

// The issuance as one booklet's record sees it: with that booklet's own
// stock serial (a reprint on a new blank has a new serial).
issuance::Issuance with_stock_serial(issuance::Issuance record, issuance::Holder holder,
                                     const std::string& stock_serial);

// A token for one booklet of the issuance, signed by the ring's newest key.
// Fails when the issuance carries no booklet for that holder.
Result<std::string> issue_booklet_token(const token::KeyRing& keys,
                                        const issuance::Issuance& issuance, issuance::Holder holder,
                                        const RandomSource& random);

// Which booklet of the issuance a token belongs to: the holder whose record
// it matches, or the verdict against every booklet when none matches.
struct TokenMatch {
  std::optional<issuance::Holder> holder;  // set on a match
  token::Verdict verdict = token::Verdict::mismatch;
};
TokenMatch match_token(const token::KeyRing& keys, const issuance::Issuance& issuance,
                       std::string_view token);

}  // namespace certprint::booklet
