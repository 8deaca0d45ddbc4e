// One booklet of the marriage sample, tokened with a fixed test key and
// rendered with the given options: the pages a printer would receive.
#pragma once

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "daemon/booklet.hpp"
#include "support/temp_dir.hpp"

namespace certprint::testing {

struct SampleBooklet {
  issuance::Issuance record;
  token::KeyRing keys = token::KeyRing::from_keys({token::Key{1, {}}});
  std::string token;
  std::vector<daemon::RenderedPage> pages;  // info page, page 5
};

inline SampleBooklet render_sample_booklet(issuance::Holder holder,
                                           const daemon::RenderOptions& options) {
  SampleBooklet b;
  auto rec =
      issuance::load_issuance_file(source_dir() / "samples" / "marriage.json", {{2026, 11, 28}});
  REQUIRE(rec.ok());
  b.record = *rec;
  auto tmpl = daemon::load_template_for(source_dir() / "templates", b.record.kind);
  REQUIRE(tmpl.ok());
  auto renderer = daemon::BookletRenderer::create(std::move(*tmpl));
  REQUIRE(renderer.ok());
  auto tok = daemon::issue_booklet_token(b.keys, b.record, holder, system_random());
  REQUIRE(tok.ok());
  b.token = *tok;
  auto pages = (*renderer)->render_booklet(b.record, holder, b.token, options);
  REQUIRE(pages.ok());
  b.pages = std::move(*pages);
  return b;
}

}  // namespace certprint::testing
