// The blank-stock ledger's arithmetic: where each serial stood at a moment,
// and a period's reconciliation, the figures an office reports to the
// civil-affairs bureau with every anomaly listed by serial. Pure: it
// reckons with the store's facts (store::LedgerFacts) and nothing else.
//
// A serial enters the ledger when it is received (or, an anomaly, when it is
// used on a booklet without ever having been received) and is then:
//   in_stock   no ink on it yet: in the cupboard, or on a booklet not yet
//              printed
//   awaiting   printed (or partly printed), not yet confirmed or voided
//   issued     confirmed by the clerk (or superseded after it was printed)
//   spoiled    voided (or superseded before it was printed)
//   returned, destroyed   left the stock unused
// in_stock and awaiting are open; the others are final, except that an
// issued booklet may still be voided later (listed as an anomaly).
//
// The figures of a period [from, to) balance by serial:
//   opening in stock + opening awaiting + received + used without receipt
//     = issued + spoiled + returned + destroyed + closing in stock + closing awaiting
// where the right-hand counts are of the serials open at `from` or entering
// during the period, by their state at `to`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/clock.hpp"
#include "daemon/store/store.hpp"

namespace certprint::stock {

enum class SerialState { unknown, in_stock, awaiting, issued, spoiled, returned, destroyed };
std::string_view to_string(SerialState s);

struct Figures {
  std::int64_t opening_in_stock = 0;
  std::int64_t opening_awaiting = 0;
  std::int64_t received = 0;
  std::int64_t used_without_receipt = 0;
  std::int64_t issued = 0;
  std::int64_t spoiled = 0;
  std::int64_t returned = 0;
  std::int64_t destroyed = 0;
  std::int64_t closing_in_stock = 0;
  std::int64_t closing_awaiting = 0;
  bool balances() const {
    return opening_in_stock + opening_awaiting + received + used_without_receipt ==
           issued + spoiled + returned + destroyed + closing_in_stock + closing_awaiting;
  }
};

struct SerialRange {
  std::string first, last;
  std::int64_t count = 0;
};

// A blank spoiled in the period: which booklet, why, who voided it, when.
struct Spoiled {
  std::string serial;
  std::string issuance_id;
  std::string holder;
  std::string reason;
  std::string by;  // the void's actor; empty when the booklet was superseded
  Millis at = 0;
};

// Kinds: never_received (used, and no receipt holds it), received_after_use,
// reused (a booklet on a serial an earlier booklet had: stores from before
// the rule), issued_then_voided, awaiting_confirmation (printed, neither
// confirmed nor voided at the period's end), skipped (still in stock below
// a later serial of the same delivery that was used: a gap in the sequence).
struct Anomaly {
  std::string serial;
  std::string kind;
  std::string detail;
};

struct Reconciliation {
  Millis from = 0, to = 0;
  Figures figures;
  std::vector<SerialRange> received;       // movements in the period
  std::vector<SerialRange> closing_stock;  // in stock at `to`, as ranges
  std::vector<Spoiled> spoiled;
  std::vector<Anomaly> anomalies;
};

// The period [from, to): facts dated before `from` make the opening, those
// before `to` the closing.
Reconciliation reconcile(const store::LedgerFacts& facts, Millis from, Millis to);

// Where one serial stood just before `at` (facts dated before it).
SerialState state_of(const store::LedgerFacts& facts, const std::string& serial, Millis at);

// The reconciliation as CSV (RFC 4180; UTF-8): one header line, then the
// figures, the movements, the closing stock, the spoiled blanks and the
// anomalies, one row each: section,first_serial,last_serial,count,detail.
std::string to_csv(const Reconciliation& r);

}  // namespace certprint::stock
