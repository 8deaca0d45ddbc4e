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

// The days from..to (YYYY-MM-DD); with `csv_file`, also writes the CSV there.
int client_reconcile(const ClientConfig& c, const std::string& from, const std::string& to,
                     const std::string& csv_file, std::ostream& out, std::ostream& err);

}  // namespace certprint::client
