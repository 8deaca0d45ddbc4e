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

// How following a job ended: completed (`failed` empty) or why not, and
// whether the printer still holds the job (then it must be cancelled).
struct Followed {
  std::string failed;
  bool job_ended = true;
  bool stopped = false;  // the caller asked to stop; the job was left as it is
};

// The reason a job ended without completing.
std::string ended_badly(const JobStatus& job) {
  std::string why = "job " + std::string(to_string(job.phase));
  if (!job.reasons.empty()) why += " (" + join(job.reasons) + ")";
  if (!job.message.empty()) why += ": " + job.message;
  return why;
}

using TimePoint = std::chrono::steady_clock::time_point;

// How long a job has stood still and why, and how long it waited for media
// (which job_timeout does not count).
class StallWatch {
 public:
  StallWatch(const SequencerConfig& config, Clock& clock)
      : config_(config), clock_(clock), start_(clock.now()) {}

  // The job stands still (`for_media`: waiting for media alone). The limit
  // it passed, if it did.
  std::optional<std::chrono::milliseconds> still(bool for_media) {
    const TimePoint now = clock_.now();
    if (since_ == TimePoint{} || for_media != media_) {
      moving();
      since_ = now;
      media_ = for_media;
    }
    const auto limit =
        for_media ? config_.media_wait.value_or(config_.stall_timeout) : config_.stall_timeout;
    if (limit == SequencerConfig::kNoLimit || now - since_ <= limit) return std::nullopt;
    return limit;
  }
  void moving() {
    if (media_ && since_ != TimePoint{}) media_waited_ += clock_.now() - since_;
    since_ = TimePoint{};
    media_ = false;
  }
  // Waits for media are taken off only where they are a person's work
  // (a media wait is set: by hand, at a passbook printer); at a tray an
  // empty tray counts like any stall.
  bool past_job_timeout() const {
    auto elapsed = clock_.now() - start_;
    if (config_.media_wait) {
      elapsed -= media_waited_;
      if (media_ && since_ != TimePoint{}) elapsed -= clock_.now() - since_;
    }
    return elapsed > config_.job_timeout;
  }

 private:
  const SequencerConfig& config_;
  Clock& clock_;
  TimePoint start_, since_{};
  bool media_ = false;
  std::chrono::steady_clock::duration media_waited_{};
};

// The job's state, unless it has ended (then how).
std::optional<Followed> ended(const JobStatus& job, int job_id) {
  switch (job.phase) {
    case JobPhase::completed:
      return Followed{"", true};
    case JobPhase::canceled:
    case JobPhase::aborted:
      return Followed{ended_badly(job), true};
    case JobPhase::unknown:
      return Followed{
          "the printer no longer knows job " + std::to_string(job_id) + "; its outcome is unknown",
          true};
    default:
      return std::nullopt;
  }
}

// Follows one job to its end. A wait is reported once when it starts and,
// with an empty detail, when it is over.
Followed follow_job(PrinterPort& port, int job_id, const PageEvent& base,
                    SequenceListener& listener, const SequencerConfig& config, Clock& clock,
                    const std::atomic<bool>* stop) {
  StallWatch watch(config, clock);
  TimePoint unreachable_since{};  // zero: reachable
  std::string last_reported;
  auto report = [&](const std::string& why) {
    if (why == last_reported) return;
    PageEvent e = base;
    e.type = PageEvent::Type::waiting;
    e.detail = why;
    listener.on_page(e);
    last_reported = why;
  };
  for (;;) {
    if (stop && *stop) return {"", false, true};
    auto job = port.job_status(job_id);
    if (!job) {
      // A printer or cupsd that stops answering is a stall like any other.
      if (unreachable_since == TimePoint{}) unreachable_since = clock.now();
      if (clock.now() - unreachable_since > config.stall_timeout)
        return {"lost contact for " + seconds(config.stall_timeout) + ": " + job.error().message,
                false};
    } else {
      unreachable_since = TimePoint{};
      if (auto end = ended(*job, job_id)) return *end;
      const auto printer = port.printer_status();
      const std::string why = stall_reason(*job, printer);
      if (!why.empty()) {
        report(why);
        const bool media =
            job->phase != JobPhase::held && printer.ok() && printer->waits_for_media();
        if (auto limit = watch.still(media))
          return {why + " for longer than " + seconds(*limit), false};
      } else {
        watch.moving();
        report("");
      }
    }
    if (watch.past_job_timeout())
      return {"job did not complete within " + seconds(config.job_timeout), false};
    clock.sleep_for(config.poll_interval);
  }
}

