// Row 3: the registry is down for a whole batch, then comes up and refuses
// one event with 400. Every other event must arrive, in order per issuance;
// the refused one must be set aside where a person sees it.
#include <fstream>
#include <mutex>
#include <thread>

#include "reliability/rows.hpp"

namespace certprint::reliability {
namespace {

// The registry's side: what arrived, in order, and the one it refuses.
struct Registry {
  std::mutex m;
  std::vector<std::pair<std::string, std::string>> arrived;  // issuance id, event id
  std::string refuse;
  int refusals = 0;
};

void serve(httplib::Server& server, Registry& reg, int port) {
  server.Post("/hooks", [&reg](const httplib::Request& q, httplib::Response& r) {
    const json body = json::parse(q.body, nullptr, false);
    const std::string id = body.is_object() ? body.value("event_id", "") : "";
    std::lock_guard g(reg.m);
    if (id == reg.refuse) {
      ++reg.refusals;
      r.status = 400;
      r.set_content(R"({"error":"refused on purpose"})", "application/json");
      return;
    }
    reg.arrived.emplace_back(body.is_object() ? body.value("issuance_id", "") : "", id);
    r.status = 200;
  });
  server.listen("127.0.0.1", port);
}

// Each issuance's events as certprintd stored them, in order.
std::map<std::string, std::vector<json>> stored_events(Daemon& d, const Issuances& set) {
  std::map<std::string, std::vector<json>> out;
  for (const auto& id : set.ids()) {
    json st = d.get_json("/v1/issuances/" + id);
    if (st.is_object())
      for (const auto& e : st["events"]) out[id].push_back(e);
  }
  return out;
}

// Issuances whose delivered events are not the stored ones (less the
// refused one) in the stored order; counts also what never arrived.
std::pair<int, int> misordered_and_missing(const std::map<std::string, std::vector<json>>& want,
                                           Registry& reg) {
  std::lock_guard g(reg.m);
  int misordered = 0, missing = 0;
  for (const auto& [id, events] : want) {
    std::vector<std::string> expected, got;
    for (const auto& e : events)
      if (e["event_id"] != reg.refuse) expected.push_back(e["event_id"]);
    for (const auto& [issuance, event] : reg.arrived)
      if (issuance == id && std::find(got.begin(), got.end(), event) == got.end())
        got.push_back(event);
    for (const auto& e : expected)
      if (std::find(got.begin(), got.end(), e) == got.end()) ++missing;
    if (got != expected) ++misordered;
  }
  return {misordered, missing};
}

// Where a person sees the set-aside event: /metrics, the issuance's status, /v1/outbox.
std::string dead_visible(Daemon& d, const std::string& issuance, const std::string& event) {
  std::string seen;
  if (auto m = d.call("GET", "/metrics"); m && m->status == 200) {
    const auto at = m->body.find("\ncertprint_outbox_dead ");
    if (at != std::string::npos)
      seen += "/metrics certprint_outbox_dead " +
              m->body.substr(at + 23, m->body.find('\n', at + 1) - at - 23);
  }
  json st = d.get_json("/v1/issuances/" + issuance);
  if (st.is_object())
    for (const auto& e : st["events"])
      if (e["event_id"] == event && e.value("dead", false)) seen += ", status \"dead\": true";
  for (const std::string& secret : {kTechSecret, kClerkSecret})
    if (auto o = d.call("GET", "/v1/outbox", secret); o && o->status == 200) {
      if (o->body.find(event) != std::string::npos) seen += ", listed by GET /v1/outbox";
      break;
    }
  return seen;
}

}  // namespace

Row outbox_row(const Settings& s, const Cups& cups) {
  const int n = s.quick ? 3 : 10;
  Row row{"registry down for the whole batch (" + std::to_string(2 * n) +
              " booklets), then up; one event refused with 400",
          "every other event delivered in order; the refused one dead-lettered and visible", "",
          false};
  progress("row 3: registry down during a batch of " + std::to_string(2 * n) + " booklets");
  Daemon d(cups, s.work / "outbox");
  const int registry_port = free_port();
  std::ofstream(d.dir() / "callback-secret") << "callback-secret-0123456789abcdef\n";
  // certprintd refuses a secret others may read.
  fs::permissions(d.dir() / "callback-secret", fs::perms::owner_read | fs::perms::owner_write);
  d.extra = {"--callback-url", "http://127.0.0.1:" + std::to_string(registry_port) + "/hooks",
             "--callback-secret-file", (d.dir() / "callback-secret").string()};
  const Issuances set = make_issuances(s.src, "outbox", n);
  long job = -1;
  if (d.start() && submit_all(d, set)) job = queue_batch(d, set);
  const json state = job < 0 ? json() : wait_job(d, job, std::chrono::seconds(300));
  if (!state.is_object() || state["state"] != "done")
    return row.measured = "the batch did not print (" + d.dir().string() + ")", row;
  const auto want = stored_events(d, set);
  std::size_t total = 0;
  for (const auto& [id, events] : want) total += events.size();
  Registry reg;
  const std::string refused_issuance = set.ids()[n / 2];
  if (want.at(refused_issuance).size() < 3) return row.measured = "too few events stored", row;
  reg.refuse = want.at(refused_issuance)[2]["event_id"];
  progress("  batch done with " + std::to_string(total) + " events undelivered; registry up");
  httplib::Server server;
  std::thread registry([&] { serve(server, reg, registry_port); });
  const auto up = std::chrono::steady_clock::now();
  std::pair<int, int> check{0, static_cast<int>(total)};
  while (std::chrono::steady_clock::now() - up < std::chrono::seconds(400)) {
    check = misordered_and_missing(want, reg);
    if (check.second == 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - up).count();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const std::string dead = dead_visible(d, refused_issuance, reg.refuse);
  server.stop();
  registry.join();
  row.measured = std::to_string(total - 1 - check.second) + "/" + std::to_string(total - 1) +
                 " delivered " + std::to_string(int(took)) + " s after the registry came up, " +
                 std::to_string(check.first) + " issuance(s) out of order; refused " +
                 std::to_string(reg.refusals) + "x; dead: " + (dead.empty() ? "not visible" : dead);
  row.pass = check == std::pair<int, int>{0, 0} && reg.refusals >= 1 &&
             dead.find("status \"dead\": true") != std::string::npos;
  d.stop();
  return row;
}

}  // namespace certprint::reliability
