// The `certprint` subcommands that work without a daemon: keygen, render and
// verify. Each takes a plain struct filled by main and writes what a person
// reads to `out`.
#pragma once

#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "common/random.hpp"
#include "common/result.hpp"
#include "issuance/record.hpp"
#include "layout/geometry.hpp"
#include "token/token.hpp"

namespace certprint::offline {

struct KeygenCommand {
  std::filesystem::path keys_dir;  // created when absent
};
Status run_keygen(const KeygenCommand& cmd, const RandomSource& random, std::ostream& out);

struct RenderCommand {
  std::filesystem::path issuance_file;
  std::filesystem::path out_dir;  // created when absent
  std::filesystem::path keys_dir;
  std::filesystem::path templates_dir;  // holds marriage.json and divorce.json
  std::optional<std::filesystem::path> calibration_file;
  std::optional<issuance::Holder> holder;  // one booklet only
  layout::Resolution res{180, 180};
  bool write_raster = false;  // also <holder>-<page>.pbm at device resolution
  // Scans of a real blank (PDF, first page) to draw previews over, instead
  // of the template's drawn stand-in; each optional.
  std::optional<std::filesystem::path> info_form_pdf;
  std::optional<std::filesystem::path> page5_form_pdf;
  double preview_dpi = 0;  // 0: layout::preview_dpi_for the resolution
};

struct IssuedToken {
  issuance::Holder holder;
  std::string token;
};

// Renders every booklet of the issuance (or the one asked for) and writes
// <issuance-id>-<holder>-info.pdf, <issuance-id>-<holder>-page5.pdf and PNG
// previews of the same names (and .pbm rasters when asked) into out_dir,
// each with mode 0600 from its creation: they hold personal data. Everything is rendered before
// anything is written, so a refused page leaves the directory as it was.
Result<std::vector<IssuedToken>> run_render(const RenderCommand& cmd,
                                            const issuance::ValidationOptions& validation,
                                            const RandomSource& random, std::ostream& out);

struct VerifyCommand {
  std::string token;
  std::filesystem::path issuance_file;
  std::filesystem::path keys_dir;
};
// Ok(true) when the token belongs to one of the issuance's booklets.
Result<bool> run_verify(const VerifyCommand& cmd, const issuance::ValidationOptions& validation,
                        std::ostream& out);

}  // namespace certprint::offline
