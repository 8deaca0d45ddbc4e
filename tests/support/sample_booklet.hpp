// One booklet of the marriage sample, tokened with a fixed test key and
// rendered with the given options: the pages a printer would receive.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "daemon/booklet/renderer.hpp"
#include "daemon/booklet/tokens.hpp"
#include "support/temp_dir.hpp"

namespace certprint::testing {

struct SampleBooklet {
  issuance::Issuance record;
  token::KeyRing keys = token::KeyRing::from_keys({token::Key{1, {}}});
  std::string token;
  std::vector<booklet::RenderedPage> pages;  // info page, page 5
};

inline SampleBooklet render_sample_booklet(issuance::Holder holder,
                                           const booklet::RenderOptions& options) {
  SampleBooklet b;
  auto rec = issuance::load_issuance_file(source_dir() / "samples" / "marriage.json",
                                          {issuance::Date{2026, 11, 28}});
  REQUIRE(rec.ok());
  b.record = *rec;
  auto tmpl = booklet::load_template_for(source_dir() / "templates", b.record.kind);
  REQUIRE(tmpl.ok());
  auto renderer = booklet::BookletRenderer::create(std::move(*tmpl));
  REQUIRE(renderer.ok());
  auto tok = booklet::issue_booklet_token(b.keys, b.record, holder, system_random());
  REQUIRE(tok.ok());
  b.token = *tok;
  auto pages = (*renderer)->render_booklet(b.record, holder, b.token, options);
  REQUIRE(pages.ok());
  b.pages = std::move(*pages);
  return b;
}

}  // namespace certprint::testing
