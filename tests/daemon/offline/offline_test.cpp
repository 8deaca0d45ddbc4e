// The offline commands: keygen, render, verify.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "daemon/offline/offline.hpp"
#include "support/pdf_text.hpp"
#include "support/qr_decode.hpp"
#include "support/temp_dir.hpp"

using namespace certprint;
using namespace certprint::testing;
using issuance::Holder;

namespace {

const issuance::ValidationOptions kValidation{issuance::Date{2026, 11, 28}};

std::string read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("render command writes every page, verify finds the booklet", "[daemon][offline]") {
  TempDir dir;
  std::ostringstream log;
  REQUIRE(offline::run_keygen({dir / "keys"}, system_random(), log).ok());

  offline::RenderCommand cmd;
  cmd.issuance_file = source_dir() / "samples" / "marriage.json";
  cmd.out_dir = dir / "out";
  cmd.keys_dir = dir / "keys";
  cmd.templates_dir = source_dir() / "templates";
  cmd.write_raster = true;
  auto tokens = offline::run_render(cmd, kValidation, system_random(), log);
  REQUIRE(tokens.ok());
  REQUIRE(tokens->size() == 2);
  const std::string id = "440106-20260512-0001-";
  for (const char* name :
       {"male-info.pdf", "male-page5.pdf", "female-info.pdf", "female-page5.pdf", "male-info.png",
        "male-page5.png", "female-info.png", "female-page5.png", "male-page5.pbm"}) {
    INFO(name);
    CHECK(std::filesystem::file_size(dir / "out" / (id + name)) > 100);
  }
  CHECK(read_file(dir / "out" / (id + "male-page5.pbm")).rfind("P4\n667 908\n", 0) == 0);

  std::ostringstream out;
  auto ok =
      offline::run_verify({(*tokens)[1].token, cmd.issuance_file, cmd.keys_dir}, kValidation, out);
  REQUIRE(ok.ok());
  CHECK(*ok);
  CHECK_THAT(out.str(), Catch::Contains("female booklet"));

  // A token for another issuance's record matches none of this one's.
  std::ostringstream out2;
  auto other = offline::run_verify(
      {(*tokens)[0].token, source_dir() / "samples" / "divorce.json", cmd.keys_dir}, kValidation,
      out2);
  REQUIRE(other.ok());
  CHECK_FALSE(*other);
  CHECK_THAT(out2.str(), Catch::Contains("no match"));
}

TEST_CASE("render's pages hold personal data: private files named by their issuance (10.15)",
          "[daemon][offline]") {
  TempDir dir;
  std::ostringstream log;
  REQUIRE(offline::run_keygen({dir / "keys"}, system_random(), log).ok());
  offline::RenderCommand cmd;
  cmd.out_dir = dir / "out";
  cmd.keys_dir = dir / "keys";
  cmd.templates_dir = source_dir() / "templates";
  cmd.write_raster = true;
  // A usual umask: a file made without a mode of its own would be 0644.
  const mode_t old_mask = ::umask(022);
  cmd.issuance_file = source_dir() / "samples" / "marriage.json";
  const bool first = offline::run_render(cmd, kValidation, system_random(), log).ok();
  cmd.issuance_file = source_dir() / "samples" / "replacement.json";
  const bool second = offline::run_render(cmd, kValidation, system_random(), log).ok();
  ::umask(old_mask);
  REQUIRE(first);
  REQUIRE(second);
  // Both issuances' files side by side: 4 PDFs, 4 PNGs and a PBM each.
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir / "out")) {
    INFO(entry.path().string());
    ++files;
    CHECK(entry.status().permissions() ==
          (std::filesystem::perms::owner_read | std::filesystem::perms::owner_write));
  }
  CHECK(files == 18);
  for (const char* id : {"440106-20260512-0001", "440106-20261120-0002"})
    CHECK(std::filesystem::exists(dir / "out" / (std::string(id) + "-female-info.png")));
}

