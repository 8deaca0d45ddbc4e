#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "daemon/booklet.hpp"
#include "daemon/offline.hpp"
#include "support/pdf_text.hpp"
#include "support/qr_decode.hpp"
#include "support/temp_dir.hpp"

using namespace certprint;
using namespace certprint::testing;
using issuance::Holder;

namespace {

const issuance::ValidationOptions kValidation{{2026, 11, 28}};

issuance::Issuance sample(const char* name) {
  auto r = issuance::load_issuance_file(source_dir() / "samples" / name, kValidation);
  if (!r) FAIL(r.error().message);
  return *r;
}

token::KeyRing ring(std::initializer_list<std::uint8_t> ids) {
  std::vector<token::Key> keys;
  for (auto id : ids) {
    token::Key k;
    k.id = id;
    k.secret.fill(static_cast<std::uint8_t>(id * 7 + 1));
    keys.push_back(k);
  }
  return token::KeyRing::from_keys(keys);
}

std::unique_ptr<daemon::BookletRenderer> renderer_for(const issuance::Issuance& rec) {
  auto t = daemon::load_template_for(source_dir() / "templates", rec.kind);
  REQUIRE(t.ok());
  auto r = daemon::BookletRenderer::create(std::move(*t));
  if (!r) FAIL(r.error().message);
  return std::move(*r);
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("QR round trip: page 5 at 180 dpi decodes to a token that verifies", "[daemon]") {
  const auto rec = sample("marriage.json");
  const auto keys = ring({1, 2});
  auto renderer = renderer_for(rec);
  daemon::RenderOptions options;
  options.device = {{180, 180}, 0};

  for (Holder h : {Holder::male, Holder::female}) {
    auto tok = daemon::issue_booklet_token(keys, rec, h, system_random());
    REQUIRE(tok.ok());
    auto pages = renderer->render_booklet(rec, h, *tok, options);
    REQUIRE(pages.ok());
    REQUIRE(pages->size() == 2);
    CHECK((*pages)[0].kind == daemon::PageKind::info);
    CHECK((*pages)[1].kind == daemon::PageKind::page5);

    auto scanned = decode_qr(*(*pages)[1].raster);
    REQUIRE(scanned);
    CHECK(*scanned == *tok);
    const auto m = daemon::match_token(keys, rec, *scanned);
    REQUIRE(m.holder);
    CHECK(*m.holder == h);

    // The other booklet's record does not match this token.
    const Holder other = h == Holder::male ? Holder::female : Holder::male;
    CHECK(token::verify(keys, *scanned, issuance::canonical_booklet_record(rec, other)) ==
          token::Verdict::mismatch);

    // Tampering with any character never yields a match.
    for (std::size_t i = 0; i < scanned->size(); ++i) {
      std::string bad = *scanned;
      bad[i] = bad[i] == 'A' ? 'B' : 'A';
      CHECK(token::verify(keys, bad, issuance::canonical_booklet_record(rec, h)) !=
            token::Verdict::match);
    }
    // A verifier without the signing key cannot place it.
    CHECK(daemon::match_token(ring({1}), rec, *scanned).verdict == token::Verdict::unknown_key);
  }
}

TEST_CASE("the info page shows the holder's record", "[daemon]") {
  const auto rec = sample("marriage.json");
  auto renderer = renderer_for(rec);
  auto pages = renderer->render_booklet(rec, Holder::female, "CP:TEST", {});
  REQUIRE(pages.ok());
  std::string text = pdf_text((*pages)[0].pdf);
  std::erase_if(text, [](char c) { return c == ' ' || c == '\n'; });
  for (const auto& [field, value] : issuance::info_page_fields(rec, Holder::female)) {
    INFO(field);
    CHECK(text.find(value) != std::string::npos);
  }
  CHECK(text.find(rec.female.id_number) != std::string::npos);
}

TEST_CASE("a replacement renders only the booklet it carries", "[daemon]") {
  const auto rec = sample("replacement.json");
  REQUIRE(rec.holders().size() == 1);
  const Holder carried = rec.holders()[0];
  const Holder missing = carried == Holder::male ? Holder::female : Holder::male;
  auto renderer = renderer_for(rec);
  CHECK(renderer->render_booklet(rec, carried, "CP:1", {}).ok());
  auto refused = renderer->render_booklet(rec, missing, "CP:1", {});
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.error().message,
             Catch::Contains("no " + std::string(issuance::to_string(missing))));
}

TEST_CASE("render command writes every page, verify finds the booklet", "[daemon]") {
  TempDir dir;
  std::ostringstream log;
  REQUIRE(daemon::run_keygen({dir / "keys"}, system_random(), log).ok());

  daemon::RenderCommand cmd;
  cmd.issuance_file = source_dir() / "samples" / "marriage.json";
  cmd.out_dir = dir / "out";
  cmd.keys_dir = dir / "keys";
  cmd.templates_dir = source_dir() / "templates";
  cmd.write_raster = true;
  auto tokens = daemon::run_render(cmd, kValidation, system_random(), log);
  REQUIRE(tokens.ok());
  REQUIRE(tokens->size() == 2);
  for (const char* name :
       {"male-info.pdf", "male-page5.pdf", "female-info.pdf", "female-page5.pdf", "male-info.png",
        "male-page5.png", "female-info.png", "female-page5.png", "male-page5.pbm"}) {
    INFO(name);
    CHECK(std::filesystem::file_size(dir / "out" / name) > 100);
  }
  CHECK(read_file(dir / "out" / "male-page5.pbm").rfind("P4\n667 908\n", 0) == 0);

  std::ostringstream out;
  auto ok =
      daemon::run_verify({(*tokens)[1].token, cmd.issuance_file, cmd.keys_dir}, kValidation, out);
  REQUIRE(ok.ok());
  CHECK(*ok);
  CHECK_THAT(out.str(), Catch::Contains("female booklet"));

  // A token for another issuance's record matches none of this one's.
  std::ostringstream out2;
  auto other = daemon::run_verify(
      {(*tokens)[0].token, source_dir() / "samples" / "divorce.json", cmd.keys_dir}, kValidation,
      out2);
  REQUIRE(other.ok());
  CHECK_FALSE(*other);
  CHECK_THAT(out2.str(), Catch::Contains("no match"));
}

TEST_CASE("a refused render leaves the output directory untouched", "[daemon]") {
  TempDir dir;
  std::ostringstream log;
  REQUIRE(daemon::run_keygen({dir / "keys"}, system_random(), log).ok());
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
  daemon::RenderCommand cmd;
  cmd.issuance_file = source_dir() / "samples" / "marriage.json";
  cmd.out_dir = dir / "out";
  cmd.keys_dir = dir / "keys";
  cmd.templates_dir = dir / "templates";
  cmd.calibration_file = dir / "cal.json";
  auto tokens = daemon::run_render(cmd, kValidation, system_random(), log);
  REQUIRE_FALSE(tokens.ok());
  CHECK_THAT(tokens.error().message, Catch::Contains("QR zone"));
  CHECK_FALSE(std::filesystem::exists(dir / "out"));
}

TEST_CASE("resolution option parsing", "[daemon]") {
  CHECK(daemon::parse_resolution("180")->x_dpi == 180);
  CHECK(daemon::parse_resolution("360x180")->x_dpi == 360);
  CHECK(daemon::parse_resolution("360x180")->y_dpi == 180);
  for (const char* bad : {"", "x", "abc", "10", "180x", "99999", "180x180x1"}) {
    INFO(bad);
    auto r = daemon::parse_resolution(bad);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.error().message, Catch::Contains("dpi"));
  }
}

