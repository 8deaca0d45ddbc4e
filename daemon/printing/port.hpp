// The printer as the sequencer sees it: submit one page as one job, follow
// the job, read the printer's state. The real implementation talks to CUPS
// (printing/cups/cups_port.hpp); tests of the sequencing logic use a
// scripted fake.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.hpp"

namespace certprint::printing {

// The keyword of a submit error after the document (or part of it) went out.
inline constexpr std::string_view kDocumentSent = "document_sent";

enum class DocumentFormat { pdf, cups_raster };
std::string_view mime_type(DocumentFormat f);  // "application/pdf" | "application/vnd.cups-raster"

// One booklet page as one print job.
struct PageJob {
  std::string job_name;  // opaque; never personal data (it is visible in CUPS)
  DocumentFormat format = DocumentFormat::pdf;
  std::string document;  // the bytes to print
  double width_mm = 0;   // the booklet page, for the media attribute
  double height_mm = 0;
  // The driver's options (PPD option keywords and values) for a queue of a
  // cupsd, which hands them to the queue's filter; not sent to a printer
  // addressed by URI, which would refuse what it does not know.
  std::vector<std::pair<std::string, std::string>> driver_options;
};

// IPP job states, plus `unknown` for a job the printer no longer reports.
enum class JobPhase { pending, held, processing, stopped, completed, canceled, aborted, unknown };
std::string_view to_string(JobPhase p);

struct JobStatus {
  int job_id = 0;
  JobPhase phase = JobPhase::unknown;
  std::vector<std::string> reasons;  // IPP job-state-reasons keywords
  std::string message;               // job-state-message, if any
  // The printer began printing it (IPP time-at-processing is set): once
  // true, some of the page may be on paper whatever the job's end.
  bool started = false;
  bool terminal() const {
    return phase == JobPhase::completed || phase == JobPhase::canceled ||
           phase == JobPhase::aborted;
  }
};

struct PrinterStatus {
  std::string state;                 // "idle" | "processing" | "stopped"
  std::vector<std::string> reasons;  // printer-state-reasons, "none" dropped
  std::string message;
  bool accepting_jobs = true;
  // A reason that stops printing until a person acts: media-needed,
  // offline, paused, stopped, door open, jam...
  bool needs_attention() const;
  // Waiting for media alone (media-needed, media-empty: a booklet to be
  // inserted, paper to be loaded), nothing else wrong: at a passbook printer
  // that is the clerk's next step, not a fault.
  bool waits_for_media() const;
};

class PrinterPort {
 public:
  virtual ~PrinterPort() = default;
  // The printer's name as the clerk knows it (queue name or URI).
  virtual const std::string& name() const = 0;
  // Submits the page; returns the job id once the printer has accepted the
  // whole document. A failure after any of the document went out carries
  // the keyword kDocumentSent: the page may print although no job id came
  // back.
  virtual Result<int> submit(const PageJob& job) = 0;
  virtual Result<JobStatus> job_status(int job_id) = 0;
  virtual Result<PrinterStatus> printer_status() = 0;
  virtual Status cancel(int job_id) = 0;
  // The id of a job with this name that the printer still knows, if any
  // (after a crash, to follow a job instead of submitting it again).
  virtual Result<std::optional<int>> find_job(const std::string& job_name) = 0;
  // Whether find_job can be trusted to know every job sent (a cupsd keeps
  // its job history; a printer addressed directly may not).
  virtual bool remembers_jobs() const { return true; }
  // Whether the printer lists media of this size. When it does not, pages go
  // at their own size with no scaling, and a cupsd queue places them on the
  // media it has (centred): the caller should say so.
  virtual bool supports_media(double /*width_mm*/, double /*height_mm*/) { return true; }
};

}  // namespace certprint::printing
