// The technician's `certcal` commands, apart from their thin main. Each
// returns the exit status (0 done, 1 refused, 2 unreachable or bad usage)
// and writes what a person reads to `out`, problems to `err`.
#pragma once

#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "calibration/fit.hpp"
#include "common/result.hpp"
#include "daemon/client/api_client.hpp"

namespace certprint::client {

using calibration::FitLimits;
using calibration::Measurement;

// Renders the target offline as PDF or PNG (by the file's extension).
int chart(const std::filesystem::path& templates_dir, const std::string& page,
          const std::filesystem::path& out_file, std::ostream& out, std::ostream& err);
// Prints the target on a printer through certprintd; `corrected` applies the
// printer's current correction (certcal verify).
int target(const ClientConfig& d, const std::string& printer, const std::string& page,
           bool corrected, std::ostream& out, std::ostream& err);
// Fits a correction from measured marks, shows it and each mark's residual,
// refuses what is implausible or would move page 5's QR out of its zone,
// and with `save` stores it as the printer's next profile version.
// `printed_corrected`: the target was printed with the current correction.
int fit_and_save(const ClientConfig& d, const std::filesystem::path& templates_dir,
                 const std::string& printer, const std::string& page,
                 const std::vector<Measurement>& measured, bool printed_corrected, bool save,
                 const FitLimits& limits, std::ostream& out, std::ostream& err);
// Prints the bidirectional alignment pattern at a passbook printer and says
// how to read it.
int bidi_pattern(const ClientConfig& d, const std::string& printer, std::ostream& out,
                 std::ostream& err);
// Applies the number whose bars met on the pattern printed with profile
// version `printed_with`.
int bidi_align(const ClientConfig& d, const std::string& printer, int aligned, int printed_with,
               std::ostream& out, std::ostream& err);
int show(const ClientConfig& d, const std::string& printer, std::ostream& out, std::ostream& err);
// Puts an earlier version's profile back (as a new version).
int rollback(const ClientConfig& d, const std::string& printer, int version, std::ostream& out,
             std::ostream& err);

}  // namespace certprint::client
