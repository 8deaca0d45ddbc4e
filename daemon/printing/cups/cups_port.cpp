#include "daemon/printing/cups/cups_port.hpp"

#include <cstring>

#include "daemon/printing/cups/cups_ipp.hpp"

namespace certprint::printing::cups {

namespace {

class CupsPort final : public PrinterPort {
 public:
  ~CupsPort() override {
    if (info_) cupsFreeDestInfo(info_);
    if (dest_) cupsFreeDests(1, dest_);
    if (http_) httpClose(http_);
  }

  static Result<std::unique_ptr<PrinterPort>> open(const CupsPortConfig& c) {
    std::unique_ptr<CupsPort> p(new CupsPort);
    p->name_ = c.printer;
    p->timeout_ms_ = c.timeout_ms;
    const bool by_uri = c.printer.starts_with("ipp://") || c.printer.starts_with("ipps://");
    p->by_uri_ = by_uri;
    if (by_uri) {
      p->dest_ = cupsGetDestWithURI(nullptr, c.printer.c_str());
      if (!p->dest_) return Error{"printer URI \"" + c.printer + "\" is not a valid IPP URI"};
      p->http_ = cupsConnectDest(p->dest_, CUPS_DEST_FLAGS_DEVICE, c.timeout_ms, nullptr, nullptr,
                                 0, nullptr, nullptr);
      if (!p->http_) return Error{"cannot connect to printer " + c.printer + ": " + last_error()};
      p->printer_uri_ = c.printer;
    } else {
      // libcups compares every connection with its own idea of the server
      // (a per-thread setting) and, on a mismatch, talks to the queue's
      // device instead of the queue: make the two agree.
      const CupsServer server = cups_server_for(c);
      p->server_ = server.label();
      p->http_ = httpConnect2(server.host.c_str(), server.port, nullptr, AF_UNSPEC,
                              HTTP_ENCRYPTION_IF_REQUESTED, 1, c.timeout_ms, nullptr);
      if (!p->http_) return Error{"cannot connect to CUPS at " + p->server_ + ": " + last_error()};
      p->dest_ = cupsGetNamedDest(p->http_, c.printer.c_str(), nullptr);
      if (!p->dest_)
        return Error{"printer \"" + c.printer + "\" is not a queue of CUPS at " + p->server_};
      const char* uri =
          cupsGetOption("printer-uri-supported", p->dest_->num_options, p->dest_->options);
      if (!uri)
        return Error{"CUPS at " + p->server_ + " gave no URI for printer \"" + c.printer + "\""};
      p->printer_uri_ = uri;
    }
    char scheme[32], user[256], host[256], resource[1024];
    int port = 0;
    httpSeparateURI(HTTP_URI_CODING_ALL, p->printer_uri_.c_str(), scheme, sizeof scheme, user,
                    sizeof user, host, sizeof host, &port, resource, sizeof resource);
    p->resource_ = by_uri ? resource : "/";
    p->info_ = cupsCopyDestInfo(p->http_, p->dest_);
    if (!p->info_)
      return Error{"cannot read the capabilities of printer \"" + c.printer +
                   "\": " + last_error()};
    return std::unique_ptr<PrinterPort>(std::move(p));
  }

  const std::string& name() const override { return name_; }
  // A cupsd keeps its job history (PreserveJobHistory); a printer addressed
  // by URI may forget a job as soon as it ends.
  bool remembers_jobs() const override { return !by_uri_; }

