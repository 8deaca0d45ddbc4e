#include "daemon/client/clerk_commands.hpp"

#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "common/file.hpp"

namespace certprint::client {
namespace {

using nlohmann::json;

// Prints the failure and returns the exit status for it.
int report_failure(const Answer& a, std::ostream& err) {
  if (a.status == 0) {
    err << "certprint: " << a.transport_error << "\n";
    return 2;
  }
  err << "certprint: " << a.error_message() << "\n";
  if (a.body.is_object() && a.body.contains("error") && a.body["error"].contains("fields"))
    for (const auto& f : a.body["error"]["fields"])
      err << "  " << f.value("field", "") << " " << f.value("value", "") << ": "
          << f.value("problem", "") << "\n";
  return a.status == 401 || a.status == 403 ? 2 : 1;
}

// One row per booklet; QR is the text its page 5 carries (docs/qr-token.md:
// "CP:" and 42 Base45 characters), what the registry keeps in its record.
void booklet_table(const json& status, std::ostream& out) {
  out << std::left << std::setw(8) << "holder" << std::setw(14) << "stock serial" << std::setw(12)
      << "state" << std::setw(47) << "QR"
      << "note\n";
  for (const auto& b : status.value("booklets", json::array())) {
    std::string note =
        b.contains("void_reason") ? "voided: " + b["void_reason"].get<std::string>() : "";
    if (b.contains("replaces"))
      note += (note.empty() ? "" : "; ") + std::string("replaces booklet ") + b["replaces"].dump();
    out << std::setw(8) << b.value("holder", "") << std::setw(14) << b.value("stock_serial", "")
        << std::setw(12) << b.value("state", "") << std::setw(47) << b.value("qr", "") << note
        << "\n";
  }
}

std::string bar(std::size_t done, std::size_t total) {
  const std::size_t width = 20, filled = total ? done * width / total : 0;
  return "[" + std::string(filled, '#') + std::string(width - filled, '-') + "]";
}

}  // namespace

int client_submit(const ClientConfig& c, const std::vector<std::filesystem::path>& files,
                  std::ostream& out, std::ostream& err) {
  int rc = 0;
  for (const auto& f : files) {
    auto document = read_file(f, "issuance file");
    if (!document) {
      err << "certprint: " << document.error().message << "\n";
      rc = 1;
      continue;
    }
    const Answer a = ApiClient(c).post("/v1/issuances", *document);
    if (a.status != 200 && a.status != 201) {
      err << f.string() << ": ";
      rc = std::max(rc, report_failure(a, err));
      continue;
    }
    if (c.json) {
      out << a.body.dump() << "\n";
      continue;
    }
    out << f.string() << ": issuance " << a.body.value("issuance_id", "") << " "
        << (a.status == 201 ? "accepted" : "was already stored (same document)") << "\n";
    booklet_table(a.body, out);
  }
  return rc;
}

int client_print(const ClientConfig& c, const std::vector<std::string>& ids,
                 const std::string& printer, const std::optional<std::string>& holder, bool wait,
                 std::ostream& out, std::ostream& err) {
  Answer a;
  if (ids.size() == 1) {
    json body = {{"printer", printer}};
    if (holder) body["holder"] = *holder;
    a = ApiClient(c).post("/v1/issuances/" + ids[0] + "/print", body.dump());
  } else {
    a = ApiClient(c).post("/v1/print-batches",
                          json{{"printer", printer}, {"issuances", ids}}.dump());
  }
  if (a.status != 202) return report_failure(a, err);
  const std::string job = a.body["print_job_id"].dump();
  if (!c.json)
    out << "print job " << job << " queued on " << printer << ": " << a.body["pages"]
        << " page(s)\n";
  if (!wait) {
    if (c.json) out << a.body.dump() << "\n";
    return 0;
  }
  std::string last_line;
  for (;;) {
    const Answer s = ApiClient(c).get("/v1/print-jobs/" + job);
    if (s.status != 200) return report_failure(s, err);
    const std::size_t done = s.body.value("pages_done", 0), total = s.body.value("pages_total", 0);
    const std::string state = s.body.value("state", "");
    std::string line =
        bar(done, total) + " " + std::to_string(done) + "/" + std::to_string(total) + " pages";
    for (const auto& p : s.body["pages"])
      if (p.value("state", "") != "completed" && p.value("state", "") != "queued") {
        line += "  now: " + p.value("issuance_id", "") + " " + p.value("holder", "") + " " +
                p.value("page", "") + " " + p.value("state", "");
        break;
      }
    if (!c.json && line != last_line) {
      out << line << std::endl;
      last_line = line;
    }
    if (state == "done" || state == "failed") {
      if (c.json) out << s.body.dump() << "\n";
      if (state == "failed") {
        err << "certprint: printing stopped: " << s.body.value("reason", "unknown reason") << "\n";
        return 1;
      }
      if (!c.json) out << "done: " << done << " page(s) printed\n";
      return 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(c.poll_ms));
  }
}

int client_status(const ClientConfig& c, const std::string& id, std::ostream& out,
                  std::ostream& err) {
  const Answer a = ApiClient(c).get("/v1/issuances/" + id);
  if (a.status != 200) return report_failure(a, err);
  if (c.json) {
    out << a.body.dump() << "\n";
    return 0;
  }
  out << "issuance " << id << "\n";
  booklet_table(a.body, out);
  out << "events:\n";
  for (const auto& e : a.body.value("events", json::array()))
    out << "  " << std::setw(4) << e.value("sequence", 0) << " " << std::setw(18)
        << e.value("type", "") << " " << e.value("holder", "") << " " << e.value("page", "")
        << (e.value("delivered", false) ? "" : "  (not yet delivered)")
        << (e.contains("reason") ? "  " + e["reason"].get<std::string>() : "") << "\n";
  return 0;
}

int client_confirm(const ClientConfig& c, const std::string& id, const std::string& holder,
                   std::ostream& out, std::ostream& err) {
  const Answer a = ApiClient(c).post("/v1/issuances/" + id + "/booklets/" + holder + "/confirm");
  if (a.status != 200) return report_failure(a, err);
  out << (c.json ? a.body.dump() : "the " + holder + " booklet of " + id + " is confirmed") << "\n";
  return 0;
}

int client_void(const ClientConfig& c, const std::string& id, const std::string& holder,
                const VoidArgs& v, std::ostream& out, std::ostream& err) {
  const std::string& serial = v.new_stock_serial;
  json body{{"reason", v.reason}, {"new_stock_serial", serial}};
  if (v.blank_damaged) body["blank_damaged"] = true;
  const Answer a =
      ApiClient(c).post("/v1/issuances/" + id + "/booklets/" + holder + "/void", body.dump());
  if (a.status != 200) return report_failure(a, err);
  if (c.json) {
    out << a.body.dump() << "\n";
    return 0;
  }
  out << "the " << holder << " booklet of " << id << " is voided; its QR no longer verifies.\n"
      << "new blank " << serial << " has a new QR and is ready to print (certprint print " << id
      << " --holder " << holder << " --printer ...)\n";
  return 0;
}

int client_printers(const ClientConfig& c, std::ostream& out, std::ostream& err) {
  const Answer a = ApiClient(c).get("/v1/printers");
  if (a.status != 200) return report_failure(a, err);
  if (c.json) {
    out << a.body.dump() << "\n";
    return 0;
  }
  out << std::left << std::setw(14) << "printer" << std::setw(12) << "state"
      << "reasons\n";
  for (const auto& p : a.body["printers"]) {
    std::string reasons;
    for (const auto& r : p.value("reasons", json::array()))
      reasons += (reasons.empty() ? "" : ", ") + r.get<std::string>();
    if (reasons.empty()) reasons = p.value("message", "");
    if (p.value("held", false))
      reasons = "held: a cancelled page may still print (certprint release --printer " +
                p.value("name", "") + " once the paper is seen to)";
    out << std::setw(14) << p.value("name", "") << std::setw(12) << p.value("state", "") << reasons
        << (p.value("needs_attention", false) ? "  <- needs attention" : "") << "\n";
  }
  return 0;
}

int client_release(const ClientConfig& c, const std::string& printer, std::ostream& out,
                   std::ostream& err) {
  const Answer a = ApiClient(c).post("/v1/printers/" + printer + "/release");
  if (a.status != 200) return report_failure(a, err);
  out << (c.json ? a.body.dump()
                 : printer + " released: " + a.body["released_jobs"].dump() +
                       " uncancelled job(s) given up")
      << "\n";
  return 0;
}

int client_verify(const ClientConfig& c, const std::string& token, std::ostream& out,
                  std::ostream& err) {
  const Answer a = ApiClient(c).post("/v1/verify", json{{"token", token}}.dump());
  if (a.status != 200) return report_failure(a, err);
  if (c.json) {
    out << a.body.dump() << "\n";
  } else {
    const std::string result = a.body.value("result", "unknown");
    out << result;
    if (result == "match")
      out << ": " << a.body.value("kind", "") << " certificate of "
          << a.body["holder"].value("name", "") << " (" << a.body["holder"].value("id_number", "")
          << ")";
    out << "\n";
  }
  return a.body.value("result", "") == "match" ? 0 : 1;
}

int client_preview(const ClientConfig& c, const std::string& id, const std::string& holder,
                   const std::filesystem::path& dir, std::ostream& out, std::ostream& err) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  for (const char* page : {"info", "page5"}) {
    const Answer a = ApiClient(c).get("/v1/issuances/" + id + "/booklets/" + holder + "/preview/" +
                                      page + ".png");
    if (a.status != 200) return report_failure(a, err);
    // Named by issuance (another one's previews are not overwritten) and
    // readable by the clerk only: they show names and ID numbers.
    const auto file = dir / (id + "-" + holder + "-" + page + ".png");
    if (auto s = write_private_file(file, a.raw); !s) {
      err << "certprint: " << s.error().message << "\n";
      return 1;
    }
    out << "wrote " << file.string() << "\n";
  }
  return 0;
}

}  // namespace certprint::client