constexpr std::string_view kMaybeSent = "maybe_sent";

bool incoming(const JobStatus& st) {
  return !st.terminal() &&
         std::find(st.reasons.begin(), st.reasons.end(), "job-incoming") != st.reasons.end();
}

// A job found still waiting for its document after a restart may be cut
// off, or its last bytes may still be on their way from the daemon that
// died (cupsd reads them after that daemon is gone). Watched for
// `incoming_grace`: true if it is still waiting at the end, false once its
// document has arrived (or its state cannot be read: it is followed).
bool cut_off(PrinterPort& port, int job_id, const SequencerConfig& config, Clock& clock) {
  const auto start = clock.now();
  for (;;) {
    auto st = port.job_status(job_id);
    if (!st || !incoming(*st)) return false;
    if (clock.now() - start >= config.incoming_grace) return true;
    clock.sleep_for(config.poll_interval);
  }
}

// The job of a page that may already be at the printer (a restart), or 0
// when the page must be sent.
// `uncancelled` is set to a cut-off job whose cancel did not get through.
Result<int> job_already_sent(PrinterPort& port, const PageStep& step, const SequencerConfig& config,
                             Clock& clock, int& uncancelled) {
  if (step.existing_job_id != 0) return step.existing_job_id;
  if (!step.maybe_submitted) return 0;
  // A printer that forgets its jobs cannot say whether the page arrived:
  // sending it again could print it twice, so the clerk must look.
  if (!port.remembers_jobs())
    return Error{
        "the page may have reached the printer before the daemon stopped, and the "
        "printer keeps no record of its jobs: look at the booklet",
        ErrorCode::failed, std::string(kMaybeSent)};
  auto found = port.find_job(step.job_name);
  if (!found)
    return Error{"cannot tell whether the page reached the printer: " + found.error().message};
  if (!*found) return 0;
  const int job_id = **found;
  if (!cut_off(port, job_id, config, clock)) return job_id;
  // Nothing of a cut-off job can print. Cancel it and send the page, but
  // only once the cancel is certain and the job never began printing (its
  // document could have arrived between the last look and the cancel), or
  // the page could print twice.
  const std::string job = "job " + std::to_string(job_id);
  if (auto c = port.cancel(job_id); !c) {
    uncancelled = job_id;
    return Error{job + " was cut off while being sent and cannot be cancelled: " + c.message(),
                 ErrorCode::failed, std::string(kMaybeSent)};
  }
  auto after = port.job_status(job_id);
  if (!after)
    return Error{"cannot tell whether " + job + " began printing before it was cancelled (" +
                     after.error().message + "): look at the booklet",
                 ErrorCode::failed, std::string(kMaybeSent)};
  if (after->started)
    return Error{job + " began printing as it was being cancelled: look at the booklet",
                 ErrorCode::failed, std::string(kMaybeSent)};
  return 0;
}

// Sending one page: its job id, or why not.
struct Submission {
  int job_id = 0;
  std::string failed;       // set when the page failed
  bool unrecorded = false;  // not sent: the listener could not record it
  bool maybe_sent = false;  // failed after (some of) the document went out
};