  Result<int> submit(const PageJob& job) override {
    cups_option_t* opts = nullptr;
    int n = 0;
    n = cupsAddOption("copies", "1", n, &opts);
    n = cupsAddOption("print-scaling", "none", n, &opts);
    if (!by_uri_) {
      // cupsd's own attributes; an IPP printer refuses what it does not know.
      n = cupsAddOption("fit-to-page", "false", n, &opts);
      n = cupsAddOption("job-sheets", "none,none", n, &opts);
      for (const auto& [key, value] : job.driver_options)
        n = cupsAddOption(key.c_str(), value.c_str(), n, &opts);
    }
    // Only where the printer takes it; the document's own page size stands
    // otherwise, and scaling is off either way.
    if (job.width_mm > 0 && job.height_mm > 0 && supports_media(job.width_mm, job.height_mm))
      n = cupsAddOption("media", media_name(job.width_mm, job.height_mm).c_str(), n, &opts);
    int job_id = 0;
    const ipp_status_t created =
        cupsCreateDestJob(http_, dest_, info_, &job_id, job.job_name.c_str(), n, opts);
    cupsFreeOptions(n, opts);
    if (created > IPP_STATUS_OK_CONFLICTING || job_id <= 0)
      return Error{"printer \"" + name_ + "\" refused the job: " + last_error()};

    const std::string format(mime_type(job.format));
    if (cupsStartDestDocument(http_, dest_, info_, job_id, "page", format.c_str(), 0, nullptr, 1) !=
        HTTP_STATUS_CONTINUE) {
      std::string why = last_error();
      if (cupsCancelDestJob(http_, dest_, job_id) > IPP_STATUS_OK_CONFLICTING)
        why += "; cancelling job " + std::to_string(job_id) + " failed too: " + last_error();
      return Error{"printer \"" + name_ + "\" refused the document: " + why};
    }
    const char* p = job.document.data();
    std::size_t left = job.document.size();
    while (left > 0) {
      const std::size_t chunk = std::min<std::size_t>(left, 64 * 1024);
      if (cupsWriteRequestData(http_, p, chunk) != HTTP_STATUS_CONTINUE) break;
      p += chunk;
      left -= chunk;
    }
    const ipp_status_t finished = cupsFinishDestDocument(http_, dest_, info_);
    if (left > 0 || finished > IPP_STATUS_OK_CONFLICTING) {
      std::string why = last_error();
      if (cupsCancelDestJob(http_, dest_, job_id) > IPP_STATUS_OK_CONFLICTING)
        why += "; cancelling job " + std::to_string(job_id) + " failed too: " + last_error();
      return Error{"sending the document to printer \"" + name_ + "\" failed: " + why,
                   ErrorCode::failed, std::string(kDocumentSent)};
    }
    return job_id;
  }

  Result<JobStatus> job_status(int job_id) override {
    static const char* const kAttrs[] = {"job-state", "job-state-reasons", "job-state-message",
                                         "time-at-processing"};
    ipp_t* req = ippNewRequest(IPP_OP_GET_JOB_ATTRIBUTES);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nullptr, printer_uri_.c_str());
    ippAddInteger(req, IPP_TAG_OPERATION, IPP_TAG_INTEGER, "job-id", job_id);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", nullptr, cupsUser());
    ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", 4, nullptr,
                  kAttrs);
    ipp_t* resp = cupsDoRequest(http_, req, resource_.c_str());
    JobStatus s;
    s.job_id = job_id;
    if (!resp)
      return Error{"cannot read job " + std::to_string(job_id) + " on \"" + name_ +
                   "\": " + last_error()};
    if (ippGetStatusCode(resp) == IPP_STATUS_ERROR_NOT_FOUND) {
      ippDelete(resp);
      return s;  // unknown: the printer forgot it
    }
    if (ippGetStatusCode(resp) > IPP_STATUS_OK_CONFLICTING) {
      ippDelete(resp);
      return Error{"cannot read job " + std::to_string(job_id) + " on \"" + name_ +
                   "\": " + last_error()};
    }
    if (ipp_attribute_t* a = ippFindAttribute(resp, "job-state", IPP_TAG_ENUM)) {
      switch (static_cast<ipp_jstate_t>(ippGetInteger(a, 0))) {
        case IPP_JSTATE_PENDING:
          s.phase = JobPhase::pending;
          break;
        case IPP_JSTATE_HELD:
          s.phase = JobPhase::held;
          break;
        case IPP_JSTATE_PROCESSING:
          s.phase = JobPhase::processing;
          break;
        case IPP_JSTATE_STOPPED:
          s.phase = JobPhase::stopped;
          break;
        case IPP_JSTATE_CANCELED:
          s.phase = JobPhase::canceled;
          break;
        case IPP_JSTATE_ABORTED:
          s.phase = JobPhase::aborted;
          break;
        case IPP_JSTATE_COMPLETED:
          s.phase = JobPhase::completed;
          break;
      }
    }
    s.reasons = keywords(resp, "job-state-reasons");
    s.message = text_attr(resp, "job-state-message");
    // An integer once the job began printing; no-value before.
    if (ipp_attribute_t* a = ippFindAttribute(resp, "time-at-processing", IPP_TAG_INTEGER))
      s.started = ippGetInteger(a, 0) > 0;
    ippDelete(resp);
    return s;
  }

