#include "daemon/printing/sequencer.hpp"

#include <algorithm>
#include <thread>

namespace certprint::printing {

std::string_view to_string(PageEvent::Type t) {
  switch (t) {
    case PageEvent::Type::submitting:
      return "submitting";
    case PageEvent::Type::submitted:
      return "submitted";
    case PageEvent::Type::waiting:
      return "waiting";
    case PageEvent::Type::completed:
      return "completed";
    case PageEvent::Type::failed:
      break;
  }
  return "failed";
}

namespace {

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

std::string seconds(std::chrono::milliseconds d) {
  return std::to_string(d.count() / 1000) + "." + std::to_string(d.count() % 1000 / 100) + " s";
}

// Why a job is not moving, or empty when it is.
std::string stall_reason(const JobStatus& job, const Result<PrinterStatus>& printer) {
  std::string why;
  if (job.phase == JobPhase::held || job.phase == JobPhase::stopped)
    why = "job " + std::string(to_string(job.phase)) +
          (job.reasons.empty() ? "" : " (" + join(job.reasons) + ")");
  if (printer.ok() && printer->needs_attention()) {
    if (!why.empty()) why += "; ";
    why += "printer " + printer->state +
           (printer->reasons.empty() ? "" : " (" + join(printer->reasons) + ")");
    if (!printer->accepting_jobs) why += ", not accepting jobs";
  }
  return why;
}

// Follows one job to its end. Empty string: completed; otherwise the reason
// it failed.
std::string follow_job(PrinterPort& port, int job_id, const PageEvent& base,
                       SequenceListener& listener, const SequencerConfig& config, Clock& clock) {
  const auto start = clock.now();
  // Zero means "not stalled" / "reachable".
  std::chrono::steady_clock::time_point stalled_since{}, unreachable_since{};
  const std::chrono::steady_clock::time_point never{};
  std::string last_reported;
  for (;;) {
    auto job = port.job_status(job_id);
    if (!job) {
      // A printer or cupsd that stops answering is a stall like any other.
      if (unreachable_since == never) unreachable_since = clock.now();
      if (clock.now() - unreachable_since > config.stall_timeout)
        return "lost contact for " + seconds(config.stall_timeout) + ": " + job.error().message;
    } else {
      unreachable_since = never;
      switch (job->phase) {
        case JobPhase::completed:
          return {};
        case JobPhase::canceled:
        case JobPhase::aborted: {
          std::string why = "job " + std::string(to_string(job->phase));
          if (!job->reasons.empty()) why += " (" + join(job->reasons) + ")";
          if (!job->message.empty()) why += ": " + job->message;
          return why;
        }
        case JobPhase::unknown:
          return "the printer no longer knows job " + std::to_string(job_id) +
                 "; its outcome is unknown";
        default:
          break;
      }
      const std::string why = stall_reason(*job, port.printer_status());
      if (!why.empty()) {
        if (why != last_reported) {
          PageEvent e = base;
          e.type = PageEvent::Type::waiting;
          e.detail = why;
          listener.on_page(e);
          last_reported = why;
        }
        if (stalled_since == never) stalled_since = clock.now();
        if (clock.now() - stalled_since > config.stall_timeout)
          return why + " for longer than " + seconds(config.stall_timeout);
      } else {
        stalled_since = never;
        last_reported.clear();
      }
    }
    if (clock.now() - start > config.job_timeout)
      return "job did not complete within " + seconds(config.job_timeout);
    clock.sleep_for(config.poll_interval);
  }
}

}  // namespace

SequenceResult run_sequence(PrinterPort& port, PageSource& source,
                            const std::vector<PageStep>& steps, SequenceListener& listener,
                            const SequencerConfig& config, Clock& clock) {
  SequenceResult result;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    PageEvent e{PageEvent::Type::submitted, i, steps.size(), &steps[i], 0, {}};
    auto fail = [&](std::string why) {
      e.type = PageEvent::Type::failed;
      e.detail = why;
      listener.on_page(e);
      result.failed_at = i;
      result.reason = steps[i].describe() + ": " + why;
      return result;
    };
    int job_id = steps[i].existing_job_id;
    if (job_id == 0 && steps[i].maybe_submitted) {
      auto found = port.find_job(steps[i].job_name);
      if (!found)
        return fail("cannot tell whether the page reached the printer: " + found.error().message);
      if (*found) job_id = **found;
      // A job created but still waiting for its document was cut off
      // mid-upload: nothing of it can print. Cancel it and send the page.
      if (job_id != 0) {
        auto st = port.job_status(job_id);
        if (st && !st->terminal() &&
            std::find(st->reasons.begin(), st->reasons.end(), "job-incoming") !=
                st->reasons.end()) {
          (void)port.cancel(job_id);
          job_id = 0;
        }
      }
    }
    if (job_id == 0) {
      auto job = source.page(steps[i]);
      if (!job) return fail("not rendered: " + job.error().message);
      job->job_name = steps[i].job_name;
      e.type = PageEvent::Type::submitting;
      listener.on_page(e);
      if (!listener.healthy()) {
        result.failed_at = i;
        result.stopped_unrecorded = true;
        result.reason = steps[i].describe() + ": not sent, its state could not be recorded";
        return result;
      }
      auto id = port.submit(*job);
      if (!id) return fail(id.error().message);
      job_id = *id;
    }
    e.type = PageEvent::Type::submitted;
    e.job_id = job_id;
    listener.on_page(e);
    const int id = job_id;

    const std::string why = follow_job(port, id, e, listener, config, clock);
    if (!why.empty()) {
      // Whatever state it is in, it must not print later on its own.
      (void)port.cancel(id);
      return fail(why);
    }
    e.type = PageEvent::Type::completed;
    listener.on_page(e);
    ++result.completed;
    if (!listener.healthy()) {
      if (i + 1 < steps.size()) {
        result.failed_at = i + 1;
        result.stopped_unrecorded = true;
        result.reason =
            steps[i + 1].describe() + ": not sent, an earlier state could not be recorded";
      }
      return result;
    }
  }
  return result;
}

std::unique_lock<std::mutex> PrinterLocks::acquire(const std::string& printer) {
  std::mutex* m;
  {
    std::lock_guard g(guard_);
    auto& slot = locks_[printer];
    if (!slot) slot = std::make_unique<std::mutex>();
    m = slot.get();
  }
  return std::unique_lock<std::mutex>(*m);
}

}  // namespace certprint::printing
