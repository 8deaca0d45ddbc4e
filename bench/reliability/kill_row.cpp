// Row 1: kill -9 certprintd at many moments of a batch; the paper decides.
#include <random>
#include <thread>

#include "reliability/rows.hpp"

namespace certprint::reliability {
namespace {

// Kills and restarts the daemon at random moments until the job ends or
// `moments` kills were made; returns how many. Each moment is 20..400 ms
// after the daemon answered again, so kills land in every step of a page.
int kill_repeatedly(Daemon& d, long job, int moments, std::mt19937& rng) {
  std::uniform_int_distribution<int> delay_ms(20, 400);
  int kills = 0;
  while (kills < moments) {
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    json s = d.get_json("/v1/print-jobs/" + std::to_string(job));
    if (s.is_object() && (s["state"] == "done" || s["state"] == "failed")) break;
    d.kill_hard();
    ++kills;
    if (kills % 10 == 0)
      progress("  kill -9 number " + std::to_string(kills) + ", pages done " +
               (s.is_object() ? s["pages_done"].dump() : "?"));
    if (!d.start()) {
      progress("  certprintd did not come back after kill " + std::to_string(kills));
      return kills;
    }
  }
  return kills;
}

}  // namespace

Row kill_row(const Settings& s, const Cups& cups) {
  Row row{"kill -9 certprintd at >= " + std::to_string(s.kill_moments) + " moments of a " +
              std::to_string(s.booklets) +
              "-booklet batch; pages identified from what the "
              "printer received",
          "0 lost, 0 printed twice, 0 out of order", "", false};
  progress("row 1: kill -9 during a batch of " + std::to_string(s.booklets) + " booklets");
  Daemon d(cups, s.work / "kill");
  const Issuances set = make_issuances(s.src, "kill", s.booklets / 2);
  if (!d.start() || !submit_all(d, set)) {
    row.measured = "certprintd did not start or refused the issuances (" + d.dir().string() + ")";
    return row;
  }
  const auto before = file_names(cups.capture());
  const long job = queue_batch(d, set);
  std::mt19937 rng(20261128);
  const auto t0 = std::chrono::steady_clock::now();
  const int kills = job < 0 ? 0 : kill_repeatedly(d, job, s.kill_moments, rng);
  const json state = wait_job(d, job, std::chrono::seconds(600));
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  progress("  batch " + (state.is_object() ? state["state"].dump() : "?") + " after " +
           std::to_string(kills) + " kills; reading back the paper");
  const PaperCheck paper = check_paper(cups.capture(), before, set, d.dir() / "keys");
  row.measured = std::to_string(kills) + " kills in " + std::to_string(int(took)) + " s; job " +
                 (state.is_object() ? state["state"].get<std::string>() : "unknown") + "; " +
                 paper.describe();
  row.pass = kills >= s.kill_moments && paper.lost == 0 && paper.twice == 0 &&
             paper.out_of_order == 0 && paper.unidentified == 0;
  d.stop();
  return row;
}

}  // namespace certprint::reliability