Submission submit_page(PrinterPort& port, PageSource& source, const PageStep& step, PageEvent e,
                       SequenceListener& listener) {
  auto job = source.page(step);
  if (!job) return {0, "not rendered: " + job.error().message, false, false};
  job->job_name = step.job_name;
  e.type = PageEvent::Type::submitting;
  listener.on_page(e);
  if (!listener.healthy()) return {0, "", true, false};
  auto id = port.submit(*job);
  if (!id) return {0, id.error().message, false, id.error().keyword == kDocumentSent};
  return {*id, "", false, false};
}

SequenceResult stopped_unrecorded(SequenceResult result, std::size_t index, const PageStep& step,
                                  const char* why) {
  result.failed_at = index;
  result.stopped_unrecorded = true;
  result.reason = step.describe() + ": not sent, " + why;
  return result;
}

}  // namespace

SequenceResult run_sequence(PrinterPort& port, PageSource& source,
                            const std::vector<PageStep>& steps, SequenceListener& listener,
                            const SequencerConfig& config, Clock& clock,
                            const std::atomic<bool>* stop) {
  SequenceResult result;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    PageEvent e{PageEvent::Type::submitted, i, steps.size(), &steps[i], 0, {}, false, 0};
    auto fail = [&](std::string why, bool maybe_reached = false) {
      e.type = PageEvent::Type::failed;
      e.detail = why;
      e.maybe_reached_printer = maybe_reached;
      listener.on_page(e);
      result.failed_at = i;
      result.reason = steps[i].describe() + ": " + why;
      return result;
    };
    if (stop && *stop) {
      result.stopped = true;
      return result;
    }
    auto sent = job_already_sent(port, steps[i], config, clock, e.uncancelled_job_id);
    if (!sent) return fail(sent.error().message, sent.error().keyword == kMaybeSent);
    e.job_id = *sent;
    if (e.job_id == 0) {
      const Submission sub = submit_page(port, source, steps[i], e, listener);
      if (sub.unrecorded)
        return stopped_unrecorded(result, i, steps[i], "its state could not be recorded");
      if (!sub.failed.empty()) return fail(sub.failed, sub.maybe_sent);
      e.job_id = sub.job_id;
    }
    e.type = PageEvent::Type::submitted;
    result.last_job_id = e.job_id;
    listener.on_page(e);
    Followed f = follow_job(port, e.job_id, e, listener, config, clock, stop);
    if (f.stopped) {
      result.stopped = true;
      return result;
    }
    if (!f.failed.empty()) {
      // Whatever state it is in, it must not print later on its own.
      if (!f.job_ended)
        if (auto c = port.cancel(e.job_id); !c) {
          f.failed += "; cancelling it failed too: " + c.message();
          e.uncancelled_job_id = e.job_id;
        }
      return fail(f.failed);
    }
    e.type = PageEvent::Type::completed;
    listener.on_page(e);
    ++result.completed;
    if (!listener.healthy()) {
      if (i + 1 == steps.size()) return result;
      return stopped_unrecorded(result, i + 1, steps[i + 1],
                                "an earlier state could not be recorded");
    }
  }
  return result;
}

namespace {

class OnePage final : public PageSource {
 public:
  explicit OnePage(const PageJob& job) : job_(job) {}
  Result<PageJob> page(const PageStep&) override { return job_; }

 private:
  const PageJob& job_;
};

class Quiet final : public SequenceListener {
 public:
  void on_page(const PageEvent&) override {}
};

}  // namespace

SequenceResult print_page(PrinterPort& port, const PageJob& job, const std::string& label,
                          const SequencerConfig& config, Clock& clock,
                          const std::atomic<bool>* stop) {
  OnePage source(job);
  Quiet quiet;
  const std::vector<PageStep> steps = {
      {"", issuance::Holder::male, issuance::PageKind::info, job.job_name, 0, false, label}};
  return run_sequence(port, source, steps, quiet, config, clock, stop);
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
