// The blank-stock commands of `certprint` (a technician's token): record
// blanks received, returned or destroyed, and a period's reconciliation.
#pragma once

#include <ostream>
#include <string>

#include "daemon/client/api_client.hpp"

namespace certprint::client {

struct StockArgs {
  std::string kind;  // received | returned | destroyed
  std::string first_serial, last_serial;
  std::string reference;
};
int client_stock(const ClientConfig& c, const StockArgs& a, std::ostream& out, std::ostream& err);

// The days from..to (YYYY-MM-DD), shown as a table; with `csv_file` or
// `pdf_file`, also the CSV or the A4 report a manager signs, each written
// owner-only (it names issuances and staff) and whole or not at all.
struct ReconcileArgs {
  std::string from, to;
  std::string csv_file, pdf_file;  // empty: not asked for
};
int client_reconcile(const ClientConfig& c, const ReconcileArgs& a, std::ostream& out,
                     std::ostream& err);

}  // namespace certprint::client
