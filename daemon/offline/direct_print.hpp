// `certprint print --direct`: print issuance files without a daemon, for
// tests, technicians and offices that run none. Fresh tokens per booklet.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "common/random.hpp"
#include "common/result.hpp"
#include "daemon/printing/cups/cups_port.hpp"
#include "daemon/printing/sequencer.hpp"
#include "issuance/record.hpp"
#include "layout/geometry.hpp"

namespace certprint::offline {

struct DirectPrintCommand {
  std::vector<std::filesystem::path> issuance_files;  // several: a batch, in this order
  printing::cups::CupsPortConfig printer;
  printing::PrintMode mode = printing::PrintMode::one_click;
  std::filesystem::path keys_dir;
  std::filesystem::path templates_dir;
  std::optional<std::filesystem::path> calibration_file;
  printing::DocumentFormat format =
      printing::DocumentFormat::pdf;  // cups_raster for raster drivers
  layout::Resolution res{180, 180};   // the printer's dot grid
  printing::SequencerConfig sequencer;
  // Called for every page event after its progress line (UIs, tests).
  std::function<void(const printing::PageEvent&)> on_event;
};

// Checks every file, key and template before the first page is sent, then
// prints, writing one progress line per page event to `progress`. Returns
// the sequence's result (failed or not); an error means nothing was sent.
Result<printing::SequenceResult> run_direct_print(const DirectPrintCommand& cmd,
                                                  const issuance::ValidationOptions& validation,
                                                  const RandomSource& random,
                                                  std::ostream& progress);

}  // namespace certprint::offline
