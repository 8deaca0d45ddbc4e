// The booklet renderer and booklet tokens: record -> pages -> QR back.
#include <catch2/catch.hpp>

#include "common/file.hpp"
#include "daemon/booklet/renderer.hpp"
#include "daemon/booklet/tokens.hpp"
#include "support/pdf_text.hpp"
#include "support/qr_decode.hpp"
#include "support/temp_dir.hpp"

using namespace certprint;
using namespace certprint::testing;
using issuance::Holder;

namespace {

const issuance::ValidationOptions kValidation{issuance::Date{2026, 11, 28}};

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

// A sample with its parties' names replaced, validated as intake would.
issuance::Issuance with_names(const char* file, const std::string& male,
                              const std::string& female) {
  auto read = read_file(source_dir() / "samples" / file, "sample");
  REQUIRE(read.ok());
  std::string doc = *read;
  const auto rec = sample(file);
  for (const auto& [from, to] :
       {std::pair{rec.male.name, male}, std::pair{rec.female.name, female}})
    doc.replace(doc.find("\"" + from + "\""), from.size() + 2, "\"" + to + "\"");
  auto parsed = issuance::parse_issuance(doc, kValidation);
  if (!parsed.ok()) FAIL(parsed.errors.front().to_string());
  return parsed.issuance;
}

std::unique_ptr<booklet::BookletRenderer> renderer_for(const issuance::Issuance& rec) {
  auto t = booklet::load_template_for(source_dir() / "templates", rec.kind);
  REQUIRE(t.ok());
  auto r = booklet::BookletRenderer::create(std::move(*t));
  if (!r) FAIL(r.error().message);
  return std::move(*r);
}

}  // namespace

TEST_CASE("QR round trip: page 5 at 180 dpi decodes to a token that verifies",
          "[daemon][booklet]") {
  const auto rec = sample("marriage.json");
  const auto keys = ring({1, 2});
  auto renderer = renderer_for(rec);
  booklet::RenderOptions options;
  options.device = {{180, 180}};

  for (Holder h : {Holder::male, Holder::female}) {
    auto tok = booklet::issue_booklet_token(keys, rec, h, system_random());
    REQUIRE(tok.ok());
    auto pages = renderer->render_booklet(rec, h, *tok, options);
    REQUIRE(pages.ok());
    REQUIRE(pages->size() == 2);
    CHECK((*pages)[0].kind == issuance::PageKind::info);
    CHECK((*pages)[1].kind == issuance::PageKind::page5);

    auto scanned = decode_qr(*(*pages)[1].raster);
    REQUIRE(scanned);
    CHECK(*scanned == *tok);
    const auto m = booklet::match_token(keys, rec, *scanned);
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
    CHECK(booklet::match_token(ring({1}), rec, *scanned).verdict == token::Verdict::unknown_key);
  }
}

TEST_CASE("the info page shows the holder's record", "[daemon][booklet]") {
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

TEST_CASE("a replacement renders only the booklet it carries", "[daemon][booklet]") {
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

TEST_CASE("long and rare names print whole on both booklets of both kinds", "[daemon][booklet]") {
  // A passport name of 44 characters, a transliterated Uyghur name of 17
  // (wraps at a middle dot), and four characters from CJK Extensions A-C.
  const std::string latin = "MONTGOMERY-FITZWILLIAM ALEXANDER CHRISTOPHER";
  const std::string uyghur = "阿依古丽·买买提艾力·阿不都热合曼";
  const std::string rare = "欧𠮷𫖯䶮";
  booklet::RenderOptions options;
  options.device = {{180, 180}};
  for (const char* file : {"marriage.json", "divorce.json"})
    for (const auto& [male, female] :
         {std::pair{uyghur, latin}, std::pair{latin, rare}, std::pair{rare, uyghur}}) {
      const auto rec = with_names(file, male, female);
      auto renderer = renderer_for(rec);
      for (Holder h : {Holder::male, Holder::female}) {
        INFO(file << " " << issuance::to_string(h) << " booklet; male " << male << ", female "
                  << female);
        auto pages = renderer->render_booklet(rec, h, "CP:TEST", options);
        INFO((pages ? "" : pages.error().message));
        REQUIRE(pages.ok());
        const std::string& pdf = (*pages)[0].pdf;
        const auto fields = issuance::info_page_fields(rec, h);
        int names = 0;  // holder, male.name, female.name
        for (const auto& box : renderer->page_template().info.fields) {
          const std::string& value = fields.at(box.name);
          if (value != male && value != female) continue;
          INFO(box.name);
          ++names;
          const auto& b = box.box;
          CHECK(read_as_name(pdf_text_in(pdf, b.x_mm, b.y_mm, b.w_mm, b.h_mm), value) == value);
        }
        CHECK(names == 3);
      }
    }
}
