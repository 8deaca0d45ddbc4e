#include "daemon/booklet/tokens.hpp"

namespace certprint::booklet {

issuance::Issuance with_stock_serial(issuance::Issuance record, issuance::Holder holder,
                                     const std::string& stock_serial) {
  (holder == issuance::Holder::male ? record.male_booklet : record.female_booklet) =
      issuance::Booklet{stock_serial};
  return record;
}

Result<std::string> issue_booklet_token(const token::KeyRing& keys,
                                        const issuance::Issuance& issuance, issuance::Holder holder,
                                        const RandomSource& random) {
  if (!issuance.booklet(holder))
    return Error{"issuance carries no " + std::string(issuance::to_string(holder)) + " booklet"};
  return token::issue(keys, issuance::canonical_booklet_record(issuance, holder), random);
}

TokenMatch match_token(const token::KeyRing& keys, const issuance::Issuance& issuance,
                       std::string_view tok) {
  TokenMatch m;
  for (issuance::Holder h : issuance.holders()) {
    const auto v = token::verify(keys, tok, issuance::canonical_booklet_record(issuance, h));
    if (v == token::Verdict::match) return {h, v};
    m.verdict = v;  // malformed and unknown_key are the same for every booklet
  }
  return m;
}

}  // namespace certprint::booklet
