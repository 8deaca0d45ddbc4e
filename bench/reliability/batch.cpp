// Issuances for a batch, the batch itself, and the paper it left.
#include <algorithm>
#include <cstdio>
#include <thread>

#include "reliability/world.hpp"
#include "support/received.hpp"

namespace certprint::reliability {

std::vector<std::string> Issuances::ids() const {
  std::vector<std::string> out;
  for (const auto& r : records) out.push_back(r.issuance_id);
  return out;
}

Issuances make_issuances(const fs::path& src, const std::string& prefix, int n) {
  static int serial = 0;  // stock serials stay unique across sets of one run
  const json base = json::parse(testing::slurp(src / "samples" / "marriage.json"));
  const issuance::ValidationOptions validation{issuance::Date{2026, 11, 28}};
  Issuances set;
  for (int i = 0; i < n; ++i) {
    json d = base;
    d["issuance_id"] = prefix + "-" + std::to_string(i);
    char text[32];
    std::snprintf(text, sizeof text, "J440106-2026-%06d", ++serial);
    d["certificate_no"] = text;
    for (const char* h : {"male", "female"}) {
      std::snprintf(text, sizeof text, "8%09d", 2 * serial + (h[0] == 'f' ? 1 : 0));
      d["booklets"][h]["stock_serial"] = text;
    }
    set.docs.push_back(d.dump());
    auto parsed = issuance::parse_issuance(set.docs.back(), validation);
    if (parsed.ok()) set.records.push_back(parsed.issuance);
  }
  return set;
}

bool submit_all(Daemon& d, const Issuances& set) {
  for (const auto& doc : set.docs) {
    auto r = d.call("POST", "/v1/issuances", kRegistrySecret, doc);
    if (!r || (r->status != 201 && r->status != 200)) return false;
  }
  return set.docs.size() == set.records.size();
}

long queue_batch(Daemon& d, const Issuances& set) {
  auto r = d.call("POST", "/v1/print-batches", kClerkSecret,
                  json{{"printer", "desk"}, {"issuances", set.ids()}}.dump());
  if (!r || r->status != 202) return -1;
  return json::parse(r->body)["print_job_id"].get<long>();
}

json wait_job(Daemon& d, long job, std::chrono::seconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  json state;
  while (std::chrono::steady_clock::now() < until) {
    json s = d.get_json("/v1/print-jobs/" + std::to_string(job));
    if (!s.is_null()) state = s;
    if (state.is_object() && (state["state"] == "done" || state["state"] == "failed")) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return state;
}

bool wait_pages(Daemon& d, long job, int pages, std::chrono::seconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    json s = d.get_json("/v1/print-jobs/" + std::to_string(job));
    if (s.is_object() &&
        (s["pages_done"].get<int>() >= pages || s["state"] == "done" || s["state"] == "failed"))
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

std::vector<std::string> expected_pages(const Issuances& set) {
  std::vector<std::string> want;
  for (const auto& r : set.records)
    for (auto h : r.holders())
      for (const char* page : {" info", " page5"})
        want.push_back(r.issuance_id + " " + std::string(issuance::to_string(h)) + page);
  return want;
}

std::set<std::string> file_names(const fs::path& folder) {
  std::set<std::string> names;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(folder, ec)) names.insert(e.path().filename());
  return names;
}

namespace {

// The documents in `folder` that are new since `before`, in job order.
std::vector<std::string> new_documents(const fs::path& folder,
                                       const std::set<std::string>& before) {
  std::vector<std::pair<std::pair<long, std::string>, fs::path>> files;
  for (const auto& e : fs::directory_iterator(folder)) {
    const std::string name = e.path().filename();
    if (before.count(name) || e.path().extension() == ".prn") continue;
    files.push_back({{std::atol(name.c_str()), name}, e.path()});
  }
  std::sort(files.begin(), files.end());
  std::vector<std::string> docs;
  for (const auto& f : files) docs.push_back(testing::slurp(f.second));
  return docs;
}

}  // namespace

PaperCheck check_paper(const fs::path& folder, const std::set<std::string>& before,
                       const Issuances& set, const fs::path& keys_dir) {
  PaperCheck c;
  const auto want = expected_pages(set);
  c.expected = static_cast<int>(want.size());
  auto keys = token::KeyRing::load_dir(keys_dir);
  if (!keys) return c;
  std::map<std::string, int> seen;
  int last_position = -1;
  for (const auto& doc : new_documents(folder, before)) {
    ++c.received;
    const std::string page = testing::identify(doc, set.records, *keys);
    const auto at = std::find(want.begin(), want.end(), page);
    if (at == want.end()) {
      ++c.unidentified;
      continue;
    }
    if (seen[page]++ > 0) {
      ++c.twice;
      c.twice_pages.push_back(page + " (received " + std::to_string(c.received) + ")");
      continue;
    }
    const int position = static_cast<int>(at - want.begin());
    if (position < last_position) ++c.out_of_order;
    last_position = std::max(last_position, position);
  }
  for (const auto& w : want)
    if (!seen.count(w)) ++c.lost;
  return c;
}

std::string PaperCheck::describe() const {
  return std::to_string(received) + "/" + std::to_string(expected) +
         " pages: " + std::to_string(lost) + " lost, " + std::to_string(twice) + " twice, " +
         std::to_string(out_of_order) + " out of order" +
         (unidentified ? ", " + std::to_string(unidentified) + " unidentified" : "") + [this] {
           std::string t;
           for (const auto& p : twice_pages) t += "; twice: " + p;
           return t;
         }();
}

}  // namespace certprint::reliability