TEST_CASE("a refused render leaves the output directory untouched", "[daemon][offline]") {
  TempDir dir;
  std::ostringstream log;
  REQUIRE(offline::run_keygen({dir / "keys"}, system_random(), log).ok());
  // A zone barely larger than the symbol, and a printer that prints 10 %
  // small: the corrected symbol (which cannot be pre-scaled) lands larger
  // than the zone.
  std::filesystem::create_directories(dir / "templates");
  std::string tmpl = read_file(source_dir() / "templates" / "marriage.json");
  const std::string zone = "\"box\": [12, 86, 70, 36]";
  REQUIRE(tmpl.find(zone) != std::string::npos);
  tmpl.replace(tmpl.find(zone), zone.size(), "\"box\": [36, 95, 22, 22]");
  std::ofstream(dir / "templates" / "marriage.json") << tmpl;
  std::ofstream(dir / "cal.json") << R"({"pages":{"page5":{"scale":[0.9,0.9]}}})";
  offline::RenderCommand cmd;
  cmd.issuance_file = source_dir() / "samples" / "marriage.json";
  cmd.out_dir = dir / "out";
  cmd.keys_dir = dir / "keys";
  cmd.templates_dir = dir / "templates";
  cmd.calibration_file = dir / "cal.json";
  auto tokens = offline::run_render(cmd, kValidation, system_random(), log);
  REQUIRE_FALSE(tokens.ok());
  CHECK_THAT(tokens.error().message, Catch::Contains("QR zone"));
  CHECK_FALSE(std::filesystem::exists(dir / "out"));
}

TEST_CASE("render refuses a calibration that would draw the QR off the page", "[daemon][offline]") {
  // 19 mm down keeps the QR in its zone on paper, but the printer would be
  // told to draw it past the page's bottom edge and clip it.
  TempDir dir;
  std::ostringstream log;
  REQUIRE(offline::run_keygen({dir / "keys"}, system_random(), log).ok());
  std::ofstream(dir / "cal.json") << R"({"pages":{"page5":{"offset_mm":[0,19]}}})";
  offline::RenderCommand cmd;
  cmd.issuance_file = source_dir() / "samples" / "marriage.json";
  cmd.out_dir = dir / "out";
  cmd.keys_dir = dir / "keys";
  cmd.templates_dir = source_dir() / "templates";
  cmd.calibration_file = dir / "cal.json";
  cmd.write_raster = true;
  auto tokens = offline::run_render(cmd, kValidation, system_random(), log);
  REQUIRE_FALSE(tokens.ok());
  CHECK(tokens.error().code == ErrorCode::refused);
  CHECK_THAT(tokens.error().message,
             Catch::Contains("page 5") && Catch::Contains("page5 QR: would end") &&
                 Catch::Contains("below the page's bottom edge (128.0 mm)"));
  CHECK_FALSE(std::filesystem::exists(dir / "out"));

  // The info page's fields too, and a rotated calibration file.
  std::ofstream(dir / "cal.json") << R"({"pages":{"info":{"offset_mm":[0,7]}}})";
  auto info = offline::run_render(cmd, kValidation, system_random(), log);
  REQUIRE_FALSE(info.ok());
  CHECK_THAT(info.error().message, Catch::Contains("info field \"female.id_number\""));
  std::ofstream(dir / "cal.json") << R"({"pages":{"info":{"matrix":[0,1,-1,0,0,0]}}})";
  auto turned = offline::run_render(cmd, kValidation, system_random(), log);
  REQUIRE_FALSE(turned.ok());
  CHECK_THAT(turned.error().message, Catch::Contains("rotated by 90.0°"));
  CHECK_FALSE(std::filesystem::exists(dir / "out"));
}

TEST_CASE("previews can be drawn over an office's scan of a blank", "[daemon][offline]") {
  TempDir dir;
  std::ostringstream log;
  REQUIRE(offline::run_keygen({dir / "keys"}, system_random(), log).ok());
  offline::RenderCommand cmd;
  cmd.issuance_file = source_dir() / "samples" / "marriage.json";
  cmd.out_dir = dir / "plain";
  cmd.keys_dir = dir / "keys";
  cmd.templates_dir = source_dir() / "templates";
  cmd.holder = Holder::male;
  REQUIRE(offline::run_render(cmd, kValidation, system_random(), log).ok());

  // Any one-page PDF stands in for a scan: here, a page 5 rendered before.
  const std::string id = "440106-20260512-0001-";
  cmd.page5_form_pdf = dir / "plain" / (id + "male-page5.pdf");
  cmd.out_dir = dir / "scanned";
  REQUIRE(offline::run_render(cmd, kValidation, system_random(), log).ok());
  CHECK(read_file(dir / "scanned" / (id + "male-page5.png")) !=
        read_file(dir / "plain" / (id + "male-page5.png")));

  std::ofstream(dir / "not.pdf") << "JPEG?";
  cmd.page5_form_pdf = dir / "not.pdf";
  cmd.out_dir = dir / "refused";
  auto refused = offline::run_render(cmd, kValidation, system_random(), log);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.error().message,
             Catch::Contains("not.pdf") && Catch::Contains("not a readable PDF"));
  CHECK_FALSE(std::filesystem::exists(dir / "refused"));
}
