// What a print request becomes: the pages of each issuance in the
// prescribed order, each with its own opaque job name.
#pragma once

#include <string>
#include <vector>

#include "common/random.hpp"
#include "common/result.hpp"
#include "issuance/record.hpp"

namespace certprint::printing {

// One page of one booklet, to be one print job.
struct PageStep {
  std::string issuance_id;
  issuance::Holder holder = issuance::Holder::male;
  issuance::PageKind kind = issuance::PageKind::info;
  std::string job_name;  // opaque, unique; recorded before submission
  // A job already handed to the printer before a restart: followed, never
  // submitted again. 0: submit a new job.
  int existing_job_id = 0;
  // The page was being submitted when the daemon stopped and its job id was
  // not recorded: look the job up by name first, submit only if absent.
  bool maybe_submitted = false;
  // Names a page outside any booklet ("calibration target"); empty for a
  // booklet's page.
  std::string label;
  std::string describe() const;  // "issuance X male page 5": no personal data
};

enum class PrintMode { one_click, male_only, female_only };

// An opaque job name: "cp-" and 20 random hex digits.
Result<std::string> opaque_job_name(const RandomSource& random);

// The pages of each issuance, issuances in the order given: one-click is
// male info, male page 5, female info, female page 5; a replacement prints
// only the booklets it carries; male_only/female_only print that booklet's
// two pages, and refuse an issuance that does not carry it.
Result<std::vector<PageStep>> plan_pages(const std::vector<issuance::Issuance>& issuances,
                                         PrintMode mode, const RandomSource& random);

}  // namespace certprint::printing