TEST_CASE("previews can be drawn over an office's scan of a blank", "[daemon]") {
  TempDir dir;
  std::ostringstream log;
  REQUIRE(daemon::run_keygen({dir / "keys"}, system_random(), log).ok());
  daemon::RenderCommand cmd;
  cmd.issuance_file = source_dir() / "samples" / "marriage.json";
  cmd.out_dir = dir / "plain";
  cmd.keys_dir = dir / "keys";
  cmd.templates_dir = source_dir() / "templates";
  cmd.holder = Holder::male;
  REQUIRE(daemon::run_render(cmd, kValidation, system_random(), log).ok());

  // Any one-page PDF stands in for a scan: here, a page 5 rendered before.
  cmd.page5_form_pdf = dir / "plain" / "male-page5.pdf";
  cmd.out_dir = dir / "scanned";
  REQUIRE(daemon::run_render(cmd, kValidation, system_random(), log).ok());
  CHECK(read_file(dir / "scanned" / "male-page5.png") !=
        read_file(dir / "plain" / "male-page5.png"));

  std::ofstream(dir / "not.pdf") << "JPEG?";
  cmd.page5_form_pdf = dir / "not.pdf";
  cmd.out_dir = dir / "refused";
  auto refused = daemon::run_render(cmd, kValidation, system_random(), log);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.error().message,
             Catch::Contains("not.pdf") && Catch::Contains("not a readable PDF"));
  CHECK_FALSE(std::filesystem::exists(dir / "refused"));
}
