#include "daemon/client/stock_commands.hpp"

#include <iomanip>

#include "common/file.hpp"

namespace certprint::client {

using nlohmann::json;

namespace {

int failed(const Answer& a, std::ostream& err) {
  err << "certprint: " << a.error_message() << "\n";
  return a.status == 0 || a.status == 401 || a.status == 403 ? 2 : 1;
}

void figures_table(const json& r, std::ostream& out) {
  const json& f = r["figures"];
  const std::pair<const char*, const char*> rows[] = {
      {"opening in stock", "opening_in_stock"},
      {"opening awaiting confirmation", "opening_awaiting_confirmation"},
      {"received", "received"},
      {"used without receipt", "used_without_receipt"},
      {"issued", "issued"},
      {"spoiled", "spoiled"},
      {"returned", "returned"},
      {"destroyed", "destroyed"},
      {"closing in stock", "closing_in_stock"},
      {"closing awaiting confirmation", "closing_awaiting_confirmation"}};
  for (const auto& [label, key] : rows)
    out << "  " << std::left << std::setw(32) << label << std::right << std::setw(8)
        << f.value(key, 0) << "\n";
  out << "  " << (r.value("balances", false) ? "balances" : "DOES NOT BALANCE") << "\n";
}

// Fetches `query` and writes its body to `file`; false after saying why.
bool save(const ClientConfig& c, const std::string& query, const std::string& file,
          std::ostream& err, int* code) {
  const Answer a = ApiClient(c).get(query);
  if (a.status != 200) {
    *code = failed(a, err);
    return false;
  }
  if (auto s = write_private_file(file, a.raw); !s) {
    err << "certprint: " << s.message() << "\n";
    *code = 1;
    return false;
  }
  return true;
}

}  // namespace

int client_stock(const ClientConfig& c, const StockArgs& a, std::ostream& out, std::ostream& err) {
  const Answer r = ApiClient(c).post("/v1/stock/movements", json{{"kind", a.kind},
                                                                 {"first_serial", a.first_serial},
                                                                 {"last_serial", a.last_serial},
                                                                 {"reference", a.reference}}
                                                                .dump());
  if (r.status != 201) return failed(r, err);
  if (c.json) {
    out << r.body.dump() << "\n";
    return 0;
  }
  out << a.kind << " " << r.body.value("first_serial", "") << ".."
      << r.body.value("last_serial", "") << " (" << r.body.value("count", 0)
      << " blanks), reference \"" << a.reference << "\": movement " << r.body.value("id", 0)
      << "\n";
  return 0;
}

int client_reconcile(const ClientConfig& c, const ReconcileArgs& a, std::ostream& out,
                     std::ostream& err) {
  const std::string query = "/v1/stock/reconciliation?from=" + a.from + "&to=" + a.to;
  const Answer r = ApiClient(c).get(query);
  if (r.status != 200) return failed(r, err);
  int code = 0;
  if (!a.csv_file.empty() && !save(c, query + "&format=csv", a.csv_file, err, &code)) return code;
  if (!a.pdf_file.empty() && !save(c, query + "&format=pdf", a.pdf_file, err, &code)) return code;
  if (c.json) {
    out << r.body.dump() << "\n";
    return 0;
  }
  out << "blank stock " << a.from << " .. " << a.to << "\n";
  figures_table(r.body, out);
  for (const auto& s : r.body["closing_stock"])
    out << "closing stock " << s.value("first_serial", "") << ".." << s.value("last_serial", "")
        << " (" << s.value("count", 0) << ")\n";
  for (const auto& s : r.body["spoiled"])
    out << "spoiled " << s.value("serial", "") << ": issuance " << s.value("issuance_id", "") << " "
        << s.value("holder", "") << ", \"" << s.value("reason", "") << "\", by "
        << s.value("by", "-") << "\n";
  for (const auto& a : r.body["anomalies"])
    out << "anomaly " << a.value("serial", "") << " " << a.value("kind", "") << ": "
        << a.value("detail", "") << "\n";
  if (!a.csv_file.empty()) out << "wrote " << a.csv_file << "\n";
  if (!a.pdf_file.empty()) out << "wrote " << a.pdf_file << " (to print and sign)\n";
  return 0;
}

}  // namespace certprint::client