  Result<PrinterStatus> printer_status() override {
    static const char* const kAttrs[] = {"printer-state", "printer-state-reasons",
                                         "printer-state-message", "printer-is-accepting-jobs"};
    ipp_t* req = ippNewRequest(IPP_OP_GET_PRINTER_ATTRIBUTES);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nullptr, printer_uri_.c_str());
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", nullptr, cupsUser());
    ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", 4, nullptr,
                  kAttrs);
    ipp_t* resp = cupsDoRequest(http_, req, resource_.c_str());
    if (!resp || ippGetStatusCode(resp) > IPP_STATUS_OK_CONFLICTING) {
      if (resp) ippDelete(resp);
      return Error{"cannot read the state of printer \"" + name_ + "\": " + last_error()};
    }
    PrinterStatus s = printer_status_of(resp);
    ippDelete(resp);
    return s;
  }

  bool supports_media(double width_mm, double height_mm) override {
    return cupsCheckDestSupported(http_, dest_, info_, "media",
                                  media_name(width_mm, height_mm).c_str());
  }

  Status cancel(int job_id) override {
    if (cupsCancelDestJob(http_, dest_, job_id) > IPP_STATUS_OK_CONFLICTING)
      return Error{"cannot cancel job " + std::to_string(job_id) + " on \"" + name_ +
                   "\": " + last_error()};
    return {};
  }

  Result<std::optional<int>> find_job(const std::string& job_name) override {
    static const char* const kAttrs[] = {"job-id", "job-name"};
    ipp_t* req = ippNewRequest(IPP_OP_GET_JOBS);
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nullptr, printer_uri_.c_str());
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_NAME, "requesting-user-name", nullptr, cupsUser());
    ippAddString(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "which-jobs", nullptr, "all");
    ippAddStrings(req, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", 2, nullptr,
                  kAttrs);
    ipp_t* resp = cupsDoRequest(http_, req, resource_.c_str());
    if (!resp || ippGetStatusCode(resp) > IPP_STATUS_OK_CONFLICTING) {
      if (resp) ippDelete(resp);
      return Error{"cannot list the jobs of printer \"" + name_ + "\": " + last_error()};
    }
    std::optional<int> found;
    int id = 0;
    bool named = false;
    auto end_of_job = [&] {
      if (named && id > 0) found = id;  // the newest such job wins
      id = 0;
      named = false;
    };
    for (ipp_attribute_t* a = ippFirstAttribute(resp); a; a = ippNextAttribute(resp)) {
      if (!ippGetName(a)) {
        end_of_job();  // attributes of one job end at a group separator
        continue;
      }
      if (std::strcmp(ippGetName(a), "job-id") == 0) id = ippGetInteger(a, 0);
      if (std::strcmp(ippGetName(a), "job-name") == 0) {
        const char* v = ippGetString(a, 0, nullptr);
        named = v && job_name == v;
      }
    }
    end_of_job();
    ippDelete(resp);
    return found;
  }

 private:
  CupsPort() = default;
  std::string name_;
  std::string server_;
  std::string printer_uri_;
  std::string resource_;
  int timeout_ms_ = 10000;
  bool by_uri_ = false;
  http_t* http_ = nullptr;
  cups_dest_t* dest_ = nullptr;
  cups_dinfo_t* info_ = nullptr;
};

}  // namespace

Result<std::unique_ptr<PrinterPort>> open_cups_port(const CupsPortConfig& config) {
  if (config.printer.empty()) return Error{"no printer given"};
  return CupsPort::open(config);
}

}  // namespace certprint::printing::cups
